// Marching cubes on a 512x512x301 CT-sized mask with lesion-like blobs, as a ratio to one plain pass
// over the same volume (counting nonzero voxels). Medians of several repeats.
import { createVolume, Rng } from '@raunet/core';
import { checkMesh, marchingCubes, meshComponents, meshVolume } from '../src/index.js';

const dims = [512, 512, 301] as const;
const spacing = [0.7, 0.7, 1.0] as const;
const [nx, ny, nz] = dims;
const data = new Uint8Array(nx * ny * nz);
const rng = new Rng(7);
const blobs = 40;
for (let b = 0; b < blobs; b++) {
  // Lesions in the two lung fields: ellipsoids of 3-25 mm radius with a lumpy surface.
  const side = b % 2 === 0 ? 0.3 : 0.7;
  const cx = nx * (side + (rng.uniform() - 0.5) * 0.2);
  const cy = ny * (0.35 + rng.uniform() * 0.3);
  const cz = nz * (0.15 + rng.uniform() * 0.7);
  const r = 3 + rng.uniform() ** 2 * 22;
  const rx = r / spacing[0], ry = (r * (0.7 + 0.6 * rng.uniform())) / spacing[1], rz = (r * (0.7 + 0.6 * rng.uniform())) / spacing[2];
  const phase = rng.uniform() * 6.28;
  for (let z = Math.max(0, Math.floor(cz - rz * 1.3)); z < Math.min(nz, cz + rz * 1.3); z++)
    for (let y = Math.max(0, Math.floor(cy - ry * 1.3)); y < Math.min(ny, cy + ry * 1.3); y++)
      for (let x = Math.max(0, Math.floor(cx - rx * 1.3)); x < Math.min(nx, cx + rx * 1.3); x++) {
        const dx = (x - cx) / rx, dy = (y - cy) / ry, dz = (z - cz) / rz;
        const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
        const bump = 0.15 * Math.sin(5 * Math.atan2(dy, dx) + phase) * Math.cos(3 * dz);
        if (d < 1 + bump) data[x + nx * (y + ny * z)] = 1;
      }
}
const mask = createVolume({ data, dims, spacing });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function time(fn: () => unknown, repeats: number): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

let sink = 0;
const baseline = time(() => {
  let c = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) c++;
  sink += c;
}, 7);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rss0 = process.memoryUsage().rss;
const mc = time(() => marchingCubes(mask), 5);
const rss1 = process.memoryUsage().rss;
const mesh = marchingCubes(mask);
const smooth = time(() => marchingCubes(mask, { smoothIterations: 10 }), 3);
const comps = time(() => meshComponents(mask), 3);
const report = checkMesh(mesh);
const voxels = data.reduce((a, v) => a + v, 0);

console.log(`mask ${dims.join('x')} @ ${spacing.join('x')} mm, ${blobs} blobs, ${voxels} foreground voxels (${((voxels * 0.49) / 1000).toFixed(1)} mL), mesh ${mesh.positions.length / 3} vertices / ${mesh.indices.length / 3} triangles, closed=${report.closed}, mesh volume ${(meshVolume(mesh) / 1000).toFixed(1)} mL\n`);
console.log('| operation | median ms | ratio to plain pass |');
console.log('|---|---:|---:|');
console.log(`| plain pass (count nonzero) | ${baseline.toFixed(0)} | 1.0 |`);
console.log(`| marchingCubes | ${mc.toFixed(0)} | ${(mc / baseline).toFixed(1)} |`);
console.log(`| marchingCubes + 10 Taubin iterations | ${smooth.toFixed(0)} | ${(smooth / baseline).toFixed(1)} |`);
console.log(`| meshComponents (6-connected) | ${comps.toFixed(0)} | ${(comps / baseline).toFixed(1)} |`);
console.log(`\nRSS growth during marchingCubes runs: ${((rss1 - rss0) / 2 ** 20).toFixed(0)} MiB (mask itself ${(data.length / 2 ** 20).toFixed(0)} MiB)`);
if (sink < 0) console.log(sink);
