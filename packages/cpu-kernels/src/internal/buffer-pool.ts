// Output buffers of the native kernels, recycled as soon as tfjs disposes the tensor that holds them.
//
// Without it every large kernel output is a fresh `new Float32Array(n)`: glibc `calloc` (a memset of the
// whole buffer when it comes from the heap, page faults when it is new memory) and, worse, the freed buffer
// only goes back to malloc when V8 collects its ArrayBuffer, so during a training step the heap keeps
// growing into fresh pages (measured: 17 GB RSS and 0.9 M page faults, 15 s of system time, per RA-Unet
// step at 192x192x32). Here a buffer goes back to a free list the moment the cpu backend deletes the last
// data entry using it, and the next output of the same length reuses its already-faulted pages.
//
// A request with no free buffer of its length takes the smallest free buffer at most twice as long (a view of
// its first elements; the whole buffer goes back to its list when released) before new memory is allocated:
// a training step needs buffers of many lengths at different times, and with exact lengths only the pool held
// 1.1 GB more than the step's peak of live tensors at the paper's 192x192x32 patch (peak RSS 4.37 GiB with
// exact lengths, 3.91 GiB with up to twice the length, 4.13 GiB with up to four times: measured).
//
// Safety: a buffer is reused only when no data entry of the backend refers to it (counted in `write` /
// `move` / `disposeData`, views such as the JS Slice kernel's `subarray` included) and it never left
// through `readSync` / `read` (`dataSync()`, `data()`, `bufferSync()`), where a caller may keep it.
import { Buffer } from 'node:buffer';
import type { CpuBackendLike } from './kernel-common.js';

/** A request may take a free buffer up to this many times its length (see the file comment). */
export const LARGER_BUFFER_SLACK = 2;

/** The parts of MathBackendCPU the pool hooks. */
interface HookableBackend extends CpuBackendLike {
  data: CpuBackendLike['data'] & { has(dataId: object): boolean };
  write(values: unknown, shape: number[], dtype: string): object;
  move(dataId: object, values: unknown, shape: number[], dtype: string, refCount: number): void;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
}

const HOOKED = ['write', 'move', 'disposeData', 'readSync'] as const;

/** Pool statistics (for tests and benchmarks). */
export interface BufferPoolStats {
  /** Allocations served from the free lists. */
  reused: number;
  /** Allocations that needed new memory. */
  fresh: number;
  /** Bytes currently in the free lists. */
  freeBytes: number;
  /** Pooled buffers that escaped through readSync (never reused). */
  escaped: number;
}

