// pnpm bench preprocess — figures are medians of several repeats, as ratios to a plain typed-array
// copy of the same 512x512x301 int16 CT measured in the same run.
import { createVolume } from '@raunet/core';
import type { Volume } from '@raunet/core';
import {
  PatchStitcher,
  clipIntensity,
  extractPatch,
  normalizeIntensity,
  resampleToSpacing,
  slidingWindowGrid,
} from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(repeats: number, f: () => unknown): number {
  f(); // warm-up
  const t: number[] = [];
  for (let r = 0; r < repeats; r++) {
    gc?.();
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return median(t);
}

/** A synthetic chest-like CT: air, body, two lungs, noise. 512x512x301 int16, 0.7x0.7x5 mm, LPS. */
function syntheticCt(): Volume<Int16Array> {
  const [nx, ny, nz] = [512, 512, 301];
  const data = new Int16Array(nx * ny * nz);
  let s = 12345;
  let o = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        const noise = (s >>> 24) - 128;
        const x = (i - 256) / 220;
        const y = (j - 256) / 180;
        const r2 = x * x + y * y;
        const lung = (x + 0.45) ** 2 + y * y < 0.12 || (x - 0.45) ** 2 + y * y < 0.12;
        data[o++] = r2 > 1 ? -1000 + (noise >> 4) : lung ? -850 + (noise >> 1) : 40 + (noise >> 2);
      }
  return createVolume({
    data,
    dims: [nx, ny, nz],
    spacing: [0.7, 0.7, 5],
    affine: [
      [-0.7, 0, 0, 180],
      [0, -0.7, 0, 180],
      [0, 0, 5, -750],
      [0, 0, 0, 1],
    ],
  });
}

const ct = syntheticCt();
const rows: [string, number, number, string][] = [];
const copyMs = time(9, () => ct.data.slice());
const f32 = new Float32Array(ct.data.length);
const copyF32Ms = time(9, () => f32.slice());
rows.push(['plain copy of the int16 volume (baseline)', copyMs, 1, '`data.slice()`, 78.9 M voxels']);
rows.push(['plain copy of a float32 volume', copyF32Ms, copyF32Ms / copyMs, '']);

const clipMs = time(7, () => clipIntensity(ct));
rows.push(['clipIntensity [-1000, 1000]', clipMs, clipMs / copyMs, 'int16 -> float32']);
const normMs = time(7, () => normalizeIntensity(ct));
rows.push(['normalizeIntensity minmax (clip + scale)', normMs, normMs / copyMs, 'int16 -> float32']);

const patch: [number, number, number] = [192, 192, 32];
const grid = slidingWindowGrid(ct.dims, patch, { overlap: 0.5 });
const buffer = new Float32Array(patch[0] * patch[1] * patch[2]);
const pipeMs = time(3, () => {
  const clipped = clipIntensity(ct);
  const n = normalizeIntensity(clipped);
  for (const origin of grid.origins) extractPatch(n, origin, patch, { out: buffer });
});
rows.push([`clip + normalize + extract all ${grid.origins.length} sliding-window patches (0.5 overlap)`, pipeMs, pipeMs / copyMs, `${((grid.origins.length * buffer.length) / 1e6).toFixed(0)} M patch voxels written`]);
const normalized = normalizeIntensity(ct);
const extractMs = time(3, () => {
  for (const origin of grid.origins) extractPatch(normalized, origin, patch, { out: buffer });
});
rows.push([`  of which: patch extraction alone`, extractMs, extractMs / copyMs, `${(extractMs / grid.origins.length).toFixed(2)} ms per 192x192x32 patch`]);

const stitchMs = time(3, () => {
  const s = new PatchStitcher(ct.dims, patch);
  for (const origin of grid.origins) s.add(origin, buffer);
  return s.result();
});
rows.push([`Gaussian stitching: ${grid.origins.length} patches 192x192x32 at 0.5 overlap + result()`, stitchMs, stitchMs / copyMs, `${(stitchMs / grid.origins.length).toFixed(2)} ms per patch`]);

gc?.();
const rss0 = process.memoryUsage().rss;
let out: Volume | undefined;
const resampleMs = time(3, () => {
  out = resampleToSpacing(ct, [1, 1, 1.5]);
});
const outDims = out!.dims.join('x');
out = undefined;
const rss1 = process.memoryUsage().rss;
const resampleIntMs = time(3, () => resampleToSpacing(ct, [1, 1, 1.5], { dtype: 'input' }));
const resampleNnMs = time(3, () => resampleToSpacing(ct, [1, 1, 1.5], { interpolation: 'nearest' }));
rows.push([`resampleToSpacing 0.7x0.7x5 -> 1x1x1.5 mm, trilinear, float32 out (${outDims})`, resampleMs, resampleMs / copyMs, `rss after: +${((rss1 - rss0) / 2 ** 20).toFixed(0)} MiB`]);
rows.push([`  same, trilinear, int16 out`, resampleIntMs, resampleIntMs / copyMs, '']);
rows.push([`  same, nearest (labels), int16 out`, resampleNnMs, resampleNnMs / copyMs, '']);

console.log(`Node ${process.version}, CT 512x512x301 int16 (synthetic), medians; ratio = time / plain int16 copy (${copyMs.toFixed(1)} ms)\n`);
console.log('| operation | median ms | ratio to copy | notes |');
console.log('|---|---:|---:|---|');
for (const [name, ms, ratio, note] of rows) console.log(`| ${name} | ${ms.toFixed(1)} | ${ratio.toFixed(1)} | ${note} |`);
