// Throughput of batch prediction on the job queue: 1 and 2 `raunet worker` processes on one machine,
// against single-process `raunet predict` over the same folder (the baseline, measured in the same run).
// Each run is a fresh process (backend start and model load included), the clock stops when the last
// mask is written. Needs redis-server (Debian package); skips with a message without it.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeNifti } from '@raunet/io';
import { generatePhantom } from '@raunet/phantom';
import { cleanQueue, parseQueueUrl } from '@raunet/queue';
import { redisServerMissing, startRedisServer } from '../../queue/src/__fixtures__/redis-server.js';

const CASES = Number(process.env.QUEUE_BENCH_CASES ?? 8);
const DIMS = [80, 80, 24] as const; // 4 patches of lidc-nodules (48x48x16) per case, no TTA
const BIN = resolve('packages/cli/src/bin.ts');

const missing = redisServerMissing();
if (missing) {
  console.log(`skipped: ${missing}`);
  process.exit(0);
}

function raunet(args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--conditions=@raunet/source', '--import', 'tsx', BIN, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => (code === 0 ? ok() : fail(new Error(`raunet ${args[0]} exited ${code}: ${err}`))));
  });
}

/** Seconds until `dir` holds `n` masks (polled every 50 ms), while `run` goes on. */
async function secondsUntilMasks(dir: string, n: number, run: Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  let failed: Error | undefined;
  void run.catch((e: unknown) => (failed = e instanceof Error ? e : new Error(String(e))));
  for (;;) {
    if (failed) throw failed;
    let count = 0;
    try {
      count = readdirSync(dir).filter((f) => f.endsWith('.nii.gz') && !f.startsWith('.')).length;
    } catch {
      // not created yet
    }
    if (count >= n) return (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'raunet-queue-bench-'));
const redis = await startRedisServer();
try {
  const input = join(dir, 'ct');
  mkdirSync(input);
  for (let i = 0; i < CASES; i++) {
    const { ct } = generatePhantom({ dims: DIMS, spacing: [0.7, 0.7, 1.25], seed: i + 1 });
    await writeNifti(join(input, `case_${String(i).padStart(2, '0')}.nii.gz`), ct);
  }
  const common = ['--model', 'lidc-nodules', '--no-tta'];
  const rows: { how: string; seconds: number }[] = [];

  const predictOut = join(dir, 'predict');
  rows.push({ how: 'raunet predict (1 process)', seconds: await secondsUntilMasks(predictOut, CASES, raunet(['predict', ...common, '--input', input, '--output', predictOut])) });

  for (const workers of [1, 2]) {
    const out = join(dir, `queue-${workers}`);
    await cleanQueue(parseQueueUrl(redis.url));
    await raunet(['submit', '--queue', redis.url, ...common, '--input', input, '--output', out]);
    const runs = Promise.all(Array.from({ length: workers }, () => raunet(['worker', '--queue', redis.url, '--exit-when-empty'])));
    rows.push({ how: `raunet worker x${workers} (queue)`, seconds: await secondsUntilMasks(out, CASES, runs) });
    await runs;
  }

  const base = rows[0].seconds;
  console.log(`${CASES} phantom CTs of ${DIMS.join('x')} voxels (4 patches each), lidc-nodules, no TTA; ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at the end`);
  console.log('| run | seconds | cases/min | vs predict |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows)
    console.log(`| ${r.how} | ${r.seconds.toFixed(1)} | ${((CASES / r.seconds) * 60).toFixed(1)} | ${(base / r.seconds).toFixed(2)}x |`);
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
