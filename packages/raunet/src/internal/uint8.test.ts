import { describe, expect, it } from 'vitest';
import { encodeUint8Affine } from './uint8.js';

const decode = ({ q, min, scale }: ReturnType<typeof encodeUint8Affine>) => Array.from(q, (v) => v * scale + min);

describe('encodeUint8Affine', () => {
  it('spreads 256 codes over the range widened to 0, with 0 on a code (worked example)', () => {
    // range [-1, 2]: step 3/255; 0 is code 85 (1 / step = 85 exactly), so min stays -1
    const r = encodeUint8Affine(new Float32Array([-1, 0, 0.5, 2]));
    expect(r.scale).toBeCloseTo(3 / 255, 15);
    expect(r.min).toBeCloseTo(-1, 15);
    expect(Array.from(r.q)).toEqual([0, 85, 128, 255]); // 0.5 is 127.5 steps above -1: rounds up
    expect(decode(r)[1]).toBe(0);
  });

  it('nudges the range so that 0 is exact when it falls between codes', () => {
    // range [-0.3, 1]: -min / step = 58.85 → code 59, so min becomes -59 steps
    const r = encodeUint8Affine(new Float32Array([-0.3, 0, 1]));
    expect(r.q[1]).toBe(59);
    expect(decode(r)[1]).toBeCloseTo(0, 15);
    expect(r.min).toBeCloseTo((-59 * 1.3) / 255, 7); // -0.3 and 1 as float32
  });

  it('widens an all-positive range down to 0 and keeps every value within half a step', () => {
    const values = new Float32Array(1000).map((_, i) => 0.5 + Math.sin(i) ** 2);
    const r = encodeUint8Affine(values);
    expect(Math.abs(r.min)).toBe(0); // 0 is the first code
    const step = Math.max(...values) / 255;
    expect(r.scale).toBeCloseTo(step, 12);
    decode(r).forEach((v, i) => expect(Math.abs(v - values[i])).toBeLessThanOrEqual(step / 2 + 1e-9));
  });

  it('gives scale 1 to all zeros and refuses non-finite values', () => {
    const r = encodeUint8Affine(new Float32Array(5));
    expect(r.scale).toBe(1);
    expect(decode(r)).toEqual([0, 0, 0, 0, 0]);
    expect(() => encodeUint8Affine(new Float32Array([1, NaN]))).toThrow(/a weight is NaN/);
    expect(() => encodeUint8Affine(new Float32Array([Infinity]))).toThrow(RangeError);
  });
});
