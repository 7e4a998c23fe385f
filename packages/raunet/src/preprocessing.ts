import { assertFinite, InvalidArgumentError, spacingFromAffine, withData, type Volume } from '@raunet/core';
import {
  cropToMask,
  normalizeIntensity,
  reorientToRAS,
  resampleLike,
  resampleToSpacing,
  toHounsfield,
  uncrop,
  type IntensityScale,
  undoReorient,
  type CropBox,
  type ReorientTransform,
} from '@raunet/preprocess';

/**
 * How CT volumes are prepared for the network, the same for training and prediction (stored in the
 * saved model's metadata so that {@link predictVolume} repeats it).
 */
export interface PreprocessingOptions {
  /**
   * How the input's stored intensities are read: `'auto'` detects HU or windowed 0..255 per volume
   * (`detectIntensityScale` of `@raunet/preprocess`); `'hu'` and `'windowed-0-255'` declare it (nothing
   * is detected or refused); `'raw'` uses the stored values as they are (e.g. 8-bit slices windowed with
   * an unknown window): `window` is then in stored units. `train` records the scale it found in the
   * model, so prediction never re-detects it. @defaultValue 'auto'
   */
  intensityScale?: IntensityScale;
  /** Window clipped before normalization, [min, max], in HU (in stored units for `'raw'`). @defaultValue [-1000, 1000] */
  window?: [number, number];
  /** `'minmax'`: the window to [0, 1] (SPEC's choice); `'zscore'`: zero mean, unit variance after clipping. @defaultValue 'minmax' */
  normalization?: 'minmax' | 'zscore';
  /** Resample to this voxel spacing (x, y, z) in mm before anything else; `undefined` keeps the native grid. @defaultValue undefined */
  spacing?: [number, number, number];
  /**
   * Resample each volume in-plane to a common size instead of a common spacing: the longer of its x and y
   * extents becomes this many voxels, in-plane voxels become square (the aspect ratio is kept) and z is
   * kept. For images whose pixel spacing is unknown or meaningless but which each show the whole chest at
   * their own resolution (e.g. 2D slices exported from image files, as in COVID-SemiSeg): it brings the
   * anatomy to one scale, as Inf-Net's fixed 352x352 input does. Exclusive with `spacing`.
   * @defaultValue undefined
   */
  inPlaneSize?: number;
  /**
   * Smooth the image before resampling it to a coarser grid (`spacing` or `inPlaneSize`), as
   * scikit-image's `resize(anti_aliasing=True)`: see `resampleToSpacing` of `@raunet/preprocess`.
   * @defaultValue false
   */
  antiAlias?: boolean;
  /** Reorient to RAS+ voxel axes first. @defaultValue false */
  reorient?: boolean;
  /** Crop to the bounding box of the lung mask (when a lung mask is available). @defaultValue false */
  cropToLungs?: boolean;
  /** Margin kept around the lungs when cropping, in voxels. @defaultValue 8 */
  lungMargin?: number;
}

/** Defaults of {@link PreprocessingOptions}. */
export const defaultPreprocessing: Required<Omit<PreprocessingOptions, 'spacing' | 'inPlaneSize'>> & {
  spacing: [number, number, number] | undefined;
  inPlaneSize: number | undefined;
} = {
  intensityScale: 'auto',
  window: [-1000, 1000],
  normalization: 'minmax',
  spacing: undefined,
  inPlaneSize: undefined,
  antiAlias: false,
  reorient: false,
  cropToLungs: false,
  lungMargin: 8,
};

/** How the working grid relates to the input grid; used to map predictions back. */
export interface PreprocessTransform {
  /** Grid of the input (dims, spacing, affine, meta). */
  input: Volume;
  /** Set when the volume was reoriented. */
  orientation?: ReorientTransform;
  /** Set when the volume was resampled. */
  resampled: boolean;
  /** Crop box and the dims before cropping, when cropped to the lungs. */
  crop?: { box: CropBox; dims: number[] };
  /** How the input's intensities were read (`'hu'`, `'windowed-0-255'` or `'raw'`), detected or declared. */
  intensityScale: Exclude<IntensityScale, 'auto'>;
}

/** Result of {@link prepareCase}. */
export interface PreparedCase {
  /** Normalized image on the working grid (Float32). */
  image: Volume<Float32Array>;
  /** Label on the working grid (0/1), when a label was given. */
  label?: Volume<Uint8Array>;
  /** Lung mask on the working grid, when given. */
  lung?: Volume<Uint8Array>;
  /** Mapping back to the input grid. */
  transform: PreprocessTransform;
}

