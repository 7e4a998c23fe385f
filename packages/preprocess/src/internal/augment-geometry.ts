import { multiplyAffine } from '@raunet/core';
import type { Affine, Volume } from '@raunet/core';
import type { AugmentRecord } from '../augment.js';
import { warpInPlane, warpStaysInside } from './in-plane-warp.js';
import { dims3, make3dVolume, numericData, sameKind } from './volume-utils.js';
import type { NumericArray, Vec3 } from './volume-utils.js';

/** Quarter turn q: output axes (rx, ry) walk input axes, with flips (counter-clockwise, x towards y). */
const QUARTER_TURNS: { axes: Vec3; flips: [boolean, boolean, boolean] }[] = [
  { axes: [0, 1, 2], flips: [false, false, false] },
  { axes: [1, 0, 2], flips: [false, true, false] },
  { axes: [0, 1, 2], flips: [true, true, false] },
  { axes: [1, 0, 2], flips: [true, false, false] },
];

/** The flips then the quarter turn as one re-indexing: output axis a walks input axis axes[a], reversed if reverse[a]. */
export function reindexing(record: AugmentRecord): { axes: Vec3; reverse: boolean[] } {
  const r = QUARTER_TURNS[record.quarterTurns];
  return { axes: [r.axes[0], r.axes[1], r.axes[2]], reverse: [0, 1, 2].map((a) => r.flips[a] !== record.flips[r.axes[a]]) };
}

/** The whole geometric transform of a patch of `size` at `origin`, as output index → source index. */
export interface Geometry {
  /** Output voxel index to source voxel index (x, y depend on i, j only; z on k only). */
  map: Affine;
  dims: Vec3;
  spacing: Vec3;
}

/**
 * Composes, for a patch of `size` whose voxel 0 is source voxel `origin`: the re-indexing (flips, quarter
 * turn), then the rotation by `rotationDeg` in mm and the zoom about the centre of the re-indexed patch.
 */
export function geometry(record: AugmentRecord, origin: Vec3, size: Vec3, spacing: Vec3): Geometry {
  const { axes, reverse } = reindexing(record);
  const dims: Vec3 = [size[axes[0]], size[axes[1]], size[axes[2]]];
  const sp: Vec3 = [spacing[axes[0]], spacing[axes[1]], spacing[axes[2]]];
  // re-indexed voxel p -> source voxel: q[axes[a]] = reverse ? size - 1 - p[a] : p[a], plus origin
  const reindex: Affine = [
    [0, 0, 0, origin[0]],
    [0, 0, 0, origin[1]],
    [0, 0, 0, origin[2]],
    [0, 0, 0, 1],
  ];
  for (let a = 0; a < 3; a++) {
    const c = axes[a];
    reindex[c][a] = reverse[a] ? -1 : 1;
    if (reverse[a]) reindex[c][3] += size[c] - 1;
  }
  // output voxel o -> re-indexed voxel p: p - centre = S⁻¹·R(θ)·S·(o - centre) / zoom in-plane (S = spacing)
  const t = (record.rotationDeg * Math.PI) / 180;
  const cos = Math.cos(t) / record.zoom;
  const sin = Math.sin(t) / record.zoom;
  const a = cos;
  const b = (-sin * sp[1]) / sp[0];
  const c = (sin * sp[0]) / sp[1];
  const d = cos;
  const cx = (dims[0] - 1) / 2;
  const cy = (dims[1] - 1) / 2;
  const cz = (dims[2] - 1) / 2;
  const spatial: Affine = [
    [a, b, 0, cx - a * cx - b * cy],
    [c, d, 0, cy - c * cx - d * cy],
    [0, 0, 1 / record.zoomZ, cz - cz / record.zoomZ],
    [0, 0, 0, 1],
  ];
  return { map: multiplyAffine(reindex, spatial), dims, spacing: [sp[0] / record.zoom, sp[1] / record.zoom, sp[2] / record.zoomZ] };
}

/** Minimum of each data array seen as a default pad value (volumes are immutable data). */
const minimumCache = new WeakMap<object, number>();

function imageMinimum(data: NumericArray): number {
  let min = minimumCache.get(data);
  if (min === undefined) {
    min = Infinity;
    for (let i = 0; i < data.length; i++) if (data[i] < min) min = data[i];
    minimumCache.set(data, min);
  }
  return min;
}

/** Samples the transformed patch (image trilinear, label nearest) from the source volumes in one pass. */
export function warpPair(image: Volume, label: Volume, g: Geometry, padValue: number | undefined): { image: Volume<Float32Array>; label: Volume } {
  const dims = dims3(image, 'augment');
  const src = numericData(image);
  const lab = numericData(label);
  const n = g.dims[0] * g.dims[1] * g.dims[2];
  const outImage = new Float32Array(n);
  const outLabel = sameKind(label.data, n);
  const fill = padValue ?? (warpStaysInside(g.map, dims, g.dims) ? 0 : imageMinimum(src));
  warpInPlane({ image: src, label: lab, outImage, outLabel }, dims, g.map, g.dims, fill, 0);
  const affine = multiplyAffine(image.affine, g.map);
  return { image: make3dVolume(outImage, g.dims, g.spacing, affine, image), label: make3dVolume(outLabel, g.dims, g.spacing, affine, label) };
}
