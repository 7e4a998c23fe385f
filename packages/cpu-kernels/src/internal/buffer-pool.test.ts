import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeKernelsStatus, registerNativeKernels, unregisterNativeKernels } from '../index.js';
import type { CpuBackendLike } from './kernel-common.js';

await tf.setBackend('cpu');
const probe = registerNativeKernels();
unregisterNativeKernels();
if (!probe.loaded && process.env.CI) throw new Error(`native kernels must load in CI: ${probe.reason}`);
const skipReason = probe.loaded ? '' : ` (SKIPPED: ${probe.reason})`;

const N = 1 << 17; // above the pool's 64 Ki-element threshold
const bufferOf = (t: tf.Tensor): ArrayBufferLike => ((tf.backend() as unknown as CpuBackendLike).data.get(t.dataId).values as Float32Array).buffer;
const ramp = () => tf.tensor1d(Float32Array.from({ length: N }, (_, i) => i));

describe.skipIf(!probe.loaded)(`output buffer pool${skipReason}`, () => {
  afterEach(() => unregisterNativeKernels());

  it('reuses the buffer of a disposed native output for the next output of the same size', () => {
    registerNativeKernels();
    const x = ramp();
    const a = tf.add(x, x);
    const buffer = bufferOf(a);
    a.dispose();
    const b = tf.mul(x, 3);
    expect(bufferOf(b)).toBe(buffer);
    expect(b.dataSync()[5]).toBe(15);
    expect(nativeKernelsStatus().bufferPool?.reused).toBe(1);
    tf.dispose([x, b]);
  });

  it('serves a shorter output from a free buffer at most twice as long, and returns it whole', () => {
    registerNativeKernels();
    const x = ramp();
    const a = tf.add(x, x);
    const buffer = bufferOf(a);
    a.dispose();
    // 0.6 N: takes a's buffer (a view of its first elements)
    const short = tf.slice(x, [0], [Math.round(0.6 * N)]);
    const b = tf.mul(short, 3);
    expect(bufferOf(b) === buffer, 'b reuses a').toBe(true);
    expect(b.size).toBe(Math.round(0.6 * N));
    // (read out through a copy: a buffer read out through dataSync() is never reused)
    const b2 = tf.mul(b, 1);
    b.dispose();
    expect(b2.dataSync()[b2.size - 1]).toBe(3 * (b2.size - 1));
    expect(b2.dataSync().length).toBe(b2.size);
    // back whole: an output of the full length reuses it
    const c = tf.mul(x, 2);
    expect(bufferOf(c) === buffer, 'c reuses a whole').toBe(true);
    expect(c.dataSync()[N - 1]).toBe(2 * (N - 1));
    tf.dispose([c, b2]);
    // 0.4 N: a free buffer more than twice as long is left alone
    const d = tf.sub(x, 1);
    const dBuffer = bufferOf(d);
    d.dispose();
    const shorter = tf.slice(x, [0], [Math.round(0.4 * N)]);
    const e = tf.mul(shorter, 3);
    expect(bufferOf(e) === dBuffer, 'e leaves d alone').toBe(false);
    tf.dispose([x, short, shorter, e]);
  });

  it('never reuses a buffer read out through dataSync() or data()', async () => {
    registerNativeKernels();
    const x = ramp();
    const a = tf.add(x, x);
    const d = a.dataSync();
    const a2 = tf.sub(x, 1);
    const d2 = await a2.data();
    tf.dispose([a, a2]);
    const b = tf.mul(x, 3);
    const c = tf.mul(x, 4);
    expect(d[7]).toBe(14);
    expect(d2[7]).toBe(6);
    expect(bufferOf(b)).not.toBe(d.buffer);
    expect(bufferOf(c)).not.toBe(d2.buffer);
    expect(nativeKernelsStatus().bufferPool?.escaped).toBe(2);
    tf.dispose([x, b, c]);
  });

  it('keeps a buffer while a view (JS slice) or a reshape of its tensor is alive', () => {
    registerNativeKernels();
    const x = ramp();
    const a = tf.add(x, x);
    const buffer = bufferOf(a);
    const view = tf.slice(a, [0], [N / 2]); // contiguous: the JS kernel returns a subarray of a's buffer
    const r = tf.reshape(a, [2, N / 2]); // same data entry, one more reference
    expect(bufferOf(view)).toBe(buffer);
    a.dispose();
    const b = tf.mul(x, 3);
    expect(bufferOf(b)).not.toBe(buffer);
    r.dispose();
    const c = tf.mul(x, 4);
    expect(bufferOf(c)).not.toBe(buffer);
    view.dispose();
    const e = tf.mul(x, 5);
    expect(bufferOf(e)).toBe(buffer);
    expect(Array.from(e.dataSync().subarray(0, 3))).toEqual([0, 5, 10]);
    tf.dispose([x, b, c, e]);
  });

  it('gives large fresh buffers (transparent huge pages advised) correct contents', () => {
    registerNativeKernels();
    const n = 3 << 19; // 6 MiB
    const x = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => i % 1000));
    const y = tf.add(x, x);
    const d = y.dataSync();
    expect([d[0], d[999], d[1000], d[n - 1]]).toEqual([0, 1998, 0, 2 * ((n - 1) % 1000)]);
    expect(nativeKernelsStatus().bufferPool?.fresh).toBeGreaterThanOrEqual(1);
    tf.dispose([x, y]);
  });

  it('is off with bufferPoolBytes: 0 and rejects a negative size', () => {
    expect(() => registerNativeKernels({ bufferPoolBytes: -1 })).toThrow(/bufferPoolBytes must be a number >= 0/);
    registerNativeKernels({ bufferPoolBytes: 0 });
    const x = ramp();
    const a = tf.add(x, x);
    const buffer = bufferOf(a);
    a.dispose();
    const b = tf.mul(x, 3);
    expect(bufferOf(b)).not.toBe(buffer);
    expect(nativeKernelsStatus().bufferPool?.reused).toBe(0);
    tf.dispose([x, b]);
  });
});
