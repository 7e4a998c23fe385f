import { assertSameGrid, InvalidArgumentError, spacingFromAffine, withData, type Volume } from '@raunet/core';
import { buildWorkGrid, dims3, numeric } from './internal/grid.js';
import { assignSides } from './internal/sides.js';
import { LEFT_LUNG, RIGHT_LUNG } from './segment-lungs.js';

/** Volumes of one lung (or both) and how much of it is infected. */
export interface LungInvolvement {
  /** Lung volume, mL. */
  volumeMl: number;
  /** Infection inside this lung, mL. */
  infectionMl: number;
  /** Share of the lung's volume that is infected, percent (0 for an empty lung). */
  percentInvolved: number;
}

/** Result of {@link infectionBurden}: what a reader of a COVID-19 CT reports. */
export interface InfectionBurden {
  /** All infection voxels, mL (inside the lungs or not). */
  infectionMl: number;
  /** Infection outside both lungs, mL (0 when the prediction was restricted to the lungs). */
  outsideLungsMl: number;
  /** Left lung (label 1). */
  left: LungInvolvement;
  /** Right lung (label 2). */
  right: LungInvolvement;
  /** Both lungs together. */
  total: LungInvolvement;
}

function involvement(volumeMl: number, infectionMl: number): LungInvolvement {
  return { volumeMl, infectionMl, percentInvolved: volumeMl > 0 ? (100 * infectionMl) / volumeMl : 0 };
}

/**
 * The infection burden of a CT: infection volume in mL, each lung's volume, and the percentage of each
 * lung involved (the "percentage of opacity" of COVID-19 CT reports), from an infection mask (nonzero =
 * infected) and a lung mask with labels 1 = left, 2 = right (as {@link segmentLungs} writes and
 * COVID-19-CT-Seg's `Lung_Mask`; other masks go through {@link toLeftRightLungs} first).
 *
 * @throws {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} when the masks are on different grids.
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when the lung mask holds labels other than 0, 1, 2.
 * @example
 * ```ts
 * const lungs = segmentLungs(ct).mask;
 * const burden = infectionBurden(prediction, lungs);
 * console.log(`${burden.infectionMl.toFixed(1)} mL, left ${burden.left.percentInvolved.toFixed(1)} %`);
 * ```
 */
export function infectionBurden(infection: Volume, lungs: Volume): InfectionBurden {
  dims3(infection, 'infectionBurden');
  assertSameGrid(infection, lungs, 'infectionBurden: infection and lung masks');
  const inf = numeric(infection);
  const lab = numeric(lungs);
  const counts = [0, 0, 0];
  const infected = [0, 0, 0];
  for (let p = 0; p < lab.length; p++) {
    const l = lab[p];
    if (l !== 0 && l !== LEFT_LUNG && l !== RIGHT_LUNG) {
      throw new InvalidArgumentError(
        `infectionBurden: the lung mask must hold 0, 1 (left) and 2 (right), found ${l}; convert it with toLeftRightLungs`,
      );
    }
    counts[l]++;
    if (inf[p] !== 0) infected[l]++;
  }
  const s = spacingFromAffine(infection.affine);
  const ml = (s[0] * s[1] * s[2]) / 1000;
  const left = involvement(counts[1] * ml, infected[1] * ml);
  const right = involvement(counts[2] * ml, infected[2] * ml);
  return {
    infectionMl: (infected[0] + infected[1] + infected[2]) * ml,
    outsideLungsMl: infected[0] * ml,
    left,
    right,
    total: involvement(left.volumeMl + right.volumeMl, left.infectionMl + right.infectionMl),
  };
}

/** Signed errors of a predicted burden against the true one (prediction − truth). */
export interface BurdenError {
  /** Infection volume error, mL. */
  infectionMl: number;
  /** Error of the left lung's percentage involved, percentage points. */
  leftPercent: number;
  /** Error of the right lung's percentage involved, percentage points. */
  rightPercent: number;
  /** Error of both lungs' percentage involved, percentage points. */
  totalPercent: number;
}

/**
 * Burden error of a prediction against the truth, both measured with the same lung mask.
 *
 * @example
 * ```ts
 * const error = compareBurden(infectionBurden(prediction, lungs), infectionBurden(truth, lungs));
 * error.totalPercent; // e.g. -1.8 percentage points
 * ```
 */
export function compareBurden(predicted: InfectionBurden, truth: InfectionBurden): BurdenError {
  return {
    infectionMl: predicted.infectionMl - truth.infectionMl,
    leftPercent: predicted.left.percentInvolved - truth.left.percentInvolved,
    rightPercent: predicted.right.percentInvolved - truth.right.percentInvolved,
    totalPercent: predicted.total.percentInvolved - truth.total.percentInvolved,
  };
}

/**
 * A lung mask with labels 1 = left, 2 = right: returned as it is when it already holds exactly those
 * labels (COVID-19-CT-Seg's `Lung_Mask`, {@link segmentLungs}), else its nonzero voxels (a binary mask,
 * lobes, CIP regions...) are split into the two lungs as {@link segmentLungs} does (regions on either side
 * of the mask's mid-sagittal plane, touching lungs split at their junction), sides from the affine.
 *
 * @example
 * ```ts
 * const lungs = toLeftRightLungs(await readNifti('lung_binary.nii.gz'));
 * ```
 */
export function toLeftRightLungs(mask: Volume): Volume<Uint8Array> {
  const [nx, ny, nz] = dims3(mask, 'toLeftRightLungs');
  const src = numeric(mask);
  const seen = new Set<number>();
  for (let p = 0; p < src.length && seen.size < 4; p++) if (src[p] !== 0) seen.add(src[p]);
  if (seen.size === 2 && seen.has(LEFT_LUNG) && seen.has(RIGHT_LUNG))
    return withData(mask, Uint8Array.from(src));
  // Work on the RAS grid at the mask's own resolution (block size 1), then carry the sides back.
  const binary = withData(
    mask,
    Uint8Array.from(src, (v) => (v !== 0 ? 1 : 0)),
  );
  const grid = buildWorkGrid(binary, 0, 'toLeftRightLungs');
  const regions = new Uint8Array(grid.hu.length);
  let sum = 0;
  let count = 0;
  for (let p = 0; p < regions.length; p++) {
    if (grid.hu[p] < 0.5) continue;
    regions[p] = 1;
    sum += p % grid.dims[0];
    count++;
  }
  const sides = assignSides(regions, grid.dims, count ? sum / count : 0, 0.1);
  const out = new Uint8Array(nx * ny * nz);
  const [ox, oy, oz] = grid.offsets;
  for (let k = 0, p = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, p++) out[p] = sides[oz[k] + oy[j] + ox[i]];
  return withData(mask, out);
}
