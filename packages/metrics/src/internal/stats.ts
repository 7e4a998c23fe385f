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

/** Sum of the values (plain loop; 0 for an empty array). */
export function sumOf(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** Total weight of the values `<= limit` (`weights[i]` belongs to `values[i]`). */
export function weightAtMost(values: ArrayLike<number>, weights: ArrayLike<number>, limit: number): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) if (values[i] <= limit) s += weights[i];
  return s;
}

/** Weighted mean `Σ values[i]·weights[i] / Σ weights[i]` (NaN for an empty array). */
export function weightedMeanOf(values: ArrayLike<number>, weights: ArrayLike<number>): number {
  let s = 0;
  let w = 0;
  for (let i = 0; i < values.length; i++) {
    s += values[i] * weights[i];
    w += weights[i];
  }
  return values.length === 0 ? Number.NaN : s / w;
}

/**
 * Weighted percentile `p` in [0, 100] as DeepMind's `compute_robust_hausdorff` takes it: the smallest
 * value at which the cumulative weight, values in increasing order, reaches `p` % of the total weight
 * (no interpolation). NaN for an empty array. A binary search over the sorted values, each step one
 * pass summing the weight of the values at or below a candidate.
 */
export function weightedPercentileOf(values: ArrayLike<number>, weights: ArrayLike<number>, p: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const target = (p / 100) * sumOf(weights);
  // Invariant: the answer is sorted[hi] (or the largest value when rounding keeps the total short of target).
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (weightAtMost(values, weights, sorted[mid]) >= target) hi = mid;
    else lo = mid + 1;
  }
  return sorted[lo];
}
