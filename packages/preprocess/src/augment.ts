import { InvalidArgumentError, ShapeMismatchError } from '@raunet/core';
import type { Rng, Volume } from '@raunet/core';
import { geometry, reindexing, warpPair } from './internal/augment-geometry.js';
import { blurInPlane, contrastInPlace, gammaInPlace } from './internal/intensity-augment.js';
import { reindexVolume } from './internal/permute.js';
import { checkIntTriple, checkSize, dims3, spacing3 } from './internal/volume-utils.js';
import type { Vec3 } from './internal/volume-utils.js';

/**
 * Options of {@link augmentPair} and {@link augmentPatch}; every transform is drawn independently with its
 * probability. The transforms added after the first release (any-angle rotation, zoom, blur, contrast,
 * gamma) default to probability 0 and then draw no random number, so the default options give the same
 * samples, and leave the `Rng` in the same state, as before they existed.
 */
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
  /**
   * Probability of an in-plane (x-y) rotation by an angle drawn uniformly from `rotationRangeDeg`, about the
   * patch centre, resampled (trilinear image, nearest label). Independent of the exact quarter turns of
   * `rotateProbability`, which it follows. nnU-Net uses 0.2.
   * @defaultValue 0
   */
  rotationProbability?: number;
  /**
   * Range of the any-angle rotation, degrees, in the sense of the quarter turns (+90° equals one quarter
   * turn). The rotation is done in mm, so a circle stays a circle when the x and y spacings differ.
   * nnU-Net uses [-180, 180] in 2D and [-30, 30] in 3D.
   * @defaultValue [-30, 30]
   */
  rotationRangeDeg?: readonly [number, number];
  /** Probability of a zoom about the patch centre by a factor drawn from `zoomRange`. nnU-Net uses 0.2. @defaultValue 0 */
  zoomProbability?: number;
  /**
   * Range of the zoom factor; above 1 magnifies (anatomy looks larger, the patch covers less of it). Drawn
   * as nnU-Net does: half the time uniformly below 1, half the time above, when the range straddles 1.
   * @defaultValue [0.7, 1.4]
   */
  zoomRange?: readonly [number, number];
  /** Whether the zoom also applies along z (isotropic 3D zoom); otherwise z is left untouched. @defaultValue false */
  zoomAlongZ?: boolean;
  /**
   * Image value where the any-angle rotation or the zoom samples outside the input (and, for
   * {@link augmentPatch}, where the patch leaves the volume). Labels are padded with 0.
   * @defaultValue the minimum of the input image (for {@link augmentPatch}: of the whole volume, computed once per data array)
   */
  padValue?: number;
  /** Probability of an in-plane Gaussian blur, standard deviation drawn from `blurSigmaRange`. nnU-Net uses 0.2. @defaultValue 0 */
  blurProbability?: number;
  /** Range of the blur standard deviation, voxels (x and y; z is never blurred). @defaultValue [0.5, 1] */
  blurSigmaRange?: readonly [number, number];
  /**
   * Probability of a contrast change: `x' = mean + factor · (x - mean)` over the sample, clipped to the
   * range it had before (nnU-Net's `preserve_range`). nnU-Net uses 0.15.
   * @defaultValue 0
   */
  contrastProbability?: number;
  /** Range of the contrast factor, drawn half the time below 1, half above (as nnU-Net). @defaultValue [0.75, 1.25] */
  contrastRange?: readonly [number, number];
  /**
   * Probability of a gamma change: `x' = min + (max - min) · ((x - min) / (max - min))^gamma` over the
   * sample's own range (min, max and the order of values are kept). nnU-Net uses 0.3.
   * @defaultValue 0
   */
  gammaProbability?: number;
  /** Range of gamma, drawn half the time below 1, half above (as nnU-Net). @defaultValue [0.7, 1.5] */
  gammaRange?: readonly [number, number];
}

/** What {@link augmentPair} or {@link augmentPatch} drew, for logging and to reproduce or invert a sample. */
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
  /** Any-angle in-plane rotation after the quarter turns, degrees, same sense (0 when not drawn). */
  rotationDeg: number;
  /** In-plane zoom factor, above 1 magnifies (1 when not drawn). */
  zoom: number;
  /** Zoom factor along z (1 unless drawn with `zoomAlongZ`). */
  zoomZ: number;
  /** Standard deviation of the in-plane blur, voxels (0 when not drawn). */
  blurSigma: number;
  /** Contrast factor (1 when not drawn). */
  contrast: number;
  /** Gamma (1 when not drawn). */
  gamma: number;
}

