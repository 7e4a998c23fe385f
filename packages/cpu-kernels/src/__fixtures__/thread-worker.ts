// Worker thread of worker-threads.test.ts: posts convolutionHashes(seed, rounds) of its workerData.
import { parentPort, workerData } from 'node:worker_threads';
import { convolutionHashes } from './thread-convolutions.js';

const { seed, rounds } = workerData as { seed: number; rounds: number };
parentPort!.postMessage(await convolutionHashes(seed, rounds));
