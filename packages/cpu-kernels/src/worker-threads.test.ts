import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { probe, skipReason } from './__fixtures__/native-vs-js.js';
import { convolutionHashes } from './__fixtures__/thread-convolutions.js';

/** Runs the fixture in a worker thread (tsx's loader registered inside it: the fixture is TypeScript). */
function inWorker(seed: number, rounds: number): Promise<number[]> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const script = new URL('./__fixtures__/thread-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script)}); })`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { seed, rounds }, execArgv: ['--conditions=@raunet/source'] });
    w.once('message', (m: number[]) => void w.terminate().then(() => resolve(m)));
    w.once('error', reject);
  });
}

describe('native kernels in several JS threads', () => {
  it.skipIf(!probe.loaded)(
    `gives each thread its own primitives: two worker threads convolving at once match one thread bit for bit${skipReason}`,
    { timeout: 120_000 },
    async () => {
      const rounds = 12;
      // the same shapes in both threads (the same cached primitive, had the threads shared them), other inputs
      const [a, b] = await Promise.all([inWorker(1, rounds), inWorker(2, rounds)]);
      expect(a).toEqual(await convolutionHashes(1, rounds));
      expect(b).toEqual(await convolutionHashes(2, rounds));
      expect(a).not.toEqual(b);
    },
  );
});
