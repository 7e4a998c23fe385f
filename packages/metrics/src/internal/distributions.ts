// Distribution functions for the paired tests of `paired.ts`: Student's t, the standard normal and
// the exact binomial and Wilcoxon signed-rank null distributions. Written from the textbook
// definitions (Lanczos' log-gamma, Lentz's continued fraction for the incomplete beta, series and
// continued fraction for the incomplete gamma); checked against scipy in distributions.test.ts.

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const TINY = 1e-300;
const EPS = 1e-15;

/** The continued fraction of the incomplete beta function (modified Lentz), valid for x < (a+1)/(a+b+2). */
function betaFraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPS) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), for a, b > 0 and x in [0, 1]. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(a, b, x)) / a;
  return 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** Series of the regularized lower incomplete gamma function P(a, x), for x < a + 1. */
function lowerGammaSeries(a: number, x: number): number {
  if (x <= 0) return 0;
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n <= 10000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * sum;
}

/** Continued fraction (modified Lentz) of the regularized upper incomplete gamma Q(a, x), for x >= a + 1. */
function upperGammaFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/**
 * Upper tail of the standard normal, P(Z >= z), accurate in both tails: P(Z >= |z|) = Q(1/2, z²/2) / 2,
 * each side computed where it does not cancel.
 */
export function normalUpperTail(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const x = (z * z) / 2;
  const beyond = x < 1.5 ? 0.5 * (1 - lowerGammaSeries(0.5, x)) : 0.5 * upperGammaFraction(0.5, x); // P(Z >= |z|)
  return z >= 0 ? beyond : 1 - beyond;
}

/** Two-sided tail of Student's t with `df` degrees of freedom: P(|T| >= |t|). */
export function studentTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The quantile of Student's t: the `t` with P(T <= t) = `p`, for p in (0, 1) and df > 0 (bisection to full precision). */
export function studentQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN;
  if (p === 0.5) return 0;
  const upper = p > 0.5;
  const tail = upper ? 1 - p : p; // one-sided tail beyond |t|
  let lo = 0;
  let hi = 1;
  while (studentTwoSidedP(hi, df) / 2 > tail) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSidedP(mid, df) / 2 > tail) lo = mid;
    else hi = mid;
  }
  const t = (lo + hi) / 2;
  return upper ? t : -t;
}

/**
 * Exact two-sided binomial test of `k` successes in `n` trials at probability 1/2 (the sign test):
 * `min(1, 2 · P(X <= min(k, n − k)))`, as scipy's `binomtest(k, n).pvalue`. Summed in log space, so
 * any `n` is fine.
 */
export function signTestP(k: number, n: number): number {
  if (n === 0) return 1;
  const m = Math.min(k, n - k);
  const logN = logGamma(n + 1);
  let tail = 0;
  for (let i = 0; i <= m; i++) tail += Math.exp(logN - logGamma(i + 1) - logGamma(n - i + 1) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/**
 * Exact null distribution of a signed-rank sum: each of the integer `scores` (e.g. ranks 1..n, or twice
 * mean ranks when some are tied) counts with probability 1/2. Entry `s` is P(sum = s), s = 0..Σ scores.
 */
export function signedRankDistribution(scores: readonly number[]): Float64Array {
  const max = scores.reduce((s, x) => s + x, 0);
  let p = new Float64Array(max + 1);
  p[0] = 1;
  let reach = 0;
  for (const r of scores) {
    const next = new Float64Array(max + 1);
    for (let s = 0; s <= reach; s++) {
      if (p[s] === 0) continue;
      next[s] += p[s] / 2;
      next[s + r] += p[s] / 2;
    }
    reach += r;
    p = next;
  }
  return p;
}
