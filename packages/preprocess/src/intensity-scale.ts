import { InvalidArgumentError } from '@raunet/core';
import type { Volume } from '@raunet/core';
import { dims3, make3dVolume, numericData } from './internal/volume-utils.js';

/** Evidence gathered by {@link detectIntensityScale} (all intensities as stored in the volume). */
export interface IntensityStatistics {
  /** Smallest finite value. */
  min: number;
  /** Largest finite value. */
  max: number;
  /** True when every finite value is an integer. */
  integer: boolean;
  /** Number of finite voxels looked at. */
  count: number;
  /** Number of NaN/Infinity voxels (ignored). */
  nonFinite: number;
  /** Fraction of voxels at or below -500 (air and lung, if the data are HU). */
  fractionBelowMinus500: number;
  /** Fraction of voxels in [30, 100]: air and lung (about -1075 to -660 HU) once windowed to [-1250, 250] and scaled to 0..255. */
  fractionAirLungBand: number;
  /**
   * Fraction of voxels strictly between 5 and 30: darker than air (about -1220 to -1080 HU) once windowed
   * to 0..255, where a windowed CT has almost nothing (its padding saturates at 0), unlike an MR image.
   */
  fractionBelowAirBand: number;
  /** Fraction of voxels above 128 (above about -500 HU once windowed to 0..255: soft tissue, bone). */
  fractionAbove128: number;
  /**
   * Fraction of voxels in (100, 185]: between lung and fat (about -660 to -160 HU) once windowed to 0..255.
   * A CT holds few voxels there (partial volume only) and many more in the air/lung band; an MR image of
   * the brain holds most of its tissue there.
   */
  fractionLungTissueBand: number;
}

/** What {@link detectIntensityScale} concluded and why. */
export interface IntensityScaleDetection {
  /** `'hu'`: Hounsfield units already; `'windowed-0-255'`: HU windowed to [-1250, 250] and rescaled to 0..255. */
  kind: 'hu' | 'windowed-0-255';
  /** One sentence explaining the decision, with the numbers. */
  reason: string;
  /** The statistics the decision is based on. */
  statistics: IntensityStatistics;
}

/** Report of {@link toHounsfield}: what was detected and which linear map was applied. */
export interface IntensityScaleReport extends IntensityScaleDetection {
  /** True when values were changed (only for `'windowed-0-255'`). */
  converted: boolean;
  /** HU = stored · slope + intercept (1 and 0 when not converted). */
  slope: number;
  /** See `slope`, in HU. */
  intercept: number;
  /**
   * The HU window the source was saturated to (`[-1250, 250]` by default for windowed data): HU outside
   * it were lost by the original windowing and come back as the window's bounds. Absent for HU input.
   */
  window?: [number, number];
}

/** Options of {@link detectIntensityScale}. */
export interface DetectIntensityScaleOptions {
  /** Fraction of voxels that must look like air or lung (≤ -500 HU, or 30..100 on 0..255) for a CT. @defaultValue 0.01 */
  minAirFraction?: number;
  /** Largest fraction of voxels allowed strictly between 5 and 30 on 0..255 data (darker than air). @defaultValue 0.02 */
  maxBelowAirFraction?: number;
}

/**
 * How stored intensities are read: `'auto'` detects with {@link detectIntensityScale}; `'hu'` and
 * `'windowed-0-255'` declare the scale (no detection, nothing refused); `'raw'` declares intensities
 * that are neither (e.g. 8-bit slices windowed with an unknown window): they are used as stored.
 */
export type IntensityScale = 'auto' | 'hu' | 'windowed-0-255' | 'raw';

/** The declarable scales, for validating configs. */
export const INTENSITY_SCALES: readonly IntensityScale[] = Object.freeze(['auto', 'hu', 'windowed-0-255', 'raw']);

/** Options of {@link toHounsfield}. */
export interface ToHounsfieldOptions extends DetectIntensityScaleOptions {
  /** HU window that windowed 0..255 data were made from (0 ↦ window[0], 255 ↦ window[1]). @defaultValue [-1250, 250] */
  window?: readonly [number, number];
  /**
   * The input's scale when known: `'hu'` or `'windowed-0-255'` skip detection (a model that declares its
   * scale never re-detects it); `'auto'` detects. (`'raw'` intensities are not HU: use them as stored
   * instead of calling this function.) @defaultValue 'auto'
   */
  scale?: 'auto' | 'hu' | 'windowed-0-255';
}

