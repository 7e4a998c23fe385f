// Decoding a synthesized 512x512x301 int16 CT stored as .nii.gz, against a plain gunzip of the same
// bytes in the same run. Run with `pnpm bench io`. Memory is measured in a fresh child process per
// operation (peak RSS over the RSS before the operation, with the compressed bytes already loaded).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync as zlibGunzipSync, gzipSync as zlibGzipSync } from 'node:zlib';
import { gunzipSync as fflateGunzipSync } from 'fflate';
import { createVolume, Rng } from '@raunet/core';
import { decodeNifti, encodeNifti, readNifti } from '../src/index.js';

const NX = 512;
const NY = 512;
const NZ = 301;
const REPEATS = 5;
const self = fileURLToPath(import.meta.url);

/** A chest-CT-like volume in HU: air, body, two lungs with vessels, spine, table, noise. */
function synthesizeCt(): Int16Array {
  const rng = new Rng(42);
  const noise = new Float32Array(1 << 16).map(() => rng.normal(0, 12));
  const data = new Int16Array(NX * NY * NZ);
  let p = 0;
  for (let z = 0; z < NZ; z++) {
    const zf = z / NZ;
    for (let y = 0; y < NY; y++) {
      for (let x = 0; x < NX; x++, p++) {
        const bx = (x - 256) / 220;
        const by = (y - 270) / 160;
        const body = bx * bx + by * by;
        let hu: number;
        if (y > 440 && y < 452) hu = 300; // table
        else if (body > 1) hu = -1000 + noise[(p * 7) & 0xffff] * 0.5;
        else if (body > 0.85) hu = -90 + noise[p & 0xffff]; // fat
        else {
          const lx = (Math.abs(x - 256) - 95) / 70;
          const ly = (y - 250) / (110 * (0.6 + 0.4 * Math.sin(Math.PI * zf)));
          const lung = lx * lx + ly * ly;
          const sx = (x - 256) / 22;
          const sy = (y - 380) / 22;
          if (sx * sx + sy * sy < 1) hu = 700 + 3 * noise[p & 0xffff];
          else if (lung < 1) {
            const vessel = Math.sin(x * 0.21 + z * 0.13) * Math.sin(y * 0.17 - z * 0.07) > 0.93;
            hu = vessel ? 40 + noise[p & 0xffff] : -860 + 2 * noise[(p * 3) & 0xffff];
          } else hu = 45 + noise[p & 0xffff];
        }
        data[p] = Math.round(hu);
      }
    }
  }
  return data;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => unknown): Promise<number> {
  globalThis.gc?.();
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const OPS: Record<string, (gzFile: string, gz: Uint8Array) => unknown> = {
  'zlib.gunzipSync (baseline, native)': (_f, gz) => zlibGunzipSync(gz),
  'fflate.gunzipSync (baseline, pure JS)': (_f, gz) => fflateGunzipSync(gz),
  'readFile + zlib.gunzipSync (file baseline)': async (f) => zlibGunzipSync(await readFile(f)),
  'readNifti(file) (node:zlib)': (f) => readNifti(f),
  'decodeNifti(bytes) (fflate)': (_f, gz) => decodeNifti(gz),
};

/** Peak RSS of this process (bytes): /proc's VmHWM, which `clear_refs` can reset (Linux). */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  // ru_maxrss survives exec on Linux (it would include the parent's size); only a fallback here.
  return process.resourceUsage().maxRSS * 1024;
}

if (process.argv[2] === '--memory') {
  // Child: one operation; peak RSS and arrayBuffers over the state before it (gz bytes loaded).
  const [, , , op, gzFile] = process.argv;
  const gz = readFileSync(gzFile);
  globalThis.gc?.();
  try {
    writeFileSync('/proc/self/clear_refs', '5'); // reset the RSS high-water mark to the current RSS
  } catch {
    // not available: the peak then includes start-up
  }
  const before = process.memoryUsage();
  const result = await OPS[op](gzFile, gz);
  const after = process.memoryUsage();
  const peak = peakRss();
  if (process.env.IO_BENCH_DEBUG) console.error({ before: before.rss, peak, after: after.rss });
  console.log(JSON.stringify({ rss: peak - before.rss, arrayBuffers: after.arrayBuffers - before.arrayBuffers, keep: result ? 1 : 0 }));
  process.exit(0);
}

const dir = mkdtempSync(path.join(tmpdir(), 'raunet-io-bench-'));
try {
  const t0 = performance.now();
  const volume = createVolume({ data: synthesizeCt(), dims: [NX, NY, NZ], spacing: [0.7, 0.7, 1] });
  const raw = encodeNifti(volume);
  const gz = zlibGzipSync(raw, { level: 6 });
  const gzFile = path.join(process.env.IO_BENCH_KEEP_DIR ?? dir, 'ct.nii.gz');
  writeFileSync(gzFile, gz);
  const decodedBytes = volume.data.byteLength;
  console.log(
    `synthesized ${NX}x${NY}x${NZ} int16 CT: ${(decodedBytes / 2 ** 20).toFixed(1)} MiB decoded, ${(gz.length / 2 ** 20).toFixed(1)} MiB gzipped (ratio ${(raw.length / gz.length).toFixed(2)}), prepared in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  // Sanity: the decoders give the synthesized voxels back.
  const check = decodeNifti(gz);
  if (check.data.length !== volume.data.length || check.data[123456] !== volume.data[123456]) throw new Error('decode mismatch');

  const times: Record<string, number[]> = Object.fromEntries(Object.keys(OPS).map((k) => [k, []]));
  for (const fn of Object.values(OPS)) await fn(gzFile, gz); // warm-up
  for (let r = 0; r < REPEATS; r++) for (const [name, fn] of Object.entries(OPS)) times[name].push(await time(() => fn(gzFile, gz)));

  const mem: Record<string, { rss: number; arrayBuffers: number }> = {};
  for (const name of Object.keys(OPS)) {
    const res = spawnSync(process.execPath, [...process.execArgv, self, '--memory', name, gzFile], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`memory child failed: ${res.stderr}`);
    mem[name] = JSON.parse(res.stdout.trim().split('\n').pop()!) as { rss: number; arrayBuffers: number };
  }

  const base = { native: median(times['zlib.gunzipSync (baseline, native)']), js: median(times['fflate.gunzipSync (baseline, pure JS)']) };
  console.log(`| operation | median of ${REPEATS} (ms) | / zlib.gunzipSync | / fflate.gunzipSync | peak RSS / decoded | arrayBuffers / decoded |`);
  console.log('|---|---|---|---|---|---|');
  for (const name of Object.keys(OPS)) {
    const m = median(times[name]);
    console.log(
      `| ${name} | ${m.toFixed(0)} | ${(m / base.native).toFixed(2)}x | ${(m / base.js).toFixed(2)}x | ${(mem[name].rss / decodedBytes).toFixed(2)} | ${(mem[name].arrayBuffers / decodedBytes).toFixed(2)} |`,
    );
  }
  const fileBase = median(times['readFile + zlib.gunzipSync (file baseline)']);
  console.log(`\nreadNifti(file) / (readFile + zlib.gunzipSync): ${(median(times['readNifti(file) (node:zlib)']) / fileBase).toFixed(2)}x`);
  console.log(`\nall runs (ms): ${JSON.stringify(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map((x) => Math.round(x))])))}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
