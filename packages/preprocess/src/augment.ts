import { InvalidArgumentError, ShapeMismatchError } from '@raunet/core';
import type { Rng, Volume } from '@raunet/core';
import { reindexVolume } from './internal/permute.js';
import { dims3 } from './internal/volume-utils.js';
import type { Vec3 } from './internal/volume-utils.js';

/** Options of {@link augmentPair}; every transform is drawn independently with its probability. */
export interface AugmentOptions {
  /** Probability of flipping each axis listed in `flipAxes` (drawn per axis). @defaultValue 0.5 */
  flipProbability?: number;
  /** Axes that may be flipped (0 = x, 1 = y, 2 = z). @defaultValue [0, 1, 2] */
  flipAxes?: readonly number[];
  /** Probability of an in-plane (x-y) rotation by 90°, 180° or 270° (uniform among those allowed). @defaultValue 0.5 */
  rotateProbability?: number;
  /**
   * Whether 90°/270° rotations may swap nx and ny when the in-plane size is not square. When false (the
   * default) non-square inputs are only rotated by 180°, so the output keeps the input dims (fixed
   * batch shapes); square inputs always use all three angles.
   * @defaultValue false
   */
  allowShapeChange?: boolean;
  /** Probability of multiplying the image by a factor drawn from `scaleRange`. @defaultValue 0.3 */
  scaleProbability?: number;
  /** Range of the intensity factor. @defaultValue [0.9, 1.1] */
  scaleRange?: readonly [number, number];
  /** Probability of adding an offset drawn from `shiftRange` (image units, e.g. [0, 1] normalized). @defaultValue 0.3 */
  shiftProbability?: number;
  /** Range of the intensity offset. @defaultValue [-0.1, 0.1] */
  shiftRange?: readonly [number, number];
  /** Probability of adding Gaussian noise, standard deviation drawn from `noiseStdRange`. @defaultValue 0.15 */
  noiseProbability?: number;
  /** Range of the noise standard deviation (image units). @defaultValue [0, 0.05] */
  noiseStdRange?: readonly [number, number];
}

/** What {@link augmentPair} drew, for logging and to reproduce or invert a sample. */
export interface AugmentRecord {
  /** Flipped axes of the input (x, y, z), applied first. */
  flips: [boolean, boolean, boolean];
  /** Quarter turns in the x-y plane applied after the flips (0-3), counter-clockwise from +x towards +y. */
  quarterTurns: number;
  /** Intensity factor (1 when not drawn). */
  scale: number;
  /** Intensity offset (0 when not drawn). */
  shift: number;
  /** Noise standard deviation (0 when not drawn). */
  noiseStd: number;
}

/** Result of {@link augmentPair}. */
export interface AugmentResult {
  /** Augmented image, Float32. */
  image: Volume<Float32Array>;
  /** Augmented label, same element type as the input label, same grid as `image`. */
  label: Volume;
  /** The transforms that were drawn. */
  applied: AugmentRecord;
}

function probability(p: number | undefined, fallback: number, name: string): number {
  const v = p ?? fallback;
  if (!(v >= 0 && v <= 1)) throw new InvalidArgumentError(`augmentPair: ${name} must be a probability in [0, 1], received ${v}`);
  return v;
}

function range(r: readonly [number, number] | undefined, fallback: [number, number], name: string): [number, number] {
  const v = r ?? fallback;
  if (!Array.isArray(v) || v.length !== 2 || !(Number.isFinite(v[0]) && Number.isFinite(v[1]) && v[0] <= v[1])) {
    throw new InvalidArgumentError(`augmentPair: ${name} must be [low, high] with low ≤ high, received [${String(v)}]`);
  }
  return [v[0], v[1]];
}

/**
 * Augments an image and its label jointly: random flips and in-plane 90° rotations (applied identically to
 * both, as pure re-indexings) then, on the image only, an intensity factor, an offset and Gaussian noise.
 * The geometric transforms update the affine (and swap the x/y spacing for 90°/270° turns) so that every
 * voxel keeps its world position: the array layout changes, the anatomy in world space does not, so a
 * prediction on the augmented patch can be brought back with `resampleLike`. Deterministic given `rng`.
 *
 * @example
 * ```ts
 * const { image, label } = augmentPair(patch.image, patch.label, { rotateProbability: 0.5 }, rng);
 * ```
 * @throws {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} when image and label dims differ.
 */
