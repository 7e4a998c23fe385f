import { orientationCodes } from '@raunet/core';
import { readNifti } from '@raunet/io';
import { detectIntensityScale } from '@raunet/preprocess';
import { defineCommand } from '../internal/command.js';
import { CliUsageError } from '../internal/context.js';
import { assertExists } from '../internal/fs.js';

/** Intensity statistics of a volume's (first component of) data, over finite values; NaN/±Inf are counted apart. */
function intensityStats(data: ArrayLike<number | bigint>): { min: number; max: number; mean: number; nonFinite: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let finite = 0;
  const n = data.length;
  for (let i = 0; i < n; i++) {
    const v = Number(data[i]);
    if (!Number.isFinite(v)) continue;
    finite++;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: finite ? sum / finite : NaN, nonFinite: n - finite };
}

/** `raunet info FILE [--json]`. */
export const command = defineCommand({
  usage: 'raunet info FILE [--json]',
  flags: { json: { type: 'boolean', description: 'print a JSON object instead of text' } },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file || args.positionals.length > 1) throw new CliUsageError('info: give exactly one FILE');
    await assertExists(file, 'file');
    const v = await readNifti(file);
    const stats = intensityStats(v.data);
    let scale: string;
    try {
      scale = detectIntensityScale(v).kind;
    } catch (e) {
      // Not an error of `info`: the file is read fine, it just does not look like a CT (an MR, a mask...).
      scale = `does not look like a CT: ${(e as Error).message.replace(/^detectIntensityScale: /, '')}`;
    }
    const summary = {
      file,
      dims: v.dims,
      spacing: v.spacing,
      orientation: orientationCodes(v.affine).join(''),
      affine: v.affine,
      datatype: v.meta?.datatype ?? 'unknown',
      components: v.components ?? 1,
      qformCode: v.meta?.qformCode ?? 0,
      sformCode: v.meta?.sformCode ?? 0,
      intensity: stats,
      intensityScale: scale,
    };
    if (args.flags.json) {
      io.stdout(JSON.stringify(summary, null, 2) + '\n');
      return 0;
    }
    const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3));
    io.stdout(
      [
        `file         ${file}`,
        `dims         ${v.dims.join(' x ')}`,
        `spacing      ${v.spacing.map(f).join(' x ')} mm`,
        `orientation  ${summary.orientation} (qform_code ${summary.qformCode}, sform_code ${summary.sformCode})`,
        `datatype     ${summary.datatype}${summary.components > 1 ? ` x ${summary.components} components` : ''}`,
        `intensity    min ${f(stats.min)}, max ${f(stats.max)}, mean ${f(stats.mean)}${stats.nonFinite ? ` (of finite values; ${stats.nonFinite} NaN or infinite voxels: train, predict and evaluate refuse this file)` : ''}`,
        `scale        ${scale}`,
        `affine       ${v.affine.map((r) => '[' + r.map(f).join(', ') + ']').join('\n             ')}`,
      ].join('\n') + '\n',
    );
    return 0;
  },
});