/** Result of {@link augmentPair} and {@link augmentPatch}. */
export interface AugmentResult {
  /** Augmented image, Float32. */
  image: Volume<Float32Array>;
  /** Augmented label, same element type as the input label, same grid as `image`. */
  label: Volume;
  /** The transforms that were drawn. */
  applied: AugmentRecord;
}

type Range = [number, number];

interface Resolved {
  pFlip: number;
  pRot: number;
  pScale: number;
  pShift: number;
  pNoise: number;
  pRotation: number;
  pZoom: number;
  pBlur: number;
  pContrast: number;
  pGamma: number;
  scaleRange: Range;
  shiftRange: Range;
  noiseRange: Range;
  rotationRange: Range;
  zoomRange: Range;
  blurRange: Range;
  contrastRange: Range;
  gammaRange: Range;
  flipAxes: readonly number[];
}

function probability(p: number | undefined, fallback: number, name: string, where: string): number {
  const v = p ?? fallback;
  if (!(v >= 0 && v <= 1)) throw new InvalidArgumentError(`${where}: ${name} must be a probability in [0, 1], received ${v}`);
  return v;
}

function range(r: readonly [number, number] | undefined, fallback: Range, name: string, where: string, min = -Infinity, strict = false): Range {
  const v = r ?? fallback;
  if (!Array.isArray(v) || v.length !== 2 || !(Number.isFinite(v[0]) && Number.isFinite(v[1]) && v[0] <= v[1]) || (strict ? !(v[0] > min) : !(v[0] >= min))) {
    const bound = min === -Infinity ? '' : ` and low ${strict ? '>' : '≥'} ${min}`;
    throw new InvalidArgumentError(`${where}: ${name} must be [low, high] with low ≤ high${bound}, received [${String(v)}]`);
  }
  return [v[0], v[1]];
}

function resolve(options: AugmentOptions, where: string): Resolved {
  const flipAxes: readonly number[] = options.flipAxes ?? [0, 1, 2];
  if (flipAxes.some((a) => a !== 0 && a !== 1 && a !== 2)) throw new InvalidArgumentError(`${where}: flipAxes must list axes 0, 1, 2, received [${flipAxes.join(', ')}]`);
  if (options.padValue !== undefined && !Number.isFinite(options.padValue)) throw new InvalidArgumentError(`${where}: padValue must be a finite number, received ${options.padValue}`);
  return {
    pFlip: probability(options.flipProbability, 0.5, 'flipProbability', where),
    pRot: probability(options.rotateProbability, 0.5, 'rotateProbability', where),
    pScale: probability(options.scaleProbability, 0.3, 'scaleProbability', where),
    pShift: probability(options.shiftProbability, 0.3, 'shiftProbability', where),
    pNoise: probability(options.noiseProbability, 0.15, 'noiseProbability', where),
    pRotation: probability(options.rotationProbability, 0, 'rotationProbability', where),
    pZoom: probability(options.zoomProbability, 0, 'zoomProbability', where),
    pBlur: probability(options.blurProbability, 0, 'blurProbability', where),
    pContrast: probability(options.contrastProbability, 0, 'contrastProbability', where),
    pGamma: probability(options.gammaProbability, 0, 'gammaProbability', where),
    scaleRange: range(options.scaleRange, [0.9, 1.1], 'scaleRange', where),
    shiftRange: range(options.shiftRange, [-0.1, 0.1], 'shiftRange', where),
    noiseRange: range(options.noiseStdRange, [0, 0.05], 'noiseStdRange', where),
    rotationRange: range(options.rotationRangeDeg, [-30, 30], 'rotationRangeDeg', where),
    zoomRange: range(options.zoomRange, [0.7, 1.4], 'zoomRange', where, 0, true),
    blurRange: range(options.blurSigmaRange, [0.5, 1], 'blurSigmaRange', where, 0),
    contrastRange: range(options.contrastRange, [0.75, 1.25], 'contrastRange', where, 0),
    gammaRange: range(options.gammaRange, [0.7, 1.5], 'gammaRange', where, 0, true),
    flipAxes,
  };
}

