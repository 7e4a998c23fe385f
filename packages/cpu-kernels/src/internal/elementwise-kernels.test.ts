import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { NATIVE_KERNEL_NAMES, nativeKernelsStatus, registerNativeKernels, unregisterNativeKernels } from '../index.js';
import { both, int, probe, rand, rng, skipReason } from '../__fixtures__/native-vs-js.js';
import { collapse, MIN_NATIVE_ELEMENTS } from './elementwise-kernels.js';

/** A random rank-2..5 shape with at least MIN_NATIVE_ELEMENTS elements. */
function bigShape(next: () => number): number[] {
  const rank = int(next, 2, 5);
  const shape = Array.from({ length: rank }, () => int(next, 1, 12));
  while (shape.reduce((a, b) => a * b, 1) < MIN_NATIVE_ELEMENTS) shape[int(next, 0, rank - 1)] += 3;
  return shape;
}

describe('collapse', () => {
  it('merges contiguous dims and drops size-1 dims', () => {
    const c = collapse([2, 1, 3, 4], [[12, 12, 4, 1], [0, 0, 0, 1]]);
    expect(Array.from(c.shape)).toEqual([6, 4]);
    expect(c.strides.map((s) => Array.from(s))).toEqual([[4, 1], [0, 1]]);
    const all = collapse([1, 1], [[1, 1]]);
    expect(Array.from(all.shape)).toEqual([1]);
  });
});

