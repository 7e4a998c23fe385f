import { marchingCubes, meshArea, meshComponents, meshVolume, writeMesh } from '@raunet/mesh';
import { defineCommand } from '../internal/command.js';
import { CliUsageError } from '../internal/context.js';
import { assertExists } from '../internal/fs.js';
import { readScan } from '../internal/inputs.js';
import { prepareOutputFile } from '../internal/output-paths.js';
import { extname } from 'node:path';

/** `raunet mesh --mask FILE --output lesion.stl|.ply|.obj [--smooth N] [--components] [--label N]`. */
export const command = defineCommand({
  usage:
    'raunet mesh --mask FILE --output lesion.stl|.ply|.obj [--smooth N] [--components] [--label N] [--json]',
  flags: {
    mask: { type: 'string', required: true, value: 'FILE', description: 'mask NIfTI (nonzero voxels, or --label)' },
    output: { type: 'string', required: true, value: 'FILE', description: 'output mesh; the format follows the suffix' },
    smooth: { type: 'integer', min: 0, max: 1000, default: 0, value: 'N', description: 'Taubin smoothing iterations' },
    label: { type: 'integer', value: 'N', description: 'mesh only voxels equal to this label' },
    components: {
      type: 'boolean',
      description: 'also write one file per connected component (name-1.stl, ...)',
    },
    json: { type: 'boolean', description: 'print a JSON summary' },
  },
  async run({ flags }, io) {
    const { mask: maskPath, output, smooth: smoothIterations, label } = flags;
    const ext = extname(output).toLowerCase();
    if (!['.stl', '.ply', '.obj'].includes(ext))
      throw new CliUsageError(`mesh: --output must end in .stl, .ply or .obj, received '${output}'`);
    await assertExists(maskPath, 'file');
    await prepareOutputFile(output, 'output');
    const mask = await readScan(maskPath, 'mask');
    const options = { smoothIterations, ...(label !== undefined ? { label } : {}) };
    const mesh = marchingCubes(mask, options);
    await writeMesh(output, mesh);
    const written = [output];
    let components = 0;
    if (flags.components) {
      const parts = meshComponents(mask, options);
      components = parts.length;
      for (let i = 0; i < parts.length; i++) {
        const path = output.slice(0, -ext.length) + `-${i + 1}` + ext;
        await writeMesh(path, parts[i]);
        written.push(path);
      }
    }
    const summary = {
      mask: maskPath,
      files: written,
      triangles: mesh.indices.length / 3,
      vertices: mesh.positions.length / 3,
      volumeMl: meshVolume(mesh) / 1000,
      areaMm2: meshArea(mesh),
      ...(flags.components ? { components } : {}),
    };
    if (flags.json) io.stdout(JSON.stringify(summary, null, 2) + '\n');
    else
      io.stdout(
        `wrote ${written.join(', ')}: ${summary.triangles} triangles, enclosed volume ${summary.volumeMl.toFixed(2)} mL, area ${summary.areaMm2.toFixed(0)} mm²\n`,
      );
    return 0;
  },
});
