import {
  assertSameGrid,
  InvalidArgumentError,
  orientationCodes,
  spacingFromAffine,
  type Volume,
} from '@raunet/core';
import type { Rgba, RgbaImage } from './image.js';
import { montage } from './image.js';

/** A slice orientation. */
export type Plane = 'axial' | 'coronal' | 'sagittal';

/** Patient directions at the four edges of a rendered slice. */
export interface DisplayOrientation {
  /** Patient direction at the image's left edge (`'R'`, `'L'`, `'A'`, `'P'`, `'S'` or `'I'`). */
  readonly left: string;
  /** Patient direction at the right edge. */
  readonly right: string;
  /** Patient direction at the top edge. */
  readonly top: string;
  /** Patient direction at the bottom edge. */
  readonly bottom: string;
}

/** Options of {@link renderOverlay}. */
export interface RenderOverlayOptions {
  /** The CT in HU (any scalar volume; values are windowed). */
  ct: Volume;
  /** Predicted mask on the CT's grid (nonzero = lesion), drawn as a red contour. */
  prediction?: Volume;
  /** Ground-truth mask on the CT's grid (nonzero = lesion), drawn as a green contour. */
  truth?: Volume;
  /** Slice orientation. @defaultValue 'axial' */
  plane?: Plane;
  /**
   * Voxel index of the slice along the volume axis closest to the plane's normal (the S/I axis for
   * axial, A/P for coronal, R/L for sagittal). @defaultValue the centroid of `truth` ∪ `prediction`, or the middle slice when both are empty or absent
   */
  index?: number;
  /** Intensity window `[min, max]` in HU mapped to black..white. @defaultValue [-1350, 150] (lung window W1500/L-600) */
  window?: readonly [number, number];
  /** Size of one output pixel in mm (square pixels). @defaultValue the smaller in-plane voxel size */
  pixelSize?: number;
  /** Contour colour of the prediction. @defaultValue [255, 0, 0, 255] (red) */
  predictionColor?: Rgba;
  /** Contour colour of the ground truth. @defaultValue [0, 255, 0, 255] (green) */
  truthColor?: Rgba;
  /** Colour where both contours fall on the same pixel. @defaultValue [255, 255, 0, 255] (yellow) */
  bothColor?: Rgba;
}

/** Result of {@link renderOverlay}: the picture and how it maps to the patient. */
export interface RenderOverlayResult extends RgbaImage {
  /** The slice orientation. */
  readonly plane: Plane;
  /** Voxel index of the slice along the volume axis `axis`. */
  readonly index: number;
  /** Volume axis (0 = i, 1 = j, 2 = k) the slice is perpendicular to. */
  readonly axis: number;
  /** Output pixel size in mm (square). */
  readonly pixelSize: number;
  /** Patient directions at the image edges (radiological convention, see {@link renderOverlay}). */
  readonly orientation: DisplayOrientation;
}

const WORLD_AXIS: Record<string, [number, number]> = { R: [0, 1], L: [0, -1], A: [1, 1], P: [1, -1], S: [2, 1], I: [2, -1] };
const LETTERS = [
  ['L', 'R'],
  ['P', 'A'],
  ['I', 'S'],
];

/** Display layout per plane: world axis and direction (+1 toward R/A/S) that screen-right and screen-down point to. */
const LAYOUT: Record<Plane, { normal: number; h: [number, number]; v: [number, number] }> = {
  // Seen from the feet: patient's right on the image left, anterior up.
  axial: { normal: 2, h: [0, -1], v: [1, -1] },
  // Seen from the front: patient's right on the image left, superior up.
  coronal: { normal: 1, h: [0, -1], v: [2, -1] },
  // Seen from the patient's left: anterior on the image left, superior up.
  sagittal: { normal: 0, h: [1, -1], v: [2, -1] },
};

function letter(world: number, dir: number): string {
  return LETTERS[world][dir > 0 ? 1 : 0];
}