function statistics(v: Volume): IntensityStatistics {
  const d = numericData(v);
  let min = Infinity;
  let max = -Infinity;
  let integer = true;
  let count = 0;
  let nonFinite = 0;
  let below500 = 0;
  let airBand = 0;
  let belowAir = 0;
  let above128 = 0;
  let lungTissue = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    if (!Number.isFinite(x)) {
      nonFinite++;
      continue;
    }
    count++;
    if (x < min) min = x;
    if (x > max) max = x;
    if (integer && x !== Math.round(x)) integer = false;
    if (x <= -500) below500++;
    if (x >= 30 && x <= 100) airBand++;
    else if (x > 5 && x < 30) belowAir++;
    else if (x > 100 && x <= 185) lungTissue++;
    if (x > 128) above128++;
  }
  const c = Math.max(count, 1);
  return {
    min,
    max,
    integer,
    count,
    nonFinite,
    fractionBelowMinus500: below500 / c,
    fractionAirLungBand: airBand / c,
    fractionBelowAirBand: belowAir / c,
    fractionAbove128: above128 / c,
    fractionLungTissueBand: lungTissue / c,
  };
}

const pct = (f: number): string => `${(100 * f).toFixed(2)} %`;

/**
 * Tells real Hounsfield units from CTs that were windowed to [-1250, 250] HU and rescaled to 0..255
 * (half of the public COVID-19-CT-Seg cases, from Radiopaedia).
 *
 * Criteria (a chest CT always contains air and lung):
 * - HU: some values at or below -500 (air is -1000, lung about -850; outside-FOV padding -1024..-3024),
 *   at least `minAirFraction` of the voxels there. No condition on the maximum, so small crops of lung
 *   (e.g. a ground-glass nodule's VOI, maximum -201 HU) are HU too.
 * - windowed 0..255: no negative value, maximum at most 255 and above 128 (soft tissue, 0 HU, is about
 *   212 there), at least `minAirFraction` of voxels in 30..100 (air at -1000 HU is 42.5, lung about 68)
 *   and above 128 (tissue), at most `maxBelowAirFraction` strictly between 5 and 30 (darker than air:
 *   nothing in a CT but saturated padding at 0, whereas MR backgrounds and label maps live there), and at
 *   most 4 times as many voxels in 101..185 (about -660 to -160 HU, between lung and fat) as in the
 *   air/lung band. Measured on real CTs windowed this way: whole CTs have 2 to 38 times fewer voxels there
 *   than in the air/lung band, crops around ground-glass nodules (LIDC-IDRI VOIs) up to 2.9 times more;
 *   a brain MR scaled to 0..255 (`fmt_pair_ras_nifti1.hdr`) has 7.3 times more.
 * Integer-ness is reported but not required (HU may be float after rescaling or resampling).
 * Anything else (e.g. [0, 1] normalized data, raw scanner values 0..4095 without the -1024 intercept,
 * a label mask, an MR image) is neither, and an {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} explains which test failed.
 *
 * @example
 * ```ts
 * detectIntensityScale(ct).kind; // 'hu' or 'windowed-0-255'
 * ```
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when the volume is neither, with the statistics in the message.
 */