describe.skipIf(!probe.loaded)(`native elementwise, reduction and copy kernels${skipReason}`, () => {
  it('Relu and Step (relu gradient, with alpha) equal the JS kernels, NaN included', () => {
    const n = MIN_NATIVE_ELEMENTS + 5;
    const v = new Float32Array(n);
    const next = rng(10);
    for (let i = 0; i < n; i++) v[i] = i % 97 === 0 ? NaN : i % 89 === 0 ? -0 : next() * 2 - 1;
    const { js, native, calls } = both(() => {
      const x = tf.tensor(v);
      return [tf.relu(x), tf.step(x), tf.step(x, 0.3)];
    });
    native.forEach((t, i) => expect(t.data).toEqual(js[i].data));
    expect(calls.Relu.native).toBe(1);
    expect(calls.Step.native).toBe(2);
  });

  it('unary Square, Sqrt, Rsqrt, Exp, Log, Neg, Abs and Sigmoid equal the JS kernels (NaN, 0, negatives)', () => {
    const n = MIN_NATIVE_ELEMENTS + 7;
    const v = new Float32Array(n);
    const next = rng(16);
    for (let i = 0; i < n; i++) v[i] = i % 101 === 0 ? NaN : i % 103 === 0 ? 0 : i % 107 === 0 ? -0 : (next() * 2 - 1) * (i % 3 === 0 ? 40 : 3);
    const ops = {
      Square: tf.square,
      Sqrt: tf.sqrt,
      Rsqrt: tf.rsqrt,
      Exp: tf.exp,
      Log: tf.log,
      Neg: tf.neg,
      Abs: tf.abs,
      Sigmoid: tf.sigmoid,
      ClipByValue: (t: tf.Tensor) => tf.clipByValue(t, -0.7, 0.9999999),
    } as const;
    const { js, native, calls } = both(() => {
      const x = tf.tensor(v, [n]);
      return Object.values(ops).map((f) => f(x));
    });
    Object.keys(ops).forEach((name, k) => {
      expect(calls[name]?.native, name).toBe(1);
      const a = native[k].data;
      const b = js[k].data;
      expect(native[k].shape).toEqual(js[k].shape);
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(b[i]) || !Number.isFinite(b[i])) expect(Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${name} ${v[i]}`).toBe(true);
        // exp/log: libm and V8 may differ in the last double bit, so at most 1 float32 ulp
        else expect(Math.abs(a[i] - b[i]), `${name}(${v[i]})`).toBeLessThanOrEqual(Math.abs(b[i]) * 2 ** -23);
      }
    });
  });

  it('Exp and Sigmoid equal the JS kernels bitwise at the float range ends (overflow, denormals, infinities)', () => {
    const ends = [Infinity, -Infinity, 88.72, 88.73, 89, -87.3, -100, -103.2, -103.3, -104, -200, 200, 1e-30, -1e-30, 0.5, -0.5];
    const n = MIN_NATIVE_ELEMENTS + 3;
    const v = Float32Array.from({ length: n }, (_, i) => ends[i % ends.length] * (1 + (i >> 4) * 1e-6));
    const { js, native, calls } = both(() => {
      const x = tf.tensor(v, [n]);
      return [tf.exp(x), tf.sigmoid(x)];
    });
    expect([calls.Exp?.native, calls.Sigmoid?.native]).toEqual([1, 1]);
    [0, 1].forEach((k) => native[k].data.forEach((a, i) => expect(Object.is(a, js[k].data[i]), `${k ? 'sigmoid' : 'exp'}(${v[i]}): ${a} vs ${js[k].data[i]}`).toBe(true)));
  });

  it('Concat and Pack (any axis, 2-3 inputs) copy exactly what the JS kernels copy', () => {
    const next = rng(17);
    for (let k = 0; k < 5; k++) {
      const shape = bigShape(next);
      const axis = int(next, 0, shape.length - 1);
      const count = int(next, 2, 3);
      const parts = Array.from({ length: count }, () => shape.map((d, i) => (i === axis ? Math.max(1, d - int(next, 0, 2)) : d)));
      const packAxis = int(next, -shape.length - 1, shape.length);
      const seed = int(next, 0, 1e9);
      const { js, native, calls } = both(() => {
        const n2 = rng(seed);
        const xs = parts.map((p) => rand(p, n2));
        const same = Array.from({ length: count }, () => rand(shape, n2));
        return [tf.concat(xs, axis), tf.concat(xs, axis - shape.length), tf.stack(same, packAxis)];
      });
      native.forEach((t, i) => {
        expect(t.shape).toEqual(js[i].shape);
        expect(t.data, `${String(shape)} axis ${axis} pack axis ${packAxis} output ${i}`).toEqual(js[i].data);
      });
      expect(calls.Concat?.native, calls.Concat?.lastFallbackReason).toBeGreaterThanOrEqual(2);
      expect(calls.Pack?.native, calls.Pack?.lastFallbackReason).toBe(1);
    }
  });

  it('large tensors (threaded, chunked paths) give the JS results: binary, unary, reductions, copies', () => {
    const next = rng(18);
    const shape = [1, 4, 64, 64, 16]; // 262 Ki elements: above the native thread pool's threshold (128 Ki)
    const seed = int(next, 0, 1e9);
    const { js, native, calls } = both(() => {
      const n2 = rng(seed);
      const x = rand(shape, n2);
      const y = rand(shape, n2);
      const c = rand([16], n2);
      return [
        tf.mul(x, c),
        tf.add(x, y),
        tf.div(x, 3),
        tf.step(x),
        tf.square(x),
        tf.concat([x, y], 4),
        tf.slice(x, [0, 1, 2, 3, 4], [1, 3, 60, 60, 10]),
        tf.sum(x, [0, 1, 2, 3]),
        tf.mean(x, 4),
        tf.sum(x),
      ];
    });
    native.forEach((t, i) => {
      expect(t.shape).toEqual(js[i].shape);
      if (i < 7) {
        // element loop: vitest's deep equality is slow on arrays of this size
        const a = t.data;
        const b = js[i].data;
        let bad = a.length === b.length ? -1 : 0;
        for (let j = 0; j < a.length && bad < 0; j++) if (!Object.is(a[j], b[j])) bad = j;
        expect(bad, `output ${i} first difference`).toBe(-1);
      } else {
        // sums: the same values added in another order (blocks of the native loop), in double
        let worst = 0;
        let scale = 1;
        t.data.forEach((v, j) => {
          worst = Math.max(worst, Math.abs(v - js[i].data[j]));
          scale = Math.max(scale, Math.abs(js[i].data[j]));
        });
        expect(worst / scale, `output ${i}`).toBeLessThan(1e-5);
      }
    });
    for (const k of ['Multiply', 'Add', 'RealDiv', 'Step', 'Square', 'Concat', 'Slice', 'Sum', 'Mean']) expect(calls[k]?.native, k).toBeGreaterThan(0);
  });

  it('Tile broadcasts (tf.broadcastTo) natively and exactly; other tilings fall back to JS', () => {
    const next = rng(19);
    for (let k = 0; k < 6; k++) {
      const shape = bigShape(next);
      const small = shape.map((d) => (next() < 0.5 ? 1 : d));
      const tileReps = shape.map(() => int(next, 1, 2));
      const seed = int(next, 0, 1e9);
      const { js, native, calls } = both(() => {
        const n2 = rng(seed);
        const s = rand(small, n2);
        return [tf.broadcastTo(s, shape), tf.broadcastTo(rand([shape[shape.length - 1]], n2), shape), tf.tile(rand(shape, n2), tileReps)];
      });
      native.forEach((t, i) => {
        expect(t.shape).toEqual(js[i].shape);
        expect(t.data, `${String(small)} -> ${String(shape)} output ${i}`).toEqual(js[i].data);
      });
      expect(calls.Tile?.native, `${String(small)} ${calls.Tile?.lastFallbackReason}`).toBeGreaterThanOrEqual(1);
    }
  });

  it('Mean and Sum gradients (broadcast of dy) are bitwise those of tfjs-core, which unregistering restores', () => {
    const before = [tf.getGradient('Mean')?.gradFunc, tf.getGradient('Sum')?.gradFunc];
    const next = rng(20);
    for (let k = 0; k < 6; k++) {
      const shape = bigShape(next);
      const axes = shape.map((_, i) => i).filter(() => next() < 0.5);
      if (axes.length === 0) axes.push(0);
      const seed = int(next, 0, 1e9);
      const grads = () =>
        tf.tidy(() => {
          const n2 = rng(seed);
          const x = rand(shape, n2);
          const w = rand(shape, n2);
          const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.sub(v, tf.mean(v, axes, true))), w));
          const g = (v: tf.Tensor) => tf.mean(tf.mul(tf.sum(tf.mul(v, w), axes), 0.5));
          return [tf.grad(f)(x), tf.grad(g)(x)].map((t) => t.dataSync() as Float32Array);
        });
      const js = grads();
      // native kernels without Tile keep tfjs-core's gradients: the same native reductions either way
      registerNativeKernels({ kernels: NATIVE_KERNEL_NAMES.filter((n) => n !== 'Tile') });
      expect(tf.getGradient('Mean')?.gradFunc).toBe(before[0]);
      const core = grads();
      unregisterNativeKernels();
      registerNativeKernels();
      expect(tf.getGradient('Mean')?.gradFunc).not.toBe(before[0]);
      const ours = grads();
      const { calls } = nativeKernelsStatus();
      unregisterNativeKernels();
      expect(calls.Tile?.native).toBeGreaterThan(0);
      ours.forEach((t, i) => {
        expect(t, `${String(shape)} axes ${String(axes)} grad ${i}`).toEqual(core[i]);
        const scale = Math.max(1, ...Array.from(js[i], Math.abs));
        t.forEach((v, j) => expect(Math.abs(v - js[i][j]) / scale).toBeLessThan(1e-5));
      });
    }
    expect([tf.getGradient('Mean')?.gradFunc, tf.getGradient('Sum')?.gradFunc]).toEqual(before);
  });

  it('float32 tensors holding a cast bool tensor\'s Uint8Array run natively with the same results', () => {
    const next = rng(21);
    const shape = [4, 64, 80];
    const seed = int(next, 0, 1e9);
    const { js, native, calls } = both(() => {
      const n2 = rng(seed);
      const x = rand(shape, n2);
      const mask = tf.cast(tf.greater(x, 0), 'float32');
      return [tf.mul(mask, rand(shape, n2)), tf.sub(1, mask)];
    });
    native.forEach((t, i) => expect(t.data, `output ${i}`).toEqual(js[i].data));
    expect(calls.Multiply.native).toBe(1);
    expect(calls.Sub.native).toBe(1);
  });

  it('Transpose (random permutations) and Max (random adjacent axes, NaN and signed zeros) equal the JS kernels exactly', () => {
    const next = rng(22);
    for (let k = 0; k < 8; k++) {
      const shape = bigShape(next);
      const perm = shape.map((_, i) => i).sort(() => next() - 0.5);
      const first = int(next, 0, shape.length - 1);
      const last = int(next, first, shape.length - 1);
      const axes = shape.map((_, i) => i).filter((i) => i >= first && i <= last);
      const keepDims = next() < 0.5;
      const seed = int(next, 0, 1e9);
      const { js, native, calls } = both(() => {
        const n2 = rng(seed);
        const v = rand(shape, n2).dataSync() as Float32Array;
        for (let i = 0; i < v.length; i += 1 + int(n2, 0, 4000)) v[i] = [NaN, 0, -0][int(n2, 0, 2)];
        const x = tf.tensor(v, shape);
        return [tf.transpose(x, perm), tf.max(x, axes, keepDims), tf.max(tf.neg(tf.abs(x)), axes)];
      });
      native.forEach((t, i) => {
        expect(t.shape).toEqual(js[i].shape);
        expect(t.data, `${String(shape)} perm ${String(perm)} axes ${String(axes)} output ${i}`).toEqual(js[i].data);
      });
      expect(calls.Transpose?.native, calls.Transpose?.lastFallbackReason).toBe(1);
      expect(calls.Max?.native, calls.Max?.lastFallbackReason).toBe(2);
    }
  });

  it('binary ops with broadcasting equal the JS kernels exactly (16 random cases)', () => {
    const next = rng(11);
    for (let k = 0; k < 16; k++) {
      const shape = bigShape(next);
      // the other operand: same shape, some dims set to 1, maybe fewer leading dims; sometimes swapped
      let other = shape.map((d) => (next() < 0.4 ? 1 : d));
      if (next() < 0.3) other = other.slice(int(next, 0, other.length - 1));
      const swap = next() < 0.3;
      const op = (['add', 'sub', 'mul', 'div'] as const)[k % 4];
      const seed = int(next, 0, 1e9);
      const { js, native, calls } = both(() => {
        const n2 = rng(seed);
        const a = rand(shape, n2);
        const b = rand(other, n2);
        return swap ? tf[op](b, a) : tf[op](a, b);
      });
      expect(native[0].shape, `${op} ${String(shape)} ${String(other)}`).toEqual(js[0].shape);
      expect(native[0].data, `${op} ${String(shape)} ${String(other)} swap ${swap}`).toEqual(js[0].data);
      const kernel = { add: 'Add', sub: 'Sub', mul: 'Multiply', div: 'RealDiv' }[op];
      expect(calls[kernel].native).toBe(1);
    }
  });

  it('Sum and Mean over random axes (keepDims or not) match the JS kernels', () => {
    const next = rng(12);
    let nativeCalls = 0;
    for (let k = 0; k < 30; k++) {
      const shape = bigShape(next);
      const axes = shape.map((_, i) => i).filter(() => next() < 0.5);
      if (axes.length === 0) axes.push(shape.length - 1);
      const keepDims = next() < 0.5;
      const mean = next() < 0.5;
      const seed = int(next, 0, 1e9);
      const { js, native, calls } = both(() => {
        const x = rand(shape, rng(seed));
        return mean ? tf.mean(x, axes, keepDims) : tf.sum(x, axes, keepDims);
      });
      nativeCalls += calls[mean ? 'Mean' : 'Sum']?.native ?? 0;
      expect(native[0].shape).toEqual(js[0].shape);
      const scale = Math.max(1, ...Array.from(js[0].data, Math.abs));
      native[0].data.forEach((v, i) => expect(Math.abs(v - js[0].data[i]) / scale, `${String(shape)} ${String(axes)}`).toBeLessThan(1e-5));
    }
    // cases with reduced dims that are not adjacent fall back to JS; most are native
    expect(nativeCalls).toBeGreaterThan(15);
  });

  it('Slice, SplitV (concat gradient), Unpack (stack gradient) and PadV2 copy exactly what the JS kernels copy', () => {
    const next = rng(13);
    for (let k = 0; k < 6; k++) {
      const shape = bigShape(next);
      const axis = int(next, 0, shape.length - 1);
      const begin = shape.map((d) => int(next, 0, Math.max(0, d - 1) >> 1));
      const size = shape.map((d, i) => (next() < 0.3 ? -1 : Math.max(1, d - begin[i] - int(next, 0, 1))));
      const n = shape[axis];
      const first = int(next, 1, Math.max(1, n - 1));
      const splits = n > 1 ? [first, n - first] : [1];
      const paddings = shape.map((): [number, number] => [int(next, 0, 2), int(next, 0, 2)]);
      const value = next() < 0.5 ? 0 : 1.5;
      const seed = int(next, 0, 1e9);
      const { js, native } = both(() => {
        const x = rand(shape, rng(seed));
        return [tf.slice(x, begin, size), ...tf.split(x, splits, axis), ...tf.unstack(x, axis), tf.pad(x, paddings, value)];
      });
      expect(native.length).toBe(js.length);
      native.forEach((t, i) => {
        expect(t.shape).toEqual(js[i].shape);
        expect(t.data, `${String(shape)} output ${i}`).toEqual(js[i].data);
      });
    }
  });

  it('gradients through slice, concat, stack and broadcasting ops equal the JS ones', () => {
    const next = rng(14);
    const x = rand([2, 8, 16, 16, 8], next);
    const s = rand([8], next);
    const loss = (v: tf.Tensor) => {
      const a = tf.slice(v, [0, 1, 0, 0, 0], [2, 7, 16, 16, 8]);
      const b = tf.concat([a, tf.slice(v, [0, 0, 0, 0, 0], [2, 1, 16, 16, 8])], 1);
      const c = tf.stack([tf.mul(b, s), tf.div(b, tf.add(s, 3))], 2);
      return tf.mean(tf.sum(tf.square(tf.relu(tf.sub(c, 0.5))), [1, 2, 3]));
    };
    const { js, native, calls } = both(() => tf.grad(loss)(x));
    const scale = Math.max(...Array.from(js[0].data, Math.abs));
    native[0].data.forEach((v, i) => expect(Math.abs(v - js[0].data[i]) / scale).toBeLessThan(1e-5));
    for (const n of ['Slice', 'SplitV', 'Unpack', 'PadV2', 'Multiply', 'Sum', 'Relu', 'Step']) expect(calls[n]?.native, `${n} ${calls[n]?.lastFallbackReason}`).toBeGreaterThan(0);
    tf.dispose([x, s]);
  });
});
