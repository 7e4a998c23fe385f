import {
  InvalidArgumentError,
  UnsupportedError,
  orientationCodes,
  spacingFromAffine,
  type Volume,
} from '@raunet/core';

/**
 * The working grid of the lung segmentation: the CT re-indexed so that voxel axes point Right, Anterior,
 * Superior (closest axes of the affine, so oblique data works too) and block-averaged to about
 * `targetSpacing` mm, plus the tables that map every input voxel to its working voxel.
 */
export interface WorkGrid {
  /** Working dims (R, A, S). */
  dims: [number, number, number];
  /** Working voxel size in mm (R, A, S). */
  spacing: [number, number, number];
  /** Block-averaged HU, x (R) fastest. */
  hu: Float32Array;
  /** Input dims. */
  inputDims: [number, number, number];
  /** Input voxel size (column norms of the affine), mm. */
  inputSpacing: [number, number, number];
  /**
   * For each input axis, the working offset (already multiplied by the working stride) of each input index;
   * the working voxel of input voxel (i, j, k) is `offsets[0][i] + offsets[1][j] + offsets[2][k]`.
   */
  offsets: [Int32Array, Int32Array, Int32Array];
}

/** Stored voxel values as plain numbers (bigint data converted). */
export function numeric(v: Volume): ArrayLike<number> {
  const d = v.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array)
    return Float64Array.from(d, (x) => Number(x));
  return d;
}

/** The first three dims of a scalar volume, or a typed error naming `where`. */
export function dims3(v: Volume, where: string): [number, number, number] {
  if ((v.components ?? 1) !== 1)
    throw new UnsupportedError(
      `${where}: expected a scalar volume, received ${v.components} components per voxel`,
    );
  for (let a = 3; a < v.dims.length; a++) {
    if (v.dims[a] !== 1)
      throw new UnsupportedError(`${where}: expected a 3D volume, received dims [${v.dims.join(', ')}]`);
  }
  return [v.dims[0] ?? 1, v.dims[1] ?? 1, v.dims[2] ?? 1];
}

/**
 * Builds the working grid of `ct` in one pass over its voxels: re-indexing to RAS and block averaging
 * (block size per axis `max(1, floor(targetSpacing / spacing))`).
 */
export function buildWorkGrid(ct: Volume, targetSpacing: number, where: string): WorkGrid {
  const inputDims = dims3(ct, where);
  const codes = orientationCodes(ct.affine);
  const spacing = spacingFromAffine(ct.affine);
  // For each RAS axis a: the input axis that walks it and whether it walks backwards.
  const axisOf = [-1, -1, -1];
  const flipOf = [false, false, false];
  codes.forEach((code, c) => {
    const a =
      code === 'R' || code === 'L'
        ? 0
        : code === 'A' || code === 'P'
          ? 1
          : code === 'S' || code === 'I'
            ? 2
            : -1;
    if (a < 0 || axisOf[a] >= 0)
      throw new InvalidArgumentError(
        `${where}: cannot tell the orientation of the affine (axis codes ${codes.join('')})`,
      );
    axisOf[a] = c;
    flipOf[a] = code === 'L' || code === 'P' || code === 'I';
  });
  const factor = [0, 1, 2].map((a) => Math.max(1, Math.floor(targetSpacing / spacing[axisOf[a]] + 1e-6)));
  const dims = [0, 1, 2].map((a) => Math.ceil(inputDims[axisOf[a]] / factor[a])) as [number, number, number];
  const stride = [1, dims[0], dims[0] * dims[1]];
  const offsets = [
    new Int32Array(inputDims[0]),
    new Int32Array(inputDims[1]),
    new Int32Array(inputDims[2]),
  ] as [Int32Array, Int32Array, Int32Array];
  // Number of input voxels per working index along each RAS axis (the last block may be short).
  const blockCount = [0, 1, 2].map((a) => new Float64Array(dims[a]));
  for (let a = 0; a < 3; a++) {
    const c = axisOf[a];
    const n = inputDims[c];
    for (let i = 0; i < n; i++) {
      const t = Math.floor((flipOf[a] ? n - 1 - i : i) / factor[a]);
      offsets[c][i] = t * stride[a];
      blockCount[a][t]++;
    }
  }
  const total = dims[0] * dims[1] * dims[2];
  const hu = new Float32Array(total);
  const src = numeric(ct);
  const [nx, ny, nz] = inputDims;
  const [ox, oy, oz] = offsets;
  let p = 0;
  for (let k = 0; k < nz; k++) {
    const bk = oz[k];
    for (let j = 0; j < ny; j++) {
      const bj = bk + oy[j];
      for (let i = 0; i < nx; i++, p++) hu[bj + ox[i]] += src[p];
    }
  }
  if (factor[0] * factor[1] * factor[2] > 1) {
    let q = 0;
    for (let z = 0; z < dims[2]; z++)
      for (let y = 0; y < dims[1]; y++) {
        const cyz = blockCount[1][y] * blockCount[2][z];
        for (let x = 0; x < dims[0]; x++, q++) hu[q] /= cyz * blockCount[0][x];
      }
  }
  return {
    dims,
    spacing: [0, 1, 2].map((a) => spacing[axisOf[a]] * factor[a]) as [number, number, number],
    hu,
    inputDims,
    inputSpacing: spacing,
    offsets,
  };
}

