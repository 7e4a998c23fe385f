import { assertSameGrid, type Volume } from '@raunet/core';
import { dice } from '@raunet/metrics';

/** The figures the viewer prints for a case. */
export interface CaseNumbers {
  /** Lesion voxels in the mask (nonzero). */
  lesionVoxels: number;
  /** Lesion volume in mL (voxels x voxel volume). */
  lesionMl: number;
  /** Ground-truth lesion volume in mL, when a truth is given. */
  truthMl?: number;
  /** Dice similarity coefficient of mask and truth, when a truth is given (1 when both are empty). */
  dice?: number;
}

function nonzero(v: Volume): number {
  let n = 0;
  const d = v.data;
  for (let i = 0; i < d.length; i++) if (Number(d[i]) !== 0) n++;
  return n;
}

/**
 * Lesion volume of a mask (and DSC against a truth) as the viewer shows them.
 *
 * @throws {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} when the truth is on another grid.
 * @example
 * ```ts
 * const { lesionMl, dice } = caseNumbers(mask, truth);
 * ```
 */
export function caseNumbers(mask: Volume, truth?: Volume): CaseNumbers {
  const mlPerVoxel = (mask.spacing[0] * mask.spacing[1] * mask.spacing[2]) / 1000;
  const lesionVoxels = nonzero(mask);
  const out: CaseNumbers = { lesionVoxels, lesionMl: lesionVoxels * mlPerVoxel };
  if (truth) {
    assertSameGrid(mask, truth, 'caseNumbers: mask and truth');
    out.truthMl = nonzero(truth) * mlPerVoxel;
    out.dice = dice(mask, truth);
  }
  return out;
}
