/**
 * A small seeded pseudo-random generator (mulberry32 for uint32 state, Box-Muller for normals) shared
 * by every package that must be deterministic given a seed. Its whole state is one number, so it can be
 * checkpointed and resumed exactly.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.uniform(); // in [0, 1)
 * const saved = rng.state; const a = rng.normal(); rng.state = saved; rng.normal() === a; // true
 * ```
 */
export class Rng {
  private s: number;
  private spare: number | undefined;

  /** @param seed - any finite number; equal seeds give equal sequences. */
  constructor(seed: number) {
    this.s = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    this.spare = undefined;
  }

  /** The full generator state, to save in a checkpoint; assigning it restores the sequence. */
  get state(): number {
    return this.s;
  }
  set state(value: number) {
    this.s = value >>> 0;
    this.spare = undefined;
  }

  /** Next uint32. */
  nextUint32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in `[low, high)`. @defaultValue low 0, high 1 */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * (this.nextUint32() / 4294967296);
  }

  /** Uniform integer in `[low, high)`. */
  int(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low));
  }

  /** Normal deviate with the given mean and standard deviation. @defaultValue mean 0, std 1 */
  normal(mean = 0, std = 1): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** Fisher-Yates shuffle of a copy of `items`. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}
