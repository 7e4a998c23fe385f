import { InvalidArgumentError, Rng, createVolume, voxelToWorld } from '@raunet/core';
import type { Affine, Volume } from '@raunet/core';
import { planeMaps, sampleAnatomy } from './internal/anatomy.js';
import { drawAnatomy } from './internal/draw-anatomy.js';
import type { BaseVolumes } from './internal/draw-anatomy.js';
import { Frame } from './internal/frame.js';
import { drawLesions } from './internal/lesions.js';
import { addGaussianNoise, blur121, clampInPlace } from './internal/noise.js';
import { drawCentralTubes, drawTubeTrees } from './internal/tubular-anatomy.js';

/** Lowest and highest value written to the CT (HU), like a scanner's int16 output range. */
export const PHANTOM_HU_RANGE: readonly [number, number] = [-1024, 3071];

/** Arguments of {@link generatePhantom}. Sizes are (x, y, z) = (i, j, k) voxel axes. */
export interface GeneratePhantomOptions {
  /** Grid size `[nx, ny, nz]`. @defaultValue `[96, 96, 48]` */
  dims?: readonly [number, number, number];
  /**
   * Voxel size `[sx, sy, sz]` in mm. @defaultValue a 360 x 360 x 300 mm field of view:
   * `[360 / nx, 360 / ny, 300 / nz]` (3.75 x 3.75 x 6.25 mm for the default dims)
   */
  spacing?: readonly [number, number, number];
  /** Seed: equal seeds (and options) give byte-identical outputs. @defaultValue 0 */
  seed?: number;
  /**
   * Number of lesions to place, or `'none'` for a healthy case. When omitted the case is healthy with
   * probability `healthyProbability`, else it gets an integer count drawn uniformly in `lesionCount`.
   * Lesions that cannot be placed (no lung in view, infection cap reached) are dropped, so
   * `lesions.length` can be smaller than asked.
   * @defaultValue random (see `healthyProbability`, `lesionCount`)
   */
  lesions?: number | 'none';
  /** Probability of a lesion-free case when `lesions` is omitted. @defaultValue 0.15 */
  healthyProbability?: number;
  /** Inclusive range of the random lesion count when `lesions` is omitted. @defaultValue `[2, 8]` */
  lesionCount?: readonly [number, number];
  /**
   * Range of the nominal lesion radius in mm (drawn log-uniformly; the irregular shape extends to
   * about 1.5x and is clipped by the lung; radii under 0.8 voxel are raised to 0.8 voxel so that every
   * lesion is visible on coarse grids). @defaultValue `[3, 35]`
   */
  lesionRadiusMm?: readonly [number, number];
  /** Probability that a lesion is a consolidation. @defaultValue 0.25 */
  consolidationProbability?: number;
  /**
   * Probability that a lesion is mixed: a consolidated core inside a ground-glass rim (the rest are pure
   * ground-glass opacities). `consolidationProbability + mixedProbability` must not exceed 1.
   * @defaultValue 0.15
   */
  mixedProbability?: number;
  /**
   * Most infected fraction of the lung volume (0..1): a lesion that would exceed it is shrunk or dropped.
   * @defaultValue 0.3
   */
  maxInfectionFraction?: number;
  /** Standard deviation of the white Gaussian scanner noise, HU; 0 for none. @defaultValue 15 */
  noiseStd?: number;
  /** Apply the partial-volume blur (separable `[1, 4, 1] / 6` along each axis, 0.58 voxel standard deviation) before the noise. @defaultValue true */
  blur?: boolean;
  /** Mean HU of normal lung parenchyma before vessels (a gravity gradient of ±27 HU is added). @defaultValue -890 */
  lungHu?: number;
  /** Draw pulmonary vessels and airways (branching tubes). @defaultValue true */
  vessels?: boolean;
}

