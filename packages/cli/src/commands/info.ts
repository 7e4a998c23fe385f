import { orientationCodes } from '@raunet/core';
import { readNifti } from '@raunet/io';
import { detectIntensityScale } from '@raunet/preprocess';
import type { CommandModule } from '../internal/command.js';
import { CliUsageError } from '../internal/context.js';
import { assertExists } from '../internal/fs.js';

/** Intensity statistics of a volume's (first component of) data. */
function intensityStats(data: ArrayLike<number | bigint>): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  const n = data.length;
  for (let i = 0; i < n; i++) {
    const v = Number(data[i]);
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: n ? sum / n : NaN };
}

/** `raunet info FILE [--json]`. */
export const command: CommandModule = {
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
      const s = detectIntensityScale(v);
      scale = s.kind;
    } catch (e) {
      scale = `neither HU nor 0..255 windowed (${(e as Error).message})`;
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
        `intensity    min ${f(stats.min)}, max ${f(stats.max)}, mean ${f(stats.mean)}`,
        `scale        ${scale}`,
        `affine       ${v.affine.map((r) => '[' + r.map(f).join(', ') + ']').join('\n             ')}`,
      ].join('\n') + '\n',
    );
    return 0;
  },
};
