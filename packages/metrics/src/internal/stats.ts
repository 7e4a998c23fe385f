/** Largest value (NaN for an empty array). */
export function maxOf(a: ArrayLike<number>): number {
  if (a.length === 0) return Number.NaN;
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}

/** Arithmetic mean (NaN for an empty array). */
export function meanOf(a: ArrayLike<number>): number {
  if (a.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

/**
 * Percentile `p` in [0, 100] with linear interpolation between closest ranks, numpy's default
 * (`np.percentile(a, p)`, method `'linear'`): rank `p/100 · (n − 1)` in the sorted values. NaN for an
 * empty array. Sorts a copy, the input is not touched.
 */
export function percentileOf(a: ArrayLike<number>, p: number): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const s = Float64Array.from(a).sort();
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(n - 1, Math.ceil(rank));
  const vlo = s[lo];
  const vhi = s[hi];
  if (vlo === vhi || lo === hi) return vlo;
  return vlo + (vhi - vlo) * (rank - lo);
}

/** Number of values `<= limit`. */
export function countAtMost(a: ArrayLike<number>, limit: number): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) if (a[i] <= limit) c++;
  return c;
}

/** Median of finite values already filtered (NaN for none): mean of the two middle values for even n. */
export function medianOf(a: readonly number[]): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const s = [...a].sort((x, y) => x - y);
  const m = n >> 1;
  return n % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
