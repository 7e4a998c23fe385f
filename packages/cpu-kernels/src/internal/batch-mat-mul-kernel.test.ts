import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { both, int, probe, rand, rng, skipReason } from '../__fixtures__/native-vs-js.js';

describe.skipIf(!probe.loaded)(`native BatchMatMul${skipReason}`, () => {
  it('BatchMatMul (transposes, batch broadcast) matches the JS kernel', () => {
    const next = rng(15);
    // stored shapes of a and b, then transposeA, transposeB
    const cases: [number[], number[], boolean, boolean][] = [
      [[4096, 16], [16, 8], false, false],
      [[3, 70, 33], [3, 33, 90], false, false],
      [[3, 33, 70], [3, 90, 33], true, true],
      [[2, 3, 64, 40], [40, 96], false, false],
      [[40, 300], [64, 40], true, true],
      // the 1x1x1-convolution filter gradient: tiny output, long reduction
      [[20000, 8], [20000, 4], true, false],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const seed = int(next, 0, 1e9);
      const { js, native, calls } = both(() => {
        const n2 = rng(seed);
        return tf.matMul(rand(sa, n2), rand(sb, n2), ta, tb);
      });
      expect(native[0].shape).toEqual(js[0].shape);
      const scale = Math.max(...Array.from(js[0].data, Math.abs));
      native[0].data.forEach((v, i) => expect(Math.abs(v - js[0].data[i]) / scale, `${String(sa)} ${String(sb)}`).toBeLessThan(1e-5));
      expect(calls.BatchMatMul.native, `${String(sa)} ${String(sb)} ${calls.BatchMatMul.lastFallbackReason}`).toBe(1);
    }
  });
});
