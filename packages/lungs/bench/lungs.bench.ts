// pnpm bench lungs — segmentLungs on a synthetic 512x512x300 chest CT (0.7 x 0.7 x 1 mm, LPS), median of
// repeats, as a ratio to one plain pass over the same int16 voxels (sum) measured in the same run.
import { createVolume } from '@raunet/core';
import type { Volume } from '@raunet/core';
import { segmentLungs } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median wall time and median CPU time (user + system, this process) of `repeats` calls, ms. */
function time(repeats: number, f: () => unknown): { wall: number; cpu: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    gc?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** Body ellipse with two lungs (vessels as dense dots), a trachea and main bronchi, a table below, noise. */
function syntheticChest(): Volume<Int16Array> {
  const [nx, ny, nz] = [512, 512, 300];
  const data = new Int16Array(nx * ny * nz);
  let s = 12345;
  let o = 0;
  for (let k = 0; k < nz; k++) {
    const zf = k / nz; // 0 = bottom
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        const noise = ((s >>> 24) - 128) >> 2;
        const x = (i - 256) / 220;
        const y = (j - 240) / 160;
        const body = x * x + y * y < 1;
        const lungSize = zf < 0.15 || zf > 0.85 ? 0 : 0.09 * Math.sin(((zf - 0.15) / 0.7) * Math.PI) + 0.02;
        const lung = (x + 0.45) ** 2 + y * y < lungSize || (x - 0.45) ** 2 + y * y < lungSize;
        // Trachea from the top down to the carina, main bronchi from there into both lungs.
        const trachea =
          (zf > 0.6 && x * x + (y + 0.3) ** 2 < 0.004) ||
          (zf > 0.6 && zf < 0.63 && Math.abs(x) < 0.5 && Math.abs(y + 0.3) < 0.05);
        const table = j > 420 && j < 440 && Math.abs(x) < 1.1;
        const vessel = (i * 7 + j * 13 + k * 3) % 97 === 0;
        data[o++] = table
          ? 300
          : !body
            ? -1000 + (noise >> 2)
            : trachea
              ? -1000 + noise
              : lung
                ? vessel
                  ? 40
                  : -850 + noise
                : 40 + noise;
      }
  }
  return createVolume({
    data,
    dims: [nx, ny, nz],
    spacing: [0.7, 0.7, 1],
    affine: [
      [-0.7, 0, 0, 180],
      [0, -0.7, 0, 180],
      [0, 0, 1, -150],
      [0, 0, 0, 1],
    ],
  });
}

const ct = syntheticChest();
const sum = () => {
  let t = 0;
  for (let p = 0; p < ct.data.length; p++) t += ct.data[p];
  return t;
};
const baseline = time(5, sum);
const result = segmentLungs(ct);
const ms = time(3, () => segmentLungs(ct));
// CPU time counts the work of this process only: on a shared, loaded machine the wall time also counts waiting.
console.log('| operation | median wall ms | median CPU ms | CPU x baseline |');
console.log('|---|---|---|---|');
console.log(`| one pass over 512x512x300 int16 (baseline) | ${baseline.wall.toFixed(0)} | ${baseline.cpu.toFixed(0)} | 1 |`);
console.log(`| segmentLungs 512x512x300 @0.7x0.7x1 mm | ${ms.wall.toFixed(0)} | ${ms.cpu.toFixed(0)} | ${(ms.cpu / baseline.cpu).toFixed(0)} |`);
console.log(
  `\nlungs: left ${result.leftVolumeMl.toFixed(0)} mL, right ${result.rightVolumeMl.toFixed(0)} mL, trachea found: ${result.tracheaFound}; target: under 10 000 ms on 2 cores`,
);