export function detectIntensityScale(v: Volume, options: DetectIntensityScaleOptions = {}): IntensityScaleDetection {
  dims3(v, 'detectIntensityScale');
  const minAir = options.minAirFraction ?? 0.01;
  const maxBelowAir = options.maxBelowAirFraction ?? 0.02;
  const s = statistics(v);
  const facts = `range [${s.min}, ${s.max}], ${s.integer ? 'integer' : 'non-integer'} values, ${pct(s.fractionBelowMinus500)} at or below -500, ${pct(s.fractionAirLungBand)} in 30..100, ${pct(s.fractionBelowAirBand)} in 6..29, ${pct(s.fractionAbove128)} above 128, ${pct(s.fractionLungTissueBand)} in 101..185`;
  if (s.count === 0) throw new InvalidArgumentError('detectIntensityScale: the volume has no finite voxel value');
  if (s.min <= -500) {
    // No condition on the maximum: a small crop of lung parenchyma (a ground-glass nodule's VOI) can
    // peak below -200 HU and is still HU.
    if (s.fractionBelowMinus500 >= minAir) {
      return {
        kind: 'hu',
        reason: `Hounsfield units: ${pct(s.fractionBelowMinus500)} of voxels at or below -500 (air/lung), maximum ${s.max}; ${facts}`,
        statistics: s,
      };
    }
    throw new InvalidArgumentError(
      `detectIntensityScale: negative values suggest HU but the volume does not look like a CT (expected at least ${pct(minAir)} of voxels at or below -500 HU, air or lung); ${facts}`,
    );
  }
  if (s.min >= 0 && s.max <= 255) {
    if (
      s.max > 128 &&
      s.fractionAirLungBand >= minAir &&
      s.fractionAbove128 >= minAir &&
      s.fractionBelowAirBand <= maxBelowAir &&
      4 * s.fractionAirLungBand >= s.fractionLungTissueBand
    ) {
      return {
        kind: 'windowed-0-255',
        reason: `windowed to [-1250, 250] HU and scaled to 0..255: no negative value, maximum ${s.max} ≤ 255, ${pct(s.fractionAirLungBand)} of voxels in 30..100 (air/lung), ${pct(s.fractionAbove128)} above 128 (tissue) and only ${pct(s.fractionBelowAirBand)} darker than air; ${facts}`,
        statistics: s,
      };
    }
    throw new InvalidArgumentError(
      `detectIntensityScale: values lie in [0, 255] but do not look like a CT windowed to [-1250, 250] HU and scaled to 0..255 (expected a maximum above 128, at least ${pct(minAir)} of voxels in 30..100 (air/lung) and above 128 (tissue), at most ${pct(maxBelowAir)} in 6..29 (darker than air), and at most 4 times as many voxels in 101..185 (between lung and fat) as in the air/lung band; [0, 1] normalized data, label masks and MR images fail this); ${facts}`,
    );
  }
  const hint =
    s.min >= 0 && s.max > 255 && s.max <= 4095 + 1024
      ? ' (non-negative values above 255 look like raw scanner values: HU + 1024 without the rescale intercept?)'
      : '';
  throw new InvalidArgumentError(
    `detectIntensityScale: the volume is neither in Hounsfield units (needs values at or below -500 HU for air/lung) nor windowed to 0..255 (needs values within [0, 255])${hint}; ${facts}`,
  );
}

/**
 * Brings a CT to Hounsfield units: HU input is returned as is (the same object, not copied); data that
 * were windowed to [-1250, 250] and rescaled to 0..255 are mapped back linearly
 * (`HU = x / 255 · 1500 - 1250`) into a new Float32 volume. HU outside the original window were lost by
 * the windowing: they come back saturated at -1250 and 250. The report says what was detected and done.
 * With `scale` declared, nothing is detected or refused.
 *
 * @example
 * ```ts
 * const { volume, scale } = toHounsfield(ct);
 * if (scale.converted) console.log(scale.reason);
 * ```
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when `scale` is `'auto'` and the volume is neither (see {@link detectIntensityScale}).
 */
export function toHounsfield(v: Volume, options: ToHounsfieldOptions = {}): { volume: Volume; scale: IntensityScaleReport } {
  const dims = dims3(v, 'toHounsfield');
  const [wlo, whi] = options.window ?? [-1250, 250];
  if (!(Number.isFinite(wlo) && Number.isFinite(whi) && wlo < whi)) {
    throw new InvalidArgumentError(`toHounsfield: window must be finite HU with min < max, received [${wlo}, ${whi}]`);
  }
  const declared = options.scale ?? 'auto';
  if (!['auto', 'hu', 'windowed-0-255'].includes(declared)) {
    throw new InvalidArgumentError(`toHounsfield: scale must be 'auto', 'hu' or 'windowed-0-255', received ${JSON.stringify(declared)}`);
  }
  const detection: IntensityScaleDetection =
    declared === 'auto'
      ? detectIntensityScale(v, options)
      : { kind: declared, reason: `declared ${declared} (not detected)`, statistics: statistics(v) };
  if (detection.kind === 'hu') {
    return { volume: v, scale: { ...detection, converted: false, slope: 1, intercept: 0 } };
  }
  const slope = (whi - wlo) / 255;
  const src = numericData(v);
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] * slope + wlo;
  return {
    volume: make3dVolume(out, dims, v.spacing, v.affine, v),
    scale: { ...detection, converted: true, slope, intercept: wlo, window: [wlo, whi] },
  };
}
