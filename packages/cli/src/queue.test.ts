import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeNifti } from '@raunet/io';
import { generatePhantom } from '@raunet/phantom';
import type { QueueStatus } from '@raunet/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerMissing, startRedisServer, type RedisServer } from '../../queue/src/__fixtures__/redis-server.js';
import { cli } from './__fixtures__/run-cli.js';

/** A `raunet worker` child process (from source, as `pnpm raunet` would run the build). */
interface WorkerProcess {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

const BIN = resolve('packages/cli/src/bin.ts');
function startWorker(url: string): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=@raunet/source', '--import', 'tsx', BIN, 'worker', '--queue', url, '--exit-when-empty', '--lock-duration', '12', '--stalled-interval', '1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const w: WorkerProcess = { child, stdout: '', stderr: '', exited: new Promise((r) => child.once('exit', (code) => r(code))) };
  child.stdout.on('data', (d) => (w.stdout += d));
  child.stderr.on('data', (d) => (w.stderr += d));
  return w;
}

async function until(what: string, test: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const CASES = 20;
const missing = redisServerMissing();
if (missing && process.env.CI) throw new Error(`CI needs redis-server for the queue test: ${missing}`);

describe.skipIf(missing !== undefined)(`raunet submit / worker / queue on a real redis-server${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let redis: RedisServer | undefined;
  let dir = '';
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    dir = mkdtempSync(join(tmpdir(), 'raunet-queue-cli-'));
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    `two workers over ${CASES} CTs, one killed mid-job: every mask once, equal to raunet predict; a damaged CT fails once with its message`,
    async () => {
      // 20 small phantom CTs (one 48x48x16 patch of the shipped lidc-nodules model each), and the reference
      // masks of single-process `raunet predict`.
      const input = join(dir, 'ct');
      mkdirSync(input);
      for (let i = 0; i < CASES; i++) {
        const { ct } = generatePhantom({ dims: [48, 48, 16], spacing: [0.7, 0.7, 1.25], seed: i + 1 });
        await writeNifti(join(input, `case_${String(i).padStart(2, '0')}.nii.gz`), ct);
      }
      const reference = await cli('predict', '--model', 'lidc-nodules', '--no-tta', '--input', input, '--output', join(dir, 'ref'));
      expect(reference.code, reference.stderr).toBe(0);
      // A damaged CT: a gzip stream cut in the middle.
      const whole = readFileSync(join(input, 'case_00.nii.gz'));
      writeFileSync(join(input, 'damaged.nii.gz'), whole.subarray(0, whole.length >> 1));

      const url = redis!.url;
      const output = join(dir, 'masks');
      const submit = await cli('submit', '--queue', url, '--input', input, '--output', output, '--model', 'lidc-nodules', '--no-tta');
      expect(submit.code, submit.stderr).toBe(0);
      expect(submit.stdout).toContain(`submitted ${CASES + 1} job(s)`);
      // Submitting the folder again adds nothing.
      const again = await cli('submit', '--queue', url, '--input', input, '--output', output, '--model', 'lidc-nodules', '--no-tta');
      expect(again.stdout).toContain(`submitted 0 job(s)`);
      expect(again.stdout).toContain(`${CASES + 1} already in the queue (${CASES + 1} waiting)`);

      const a = startWorker(url);
      const b = startWorker(url);
      workers.push(a, b);
      // Kill worker A (SIGKILL: no clean-up of any kind) as it starts its third job.
      const starts = (w: WorkerProcess) => [...w.stderr.matchAll(/: start (\S+) \(job/g)].map((m) => m[1]);
      await until('worker A to start a third job', () => starts(a).length >= 3 || a.child.exitCode !== null, 90_000);
      a.child.kill('SIGKILL');
      const killedCase = starts(a).at(-1)!;
      expect(await b.exited, b.stderr).toBe(0);
      expect(a.child.signalCode).toBe('SIGKILL');

      // A never finished the case it was killed on; B took it over when A's lock expired.
      const done = (w: WorkerProcess) => [...w.stdout.matchAll(/^(\S+): \d+ infection voxels/gm)].map((m) => m[1]);
      const logs = `worker A:\n${a.stderr}${a.stdout}\nworker B:\n${b.stderr}${b.stdout}`;
      if (process.env.RAUNET_QUEUE_TEST_LOGS) console.log(logs);
      expect(done(a), logs).not.toContain(killedCase);
      expect(starts(b), logs).toContain(killedCase);
      // Each case was completed exactly once, by one worker or the other.
      const completed = [...done(a), ...done(b)].sort();
      expect(completed, logs).toEqual(Array.from({ length: CASES }, (_, i) => `case_${String(i).padStart(2, '0')}`));

      // Only the masks in the output folder (no temporary file of the killed worker), each equal to
      // single-process predict byte for byte.
      expect(readdirSync(output).sort()).toEqual(completed.map((c) => `${c}.nii.gz`));
      for (const c of completed) expect(readFileSync(join(output, `${c}.nii.gz`)).equals(readFileSync(join(dir, 'ref', `${c}.nii.gz`))), c).toBe(true);

      const status = await cli('queue', 'status', '--queue', url, '--json');
      const s = JSON.parse(status.stdout) as QueueStatus;
      expect(s.counts).toEqual({ waiting: 0, active: 0, delayed: 0, completed: CASES, failed: 1 });
      expect(s.failed).toHaveLength(1);
      expect(s.failed[0]).toMatchObject({ caseName: 'damaged', attemptsMade: 1 });
      expect(s.failed[0].error).toMatch(/damaged\.nii\.gz: gzip stream cut short/);
      const taken = s.completed.find((j) => j.caseName === killedCase)!;
      expect(taken.result!.worker).toBe(`${hostname()}:${b.child.pid}`);
      // The text status names the failed case and its error.
      const text = await cli('queue', 'status', '--queue', url);
      expect(text.stdout).toMatch(new RegExp(`completed ${CASES}, failed 1`));
      expect(text.stdout).toMatch(/damaged\s+\S*damaged\.nii\.gz: gzip stream cut short/);

      // Finished jobs stay until cleaned; then the folder can be submitted afresh.
      expect((await cli('queue', 'clean', '--queue', url, '--failed')).stdout).toContain('removed 0 completed and 1 failed');
      expect((await cli('queue', 'clean', '--queue', url)).stdout).toContain(`removed ${CASES} completed and 0 failed`);
      copyFileSync(join(input, 'case_01.nii.gz'), join(input, 'case_99.nii.gz'));
      expect((await cli('submit', '--queue', url, '--input', input, '--output', output)).stdout).toContain(`submitted ${CASES + 2} job(s)`);
    },
    // About a minute on an idle 2-core machine; the cap leaves room for a machine shared with other jobs.
    480_000,
  );

  it('refuses a malformed queue URL and an unreachable Redis with a clear message', async () => {
    const bad = await cli('queue', 'status', '--queue', 'localhost:6379');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--queue: queue URL 'localhost:6379'");
    const down = await cli('queue', 'status', '--queue', 'redis://127.0.0.1:1');
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach Redis at redis://127.0.0.1:1');
    expect((await cli('queue', 'frobnicate', '--queue', redis!.url)).code).toBe(2);
  });
});