function check3d(v: Volume, what: string): [number, number, number] {
  if (!v || !ArrayBuffer.isView(v.data)) throw new InvalidArgumentError(`renderOverlay: ${what} must be a Volume`);
  const extra = v.dims.slice(3).reduce((a, b) => a * b, 1);
  if ((v.components ?? 1) !== 1 || extra !== 1) {
    throw new InvalidArgumentError(`renderOverlay: ${what} must be a 3D scalar volume, received dims [${v.dims.join(', ')}] with ${v.components ?? 1} component(s)`);
  }
  return [v.dims[0] ?? 1, v.dims[1] ?? 1, v.dims[2] ?? 1];
}

/** Voxel axis and sign (+1: increasing index goes toward +world) for each world axis. */
function axisMap(affine: number[][]): { voxelAxis: number[]; sign: number[] } {
  const codes = orientationCodes(affine);
  const voxelAxis = [0, 0, 0];
  const sign = [1, 1, 1];
  codes.forEach((code, c) => {
    const [w, s] = WORLD_AXIS[code] ?? [c, 1];
    voxelAxis[w] = c;
    sign[w] = s;
  });
  return { voxelAxis, sign };
}

function isNonzero(data: Volume['data'], i: number): boolean {
  const v = data[i];
  return typeof v === 'bigint' ? v !== 0n : v !== 0;
}

/**
 * Centroid (voxel coordinates, fractional) of the nonzero voxels of the given masks together, or
 * `undefined` when they are all empty.
 */
export function maskCentroid(masks: readonly (Volume | undefined)[]): [number, number, number] | undefined {
  const list = masks.filter((m): m is Volume => m !== undefined);
  if (list.length === 0) return undefined;
  const [nx, ny, nz] = check3d(list[0], 'mask');
  const n = nx * ny * nz;
  // Union of the masks as one flag per voxel (loose != also compares bigint data with 0).
  const union = new Uint8Array(n);
  for (const m of list) {
    const d = m.data;
    for (let i = 0; i < n; i++) if (d[i] != 0) union[i] = 1;
  }
  let sx = 0, sy = 0, sz = 0, count = 0;
  for (let k = 0, idx = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, idx++) {
        if (union[idx] === 0) continue;
        sx += i;
        sy += j;
        sz += k;
        count++;
      }
  return count === 0 ? undefined : [sx / count, sy / count, sz / count];
}

/**
 * One CT slice in a lung window with the prediction contour in red and the ground-truth contour in green
 * (yellow where they coincide): the inner border pixels of each mask (inside, with a 4-neighbour outside).
 *
 * Display convention (radiological, from the affine's orientation, nearest axis for oblique data):
 * axial slices are seen from the feet (patient's right on the image left, anterior at the top); coronal
 * from the front (right on the left, superior at the top); sagittal from the patient's left (anterior on
 * the left, superior at the top). The slice is resampled to square pixels of `pixelSize` mm so the
 * physical aspect ratio is right (CT bilinear, masks nearest-neighbour).
 *
 * @throws {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} when a mask is not on the CT's grid; {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for a bad plane, index, window or pixel size.
 * @example
 * ```ts
 * const img = renderOverlay({ ct, prediction, truth, plane: 'coronal' });
 * await writePng('coronal.png', img);
 * ```
 */
