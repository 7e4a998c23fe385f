/**
 * Transposes a row-major tensor: output axis i is input axis `perm[i]` (numpy's `transpose(perm)`).
 * Returns the data and the new shape.
 */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): { data: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * shape[i + 1];
  const strideOfOut = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src];
    for (let a = rank - 1; a >= 0; a--) {
      index[a]++;
      src += strideOfOut[a];
      if (index[a] < outShape[a]) break;
      src -= strideOfOut[a] * outShape[a];
      index[a] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** A tfjs Conv3D kernel `[kd, kh, kw, in, out]` as an ONNX Conv weight `[out, in, kd, kh, kw]`. */
export function convWeight(data: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  return permute(data, shape, [4, 3, 0, 1, 2]);
}

/** Maps a tfjs NDHWC axis (negative counts from the end) to the NCDHW axis of the exported graph. */
export function ncdhwAxis(axis: number): number {
  const a = axis < 0 ? axis + 5 : axis;
  return [0, 2, 3, 4, 1][a];
}