/** Description of one lesion of a phantom. */
export interface LesionInfo {
  /**
   * Ground-glass opacity (-700..-300 HU), consolidation (-100..+50 HU), or mixed (a consolidated core in
   * a ground-glass rim; the `tissue` map tells the two parts apart).
   */
  kind: 'ground-glass' | 'consolidation' | 'mixed';
  /** Lung it was placed in (patient side). */
  side: 'left' | 'right';
  /** Voxel `[i, j, k]` the lesion was grown from (inside the lung mask). */
  seedVoxel: [number, number, number];
  /** Centroid of the lesion's voxels, fractional voxel indices `[i, j, k]`. */
  centroidVoxel: [number, number, number];
  /** The same centroid in world mm (RAS+, through the CT's affine). */
  centroidMm: [number, number, number];
  /** Nominal radius it was drawn with, mm (patient scale; see {@link PhantomResult.patientScale}). */
  radiusMm: number;
  /** Voxels of the infection mask that belong to this lesion (lesions do not overlap). */
  voxels: number;
  /** Volume of those voxels in mL. */
  volumeMl: number;
  /** The lesion's own base HU (of the ground-glass rim for mixed lesions; before texture, vessels, blur and noise). */
  targetHu: number;
  /** Mean HU of its voxels as drawn (texture included; before vessels, blur and noise). */
  meanHu: number;
}

/** Result of {@link generatePhantom}. All volumes share one grid (dims, spacing, affine). */
export interface PhantomResult {
  /** The CT in Hounsfield units, clamped to {@link PHANTOM_HU_RANGE}. */
  ct: Volume<Int16Array>;
  /** Infection (lesion) mask: 1 inside lesions, else 0; always inside the lung mask. */
  infection: Volume<Uint8Array>;
  /** Lung mask (both lungs, intrapulmonary vessels and airways included; trachea, main bronchi, aorta excluded). */
  lung: Volume<Uint8Array>;
  /** What each voxel was drawn as ({@link PhantomTissue} codes), before blur and noise. */
  tissue: Volume<Uint8Array>;
  /** The lesions, in drawing order. */
  lesions: LesionInfo[];
  /** Infected voxels / lung voxels (0 when there is no lung in view). */
  infectionFraction: number;
  /** Lung volume in mL. */
  lungVolumeMl: number;
  /**
   * Factors (in-plane, cranio-caudal) by which the patient was shrunk to fit the field of view; 1 when
   * the grid holds a whole adult chest at true size.
   */
  patientScale: [number, number];
  /** The options actually used, defaults filled in (what `dataset.json` records). */
  options: ResolvedPhantomOptions;
  /**
   * Fractional voxel index `i` of the patient's mid-sagittal plane: lung voxels with larger `i` belong to
   * the left lung, smaller to the right (the lungs never reach this plane).
   */
  midlineVoxel: number;
}

/** {@link GeneratePhantomOptions} with every default filled in (`lesions` resolved to a count). */
export interface ResolvedPhantomOptions {
  /** Grid size `[nx, ny, nz]`. */
  dims: [number, number, number];
  /** Voxel size, mm. */
  spacing: [number, number, number];
  /** Seed. */
  seed: number;
  /** Lesions asked for (after the healthy / count draw). */
  lesions: number;
  /** Nominal lesion radius range, mm. */
  lesionRadiusMm: [number, number];
  /** Probability of a consolidation. */
  consolidationProbability: number;
  /** Probability of a mixed lesion. */
  mixedProbability: number;
  /** Infection cap, fraction of lung volume. */
  maxInfectionFraction: number;
  /** Scanner noise, HU. */
  noiseStd: number;
  /** Partial-volume blur applied. */
  blur: boolean;
  /** Lung parenchyma HU. */
  lungHu: number;
  /** Vessels and airways drawn. */
  vessels: boolean;
}

function fail(what: string, expected: string, received: unknown): never {
  throw new InvalidArgumentError(`generatePhantom: ${what} must be ${expected}, received ${JSON.stringify(received)}`);
}

function checkRange(name: string, r: readonly number[] | undefined, lo: number, hi: number, integer = false): [number, number] | undefined {
  if (r === undefined) return undefined;
  if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => Number.isFinite(x) && x >= lo && x <= hi && (!integer || Number.isInteger(x))) || r[0] > r[1]) {
    fail(name, `[min, max] with ${lo} <= min <= max <= ${hi}${integer ? ' (integers)' : ''}`, r);
  }
  return [r[0], r[1]];
}

function checkProbability(name: string, p: number | undefined, fallback: number): number {
  if (p === undefined) return fallback;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail(name, 'a number in [0, 1]', p);
  return p;
}

