/** A float32 tensor's values as tfjs's affine uint8 quantization: value ≈ `q * scale + min`. */
export interface Uint8Affine {
  /** The quantized values, one byte each. */
  q: Uint8Array<ArrayBuffer>;
  /** The value of q = 0 (at most 0, so that 0 itself is exactly representable). */
  min: number;
  /** The step between neighbouring codes (positive). */
  scale: number;
}

/**
 * Quantizes float32 values to uint8 over their range widened to include 0, as tfjs-converter's
 * `--quantize_uint8` does: 256 codes spread evenly, the range nudged so that 0 is one of them (a weight of
 * 0 stays 0), each value rounded to its nearest code. tfjs decodes `quantization: { dtype: 'uint8', min,
 * scale }` weights as `q * scale + min`; the error per value is at most `scale / 2` (1/510 of the range).
 * All-zero input gets scale 1.
 */
export function encodeUint8Affine(values: Float32Array): Uint8Affine {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`encodeUint8Affine: a weight is ${v}; only finite weights quantize`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zero = Math.round(-lo / scale);
  const min = -zero * scale;
  const q = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.min(255, Math.max(0, Math.round((values[i] - min) / scale)));
  return { q, min, scale };
}
