// Bench helper: wraps every kernel registered for tfjs's cpu backend to add up wall time per kernel name.
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';

export interface KernelProfile {
  /** ms per kernel name */
  ms: Map<string, number>;
  /** CPU ms (user + sys, all threads) per kernel name: on a loaded machine, where wall time is not the work done */
  cpu: Map<string, number>;
  calls: Map<string, number>;
  /** FLOP of convolutions and matmuls (2 x multiply-adds), by kernel name */
  flop: Map<string, number>;
  /** ms and calls of convolutions and matmuls per kernel name and input shapes */
  shapes: Map<string, { ms: number; cpu: number; calls: number }>;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function flopOf(name: string, args: Parameters<tf.KernelFunc>[0]): number {
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = (args.attrs ?? {}) as Record<string, unknown>;
  if (name === 'Conv3D') {
    const f = inputs.filter.shape;
    const y = tf.backend_util.computeConv3DInfo(inputs.x.shape as never, f as never, attrs.strides as number, 1, attrs.pad as 'same');
    return 2 * prod(y.outShape) * f[0] * f[1] * f[2] * f[3];
  }
  if (name === 'Conv3DBackpropInputV2') {
    const f = inputs.filter.shape;
    return 2 * prod(inputs.dy.shape) * f[0] * f[1] * f[2] * f[3];
  }
  if (name === 'Conv3DBackpropFilterV2') {
    const f = attrs.filterShape as number[];
    return 2 * prod(inputs.dy.shape) * f[0] * f[1] * f[2] * f[3];
  }
  if (name === 'BatchMatMul') {
    const a = inputs.a.shape;
    const b = inputs.b.shape;
    const k = attrs.transposeA ? a[a.length - 2] : a[a.length - 1];
    const m = attrs.transposeA ? a[a.length - 1] : a[a.length - 2];
    const n = attrs.transposeB ? b[b.length - 2] : b[b.length - 1];
    return 2 * m * n * k * prod(a.slice(0, -2));
  }
  return 0;
}

export function startKernelProfile(): { profile: KernelProfile; stop: () => void } {
  const profile: KernelProfile = { ms: new Map(), cpu: new Map(), calls: new Map(), flop: new Map(), shapes: new Map() };
  const originals = tf.getKernelsForBackend('cpu');
  for (const config of originals) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const out = inner(args);
        const ms = performance.now() - t0;
        const c1 = process.cpuUsage(c0);
        const cpu = (c1.user + c1.system) / 1000;
        profile.ms.set(name, (profile.ms.get(name) ?? 0) + ms);
        profile.cpu.set(name, (profile.cpu.get(name) ?? 0) + cpu);
        profile.calls.set(name, (profile.calls.get(name) ?? 0) + 1);
        const flop = flopOf(name, args);
        if (flop > 0) {
          profile.flop.set(name, (profile.flop.get(name) ?? 0) + flop);
          const inputs = Object.entries(args.inputs as Record<string, tf.TensorInfo>).map(([k, t]) => `${k} [${t.shape.join(',')}]`);
          const key = `${name} ${inputs.join(' ')}${attrsNote(args.attrs)}`;
          const row = profile.shapes.get(key) ?? { ms: 0, cpu: 0, calls: 0 };
          row.ms += ms;
          row.cpu += cpu;
          row.calls++;
          profile.shapes.set(key, row);
        }
        return out;
      },
    });
  }
  const stop = () => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, 'cpu');
      tf.registerKernel(config);
    }
  };
  return { profile, stop };
}

function attrsNote(attrs: unknown): string {
  const a = (attrs ?? {}) as Record<string, unknown>;
  const notes = [a.strides !== undefined ? `strides ${JSON.stringify(a.strides)}` : '', a.transposeA ? 'tA' : '', a.transposeB ? 'tB' : ''];
  const text = notes.filter(Boolean).join(' ');
  return text ? ` (${text})` : '';
}

