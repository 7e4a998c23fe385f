import * as tf from '@tensorflow/tfjs';

type Shape5 = [number, number, number, number, number];

/** Convolution geometry in the order the addon reads it (21 values). */
export interface ConvGeometry {
  params: Int32Array;
  xSize: number;
  ySize: number;
  filterSize: number;
  outShape: Shape5;
}

/**
 * Computes the addon's parameter block for a 3D convolution of `xShape` (NDHWC) with a TF-layout filter
 * `[kd, kh, kw, in, out]`, or `undefined` when the native path does not cover it (dilations other than 1,
 * empty tensors).
 */
export function convGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number, number],
  pad: 'valid' | 'same',
  dilations: number | [number, number, number] | undefined,
): ConvGeometry | undefined {
  const dil = dilations ?? 1;
  const dilOk = typeof dil === 'number' ? dil === 1 : dil.every((d) => d === 1);
  if (!dilOk || xShape.length !== 5 || filterShape.length !== 5) return undefined;
  const info = tf.backend_util.computeConv3DInfo(xShape as Shape5, filterShape as Shape5, strides, 1, pad);
  const [n, id, ih, iw, ic] = xShape as Shape5;
  const { outDepth: od, outHeight: oh, outWidth: ow, outChannels: oc } = info;
  const { filterDepth: kd, filterHeight: kh, filterWidth: kw } = info;
  const { strideDepth: sd, strideHeight: sh, strideWidth: sw } = info;
  const pf = info.padInfo.front;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // Right-side padding from the output size (may be negative for 'valid' with a stride that does not
  // divide the input: oneDNN then ignores the trailing input voxels, as TF does).
  const pbk = (od - 1) * sd + kd - id - pf;
  const pbo = (oh - 1) * sh + kh - ih - pt;
  const pr = (ow - 1) * sw + kw - iw - pl;
  const all = [n, id, ih, iw, ic, od, oh, ow, oc, kd, kh, kw];
  if (all.some((v) => !(v > 0))) return undefined;
  const xSize = n * id * ih * iw * ic;
  const ySize = n * od * oh * ow * oc;
  const filterSize = kd * kh * kw * ic * oc;
  if (Math.max(xSize, ySize, filterSize) >= 2 ** 31) return undefined;
  const params = Int32Array.from([...all, sd, sh, sw, pf, pt, pl, pbk, pbo, pr]);
  return { params, xSize, ySize, filterSize, outShape: [n, od, oh, ow, oc] };
}