/** A factor from `r`, nnU-Net style: when `r` straddles 1, below 1 or above 1 with equal chance. */
function factorAroundOne(rng: Rng, r: Range): number {
  if (r[0] < 1 && r[1] > 1) return rng.uniform() < 0.5 ? rng.uniform(r[0], 1) : rng.uniform(1, r[1]);
  return rng.uniform(r[0], r[1]);
}

/**
 * Draws every random parameter in a fixed order: the first release's (flips, quarter turn, scale, shift,
 * noise) exactly as it drew them, then the later transforms, each only when its probability is above 0.
 */
function draw(o: Resolved, dims: Vec3, allowShapeChange: boolean, rng: Rng): AugmentRecord {
  const flips: [boolean, boolean, boolean] = [false, false, false];
  for (let a = 0; a < 3; a++) {
    const drawn = rng.chance(o.pFlip);
    if (o.flipAxes.includes(a)) flips[a] = drawn;
  }
  let quarterTurns = 0;
  if (rng.chance(o.pRot)) {
    const u = rng.int(1, 4);
    quarterTurns = dims[0] === dims[1] || allowShapeChange ? u : 2;
  }
  const scale = rng.chance(o.pScale) ? rng.uniform(o.scaleRange[0], o.scaleRange[1]) : 1;
  const shift = rng.chance(o.pShift) ? rng.uniform(o.shiftRange[0], o.shiftRange[1]) : 0;
  const noiseStd = rng.chance(o.pNoise) ? rng.uniform(o.noiseRange[0], o.noiseRange[1]) : 0;
  const drawn = (p: number): boolean => p > 0 && rng.chance(p);
  const rotationDeg = drawn(o.pRotation) ? rng.uniform(o.rotationRange[0], o.rotationRange[1]) : 0;
  const zoom = drawn(o.pZoom) ? factorAroundOne(rng, o.zoomRange) : 1;
  const blurSigma = drawn(o.pBlur) ? rng.uniform(o.blurRange[0], o.blurRange[1]) : 0;
  const contrast = drawn(o.pContrast) ? factorAroundOne(rng, o.contrastRange) : 1;
  const gamma = drawn(o.pGamma) ? factorAroundOne(rng, o.gammaRange) : 1;
  return { flips, quarterTurns, scale, shift, noiseStd, rotationDeg, zoom, zoomZ: 1, blurSigma, contrast, gamma };
}

/** The intensity transforms, on the image only, in place: scale, shift and noise in one pass, then blur, contrast, gamma. */
function intensity(img: Volume<Float32Array>, record: AugmentRecord, rng: Rng): void {
  const { scale, shift, noiseStd } = record;
  const d = img.data;
  if (scale !== 1 || shift !== 0 || noiseStd > 0) {
    if (noiseStd > 0) for (let i = 0; i < d.length; i++) d[i] = d[i] * scale + shift + rng.normal(0, noiseStd);
    else for (let i = 0; i < d.length; i++) d[i] = d[i] * scale + shift;
  }
  if (record.blurSigma > 0) blurInPlane(d, dims3(img, 'augment'), record.blurSigma);
  if (record.contrast !== 1) contrastInPlace(d, record.contrast);
  if (record.gamma !== 1) gammaInPlace(d, record.gamma);
}

function checkPair(image: Volume, label: Volume, where: string): Vec3 {
  const dims = dims3(image, where);
  const ld = dims3(label, where);
  if (dims.some((n, a) => n !== ld[a])) {
    throw new ShapeMismatchError(`${where}: label dims [${ld.join(', ')}] differ from image dims [${dims.join(', ')}]`);
  }
  return dims;
}