export function renderOverlay(options: RenderOverlayOptions): RenderOverlayResult {
  const { ct, prediction, truth } = options;
  const plane = options.plane ?? 'axial';
  const layout = LAYOUT[plane];
  if (!layout) throw new InvalidArgumentError(`renderOverlay: plane must be 'axial', 'coronal' or 'sagittal', received ${String(plane)}`);
  const dims = check3d(ct, 'ct');
  if (prediction) {
    check3d(prediction, 'prediction');
    assertSameGrid(ct, prediction, 'CT and prediction');
  }
  if (truth) {
    check3d(truth, 'truth');
    assertSameGrid(ct, truth, 'CT and ground truth');
  }
  const [lo, hi] = options.window ?? [-1350, 150];
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    throw new InvalidArgumentError(`renderOverlay: window must be [min, max] HU with max > min, received [${lo}, ${hi}]`);
  }
  const { voxelAxis, sign } = axisMap(ct.affine);
  const spacing = spacingFromAffine(ct.affine);
  const axis = voxelAxis[layout.normal];
  const hAxis = voxelAxis[layout.h[0]];
  const vAxis = voxelAxis[layout.v[0]];
  const hForward = sign[layout.h[0]] === layout.h[1];
  const vForward = sign[layout.v[0]] === layout.v[1];
  let index = options.index;
  if (index === undefined) {
    const c = maskCentroid([truth, prediction]);
    index = c ? Math.round(c[axis]) : Math.floor(dims[axis] / 2);
  }
  if (!Number.isInteger(index) || index < 0 || index >= dims[axis]) {
    throw new InvalidArgumentError(`renderOverlay: index must be an integer slice in [0, ${dims[axis] - 1}] along volume axis ${axis} (${plane}), received ${index}`);
  }
  const nh = dims[hAxis], nv = dims[vAxis];
  const sh = spacing[hAxis], sv = spacing[vAxis];
  const pixelSize = options.pixelSize ?? Math.min(sh, sv);
  if (!(pixelSize > 0 && Number.isFinite(pixelSize))) throw new InvalidArgumentError(`renderOverlay: pixelSize must be positive mm, received ${pixelSize}`);
  const width = Math.max(1, Math.round((nh * sh) / pixelSize));
  const height = Math.max(1, Math.round((nv * sv) / pixelSize));
  if (width * height > 2 ** 26) throw new InvalidArgumentError(`renderOverlay: ${width} x ${height} pixels is too large; raise pixelSize (${pixelSize} mm)`);

  const stride = [1, dims[0], dims[0] * dims[1]];
  const base = index * stride[axis];
  // Fractional voxel index along h / v for each output column / row (voxel centres at integers).
  const hPos = new Float64Array(width);
  for (let u = 0; u < width; u++) {
    const f = Math.min(nh - 1, Math.max(0, ((u + 0.5) * pixelSize) / sh - 0.5));
    hPos[u] = hForward ? f : nh - 1 - f;
  }
  const vPos = new Float64Array(height);
  for (let w = 0; w < height; w++) {
    const f = Math.min(nv - 1, Math.max(0, ((w + 0.5) * pixelSize) / sv - 0.5));
    vPos[w] = vForward ? f : nv - 1 - f;
  }
  const data = ct.data;
  const value = (h: number, v: number): number => Number(data[base + h * stride[hAxis] + v * stride[vAxis]]);
  const rgba = new Uint8Array(width * height * 4);
  const scale = 255 / (hi - lo);
  for (let w = 0; w < height; w++) {
    const fv = vPos[w];
    const v0 = Math.floor(fv);
    const v1 = Math.min(nv - 1, v0 + 1);
    const tv = fv - v0;
    for (let u = 0; u < width; u++) {
      const fh = hPos[u];
      const h0 = Math.floor(fh);
      const h1 = Math.min(nh - 1, h0 + 1);
      const th = fh - h0;
      const x =
        (1 - tv) * ((1 - th) * value(h0, v0) + th * value(h1, v0)) + tv * ((1 - th) * value(h0, v1) + th * value(h1, v1));
      const g = Math.round(Math.min(255, Math.max(0, (x - lo) * scale)));
      const o = (w * width + u) * 4;
      rgba[o] = g;
      rgba[o + 1] = g;
      rgba[o + 2] = g;
      rgba[o + 3] = 255;
    }
  }
  const sample = (mask: Volume): Uint8Array => {
    const out = new Uint8Array(width * height);
    for (let w = 0; w < height; w++) {
      const v = Math.round(vPos[w]);
      for (let u = 0; u < width; u++) {
        const h = Math.round(hPos[u]);
        out[w * width + u] = isNonzero(mask.data, base + h * stride[hAxis] + v * stride[vAxis]) ? 1 : 0;
      }
    }
    return out;
  };
  const border = (m: Uint8Array): Uint8Array => {
    const out = new Uint8Array(width * height);
    for (let w = 0; w < height; w++)
      for (let u = 0; u < width; u++) {
        const p = w * width + u;
        if (!m[p]) continue;
        const edge = u === 0 || w === 0 || u === width - 1 || w === height - 1 || !m[p - 1] || !m[p + 1] || !m[p - width] || !m[p + width];
        if (edge) out[p] = 1;
      }
    return out;
  };
  const truthBorder = truth ? border(sample(truth)) : undefined;
  const predBorder = prediction ? border(sample(prediction)) : undefined;
  const red = options.predictionColor ?? [255, 0, 0, 255];
  const green = options.truthColor ?? [0, 255, 0, 255];
  const yellow = options.bothColor ?? [255, 255, 0, 255];
  for (let p = 0; p < width * height; p++) {
    const t = truthBorder?.[p] === 1;
    const q = predBorder?.[p] === 1;
    if (t || q) rgba.set(t && q ? yellow : q ? red : green, p * 4);
  }
  const orientation: DisplayOrientation = {
    left: letter(layout.h[0], -layout.h[1]),
    right: letter(layout.h[0], layout.h[1]),
    top: letter(layout.v[0], -layout.v[1]),
    bottom: letter(layout.v[0], layout.v[1]),
  };
  return { width, height, rgba, plane, index, axis, pixelSize, orientation };
}