/** The `rows` slowest convolution / matmul shapes of a profile, as a markdown table. */
export function shapeTable(profile: KernelProfile, totalCpuMs: number, rows = 12): string {
  const lines = ['| kernel and input shapes | calls | ms | CPU ms | CPU share |', '|---|---:|---:|---:|---:|'];
  for (const [key, r] of [...profile.shapes].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, rows)) {
    lines.push(`| ${key} | ${r.calls} | ${r.ms.toFixed(0)} | ${r.cpu.toFixed(0)} | ${((100 * r.cpu) / totalCpuMs).toFixed(1)}% |`);
  }
  return lines.join('\n');
}

/**
 * Per-kernel table of a profile, by CPU time (user + sys of all threads: on a shared machine wall time
 * also counts waiting for a core). GFLOP/s per core: FLOP / CPU seconds.
 */
export function profileTable(profile: KernelProfile, total: { wall: number; cpu: number }, rows = 15): string {
  const entries = [...profile.cpu].sort((a, b) => b[1] - a[1]);
  const wallIn = [...profile.ms.values()].reduce((s, v) => s + v, 0);
  const cpuIn = entries.reduce((s, [, v]) => s + v, 0);
  const share = (cpu: number) => `${((100 * cpu) / total.cpu).toFixed(1)}%`;
  const lines = ['| kernel | calls | wall ms | CPU ms | CPU share | GFLOP/s per core |', '|---|---:|---:|---:|---:|---:|'];
  for (const [name, cpu] of entries.slice(0, rows)) {
    const flop = profile.flop.get(name);
    const rate = flop === undefined ? '' : (flop / cpu / 1e6).toFixed(1);
    lines.push(`| ${name} | ${profile.calls.get(name)} | ${(profile.ms.get(name) ?? 0).toFixed(0)} | ${cpu.toFixed(0)} | ${share(cpu)} | ${rate} |`);
  }
  const rest = entries.slice(rows);
  const restCpu = rest.reduce((s, [, v]) => s + v, 0);
  const restWall = rest.reduce((s, [k]) => s + (profile.ms.get(k) ?? 0), 0);
  lines.push(`| ${rest.length} other kernels | | ${restWall.toFixed(0)} | ${restCpu.toFixed(0)} | ${share(restCpu)} | |`);
  lines.push(`| outside kernels (engine, tape, GC) | | ${(total.wall - wallIn).toFixed(0)} | ${(total.cpu - cpuIn).toFixed(0)} | ${share(total.cpu - cpuIn)} | |`);
  return lines.join('\n');
}

/** Source of @raunet/raunet, imported by path: it loads this package optionally, a dependency back would be a cycle. */
export const RAUNET_SRC = fileURLToPath(new URL('../../raunet/src/index.ts', import.meta.url));

/**
 * The default RA-Unet (patch `RAUNET_BENCH_PATCH`, default 192,192,32), a random input and label, Adam, and
 * `step()`: one training step (forward, backward, update) on Dice + BCE.
 */
export async function raunetTrainingStep(): Promise<{
  model: tf.LayersModel;
  x: tf.Tensor;
  patch: number[];
  step: () => void;
  dispose: () => void;
}> {
  const raunet = (await import(RAUNET_SRC)) as {
    buildRAUnet: (c: object) => tf.LayersModel;
    diceBceLoss: (y: tf.Tensor, p: tf.Tensor) => tf.Scalar;
  };
  const patch = (process.env.RAUNET_BENCH_PATCH ?? '192,192,32').split(',').map(Number);
  const [px, py, pz] = patch;
  const model = raunet.buildRAUnet({ patchSize: [px, py, pz], seed: 1 });
  const x = tf.randomNormal([1, pz, py, px, 1]);
  const y = tf.cast(tf.greater(tf.randomUniform([1, pz, py, px, 1]), 0.9), 'float32');
  const optimizer = tf.train.adam(1e-3);
  const step = (): void => {
    const loss = optimizer.minimize(() => raunet.diceBceLoss(y, model.apply(x, { training: true }) as tf.Tensor), true)!;
    loss.dataSync();
    loss.dispose();
  };
  const dispose = (): void => {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  };
  return { model, x, patch, step, dispose };
}