/**
 * Augments an image and its label jointly, nnU-Net / MONAI style. Geometry, applied identically to both:
 * random flips and in-plane 90° rotations (exact re-indexings), then an in-plane rotation by any angle
 * (in mm, so anisotropic x/y spacing is respected) and a zoom about the patch centre, both resampled in
 * one pass (trilinear image, nearest label, output dims = input dims, `padValue` where the transform
 * reaches outside the input). Then, on the image only: an intensity factor, an offset and Gaussian noise,
 * an in-plane Gaussian blur, a contrast change and a gamma change. Each transform has its probability;
 * only flips, quarter turns, scale, shift and noise are on by default.
 *
 * Every geometric transform updates the affine (and the spacing: swapped by 90°/270° turns, divided by the
 * zoom) so that every voxel keeps its world position: the array changes, the anatomy in world space does
 * not, so a prediction on the augmented patch can be brought back with `resampleLike`. Deterministic given
 * `rng`; the inputs are not modified.
 *
 * For training with rotation or zoom prefer {@link augmentPatch}: it samples the transformed patch from
 * the whole volume, so its corners hold anatomy instead of `padValue`.
 *
 * @example
 * ```ts
 * const { image, label, applied } = augmentPair(patch.image, patch.label, { rotationProbability: 0.2, zoomProbability: 0.2 }, rng);
 * ```
 * @throws {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} when image and label dims differ.
 */
export function augmentPair(image: Volume, label: Volume, options: AugmentOptions, rng: Rng): AugmentResult {
  const dims = checkPair(image, label, 'augmentPair');
  const resolved = resolve(options, 'augmentPair');
  // Draw every random number in a fixed order so a given rng state always gives the same sample.
  const record = draw(resolved, dims, options.allowShapeChange ?? false, rng);
  if (record.zoom !== 1 && options.zoomAlongZ) record.zoomZ = record.zoom;
  let img: Volume<Float32Array>;
  let lab: Volume;
  if (record.rotationDeg !== 0 || record.zoom !== 1) {
    ({ image: img, label: lab } = warpPair(image, label, geometry(record, [0, 0, 0], dims, spacing3(image)), options.padValue));
  } else {
    const { axes, reverse } = reindexing(record);
    img = reindexVolume(image, axes, reverse, 'augmentPair', undefined, true) as Volume<Float32Array>;
    lab = reindexVolume(label, axes, reverse, 'augmentPair');
  }
  intensity(img, record, rng);
  return { image: img, label: lab, applied: record };
}

/**
 * Cuts and augments a training patch in one step: the result equals {@link augmentPair} applied, with the
 * same options and `rng` state, to the patch `extractPatch` would cut at `origin` (same draws, same record,
 * same rng state after), except that where the rotation or the zoom reaches beyond the patch the values are
 * read from the whole volume instead of being padded. One interpolation, no padded corners, and only
 * `size` voxels are computed whatever the size of the volume: the way to use rotation and zoom in training.
 *
 * The patch is the box of `size` voxels (x, y, z) whose first voxel is source voxel `origin` (as in
 * `extractPatch`; `samplePatches` returns such origins): it is flipped, turned by quarter turns,
 * rotated and zoomed about its own centre. Only where the transformed patch leaves the volume is the image
 * `padValue` (default: the volume's minimum, computed once per data array and cached) and the label 0.
 * The output has `size` voxels (x and y swapped only for 90°/270° turns of a non-square patch with
 * `allowShapeChange`), affine and spacing such that every voxel keeps its world position.
 *
 * @example
 * ```ts
 * const [pair] = samplePatches(ct, mask, { count: 1, size: [256, 256, 1], rng });
 * const { image, label } = augmentPatch(ct, mask, pair.origin, [256, 256, 1], { rotationProbability: 0.2, rotationRangeDeg: [-180, 180], zoomProbability: 0.2 }, rng);
 * ```
 * @throws {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} when image and label dims differ.
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for a bad origin, size or option.
 */
export function augmentPatch(
  image: Volume,
  label: Volume,
  origin: readonly number[],
  size: readonly number[],
  options: AugmentOptions,
  rng: Rng,
): AugmentResult {
  checkPair(image, label, 'augmentPatch');
  const o = checkIntTriple(origin, 'augmentPatch', 'origin');
  const s = checkSize(size, 'augmentPatch');
  const resolved = resolve(options, 'augmentPatch');
  const record = draw(resolved, s, options.allowShapeChange ?? false, rng);
  if (record.zoom !== 1 && options.zoomAlongZ) record.zoomZ = record.zoom;
  const { image: img, label: lab } = warpPair(image, label, geometry(record, o, s, spacing3(image)), options.padValue);
  intensity(img, record, rng);
  return { image: img, label: lab, applied: record };
}
