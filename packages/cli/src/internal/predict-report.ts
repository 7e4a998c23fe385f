import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNifti, writeNifti } from '@raunet/io';
import { marchingCubes, writeMesh } from '@raunet/mesh';
import { writeViewerReport, type ServedCase } from '@raunet/viewer/node';

/** One predicted case, as `predict` wrote it. */
export interface PredictedCase {
  name: string;
  /** The input CT. */
  input: string;
  /** The mask written. */
  output: string;
  prob?: string;
  mesh?: string;
  /** Figures to show beside the case. */
  numbers: Record<string, number | string>;
}

/**
 * Writes `predict --report DIR`: the viewer page with, per case, the CT, the mask, the probability map
 * when written and a lesion mesh (made from the mask when `--mesh` was not given). A CT that is not a
 * single-file NIfTI (an Analyze `.hdr`/`.img` pair) is stored as `.nii.gz`, which the page reads.
 */
export async function writePredictReport(dir: string, cases: PredictedCase[], title: string): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'raunet-report-'));
  try {
    const served: ServedCase[] = [];
    for (const [i, c] of cases.entries()) {
      let ct = c.input;
      if (!/\.nii(\.gz)?$/i.test(ct)) {
        ct = join(scratch, `${i}-ct.nii.gz`);
        await writeNifti(ct, await readNifti(c.input));
      }
      let mesh = c.mesh;
      if (!mesh) {
        const surface = marchingCubes(await readNifti(c.output), { smoothIterations: 10 });
        if (surface.indices.length > 0) {
          mesh = join(scratch, `${i}-mesh.stl`);
          await writeMesh(mesh, surface);
        }
      }
      served.push({ name: c.name, ct, mask: c.output, ...(c.prob ? { prob: c.prob } : {}), ...(mesh ? { mesh } : {}), numbers: c.numbers });
    }
    await writeViewerReport(dir, served, { title });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
