import { stat } from 'node:fs/promises';
import { writeFileAtomic } from '@raunet/core/node';
import { ONNX_OPSET } from '@raunet/onnx';
import { defineCommand } from '../internal/command.js';
import { CliUsageError } from '../internal/context.js';
import { resolveModelSource } from '../internal/model-source.js';
import { exportModelFolder } from '../internal/predictor.js';

const FORMATS = ['onnx'] as const;

/** `raunet export --model NAME|DIR --format onnx --output model.onnx [--json]`. */
export const command = defineCommand({
  usage: 'raunet export --model NAME|DIR --format onnx --output model.onnx [--json]',
  flags: {
    model: {
      type: 'string',
      required: true,
      value: 'NAME|DIR',
      description: "a shipped model's name ('raunet models' lists them), a trained model folder (model.json + weights.bin) or an ensemble folder (exported as one graph)",
    },
    format: { type: 'choice', choices: FORMATS, default: 'onnx', description: 'output format' },
    output: { type: 'string', required: true, value: 'FILE', description: 'the .onnx file to write (atomically)' },
    json: { type: 'boolean', description: 'print a JSON summary' },
  },
  async run({ flags }, io) {
    const { model: modelFlag, output } = flags;
    if (!/\.onnx$/i.test(output)) throw new CliUsageError(`export: --output must be a .onnx file, received '${output}'`);
    const { dir } = await resolveModelSource('export', modelFlag);
    // an ensemble folder: every member in one graph, averaged by a Mean node, with the ensemble's inference settings
    const result = await exportModelFolder(dir);
    await writeFileAtomic(output, result.bytes);
    const bytes = (await stat(output)).size;
    const [px, py, pz] = result.patchSize;
    const nodes = Object.values(result.opCounts).reduce((a, b) => a + b, 0);
    if (flags.json) {
      const summary = {
        file: output,
        bytes,
        opset: ONNX_OPSET,
        layout: 'NCDHW',
        input: { name: result.inputName, dims: ['batch', 1, pz, py, px] },
        output: { name: result.outputName, dims: ['batch', 'classes', pz, py, px] },
        patchSize: result.patchSize,
        nodes,
        members: result.members,
        opCounts: result.opCounts,
        metadata: result.metadata,
      };
      io.stdout(JSON.stringify(summary, null, 2) + '\n');
    } else {
      const ops = Object.entries(result.opCounts)
        .sort((a, b) => b[1] - a[1])
        .map(([op, n]) => `${op} ${n}`)
        .join(', ');
      io.stdout(
        `wrote ${output} (${(bytes / 2 ** 20).toFixed(1)} MiB): ONNX opset ${ONNX_OPSET}, input '${result.inputName}' float32 [batch, 1, ${pz}, ${py}, ${px}] (NCDHW), ` +
          `output '${result.outputName}' (sigmoid probabilities${result.members > 1 ? `, the mean of an ensemble of ${result.members} networks` : ''}), ${nodes} nodes (${ops}); preprocessing and inference settings in metadata_props (${Object.keys(result.metadata).join(', ')})\n`,
      );
    }
    return 0;
  },
});
