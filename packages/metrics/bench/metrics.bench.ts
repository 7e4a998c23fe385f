// `pnpm bench metrics`: DSC, HD95 and NSD on pairs of CT-sized lesion masks at two grid sizes
// covering the same physical field of view (348 x 348 x 301 mm), so the lesions are the same and only
// the voxel count changes. Times are medians of several repeats; ratios are to a baseline measured in
// the same run: one plain pass counting the foreground voxels of both masks. CPU time (user + system
// of this process) is reported beside wall time because the machine is shared.
import { Rng, createVolume, type Volume } from '@raunet/core';
import { dice, evaluateCase, hausdorff95, normalizedSurfaceDice } from '../src/index.js';

interface Ellipsoid {
  c: [number, number, number];
  r: [number, number, number];
}

/** A few irregular lesions: each the union of 3-7 overlapping ellipsoids, in mm. */
function makeLesions(rng: Rng): Ellipsoid[][] {
  const lesions: Ellipsoid[][] = [];
  for (let l = 0; l < 6; l++) {
    const centre: [number, number, number] = [rng.uniform(80, 270), rng.uniform(110, 240), rng.uniform(60, 240)];
    const size = rng.uniform(6, 22);
    const parts: Ellipsoid[] = [];
    const count = rng.int(3, 8);
    for (let p = 0; p < count; p++) {
      parts.push({
        c: [centre[0] + rng.normal(0, size / 2), centre[1] + rng.normal(0, size / 2), centre[2] + rng.normal(0, size / 2)],
        r: [size * rng.uniform(0.4, 1), size * rng.uniform(0.4, 1), size * rng.uniform(0.3, 0.9)],
      });
    }
    lesions.push(parts);
  }
  return lesions;
}

/** Prediction = truth perturbed: radii scaled ±10 %, centres moved ~1.5 mm, one lesion missed, one false positive. */
function perturb(lesions: Ellipsoid[][], rng: Rng): Ellipsoid[][] {
  const out = lesions.slice(1).map((parts) =>
    parts.map((e) => ({
      c: e.c.map((x) => x + rng.normal(0, 1.5)) as [number, number, number],
      r: e.r.map((x) => x * (1 + rng.normal(0, 0.1))) as [number, number, number],
    })),
  );
  out.push([{ c: [200, 150, 120], r: [8, 6, 5] }]);
  return out;
}

function rasterize(lesions: Ellipsoid[][], dims: [number, number, number], s: [number, number, number]): Volume<Uint8Array> {
  const [nx, ny, nz] = dims;
  const data = new Uint8Array(nx * ny * nz);
  for (const e of lesions.flat()) {
    const lo = [0, 1, 2].map((a) => Math.max(0, Math.floor((e.c[a] - e.r[a]) / s[a])));
    const hi = [0, 1, 2].map((a) => Math.min(dims[a] - 1, Math.ceil((e.c[a] + e.r[a]) / s[a])));
    for (let z = lo[2]; z <= hi[2]; z++) {
      const dz = (z * s[2] - e.c[2]) / e.r[2];
      for (let y = lo[1]; y <= hi[1]; y++) {
        const dy = (y * s[1] - e.c[1]) / e.r[1];
        for (let x = lo[0]; x <= hi[0]; x++) {
          const dx = (x * s[0] - e.c[0]) / e.r[0];
          if (dx * dx + dy * dy + dz * dz <= 1) data[x + nx * (y + ny * z)] = 1;
        }
      }
    }
  }
  return createVolume({ data, dims, spacing: s });
}

function countBoth(a: Volume, b: Volume): number {
  const x = a.data as Uint8Array;
  const y = b.data as Uint8Array;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== 0) c++;
    if (y[i] !== 0) c++;
  }
  return c;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median wall time and median CPU time (user + system of this process) over `repeats` runs after a warm-up. */
function time(repeats: number, fn: () => unknown): { ms: number; cpu: number; value: unknown } {
  let value: unknown;
  const ts: number[] = [];
  const cs: number[] = [];
  fn(); // warm-up
  for (let r = 0; r < repeats; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    value = fn();
    ts.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
  }
  return { ms: median(ts), cpu: median(cs), value };
}

const sizes: { dims: [number, number, number]; spacing: [number, number, number]; repeats: number }[] = [
  { dims: [256, 256, 150], spacing: [1.36, 1.36, 2.0067], repeats: 5 },
  { dims: [512, 512, 301], spacing: [0.68, 0.68, 1.0], repeats: 3 },
];

const rng = new Rng(20260412);
const truthLesions = makeLesions(rng);
const predLesions = perturb(truthLesions, rng);

const rows: string[] = [];
const info: string[] = [];
const perSize: Record<string, number>[] = [];
for (const { dims, spacing, repeats } of sizes) {
  const truth = rasterize(truthLesions, dims, spacing);
  const pred = rasterize(predLesions, dims, spacing);
  const voxels = dims[0] * dims[1] * dims[2];
  const base = time(repeats, () => countBoth(pred, truth));
  const tDice = time(repeats, () => dice(pred, truth));
  const tHd95 = time(repeats, () => hausdorff95(pred, truth));
  const tNsd = time(repeats, () => normalizedSurfaceDice(pred, truth, { toleranceMm: 3 }));
  const tAll = time(repeats, () => evaluateCase(pred, truth, { toleranceMm: 3 }));
  const m = tAll.value as ReturnType<typeof evaluateCase>;
  const rss = process.memoryUsage().rss / 2 ** 20;
  perSize.push({ voxels, base: base.cpu, dice: tDice.cpu, hd95: tHd95.cpu, nsd: tNsd.cpu, all: tAll.cpu });
  const label = `${dims.join('x')}`;
  const row = (name: string, t: { ms: number; cpu: number }, value: string) =>
    `| ${label} | ${name} | ${t.ms.toFixed(0)} | ${t.cpu.toFixed(0)} | ${(t.cpu / base.cpu).toFixed(2)} | ${value} |`;
  rows.push(
    row('baseline: count voxels of both', base, ''),
    row('dice', tDice, m.dice.toFixed(4)),
    row('hausdorff95', tHd95, `${m.hausdorff95.toFixed(3)} mm`),
    row('NSD @ 3 mm', tNsd, m.nsd.toFixed(4)),
    row('evaluateCase (all metrics)', tAll, `HD ${m.hausdorff.toFixed(2)} mm, ASSD ${m.assd.toFixed(3)} mm, truth ${m.truthVolumeMl.toFixed(1)} mL, pred ${m.predictionVolumeMl.toFixed(1)} mL`),
  );
  info.push(`${dims.join('x')}: ${(voxels / 1e6).toFixed(1)} M voxels, spacing ${spacing.join(' x ')} mm, rss after ${rss.toFixed(0)} MiB`);
}

for (const line of info) console.log(`- ${line}`);
console.log('');
console.log('| grid | metric | wall ms (median) | CPU ms (median) | CPU x baseline | value |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
const [small, big] = perSize;
console.log('');
console.log(`Growth from ${(small.voxels / 1e6).toFixed(1)} M to ${(big.voxels / 1e6).toFixed(1)} M voxels (x${(big.voxels / small.voxels).toFixed(2)}):`);
console.log('| metric | CPU time ratio big/small |');
console.log('|---|---|');
for (const k of ['base', 'dice', 'hd95', 'nsd', 'all']) console.log(`| ${k} | ${(big[k] / small[k]).toFixed(2)} |`);
