import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { InvalidArgumentError } from '@raunet/core';
import { queueLabel, startPredictWorker, type PredictJobData, type PredictWorkerEvent } from '@raunet/queue';
import type { Precision } from '@raunet/core';
import { loadPredictor, type LoadedPredictor } from '@raunet/raunet';
import { defineCommand } from '../internal/command.js';
import { BACKEND_FLAG, startBackend } from '../internal/backend.js';
import type { CliIO } from '../internal/context.js';
import { prepareOutputDir } from '../internal/output-paths.js';
import { resolveModelSource } from '../internal/model-source.js';
import { BATCH_SIZE_FLAG, PRECISION_FLAG, predictCase } from '../internal/predict-case.js';
import { QUEUE_FLAGS, queueFromFlags } from '../internal/queue-flags.js';

/** Models (or ensembles) by the name or folder a job gives, loaded once per worker. */
class ModelCache {
  private readonly models = new Map<string, Promise<LoadedPredictor>>();
  constructor(private readonly precision?: Precision) {}
  get(model: string): Promise<LoadedPredictor> {
    let m = this.models.get(model);
    if (!m) {
      m = resolveModelSource('worker', model).then((source) => loadPredictor(source.dir, this.precision ? { precision: this.precision } : {}));
      // A model that failed to load fails its jobs, but may load later (a folder still being copied).
      m.catch(() => this.models.delete(model));
      this.models.set(model, m);
    }
    return m;
  }
  async dispose(): Promise<void> {
    for (const m of this.models.values()) (await m.catch(() => undefined))?.dispose();
    this.models.clear();
  }
}

function logEvent(io: CliIO, worker: string, e: PredictWorkerEvent): void {
  if (e.type === 'start') io.stderr(`${worker}: start ${e.caseName} (job ${e.id}, attempt ${e.attempt})\n`);
  else if (e.type === 'done')
    io.stdout(
      `${e.caseName}: ${e.result.voxels} infection voxels (${e.result.volumeMl.toFixed(2)} mL) in ${e.result.seconds.toFixed(1)} s -> ${e.result.output}\n`,
    );
  else if (e.type === 'error')
    io.stderr(`${worker}: ${e.caseName} failed (attempt ${e.attempt}${e.retry ? ', will retry' : ', for good'}): ${e.message}\n`);
  else if (e.type === 'stalled') io.stderr(`${worker}: job ${e.id} lost its worker; put back in the queue\n`);
  else io.stderr(`${worker}: ${e.message}\n`);
}

/** `raunet worker --queue redis://HOST:PORT [--concurrency 1] [--model NAME|DIR] [...]`. */
export const command = defineCommand({
  usage: 'raunet worker --queue redis://HOST:PORT [--model NAME|DIR] [--concurrency N] [--exit-when-empty] [flags]',
  flags: {
    ...QUEUE_FLAGS,
    model: {
      type: 'string',
      value: 'NAME|DIR',
      description: "the model of jobs submitted without --model: a shipped model's name or a model folder",
    },
    concurrency: { type: 'integer', min: 1, default: 1, value: 'N', description: 'jobs at once in this process (start one worker per machine)' },
    ...BATCH_SIZE_FLAG,
    ...PRECISION_FLAG,
    backend: BACKEND_FLAG,
    'exit-when-empty': {
      type: 'boolean',
      description: 'stop once no job is waiting or running anywhere (default: wait for jobs until Ctrl-C)',
    },
    'lock-duration': {
      type: 'number',
      min: 0.1,
      value: 'S',
      description: "seconds a job stays held by this worker without a sign of life; a dead worker's jobs go to others after that", defaultText: '120',
    },
    'stalled-interval': {
      type: 'number',
      min: 0.1,
      value: 'S',
      description: 'seconds between looks for jobs of dead workers', defaultText: '30',
    },
    'max-stalled': {
      type: 'integer',
      min: 0,
      value: 'N',
      description: 'times a job may lose its worker before it fails (a case that crashes every worker)', defaultText: '2',
    },
  },
  async run({ flags }, io) {
    const connection = queueFromFlags('worker', flags);
    const {
      backend,
      'batch-size': batchSize,
      precision,
      concurrency,
      'lock-duration': lockDuration,
      'stalled-interval': stalledInterval,
      'max-stalled': maxStalledCount,
      model: defaultModel,
    } = flags;
    const models = new ModelCache(precision);
    // Check the worker's own model before taking any job.
    if (defaultModel !== undefined) await resolveModelSource('worker', defaultModel);
    await startBackend(backend, io);
    try {
      if (defaultModel !== undefined) await models.get(defaultModel);
      const name = `${hostname()}:${process.pid}`;
      const worker = await startPredictWorker(connection, {
        name,
        concurrency,
        ...(lockDuration !== undefined ? { lockDurationMs: Math.round(lockDuration * 1000) } : {}),
        ...(stalledInterval !== undefined ? { stalledIntervalMs: Math.round(stalledInterval * 1000) } : {}),
        ...(maxStalledCount !== undefined ? { maxStalledCount } : {}),
        exitWhenEmpty: flags['exit-when-empty'],
        ...(io.signal ? { signal: io.signal } : {}),
        onEvent: (e) => logEvent(io, name, e),
        process: async (data: PredictJobData, context) => {
          const model = data.model ?? defaultModel;
          if (model === undefined)
            throw new InvalidArgumentError(
              `job ${context.id} (${data.caseName}) names no model and this worker was started without --model`,
            );
          await prepareOutputDir(dirname(data.output));
          const summary = await predictCase(
            (await models.get(model)).model,
            { name: data.caseName, input: data.input, output: data.output },
            {
              ...data.settings,
              ...(batchSize !== undefined ? { batchSize } : {}),
              ...(precision !== undefined ? { precision } : {}),
              onProgress: (done, total) => context.progress(done / total),
            },
          );
          return { voxels: summary.voxels, volumeMl: summary.volumeMl };
        },
      });
      io.stderr(`${worker.name}: waiting for jobs on ${queueLabel(connection)}\n`);
      await worker.closed;
    } finally {
      await models.dispose();
    }
    return 0;
  },
});