/** Resolves and validates options (the lesion count draw uses `rng`). */
function resolveOptions(options: GeneratePhantomOptions, rng: Rng): ResolvedPhantomOptions {
  const dims = options.dims ?? [96, 96, 48];
  if (!Array.isArray(dims) || dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d >= 1)) {
    fail('dims', '[nx, ny, nz] positive integers', dims);
  }
  if (dims[0] * dims[1] * dims[2] > 2 ** 30) fail('dims', 'at most 2^30 voxels in all', dims);
  const spacing = options.spacing ?? [360 / dims[0], 360 / dims[1], 300 / dims[2]];
  if (!Array.isArray(spacing) || spacing.length !== 3 || !spacing.every((s) => Number.isFinite(s) && s > 0)) {
    fail('spacing', '[sx, sy, sz] positive finite mm', spacing);
  }
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) fail('seed', 'a finite number', seed);
  const countRange = checkRange('lesionCount', options.lesionCount, 0, 1000, true) ?? [2, 8];
  const radius = checkRange('lesionRadiusMm', options.lesionRadiusMm, 0.1, 500) ?? [3, 35];
  const healthy = checkProbability('healthyProbability', options.healthyProbability, 0.15);
  let lesions: number;
  if (options.lesions === 'none') lesions = 0;
  else if (options.lesions === undefined) lesions = rng.chance(healthy) ? 0 : rng.int(countRange[0], countRange[1] + 1);
  else if (Number.isInteger(options.lesions) && options.lesions >= 0 && options.lesions <= 1000) lesions = options.lesions;
  else fail('lesions', "an integer in [0, 1000] or 'none'", options.lesions);
  const noiseStd = options.noiseStd ?? 15;
  if (!(Number.isFinite(noiseStd) && noiseStd >= 0 && noiseStd <= 1000)) fail('noiseStd', 'a number of HU in [0, 1000]', noiseStd);
  const lungHu = options.lungHu ?? -890;
  const consolidationProbability = checkProbability('consolidationProbability', options.consolidationProbability, 0.25);
  const mixedProbability = checkProbability('mixedProbability', options.mixedProbability, 0.15);
  if (consolidationProbability + mixedProbability > 1 + 1e-12) {
    fail('consolidationProbability + mixedProbability', 'at most 1', consolidationProbability + mixedProbability);
  }
  if (!(Number.isFinite(lungHu) && lungHu >= -1000 && lungHu <= -500)) fail('lungHu', 'HU in [-1000, -500]', lungHu);
  return {
    dims: [dims[0], dims[1], dims[2]],
    spacing: [spacing[0], spacing[1], spacing[2]],
    seed,
    lesions,
    lesionRadiusMm: radius,
    consolidationProbability,
    mixedProbability,
    maxInfectionFraction: checkProbability('maxInfectionFraction', options.maxInfectionFraction, 0.3),
    noiseStd,
    blur: options.blur ?? true,
    lungHu,
    vessels: options.vessels ?? true,
  };
}

/**
 * The phantom's voxel-to-world affine (RAS+ mm, like nibabel): voxel axes point to the patient's
 * Left, Posterior and Superior (DICOM-like, orientation codes `L, P, S`), the in-plane grid centre
 * is at the scanner isocentre (x = y = 0) and the slab is centred at z = -160 mm.
 */
export function phantomAffine(dims: readonly [number, number, number], spacing: readonly [number, number, number]): Affine {
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = spacing;
  return [
    [-sx, 0, 0, (sx * (nx - 1)) / 2],
    [0, -sy, 0, (sy * (ny - 1)) / 2],
    [0, 0, sz, -160 - (sz * (nz - 1)) / 2],
    [0, 0, 0, 1],
  ];
}

/**
 * Generates a synthetic chest CT with COVID-19-like infection: body outline with skin, subcutaneous fat
 * and muscle, ribs, sternum and spine, heart, mediastinum, aorta, trachea and bronchi, two textured lungs
 * (about -850 HU) with branching vessels and airways, and irregular ground-glass opacities (-700..-300 HU)
 * and consolidations (-100..+50 HU), mostly peripheral, posterior and basal; then partial-volume blur and
 * Gaussian scanner noise.
 *
 * Geometry: voxel axes point Left, Posterior, Superior (see {@link phantomAffine}); anatomy has true
 * physical size in mm (so voxel counts follow the spacing) unless the field of view is too small for an
 * adult chest, in which case the patient is shrunk to fit (`patientScale`). Deterministic: the same
 * options give byte-identical outputs.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for bad dims, spacing, counts, ranges or probabilities.
 * @example
 * ```ts
 * const { ct, infection, lung, lesions } = generatePhantom({ dims: [96, 96, 48], seed: 7, lesions: 4 });
 * ct.data;        // Int16Array of HU, x fastest
 * lesions[0].kind; // 'ground-glass' | 'consolidation'
 * ```
 */