/** Options of {@link renderOverlays}: those of {@link renderOverlay} without `plane` and `index`. */
export interface RenderOverlaysOptions extends Omit<RenderOverlayOptions, 'plane' | 'index'> {
  /** Voxel coordinates `[i, j, k]` the three planes pass through. @defaultValue the centroid of `truth` ∪ `prediction`, else the volume centre */
  center?: readonly [number, number, number];
}

/** Result of {@link renderOverlays}. */
export interface RenderOverlaysResult {
  /** Axial slice through `center`. */
  readonly axial: RenderOverlayResult;
  /** Coronal slice through `center`. */
  readonly coronal: RenderOverlayResult;
  /** Sagittal slice through `center`. */
  readonly sagittal: RenderOverlayResult;
  /** Voxel coordinates (rounded) the planes pass through. */
  readonly center: [number, number, number];
  /** The three slices side by side (axial, coronal, sagittal) with 4 black pixels between them. */
  readonly montage: RgbaImage;
}

/**
 * Axial, coronal and sagittal overlays (see {@link renderOverlay}) through the lesion centroid, plus a
 * 3-plane montage.
 *
 * @example
 * ```ts
 * const views = renderOverlays({ ct, prediction, truth });
 * await writePng('overlay.png', views.montage);
 * ```
 */
export function renderOverlays(options: RenderOverlaysOptions): RenderOverlaysResult {
  const dims = check3d(options.ct, 'ct');
  const c = options.center ?? maskCentroid([options.truth, options.prediction]) ?? dims.map((d) => (d - 1) / 2);
  const center = [0, 1, 2].map((a) => Math.min(dims[a] - 1, Math.max(0, Math.round(c[a])))) as [number, number, number];
  const render = (plane: Plane): RenderOverlayResult => {
    const axis = axisMap(options.ct.affine).voxelAxis[LAYOUT[plane].normal];
    return renderOverlay({ ...options, plane, index: center[axis] });
  };
  const axial = render('axial');
  const coronal = render('coronal');
  const sagittal = render('sagittal');
  return { axial, coronal, sagittal, center, montage: montage([axial, coronal, sagittal]) };
}
