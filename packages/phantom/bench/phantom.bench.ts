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

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function fillBaseline(n: number): [number, number] {
  const c0 = cpuMs();
  const t0 = performance.now();
  const a = new Int16Array(n);
  for (let p = 0; p < n; p++) a[p] = (p & 1023) - 1000;
  const t = performance.now() - t0;
  const c = cpuMs() - c0;
  if (a[n - 1] === 12345) console.log('');
  return [t, c];
}

const rows: string[] = [];
for (const c of cases) {
  const n = c.dims[0] * c.dims[1] * c.dims[2];
  generatePhantom({ dims: c.dims, spacing: c.spacing, seed: 999, lesions: 6 }); // warm-up
  const gen: number[] = [];
  const fill: number[] = [];
  const genCpu: number[] = [];
  const fillCpu: number[] = [];
  let lesions = 0;
  let peak = 0;
  for (let r = 0; r < c.repeats; r++) {
    gc?.();
    const [ft, fc] = fillBaseline(n);
    fill.push(ft);
    fillCpu.push(fc);
    gc?.();
    const before = process.memoryUsage().rss;
    const c0 = cpuMs();
    const t0 = performance.now();
    const p = generatePhantom({ dims: c.dims, spacing: c.spacing, seed: r, lesions: 6 });
    gen.push(performance.now() - t0);
    genCpu.push(cpuMs() - c0);
    peak = Math.max(peak, process.memoryUsage().rss - before);
    lesions += p.lesions.length;
  }
  const g = median(gen);
  const f = median(fill);
  const gc2 = median(genCpu);
  const fc2 = median(fillCpu);
  rows.push(
    `| ${c.label} | ${(n / 1e6).toFixed(2)} M | ${g.toFixed(0)} | ${f.toFixed(1)} | ${(g / f).toFixed(0)}x | ${gc2.toFixed(0)} | ${fc2.toFixed(1)} | ${(gc2 / Math.max(fc2, 0.1)).toFixed(0)}x | ${((gc2 * 1e6) / n).toFixed(0)} | ${(peak / 2 ** 20).toFixed(0)} | ${(lesions / c.repeats).toFixed(1)} |`,
  );
}
// Wall time suffers on a shared machine; CPU time (process.cpuUsage, user + system) much less.
console.log('| case | voxels | generate wall ms | fill wall ms | wall ratio | generate CPU ms | fill CPU ms | CPU ratio | CPU ns / voxel | RSS growth MiB | lesions drawn |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