/**
 * Labels of the working grid carried back to every input voxel (the working voxel it falls in). When
 * `refine` is given and the grid was block-averaged, voxels of blocks on a lung border are decided at
 * the input's resolution: in a labelled border block whose mean is air-like, an input voxel at or above
 * `threshold` HU (chest wall, mediastinum) is dropped; in an unlabelled block next to a lung, an input
 * voxel below it joins that lung. Blocks whose mean is dense (filled vessels and lesions) stay whole.
 */
export function toInputGrid(
  grid: WorkGrid,
  labels: Uint8Array,
  refine?: { ct: Volume; threshold: number },
): Uint8Array<ArrayBuffer> {
  const [nx, ny, nz] = grid.inputDims;
  const [ox, oy, oz] = grid.offsets;
  const out = new Uint8Array(nx * ny * nz);
  const border = refine && grid.hu.length < nx * ny * nz ? borderLabels(labels, grid.dims) : undefined;
  const src = refine && border ? numeric(refine.ct) : undefined;
  const threshold = refine?.threshold ?? 0;
  const hu = grid.hu;
  let p = 0;
  for (let k = 0; k < nz; k++) {
    const bk = oz[k];
    for (let j = 0; j < ny; j++) {
      const bj = bk + oy[j];
      if (!border || !src) {
        for (let i = 0; i < nx; i++, p++) out[p] = labels[bj + ox[i]];
        continue;
      }
      for (let i = 0; i < nx; i++, p++) {
        const b = bj + ox[i];
        const l = labels[b];
        const near = border[b];
        if (near === 0) out[p] = l;
        else if (l !== 0) out[p] = src[p] < threshold || hu[b] >= threshold ? l : 0;
        else out[p] = src[p] < threshold ? near : 0;
      }
    }
  }
  return out;
}

/**
 * For each working voxel on a label border (a 6-neighbour with another label), the lung label it is next
 * to (its own for a lung voxel, a neighbour's for a background one); 0 elsewhere.
 */
function borderLabels(labels: Uint8Array, dims: readonly [number, number, number]): Uint8Array {
  const [nx, ny, nz] = dims;
  const sxy = nx * ny;
  const out = new Uint8Array(labels.length);
  for (let z = 0, p = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, p++) {
        const l = labels[p];
        const a = x > 0 ? labels[p - 1] : l;
        const b = x < nx - 1 ? labels[p + 1] : l;
        const c = y > 0 ? labels[p - nx] : l;
        const d = y < ny - 1 ? labels[p + nx] : l;
        const e = z > 0 ? labels[p - sxy] : l;
        const f = z < nz - 1 ? labels[p + sxy] : l;
        if (a === l && b === l && c === l && d === l && e === l && f === l) continue;
        out[p] = l !== 0 ? l : a || b || c || d || e || f;
      }
  return out;
}