function binary(v: Volume): Volume<Uint8Array> {
  const out = new Uint8Array(v.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(v.data[i]) > 0.5 ? 1 : 0;
  return withData(v, out);
}

/** The spacing `prepareCase` resamples to: `spacing`, or the one that gives `inPlaneSize`; `undefined` keeps the grid. */
function workingSpacing(image: Volume, o: PreprocessingOptions): [number, number, number] | undefined {
  // null as well as undefined: the ONNX export's metadata writes unset options as null
  if (o.inPlaneSize === undefined || o.inPlaneSize === null) return o.spacing ?? undefined;
  if (o.spacing) throw new InvalidArgumentError('preprocessing: give spacing or inPlaneSize, not both');
  if (!Number.isInteger(o.inPlaneSize) || o.inPlaneSize < 1) {
    throw new InvalidArgumentError(`preprocessing: inPlaneSize must be a positive whole number of voxels, received ${JSON.stringify(o.inPlaneSize)}`);
  }
  const s = spacingFromAffine(image.affine);
  const inPlane = Math.max(image.dims[0] * s[0], (image.dims[1] ?? 1) * s[1]) / o.inPlaneSize;
  return [inPlane, inPlane, s[2]];
}

/**
 * Prepares one CT (and optionally its label and lung mask on the same grid): the intensity scale
 * (declared, or detected) and conversion to HU, optional reorientation to RAS+ and resampling, optional crop to the lungs, clip to the
 * HU window and normalization. All steps are functions of `@raunet/preprocess`. `extra.zoom` (multi-scale
 * test-time augmentation, `predictVolume`'s `scaleTta`) divides the working grid's x and y spacing (the
 * declared one, else the native one) by it, so above 1 magnifies the anatomy; z is kept (1, the default: no zoom).
 *
 * @example
 * ```ts
 * const { image, label } = prepareCase(ct, { label: mask, options: { spacing: [1.25, 1.25, 5] } });
 * ```
 */
export function prepareCase(ct: Volume, extra: { label?: Volume; lung?: Volume; options?: PreprocessingOptions; zoom?: number } = {}): PreparedCase {
  const o = { ...defaultPreprocessing, ...extra.options };
  const zoom = extra.zoom ?? 1;
  if (!(Number.isFinite(zoom) && zoom > 0)) throw new InvalidArgumentError(`prepareCase: zoom must be a positive number, received ${zoom}`);
  if (!['auto', 'hu', 'windowed-0-255', 'raw'].includes(o.intensityScale)) {
    throw new InvalidArgumentError(`preprocessing: intensityScale must be 'auto', 'hu', 'windowed-0-255' or 'raw', received ${JSON.stringify(o.intensityScale)}`);
  }
  // NaN/Inf would spread through every filter and layer (1,000 NaN voxels became 20,480 NaN probabilities).
  assertFinite(ct, { what: 'the CT' });
  const hu = o.intensityScale === 'raw' ? { volume: ct, scale: { kind: 'raw' as const } } : toHounsfield(ct, { scale: o.intensityScale });
  let image: Volume = hu.volume;
  let label = extra.label ? binary(extra.label) : undefined;
  let lung = extra.lung ? binary(extra.lung) : undefined;
  const transform: PreprocessTransform = { input: ct, resampled: false, intensityScale: hu.scale.kind };
  if (o.reorient) {
    const r = reorientToRAS(image);
    image = r.volume;
    transform.orientation = r.orientation;
    if (label) label = reorientToRAS(label).volume as Volume<Uint8Array>;
    if (lung) lung = reorientToRAS(lung).volume as Volume<Uint8Array>;
  }
  let spacing = workingSpacing(image, o);
  if (zoom !== 1) {
    const [sx, sy, sz] = spacing ?? spacingFromAffine(image.affine);
    spacing = [sx / zoom, sy / zoom, sz];
  }
  if (spacing) {
    image = resampleToSpacing(image, spacing, { interpolation: 'linear', antiAlias: o.antiAlias });
    if (label) label = binary(resampleLike(label, image, { interpolation: 'nearest' }));
    if (lung) lung = binary(resampleLike(lung, image, { interpolation: 'nearest' }));
    transform.resampled = true;
  }
  if (o.cropToLungs && lung) {
    let any = false;
    for (let i = 0; i < lung.data.length && !any; i++) any = lung.data[i] !== 0;
    if (any) {
      const dims = [...image.dims];
      const c = cropToMask(image, lung, { margin: o.lungMargin });
      image = c.volume;
      if (label) label = cropToMask(label, lung, { margin: o.lungMargin }).volume as Volume<Uint8Array>;
      lung = cropToMask(lung, lung, { margin: o.lungMargin }).volume as Volume<Uint8Array>;
      transform.crop = { box: c.box, dims };
    }
  }
  const normalized = normalizeIntensity(image, { mode: o.normalization, window: o.window });
  return { image: normalized, ...(label ? { label } : {}), ...(lung ? { lung } : {}), transform };
}

/**
 * Maps a probability map on the working grid back to the input's own grid and affine: uncrop (0
 * outside the box), then resampling through world coordinates (when resampled) or the exact inverse
 * reorientation. The result has exactly the input's dims, spacing and affine.
 */
export function restoreToInput(probability: Volume<Float32Array>, transform: PreprocessTransform): Volume<Float32Array> {
  let v: Volume = probability;
  if (transform.crop) v = uncrop(v, transform.crop.box, transform.crop.dims, { value: 0 });
  if (transform.resampled) {
    v = resampleLike(v, transform.input, { interpolation: 'linear' });
  } else if (transform.orientation) {
    v = undoReorient(v, transform.orientation);
  }
  const data = v.data instanceof Float32Array ? v.data : Float32Array.from(v.data as ArrayLike<number>);
  return withData(transform.input, data);
}