export function generatePhantom(options: GeneratePhantomOptions = {}): PhantomResult {
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) fail('seed', 'a finite number', seed);
  const rng = new Rng(seed);
  const resolved = resolveOptions(options, rng);
  const { dims, spacing } = resolved;
  const [nx, ny, nz] = dims;
  const anatomy = sampleAnatomy(rng, resolved.lungHu);
  // Fit the patient into the field of view.
  const needW = 2 * anatomy.bodyA * 1.05;
  const needD = (anatomy.bodyB + anatomy.bodyBack) * 1.05 + 12;
  const needH = anatomy.lungHeight + 30;
  const scaleXY = Math.min(1, (0.96 * nx * spacing[0]) / needW, (0.96 * ny * spacing[1]) / needD);
  const scaleZ = Math.min(1, (nz * spacing[2]) / needH);
  const slackZ = Math.max(0, (nz * spacing[2]) / scaleZ - needH) / 2;
  const shift: [number, number, number] = [rng.uniform(-6, 6), (anatomy.bodyBack - anatomy.bodyB) / 2 + 6, rng.uniform(-0.3, 0.3) * slackZ];
  const frame = new Frame(dims, spacing, scaleXY, scaleZ, shift);
  const maps = planeMaps(anatomy, frame);
  const count = nx * ny * nz;
  const base: BaseVolumes = {
    ct: new Int16Array(count),
    tissue: new Uint8Array(count),
    lung: new Uint8Array(count),
    lungBox: [],
    lungCount: 0,
  };
  drawAnatomy(anatomy, frame, maps, rng, base);
  const minVoxel = Math.min(frame.au, frame.av, frame.aw);
  drawCentralTubes(anatomy, frame, base);
  let lungCount = 0;
  for (let p = 0; p < count; p++) lungCount += base.lung[p];
  const infection = new Uint8Array(count);
  const drawn = drawLesions(
    anatomy,
    frame,
    maps,
    rng,
    {
      count: resolved.lesions,
      radiusMm: resolved.lesionRadiusMm,
      consolidationProbability: resolved.consolidationProbability,
      mixedProbability: resolved.mixedProbability,
      maxInfectionFraction: resolved.maxInfectionFraction,
    },
    base.lungBox,
    lungCount,
    base.ct,
    base.tissue,
    base.lung,
    infection,
  );
  if (resolved.vessels) drawTubeTrees(anatomy, frame, rng, base, minVoxel);
  const [lo, hi] = PHANTOM_HU_RANGE;
  if (resolved.blur) blur121(base.ct, nx, ny, nz);
  const noiseSeed = rng.nextUint32();
  if (resolved.noiseStd > 0) addGaussianNoise(base.ct, resolved.noiseStd, noiseSeed, lo, hi);
  else clampInPlace(base.ct, lo, hi);

  const affine = phantomAffine(dims, spacing);
  const grid = { dims, spacing, affine };
  const voxelMl = (spacing[0] * spacing[1] * spacing[2]) / 1000;
  let infected = 0;
  for (const l of drawn) infected += l.voxels;
  const lesions: LesionInfo[] = drawn.map((l) => ({
    kind: l.kind,
    side: l.side,
    seedVoxel: l.seedVoxel,
    centroidVoxel: l.centroidVoxel,
    centroidMm: voxelToWorld(affine, l.centroidVoxel),
    radiusMm: l.radiusMm,
    voxels: l.voxels,
    volumeMl: l.voxels * voxelMl,
    targetHu: l.targetHu,
    meanHu: l.meanHu,
  }));
  return {
    ct: createVolume({ data: base.ct, ...grid, meta: { description: `raunet phantom seed ${seed}`, datatype: 'int16' } }),
    infection: createVolume({ data: infection, ...grid, meta: { description: 'infection mask', datatype: 'uint8' } }),
    lung: createVolume({ data: base.lung, ...grid, meta: { description: 'lung mask', datatype: 'uint8' } }),
    tissue: createVolume({ data: base.tissue, ...grid, meta: { description: 'tissue labels', datatype: 'uint8' } }),
    lesions,
    infectionFraction: lungCount > 0 ? infected / lungCount : 0,
    lungVolumeMl: lungCount * voxelMl,
    patientScale: [scaleXY, scaleZ],
    options: resolved,
    midlineVoxel: frame.i(0),
  };
}
