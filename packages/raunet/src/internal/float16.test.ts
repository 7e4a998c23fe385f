import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { encodeFloat16 } from './float16.js';

// float32 values and their float16 bits as numpy 2.4 writes them (`np.float32(v).astype(np.float16).view(np.uint16)`):
// ties to even, the edge of the range (65504, 65519, 65520), subnormals and their ties, infinities, and twelve
// values drawn over 2^-29..2^17 (np.random.default_rng(7)).
const NUMPY_FLOAT16: [number, number][] = [
  [0.0, 0x0000],
  [-0.0, 0x8000],
  [1.0, 0x3c00],
  [-2.0, 0xc000],
  [0.10000000149011612, 0x2e66],
  [0.3333333432674408, 0x3555],
  [65504.0, 0x7bff],
  [65519.0, 0x7bff],
  [65520.0, 0x7c00],
  [1000000.0, 0x7c00],
  [-1000000.0, 0xfc00],
  [5.960464477539063e-08, 0x0001],
  [2 ** -25, 0x0000], // 2.9802322387695312e-08: a tie, to the even 0
  [4.470348358154297e-08, 0x0001],
  [1.4901161193847656e-08, 0x0000],
  [6.103515625e-05, 0x0400],
  [6.1005353927612305e-05, 0x0400],
  [1.00048828125, 0x3c00],
  [1.00146484375, 0x3c02],
  [1.0004892349243164, 0x3c01],
  [8.940696716308594e-08, 0x0002],
  [0.000123456004075706, 0x080c],
  [-3.1415927410125732, 0xc248],
  [1234.5677490234375, 0x64d3],
  [Infinity, 0x7c00],
  [-Infinity, 0xfc00],
  [8.832836684291578e-09, 0x0000],
  [0.0009436819818802178, 0x13bb],
  [-0.0058076465502381325, 0x9df2],
  [-0.09035998582839966, 0xadc8],
  [-64076.14453125, 0xfbd2],
  [-212.04380798339844, 0xdaa0],
  [0.05495256930589676, 0x2b09],
  [153208.484375, 0x7c00],
  [-9.96538005892944e-07, 0x8011],
  [-2.1546118489368382e-07, 0x8004],
  [0.328767329454422, 0x3543],
  [3.0013855845112403e-09, 0x0000],
];

describe('encodeFloat16', () => {
  it('gives the bits numpy gives, ties to even and subnormals included', () => {
    const bits = encodeFloat16(Float32Array.from(NUMPY_FLOAT16.map(([v]) => v)));
    expect(Array.from(bits).map((b) => b.toString(16))).toEqual(NUMPY_FLOAT16.map(([, b]) => b.toString(16)));
  });

  it('keeps NaN a NaN', () => {
    const [h] = encodeFloat16(Float32Array.of(NaN));
    expect(h & 0x7c00).toBe(0x7c00);
    expect(h & 0x3ff).not.toBe(0);
  });

  it('round-trips through tfjs float16 weight decoding within half an ulp', () => {
    const values = new Float32Array(4096);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 12.9898) * 10 ** ((i % 9) - 4);
    const decoded = tf.io.decodeWeights(encodeFloat16(values).buffer, [
      { name: 'w', shape: [values.length], dtype: 'float32', quantization: { dtype: 'float16' } },
    ]).w;
    const back = decoded.dataSync();
    decoded.dispose();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // a normal half has 11 significant bits: half an ulp is 2^-11 of the value; subnormals step by 2^-24
      const tolerance = Math.max(Math.abs(v) * 2 ** -11, 2 ** -25);
      expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(tolerance);
    }
  });
});
