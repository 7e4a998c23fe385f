// Generation time of phantoms, as a ratio to a plain typed-array fill of the same size in the same run.
// Run: `pnpm bench phantom`. Medians of several repeats after a warm-up.
import { generatePhantom } from '@raunet/phantom';

type Case = { label: string; dims: [number, number, number]; spacing: [number, number, number]; repeats: number };
const cases: Case[] = [
  { label: '96x96x48 (default spacing)', dims: [96, 96, 48], spacing: [3.75, 3.75, 6.25], repeats: 7 },
  { label: '512x512x301 at 0.7x0.7x1 mm', dims: [512, 512, 301], spacing: [0.7, 0.7, 1], repeats: 3 },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const gc = (globalThis as { gc?: () => void }).gc;

function fillBaseline(n: number): number {
  const t0 = performance.now();
  const a = new Int16Array(n);
  for (let p = 0; p < n; p++) a[p] = (p & 1023) - 1000;
  const t = performance.now() - t0;
  if (a[n - 1] === 12345) console.log('');
  return t;
}

const rows: string[] = [];
for (const c of cases) {
  const n = c.dims[0] * c.dims[1] * c.dims[2];
  generatePhantom({ dims: c.dims, spacing: c.spacing, seed: 999, lesions: 6 }); // warm-up
  const gen: number[] = [];
  const fill: number[] = [];
  let lesions = 0;
  let peak = 0;
  for (let r = 0; r < c.repeats; r++) {
    gc?.();
    fill.push(fillBaseline(n));
    gc?.();
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    const p = generatePhantom({ dims: c.dims, spacing: c.spacing, seed: r, lesions: 6 });
    gen.push(performance.now() - t0);
    peak = Math.max(peak, process.memoryUsage().rss - before);
    lesions += p.lesions.length;
  }
  const g = median(gen);
  const f = median(fill);
  rows.push(
    `| ${c.label} | ${(n / 1e6).toFixed(2)} M | ${g.toFixed(0)} | ${f.toFixed(1)} | ${(g / f).toFixed(0)}x | ${((g * 1e6) / n).toFixed(0)} | ${(peak / 2 ** 20).toFixed(0)} | ${(lesions / c.repeats).toFixed(1)} |`,
  );
}
console.log('| case | voxels | generatePhantom ms (median) | Int16Array fill ms (median) | ratio | ns / voxel | RSS growth MiB | lesions drawn |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
