// pnpm bench layers-3d: forward and forward+backward time of RABlock3D (D=4, H=24, W=24, 128 channels) and
// ResidualBlock3D (D=8, H=48, W=48, 64 channels) on the tfjs cpu backend, as ratios to a plain tf.conv3d
// (3x3x3, C -> C) of the same input shape measured in the same run; plus the attention logits memory at
// 2,304 tokens, measured with tf.profile and checked against the computed size.
import * as tf from '@tensorflow/tfjs';
import { multiHeadSelfAttention3D, raBlock3D, residualBlock3D } from '../src/index.js';

await tf.setBackend('cpu');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(f: () => void): number {
  f(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    f();
    out.push(performance.now() - t0);
  }
  return median(out);
}

function forward(apply: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): () => void {
  return () => {
    const y = apply(x);
    y.dataSync();
    y.dispose();
  };
}

function forwardBackward(apply: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, vars: tf.Variable[]): () => void {
  return () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(apply(x)), vars);
    for (const g of Object.values(grads)) g.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
}

interface Row {
  what: string;
  shape: string;
  fwd: number;
  fwdBwd: number;
  convFwd: number;
  convFwdBwd: number;
  peakMB: number;
}
const rows: Row[] = [];

async function bench(what: string, layer: tf.layers.Layer, shape: [number, number, number, number, number]): Promise<void> {
  const x = tf.randomNormal(shape);
  layer.apply(x); // build
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const apply = (t: tf.Tensor): tf.Tensor => layer.apply(t, { training: true }) as tf.Tensor;
  const c = shape[4];
  const kernel = tf.variable(tf.randomNormal([3, 3, 3, c, c], 0, 0.05));
  const conv = (t: tf.Tensor): tf.Tensor => tf.conv3d(t as tf.Tensor5D, kernel as tf.Tensor5D, 1, 'same');
  const log = (m: string): void => void process.stderr.write(`${what}: ${m}\n`);
  const fwd = time(forward(apply, x));
  log(`forward ${fwd.toFixed(0)} ms`);
  const fwdBwd = time(forwardBackward(apply, x, vars));
  log(`forward+backward ${fwdBwd.toFixed(0)} ms`);
  const convFwd = time(forward(conv, x));
  const convFwdBwd = time(forwardBackward(conv, x, [kernel]));
  log(`conv3d ${convFwd.toFixed(0)} / ${convFwdBwd.toFixed(0)} ms`);
  const peak = await tf.profile(forwardBackward(apply, x, vars));
  rows.push({ what, shape: JSON.stringify(shape), fwd, fwdBwd, convFwd, convFwdBwd, peakMB: peak.peakBytes / 1e6 });
  tf.dispose([x, kernel]);
}

async function attentionMemory(): Promise<string> {
  const tokens = 4 * 24 * 24;
  const heads = 4;
  const layer = multiHeadSelfAttention3D({ heads });
  const x = tf.randomNormal([1, 4, 24, 24, 32]);
  tf.dispose(layer.apply(x) as tf.Tensor);
  const info = await tf.profile(() => {
    const y = layer.apply(x) as tf.Tensor;
    y.dataSync();
    y.dispose();
  });
  const logits = info.kernels.find((k) => k.name === 'BatchMatMul' && String(k.outputShapes[0]) === String([heads, tokens, tokens]));
  const computed = tokens * tokens * 4;
  const measuredPerHead = logits ? logits.bytesAdded / heads : NaN;
  x.dispose();
  return [
    `| tokens | heads | logits bytes per head, computed (L^2 x 4) | measured (tf.profile, BatchMatMul output / heads) | forward peak, all heads |`,
    `|---|---|---|---|---|`,
    `| ${tokens} | ${heads} | ${computed.toLocaleString('en')} (${(computed / 2 ** 20).toFixed(1)} MiB) | ${measuredPerHead.toLocaleString('en')} ${measuredPerHead === computed ? '(equal)' : '(DIFFERENT)'} | ${(info.peakBytes / 2 ** 20).toFixed(1)} MiB |`,
  ].join('\n');
}

await bench('RABlock3D (bottleneck 32, 4 heads, batch norm)', raBlock3D({ heads: 4 }), [1, 4, 24, 24, 128]);
await bench('ResidualBlock3D (64 -> 64, batch norm)', residualBlock3D({ filters: 64 }), [1, 8, 48, 48, 64]);
const mem = await attentionMemory();

const ms = (v: number): string => `${v.toFixed(0)} ms`;
console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, median of ${REPEATS} after 1 warm-up\n`);
console.log('| layer | input [b,D,H,W,C] | forward | fwd+bwd | conv3d 3x3x3 C->C forward | conv3d fwd+bwd | ratio fwd | ratio fwd+bwd | fwd+bwd peak |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.what} | ${r.shape} | ${ms(r.fwd)} | ${ms(r.fwdBwd)} | ${ms(r.convFwd)} | ${ms(r.convFwdBwd)} | ${(r.fwd / r.convFwd).toFixed(2)} | ${(r.fwdBwd / r.convFwdBwd).toFixed(2)} | ${r.peakMB.toFixed(0)} MB |`,
  );
}
console.log('\nAttention memory (MultiHeadSelfAttention3D, 32 channels, D=4 H=24 W=24):\n');
console.log(mem);
