import { mkdtempSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAccessError, InvalidArgumentError, NiftiFormatError } from '@raunet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerMissing, startRedisServer, type RedisServer } from './__fixtures__/redis-server.js';
import {
  cleanQueue,
  getQueueStatus,
  parseQueueUrl,
  predictJobId,
  QueueError,
  retryFailedJobs,
  startPredictWorker,
  submitPredictJobs,
  type PredictJobData,
  type PredictWorkerEvent,
} from './index.js';

describe('parseQueueUrl', () => {
  it('reads host, port, database and credentials', () => {
    expect(parseQueueUrl('redis://127.0.0.1:6380/2')).toEqual({ host: '127.0.0.1', port: 6380, db: 2, tls: false, queueName: 'raunet-predict' });
    expect(parseQueueUrl('rediss://u:p%40ss@redis.example:6379', 'ct')).toMatchObject({ username: 'u', password: 'p@ss', tls: true, queueName: 'ct' });
    expect(parseQueueUrl('redis://[::1]')).toMatchObject({ host: '::1', port: 6379, db: 0 });
  });
  it('refuses what is not a Redis URL, naming it', () => {
    expect(() => parseQueueUrl('127.0.0.1:6379')).toThrow(/127\.0\.0\.1:6379.*redis:\/\//);
    expect(() => parseQueueUrl('http://x:1')).toThrow(InvalidArgumentError);
    expect(() => parseQueueUrl('redis://x:1/a')).toThrow(/database number/);
    expect(() => parseQueueUrl('redis://x:1', 'a:b')).toThrow(/queue name/);
  });
});

describe('predictJobId', () => {
  it('is the same for one file however it is named, different for two files', () => {
    expect(predictJobId('/data/ct/a.nii.gz')).toBe(predictJobId('/data/ct/../ct/a.nii.gz'));
    expect(predictJobId('/data/ct/a.nii.gz')).not.toBe(predictJobId('/data/ct/b.nii.gz'));
    // BullMQ refuses integer ids and ids with ':'.
    expect(predictJobId('/x')).toMatch(/^ct-[0-9a-f]{24}$/);
  });
});

const missing = redisServerMissing();
if (missing && process.env.CI) throw new Error(`CI needs redis-server: ${missing}`);

describe.skipIf(missing !== undefined)(`the queue on a real redis-server${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let redis: RedisServer;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedisServer();
    dir = mkdtempSync(join(tmpdir(), 'raunet-queue-'));
  });
  afterAll(async () => {
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const job = (name: string): PredictJobData => ({ caseName: name, input: join(dir, `${name}.nii.gz`), output: join(dir, 'out', `${name}.nii.gz`) });

  it('fails fast and clearly when Redis is not there', async () => {
    const c = parseQueueUrl('redis://127.0.0.1:1');
    await expect(getQueueStatus(c)).rejects.toSatisfy((e) => QueueError.isInstance(e) && /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/.test((e as Error).message));
  });

  it('stops when its signal aborts, after the running job', async () => {
    const connection = parseQueueUrl(redis.url, 'abort');
    await submitPredictJobs(connection, [job('s1'), job('s2')]);
    const controller = new AbortController();
    const ran: string[] = [];
    const worker = await startPredictWorker(connection, {
      signal: controller.signal,
      process: async (data) => {
        controller.abort(); // as Ctrl-C during the first job
        await new Promise((r) => setTimeout(r, 200));
        ran.push(data.caseName);
        return { voxels: 0, volumeMl: 0 };
      },
    });
    await worker.closed;
    expect(ran).toEqual(['s1']);
    const status = await getQueueStatus(connection);
    expect(status.counts).toMatchObject({ waiting: 1, active: 0, completed: 1 });
    expect(status.workers).toBe(0);
  });

  it('submits each input once, runs the jobs, keeps results and errors until cleaned', async () => {
    const connection = parseQueueUrl(redis.url, 'unit');
    const first = await submitPredictJobs(connection, [job('a'), job('b'), job('bad'), job('flaky')], { backoffMs: 10 });
    expect(first.added.map((j) => j.caseName)).toEqual(['a', 'b', 'bad', 'flaky']);
    const again = await submitPredictJobs(connection, [job('a'), job('c')]);
    expect(again.added.map((j) => j.caseName)).toEqual(['c']);
    expect(again.existing).toEqual([{ id: predictJobId(job('a').input), caseName: 'a', state: 'waiting' }]);
    await expect(submitPredictJobs(connection, [job('d'), { ...job('e'), output: job('d').output }])).rejects.toThrow(/would both write/);
    expect((await getQueueStatus(connection)).counts).toEqual({ waiting: 5, active: 0, delayed: 0, completed: 0, failed: 0 });

    // A stale temporary file of a dead worker beside an output is removed before the job runs.
    const outDir = join(dir, 'out');
    rmSync(outDir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(outDir));
    writeFileSync(join(outDir, '.a.nii.gz.tmp-99999-abc'), 'partial');
    const calls = new Map<string, number>();
    const events: PredictWorkerEvent[] = [];
    const worker = await startPredictWorker(connection, {
      exitWhenEmpty: true,
      stalledIntervalMs: 1000,
      onEvent: (e) => events.push(e),
      process: (data) => {
        calls.set(data.caseName, (calls.get(data.caseName) ?? 0) + 1);
        if (data.caseName === 'bad') throw new NiftiFormatError('gzip stream is cut', { file: data.input });
        if (data.caseName === 'flaky') throw new FileAccessError('stale NFS handle', { file: data.input });
        writeFileSync(data.output, data.caseName);
        return Promise.resolve({ voxels: data.caseName.length, volumeMl: 0.5 });
      },
    });
    await worker.closed;
    expect(Object.fromEntries(calls)).toEqual({ a: 1, b: 1, c: 1, bad: 1, flaky: 3 });
    expect(readdirSync(outDir).sort()).toEqual(['a.nii.gz', 'b.nii.gz', 'c.nii.gz']);

    const status = await getQueueStatus(connection);
    expect(status.counts).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 3, failed: 2 });
    const failed = Object.fromEntries(status.failed.map((j) => [j.caseName, j]));
    expect(failed.bad.error).toBe(`${job('bad').input}: gzip stream is cut`);
    expect(failed.bad.attemptsMade).toBe(1);
    expect(failed.flaky.error).toMatch(/stale NFS handle/);
    expect(failed.flaky.attemptsMade).toBe(3);
    const a = status.completed.find((j) => j.caseName === 'a')!;
    expect(a.result).toMatchObject({ output: job('a').output, voxels: 1, volumeMl: 0.5, worker: worker.name });
    expect(events.filter((e) => e.type === 'error' && e.caseName === 'flaky').map((e) => (e as { retry: boolean }).retry)).toEqual([true, true, false]);

    // Completed and failed jobs stay until cleaned; a cleaned input can be submitted again.
    expect((await submitPredictJobs(connection, [job('a')])).existing[0].state).toBe('completed');
    expect(await retryFailedJobs(connection)).toBe(2);
    expect((await getQueueStatus(connection)).counts.waiting).toBe(2);
    const drain = await startPredictWorker(connection, {
      exitWhenEmpty: true,
      process: () => Promise.reject(new NiftiFormatError('still damaged')),
    });
    await drain.closed;
    expect(await cleanQueue(connection, { failed: false })).toEqual({ completed: 3, failed: 0 });
    expect(await cleanQueue(connection)).toEqual({ completed: 0, failed: 2 });
    expect((await getQueueStatus(connection)).counts).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
    expect((await submitPredictJobs(connection, [job('a')])).added).toHaveLength(1);
  });
});
