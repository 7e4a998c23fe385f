// A worker process of `raunet predict --workers N` (started by internal/predict-pool.ts, with OMP_NUM_THREADS
// set to its share of the cores): loads the model once, then predicts the cases `raunet predict` sends it one
// at a time and writes their outputs (atomically, as the one-worker loop does).
import { describeVoxelSize } from './internal/inputs.js';
import { burdenOf } from './internal/burden-outputs.js';
import { predictCase } from './internal/predict-case.js';
import type { OpenPredictor } from './internal/predictor.js';
import { openPredictor } from './internal/predictor.js';
import { serializeError, type PoolReply, type PoolRequest } from './internal/predict-pool.js';
import { silenceTfjsBanner } from './internal/tfjs-banner.js';

if (!process.send) throw new Error('predict-worker: run only as a worker process of raunet predict');
const post = (m: PoolReply): void => void process.send?.(m);

// A Ctrl-C reaches the whole process group: the main process decides what stops (no new case), and this
// process finishes the case it has. It quits when the main process goes away.
process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));

silenceTfjsBanner();
let predictor: Promise<OpenPredictor> | undefined;
process.on('message', (m: PoolRequest) => {
  if (m.type === 'setup') {
    const { setup } = m;
    predictor = openPredictor(
      setup.backend,
      setup.modelDir,
      {
        stdout: () => {},
        stderr: (text) => post({ type: 'log', text }),
      },
      setup.options.precision,
    );
    predictor.then(
      () => post({ type: 'ready' }),
      (e: unknown) => post({ type: 'error', index: -1, error: serializeError(e) }),
    );
    const options = setup.options;
    process.on('message', (r: PoolRequest) => {
      if (r.type === 'stop') {
        // (a model that failed to load was reported already)
        void predictor!
          .then(({ release }) => release())
          .catch(() => undefined)
          .finally(() => process.disconnect());
        return;
      }
      if (r.type !== 'job') return;
      const t0 = Date.now();
      predictor!
        .then(({ model }) =>
          predictCase(model, r.job, options, { onWriting: () => post({ type: 'writing', index: r.index }) }),
        )
        .then(
          (c) =>
            post({
              type: 'done',
              index: r.index,
              seconds: (Date.now() - t0) / 1000,
              voxels: c.voxels,
              size: describeVoxelSize(c.mask, c.voxels),
              meshNote: c.meshNote,
              burden: burdenOf(c.mask, c.lungs),
              lungs: c.lungs !== undefined,
            }),
          (e: unknown) => post({ type: 'error', index: r.index, error: serializeError(e) }),
        );
    });
  }
});
