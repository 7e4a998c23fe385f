import type { Affine } from '@raunet/core';
import type { RawHeader } from './header.js';

/** Which header fields the affine came from. */
export type AffineSource = 'sform' | 'qform' | 'fallback';

/** Spatial pixdims as nibabel sees them after its header fixes: absolute values, zeros set to 1. */
export function spatialZooms(h: RawHeader): [number, number, number] {
  return [1, 2, 3].map((k) => {
    const p = Math.abs(h.pixdim[k]);
    return Number.isFinite(p) && p > 0 ? p : 1;
  }) as [number, number, number];
}

/** qfac (pixdim[0]); like nibabel, anything but exactly -1 counts as +1. */
export function qfacOf(h: RawHeader): 1 | -1 {
  return h.pixdim[0] === -1 ? -1 : 1;
}

/** Rotation matrix of the unit quaternion (a, b, c, d), a recovered from b, c, d. */
export function quaternionToMatrix(b: number, c: number, d: number): number[][] {
  const w2 = 1 - (b * b + c * c + d * d);
  let a: number;
  if (w2 < 0) {
    // nifti1_io: a 180° rotation stored with rounding error; renormalise (b, c, d).
    const n = Math.sqrt(b * b + c * c + d * d);
    b /= n;
    c /= n;
    d /= n;
    a = 0;
  } else {
    a = Math.sqrt(w2);
  }
  return [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c],
  ];
}

/** The qform affine (NIfTI method 2). */
export function qformAffine(h: RawHeader): Affine {
  const R = quaternionToMatrix(h.quatern[0], h.quatern[1], h.quatern[2]);
  const z = spatialZooms(h);
  const s = [z[0], z[1], z[2] * qfacOf(h)];
  return [
    [R[0][0] * s[0], R[0][1] * s[1], R[0][2] * s[2], h.qoffset[0]],
    [R[1][0] * s[0], R[1][1] * s[1], R[1][2] * s[2], h.qoffset[1]],
    [R[2][0] * s[0], R[2][1] * s[1], R[2][2] * s[2], h.qoffset[2]],
    [0, 0, 0, 1],
  ];
}

/** The sform affine (NIfTI method 3). */
export function sformAffine(h: RawHeader): Affine {
  return [[...h.srow[0]], [...h.srow[1]], [...h.srow[2]], [0, 0, 0, 1]];
}

/**
 * nibabel's fallback ("method 1" as nibabel does it, `shape_zoom_affine` with x flipped): voxel sizes
 * on the diagonal, x negated (the Analyze radiological convention), world origin at the centre of the
 * grid; for Analyze files the SPM `origin` field (1-based voxel) replaces the centre when it is set and
 * plausible, exactly as nibabel's `Spm99AnalyzeHeader.get_origin_affine`.
 */
export function fallbackAffine(h: RawHeader): Affine {
  const nd = h.dims.length;
  const shape = [0, 1, 2].map((k) => (k < nd ? h.dims[k] : 1));
  const zooms = spatialZooms(h).map((z, k) => (k < nd ? z : 1));
  zooms[0] = -zooms[0];
  let origin = shape.map((n) => (n - 1) / 2);
  if (h.format === 'analyze') {
    const o = h.analyzeOrigin;
    const rawDims = [0, 1, 2].map((k) => h.dims[k] ?? 0);
    if (o.some((x) => x !== 0) && o.every((x, k) => x > -rawDims[k] && x < rawDims[k] * 2)) origin = o.map((x) => x - 1);
  }
  return [
    [zooms[0], 0, 0, -origin[0] * zooms[0]],
    [0, zooms[1], 0, -origin[1] * zooms[1]],
    [0, 0, zooms[2], -origin[2] * zooms[2]],
    [0, 0, 0, 1],
  ];
}

/** nibabel's `get_best_affine`: sform if sform_code > 0, else qform if qform_code > 0, else the fallback. */
export function bestAffine(h: RawHeader): { affine: Affine; source: AffineSource } {
  if (h.format !== 'analyze' && h.sformCode > 0) return { affine: sformAffine(h), source: 'sform' };
  if (h.format !== 'analyze' && h.qformCode > 0) return { affine: qformAffine(h), source: 'qform' };
  return { affine: fallbackAffine(h), source: 'fallback' };
}

function det3(m: number[][]): number {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

function inverseTranspose3(m: number[][]): number[][] {
  const d = det3(m);
  const c = (r: number, k: number): number => {
    const rows = [0, 1, 2].filter((x) => x !== r);
    const cols = [0, 1, 2].filter((x) => x !== k);
    const minor = m[rows[0]][cols[0]] * m[rows[1]][cols[1]] - m[rows[0]][cols[1]] * m[rows[1]][cols[0]];
    return ((r + k) % 2 === 0 ? 1 : -1) * minor;
  };
  // inverse = adj / d, adj = cofactorᵀ, so inverse transpose = cofactor / d.
  return [0, 1, 2].map((r) => [0, 1, 2].map((k) => c(r, k) / d));
}

/**
 * Quaternion parameters for an affine (nifti1_io `mat44_to_quatern`): the rotation nearest to the
 * affine's direction cosines (polar decomposition; exact when the affine has no shear), qfac -1 when the
 * voxel axes are left-handed, zooms the column norms.
 */
export function affineToQuaternion(affine: Affine): { b: number; c: number; d: number; qfac: 1 | -1; zooms: [number, number, number]; offset: [number, number, number] } {
  const zooms = [0, 1, 2].map((k) => Math.hypot(affine[0][k], affine[1][k], affine[2][k]) || 1) as [number, number, number];
  let R = [0, 1, 2].map((r) => [0, 1, 2].map((k) => affine[r][k] / zooms[k]));
  let qfac: 1 | -1 = 1;
  if (det3(R) < 0) {
    qfac = -1;
    for (let r = 0; r < 3; r++) R[r][2] = -R[r][2];
  }
  // Polar decomposition by Newton iteration: R <- (R + R^-T) / 2 converges to the nearest rotation.
  for (let it = 0; it < 50; it++) {
    if (Math.abs(det3(R)) < 1e-12) break;
    const IT = inverseTranspose3(R);
    const next = R.map((row, r) => row.map((x, k) => (x + IT[r][k]) / 2));
    const delta = Math.max(...next.flatMap((row, r) => row.map((x, k) => Math.abs(x - R[r][k]))));
    R = next;
    if (delta < 1e-15) break;
  }
  const [r11, r12, r13] = R[0];
  const [r21, r22, r23] = R[1];
  const [r31, r32, r33] = R[2];
  let a = r11 + r22 + r33 + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac, zooms, offset: [affine[0][3], affine[1][3], affine[2][3]] };
}