export function augmentPair(image: Volume, label: Volume, options: AugmentOptions, rng: Rng): AugmentResult {
  const dims = dims3(image, 'augmentPair');
  const ld = dims3(label, 'augmentPair');
  if (dims.some((n, a) => n !== ld[a])) {
    throw new ShapeMismatchError(`augmentPair: label dims [${ld.join(', ')}] differ from image dims [${dims.join(', ')}]`);
  }
  const pFlip = probability(options.flipProbability, 0.5, 'flipProbability');
  const pRot = probability(options.rotateProbability, 0.5, 'rotateProbability');
  const pScale = probability(options.scaleProbability, 0.3, 'scaleProbability');
  const pShift = probability(options.shiftProbability, 0.3, 'shiftProbability');
  const pNoise = probability(options.noiseProbability, 0.15, 'noiseProbability');
  const scaleRange = range(options.scaleRange, [0.9, 1.1], 'scaleRange');
  const shiftRange = range(options.shiftRange, [-0.1, 0.1], 'shiftRange');
  const noiseRange = range(options.noiseStdRange, [0, 0.05], 'noiseStdRange');
  const flipAxes: readonly number[] = options.flipAxes ?? [0, 1, 2];
  if (flipAxes.some((a) => a !== 0 && a !== 1 && a !== 2)) throw new InvalidArgumentError(`augmentPair: flipAxes must list axes 0, 1, 2, received [${flipAxes.join(', ')}]`);

  // Draw every random number in a fixed order so a given rng state always gives the same sample.
  const flips: [boolean, boolean, boolean] = [false, false, false];
  for (let a = 0; a < 3; a++) {
    const drawn = rng.chance(pFlip);
    if (flipAxes.includes(a)) flips[a] = drawn;
  }
  let quarterTurns = 0;
  const square = dims[0] === dims[1];
  if (rng.chance(pRot)) {
    const u = rng.int(1, 4);
    quarterTurns = square || options.allowShapeChange ? u : 2;
  }
  const scale = rng.chance(pScale) ? rng.uniform(scaleRange[0], scaleRange[1]) : 1;
  const shift = rng.chance(pShift) ? rng.uniform(shiftRange[0], shiftRange[1]) : 0;
  const noiseStd = rng.chance(pNoise) ? rng.uniform(noiseRange[0], noiseRange[1]) : 0;

  // Quarter turn q: output axes (rx, ry) walk input axes, with flips (counter-clockwise, x towards y).
  const rot: { axes: Vec3; flips: [boolean, boolean, boolean] }[] = [
    { axes: [0, 1, 2], flips: [false, false, false] },
    { axes: [1, 0, 2], flips: [false, true, false] },
    { axes: [0, 1, 2], flips: [true, true, false] },
    { axes: [1, 0, 2], flips: [true, false, false] },
  ];
  const r = rot[quarterTurns];
  // Composite: output axis a walks input axis r.axes[a], reversed if the rotation or the flip reverses it.
  const axes: Vec3 = [r.axes[0], r.axes[1], r.axes[2]];
  const composite = [0, 1, 2].map((a: number) => r.flips[a] !== flips[r.axes[a]]);
  const img = reindexVolume(image, axes, composite, 'augmentPair', undefined, true) as Volume<Float32Array>;
  const lab = reindexVolume(label, axes, composite, 'augmentPair');
  if (scale !== 1 || shift !== 0 || noiseStd > 0) {
    const d = img.data;
    if (noiseStd > 0) for (let i = 0; i < d.length; i++) d[i] = d[i] * scale + shift + rng.normal(0, noiseStd);
    else for (let i = 0; i < d.length; i++) d[i] = d[i] * scale + shift;
  }
  return { image: img, label: lab, applied: { flips, quarterTurns, scale, shift, noiseStd } };
}