/** Recycles large Float32Array outputs once the cpu backend drops them (see the file comment). */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  /** Live data entries per pooled buffer (weak: a buffer a failed kernel dropped is simply collected). */
  private refs = new WeakMap<ArrayBufferLike, number>();
  /** The whole-buffer view of every pooled buffer still known to the pool. */
  private readonly whole = new WeakMap<ArrayBufferLike, Float32Array>();
  private readonly escaped = new WeakSet<ArrayBufferLike>();
  private readonly hooked = new Set<HookableBackend>();
  private freeBytes = 0;
  private stats = { reused: 0, fresh: 0, escaped: 0 };

  /**
   * @param maxFreeBytes most bytes kept in the free lists (a released buffer beyond it is left to GC)
   * @param minElements smaller buffers are plain `new Float32Array(n)` (not pooled)
   */
  constructor(
    private readonly maxFreeBytes: number,
    private readonly minElements: number,
    /** Called on every fresh buffer before its first use (transparent huge pages for large ones). */
    private readonly onFresh: (buffer: Float32Array) => void = () => undefined,
  ) {}

  /**
   * A Float32Array of `n` elements for a kernel output that the kernel overwrites completely: its contents
   * are undefined (reused or uninitialized memory), except for small buffers, which are zeroed.
   */
  allocate(n: number): Float32Array {
    if (n < this.minElements || this.maxFreeBytes <= 0) return new Float32Array(n);
    const list = this.free.get(n);
    const reused = list?.pop() ?? this.takeLarger(n);
    if (reused !== undefined) {
      this.freeBytes -= reused.byteLength;
      this.stats.reused++;
      this.refs.set(reused.buffer, 0);
      return reused.length === n ? reused : new Float32Array(reused.buffer, reused.byteOffset, n);
    }
    this.stats.fresh++;
    // uninitialized memory: no memset of a buffer the kernel overwrites anyway
    const buf = Buffer.allocUnsafeSlow(4 * n);
    const out = new Float32Array(buf.buffer, buf.byteOffset, n);
    this.onFresh(out);
    this.whole.set(out.buffer, out);
    this.refs.set(out.buffer, 0);
    return out;
  }

  /** The smallest free buffer longer than `n` by at most {@link LARGER_BUFFER_SLACK}, taken off its free list. */
  private takeLarger(n: number): Float32Array | undefined {
    let best = Infinity;
    for (const [length, list] of this.free) if (length > n && length <= n * LARGER_BUFFER_SLACK && length < best && list.length > 0) best = length;
    return best === Infinity ? undefined : this.free.get(best)!.pop();
  }

  /** Starts tracking the data entries of `backend` (idempotent). */
  hook(backend: CpuBackendLike): void {
    const b = backend as HookableBackend;
    if (this.hooked.has(b) || typeof b.disposeData !== 'function' || typeof b.write !== 'function') return;
    this.hooked.add(b);
    const proto = Object.getPrototypeOf(b) as HookableBackend;
    const retain = (values: unknown) => {
      if (!ArrayBuffer.isView(values)) return;
      const n = this.refs.get(values.buffer);
      if (n !== undefined) this.refs.set(values.buffer, n + 1);
    };
    b.write = (values, shape, dtype) => {
      retain(values);
      return proto.write.call(b, values, shape, dtype);
    };
    b.move = (dataId, values, shape, dtype, refCount) => {
      if (b.data.has(dataId)) this.dropEntry(b, dataId);
      retain(values);
      proto.move.call(b, dataId, values, shape, dtype, refCount);
    };
    b.disposeData = (dataId, force) => {
      const values = b.data.has(dataId) ? b.data.get(dataId).values : undefined;
      const result = proto.disposeData.call(b, dataId, force);
      if (values !== undefined && !b.data.has(dataId)) this.release(values);
      return result;
    };
    b.readSync = (dataId) => {
      const out = proto.readSync.call(b, dataId);
      if (ArrayBuffer.isView(out) && this.refs.has(out.buffer)) this.escape(out.buffer);
      return out;
    };
  }

  /** Removes the hooks and forgets every buffer (they stay valid; GC frees them). */
  unhook(): void {
    for (const b of this.hooked) for (const name of HOOKED) delete (b as unknown as Record<string, unknown>)[name];
    this.hooked.clear();
    this.free.clear();
    this.refs = new WeakMap();
    this.freeBytes = 0;
  }

  /** Current statistics. */
  getStats(): BufferPoolStats {
    return { ...this.stats, freeBytes: this.freeBytes };
  }

  private dropEntry(b: HookableBackend, dataId: object): void {
    this.release(b.data.get(dataId).values);
  }

  private escape(buffer: ArrayBufferLike): void {
    this.refs.delete(buffer);
    this.escaped.add(buffer);
    this.stats.escaped++;
  }

  private release(values: unknown): void {
    if (!ArrayBuffer.isView(values)) return;
    const buffer = values.buffer;
    const n = this.refs.get(buffer);
    if (n === undefined) return;
    if (n > 1) {
      this.refs.set(buffer, n - 1);
      return;
    }
    const whole = this.whole.get(buffer);
    this.refs.delete(buffer);
    if (whole === undefined || this.escaped.has(buffer) || this.freeBytes + whole.byteLength > this.maxFreeBytes) return;
    // back to the free list; refs entry comes back on the next allocate()
    let list = this.free.get(whole.length);
    if (list === undefined) {
      list = [];
      this.free.set(whole.length, list);
    }
    list.push(whole);
    this.freeBytes += whole.byteLength;
  }
}
