import { join, resolve } from 'node:path';
import { caseName, listNiftiFiles } from '@raunet/io';
import { queueLabel, submitPredictJobs, type PredictJobData, type PredictJobSettings } from '@raunet/queue';
import { defineCommand } from '../internal/command.js';
import { CliUsageError } from '../internal/context.js';
import { assertExists } from '../internal/fs.js';
import { prepareOutputDir } from '../internal/output-paths.js';
import { resolveModelSource } from '../internal/model-source.js';
import { PREDICTION_FLAGS, predictionOptionsFromFlags } from '../internal/predict-case.js';
import { QUEUE_FLAGS, queueFromFlags } from '../internal/queue-flags.js';

/** `raunet submit --queue redis://HOST:PORT --input DIR --output DIR [--model NAME|DIR] [...]`. */
export const command = defineCommand({
  usage: 'raunet submit --queue redis://HOST:PORT --input CT|DIR --output DIR [--model NAME|DIR] [flags]',
  flags: {
    ...QUEUE_FLAGS,
    input: {
      type: 'string',
      required: true,
      value: 'CT|DIR',
      description: 'a CT NIfTI file or a folder of them, on storage every worker sees (a shared file system)',
    },
    output: {
      type: 'string',
      required: true,
      value: 'DIR',
      description: 'folder of the masks (<case>.nii.gz), on storage every worker sees; created if missing',
    },
    model: {
      type: 'string',
      value: 'NAME|DIR',
      description: "a shipped model's name or a model folder on shared storage", defaultText: "each worker's --model",
    },
    ...PREDICTION_FLAGS,
    attempts: {
      type: 'integer',
      min: 1,
      value: 'N',
      description: 'attempts of a job that fails unexpectedly (a damaged input fails at once)', defaultText: '3',
    },
    json: { type: 'boolean', description: 'print the added and existing jobs as JSON' },
  },
  async run({ flags }, io) {
    const connection = queueFromFlags('submit', flags);
    const input = resolve(flags.input);
    const output = resolve(flags.output);
    if (/\.(nii|gz|hdr)$/i.test(output))
      throw new CliUsageError(`submit: --output must be a folder (masks are named after the cases), received '${output}'`);
    const options = predictionOptionsFromFlags('submit', flags);
    const { attempts, model: modelFlag } = flags;
    // A shipped model travels by name (each worker has its own copy); a folder by absolute path.
    const model = modelFlag === undefined ? undefined : await resolveModelSource('submit', modelFlag).then((m) => m.shipped ?? resolve(m.dir));

    const files = (await assertExists(input)) === 'file' ? [input] : await listNiftiFiles(input);
    if (files.length === 0) throw new CliUsageError(`submit: no NIfTI files in ${input}`);
    const seen = new Map<string, string>();
    for (const f of files) {
      const name = caseName(f);
      if (seen.has(name)) throw new CliUsageError(`submit: ${seen.get(name)} and ${f} are both case '${name}': their masks would have one name`);
      seen.set(name, f);
    }
    await prepareOutputDir(output, 'output');
    const settings: PredictJobSettings = {
      ...(options.overlap !== undefined ? { overlap: options.overlap } : {}),
      ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
      ...(options.minComponentSize !== undefined ? { minComponentSize: options.minComponentSize } : {}),
      ...(options.flipTta !== undefined ? { flipTta: options.flipTta } : {}),
      ...(options.scaleTta !== undefined ? { scaleTta: [...options.scaleTta] } : {}),
      ...(options.skipAirWindows !== undefined ? { skipAirWindows: options.skipAirWindows } : {}),
    };
    const jobs: PredictJobData[] = files.map((f) => ({
      caseName: caseName(f),
      input: f,
      output: join(output, `${caseName(f)}.nii.gz`),
      ...(model !== undefined ? { model } : {}),
      ...(Object.keys(settings).length ? { settings } : {}),
    }));
    const result = await submitPredictJobs(connection, jobs, attempts !== undefined ? { attempts } : {});
    if (flags.json) {
      io.stdout(JSON.stringify(result, null, 2) + '\n');
      return 0;
    }
    const states = new Map<string, number>();
    for (const j of result.existing) states.set(j.state, (states.get(j.state) ?? 0) + 1);
    const already = [...states].map(([s, n]) => `${n} ${s}`).join(', ');
    io.stdout(
      `submitted ${result.added.length} job(s) to ${queueLabel(connection)}` +
        (result.existing.length ? `; ${result.existing.length} already in the queue (${already}), not added again` : '') +
        '\n',
    );
    if (result.existing.length && states.has('failed'))
      io.stdout(`  'raunet queue retry' runs the failed ones again; 'raunet queue clean' forgets finished ones\n`);
    return 0;
  },
});
