import { caseName, writeNifti } from '@raunet/io';
import { segmentLungs } from '@raunet/lungs';
import { marchingCubes, meshVolume, writeMesh } from '@raunet/mesh';
import { toHounsfield } from '@raunet/preprocess';
import { writePng } from '@raunet/viz';
import { defineCommand } from '../internal/command.js';
import { lungsPicture } from '../internal/burden-outputs.js';
import { CliUsageError } from '../internal/context.js';
import { assertExists } from '../internal/fs.js';
import { readScan } from '../internal/inputs.js';
import { prepareOutputFile } from '../internal/output-paths.js';

/** `raunet lungs CT --output lungs.nii.gz [--png FILE] [--mesh FILE] [--json]`. */
export const command = defineCommand({
  usage:
    'raunet lungs CT.nii.gz --output lungs.nii.gz [--png FILE] [--mesh FILE] [--closing MM] [--threshold HU] [--json]',
  flags: {
    output: {
      type: 'string',
      required: true,
      value: 'FILE',
      description: 'lung mask to write (.nii or .nii.gz): 1 = left lung, 2 = right lung',
    },
    png: {
      type: 'string',
      value: 'FILE',
      description: 'also write an axial/coronal/sagittal picture (left lung red, right lung green)',
    },
    mesh: {
      type: 'string',
      value: 'FILE',
      description: 'also write a 3D model of both lungs (.stl, .ply, .obj)',
    },
    closing: {
      type: 'number',
      min: 0,
      max: 100,
      value: 'MM',
      description: 'radius of the closing that keeps pleural lesions in the lung', defaultText: '12',
    },
    threshold: {
      type: 'number',
      min: -1000,
      max: 0,
      value: 'HU',
      description: 'air-filled voxels are below this', defaultText: '-400',
    },
    json: { type: 'boolean', description: 'print a JSON summary on stdout' },
  },
  async run(args, io) {
    const input = args.positionals[0];
    if (!input || args.positionals.length > 1)
      throw new CliUsageError(
        'lungs: give exactly one CT file, e.g. raunet lungs ct.nii.gz --output lungs.nii.gz',
      );
    const { output, png, mesh: meshPath, closing: closingRadiusMm, threshold } = args.flags;
    if (!/\.nii(\.gz)?$/i.test(output))
      throw new CliUsageError(`lungs: --output must be a .nii or .nii.gz file, received '${output}'`);
    if (png && !/\.png$/i.test(png))
      throw new CliUsageError(`lungs: --png must end in .png, received '${png}'`);
    if (meshPath && !/\.(stl|ply|obj)$/i.test(meshPath))
      throw new CliUsageError(`lungs: --mesh must end in .stl, .ply or .obj, received '${meshPath}'`);
    await assertExists(input, 'file');
    for (const [flag, p] of [['output', output], ['png', png], ['mesh', meshPath]] as const) if (p) await prepareOutputFile(p, flag);
    const t0 = Date.now();
    const ct = await readScan(input, 'CT');
    const hu = toHounsfield(ct);
    if (hu.scale.converted)
      io.stderr(`lungs: ${hu.scale.reason}; read as HU with window [${hu.scale.window?.join(', ')}]\n`);
    const result = segmentLungs(hu.volume, {
      ...(closingRadiusMm !== undefined ? { closingRadiusMm } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
    });
    await writeNifti(output, result.mask, { datatype: 'uint8' });
    if (png) await writePng(png, lungsPicture(hu.volume, result.mask));
    let meshMl: number | undefined;
    if (meshPath) {
      const mesh = marchingCubes(result.mask, { smoothIterations: 10 });
      await writeMesh(meshPath, mesh);
      meshMl = meshVolume(mesh) / 1000;
    }
    const summary = {
      case: caseName(input),
      output,
      leftVolumeMl: result.leftVolumeMl,
      rightVolumeMl: result.rightVolumeMl,
      tracheaFound: result.tracheaFound,
      workingSpacingMm: result.workingSpacing,
      seconds: (Date.now() - t0) / 1000,
      ...(png ? { png } : {}),
      ...(meshPath ? { mesh: meshPath, meshVolumeMl: meshMl } : {}),
    };
    if (result.leftVolumeMl + result.rightVolumeMl === 0)
      io.stderr(`lungs: no lung found in ${input} (is it a chest CT in a full field of view?)\n`);
    if (args.flags.json) io.stdout(JSON.stringify(summary, null, 2) + '\n');
    else
      io.stdout(
        `${summary.case}: left lung ${result.leftVolumeMl.toFixed(0)} mL, right lung ${result.rightVolumeMl.toFixed(0)} mL${result.tracheaFound ? ', trachea removed' : ''} in ${summary.seconds.toFixed(1)} s -> ${output}\n`,
      );
    return 0;
  },
});
