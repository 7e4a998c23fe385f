import { DatasetError } from '@raunet/core';
import { caseName, listNiftiFiles, readNifti } from '@raunet/io';
import {
  evaluateCase,
  summarizeCases,
  toCsv,
  toTextTable,
  SURFACE_DEFINITIONS,
  type CaseMetrics,
  type EvaluateSetResult,
} from '@raunet/metrics';
import { writeFileAtomic } from '@raunet/core/node';
import type { CommandModule } from '../internal/command.js';
import { choiceFlag, numberFlag, requireFlag, stringFlag } from '../internal/args.js';

/** `raunet evaluate --pred DIR --gt DIR [--csv FILE] [--json] [--tolerance MM] [--label N] [--surface voxel|surfel]`. */
export const command: CommandModule = {
  usage:
    'raunet evaluate --pred DIR --gt DIR [--csv FILE] [--json] [--tolerance MM] [--label N] [--surface voxel|surfel]',
  flags: {
    pred: { type: 'string', value: 'DIR', description: 'folder of predicted masks (NIfTI)' },
    gt: {
      type: 'string',
      value: 'DIR',
      description: 'folder of ground-truth masks with the same file names',
    },
    csv: { type: 'string', value: 'FILE', description: 'also write the per-case table as CSV' },
    json: { type: 'boolean', description: 'print the full result as JSON on stdout' },
    tolerance: {
      type: 'string',
      value: 'MM',
      description: 'NSD tolerance in mm (default 3, the benchmark value for infection)',
    },
    label: {
      type: 'string',
      value: 'N',
      description: 'ground-truth label to score (default: any nonzero voxel)',
    },
    surface: {
      type: 'string',
      value: 'voxel|surfel',
      description:
        'surface of HD95/NSD: voxel = border voxels, MONAI (default); surfel = area-weighted, DeepMind, as the COVID-19-CT-Seg benchmark',
    },
  },
  async run(args, io) {
    const predDir = requireFlag('evaluate', args, 'pred');
    const gtDir = requireFlag('evaluate', args, 'gt');
    const toleranceMm = numberFlag('evaluate', args, 'tolerance', { min: 0 }) ?? 3;
    const label = numberFlag('evaluate', args, 'label', { integer: true, min: 1 });
    const surface = choiceFlag('evaluate', args, 'surface', SURFACE_DEFINITIONS) ?? 'voxel';
    const csvPath = stringFlag(args, 'csv');
    const preds = await listNiftiFiles(predDir);
    const gts = new Map((await listNiftiFiles(gtDir)).map((p) => [caseName(p), p]));
    if (preds.length === 0) throw new DatasetError('no NIfTI files found', { file: predDir });
    const missing = preds.filter((p) => !gts.has(caseName(p)));
    if (missing.length) {
      throw new DatasetError(`no ground truth in ${gtDir} for ${missing.map(caseName).join(', ')}`, {
        file: predDir,
      });
    }
    // One case in memory at a time: a CT-sized pair of masks is ~160 MB.
    const options = { toleranceMm, surface, ...(label !== undefined ? { label } : {}) };
    const cases: CaseMetrics[] = [];
    for (const p of preds) {
      const name = caseName(p);
      io.stderr(`scoring ${name}\n`);
      cases.push(evaluateCase(await readNifti(p), await readNifti(gts.get(name)!), { ...options, name }));
    }
    const result: EvaluateSetResult = {
      cases,
      summary: summarizeCases(cases),
      toleranceMm,
      percentile: 95,
      surface,
    };
    if (csvPath) await writeFileAtomic(csvPath, toCsv(result));
    if (args.flags.json) {
      io.stdout(JSON.stringify(result, null, 2) + '\n');
      return 0;
    }
    io.stdout(toTextTable(result));
    return 0;
  },
};
