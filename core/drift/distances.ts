// Distribution distances and two-sample tests used by the drift report: population stability index
// (PSI), Jensen-Shannon distance, two-sample Kolmogorov-Smirnov (statistic and asymptotic p-value) and
// the Wasserstein-1 (earth mover's) distance between empirical distributions. Pure functions over
// proportions or sorted typed arrays.
import { InvalidDriftInputError } from './errors';

// Math members bound once: global lookups are ~50x slower inside Jest's vm context.
const { abs, exp, log, log2, max, sqrt, PI } = Math;

/**
 * Floor applied to each bin proportion before PSI's log ratio. A bin that is empty on one side would
 * otherwise make PSI infinite; 1e-4 is the common convention (Evidently, many credit-risk tools).
 */
export const PSI_EPSILON = 1e-4;

/**
 * Population stability index Σ (a_i − e_i) · ln(a_i / e_i) between reference proportions `expected`
 * and live proportions `actual`. Both are normalised to sum 1, then every proportion is floored at
 * `epsilon` (smoothing: clip, not additive, so non-empty bins are unchanged). PSI ≥ 0; rules of thumb:
 * < 0.1 stable, 0.1–0.2 moderate shift, ≥ 0.2 significant shift.
 * @example psi([0.5, 0.5], [0.4, 0.6]) // 0.0405...
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>, epsilon = PSI_EPSILON): number {
  const k = checkPair('expected', expected, 'actual', actual);
  const se = sumOf('expected', expected);
  const sa = sumOf('actual', actual);
  let total = 0;
  for (let i = 0; i < k; i++) {
    const e = max(expected[i] / se, epsilon);
    const a = max(actual[i] / sa, epsilon);
    total += (a - e) * log(a / e);
  }
  return total;
}

/**
 * Jensen-Shannon distance with base-2 logarithms: sqrt(JSD), in [0, 1]; 0 for identical distributions,
 * 1 for disjoint supports. Inputs are normalised to sum 1; empty bins need no smoothing (0·log 0 = 0).
 * Same value as scipy.spatial.distance.jensenshannon(p, q, base=2).
 * @example jensenShannonDistance([1, 0], [0, 1]) // 1
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const k = checkPair('p', p, 'q', q);
  const sp = sumOf('p', p);
  const sq = sumOf('q', q);
  let divergence = 0;
  for (let i = 0; i < k; i++) {
    const pi = p[i] / sp;
    const qi = q[i] / sq;
    const m = 0.5 * (pi + qi);
    if (pi > 0) divergence += 0.5 * pi * log2(pi / m);
    if (qi > 0) divergence += 0.5 * qi * log2(qi / m);
  }
  // Clamp rounding noise (tiny negatives, 1 + 1e-16).
  return sqrt(Math.min(1, max(0, divergence)));
}

/**
 * Survival function of the Kolmogorov distribution, Q(λ) = P(K > λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²),
 * evaluated with the Jacobi-theta form 1 − (√(2π)/λ) Σ_{j≥1} exp(−(2j−1)² π² / (8 λ²)) for small λ
 * where the alternating series converges slowly. Equal to scipy.special.kolmogorov(λ).
 * @example kolmogorovSurvival(1.3580986393225505) // 0.05
 */
export function kolmogorovSurvival(lambda: number): number {
  if (Number.isNaN(lambda)) return NaN;
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const c = (PI * PI) / (8 * lambda * lambda);
    let sum = 0;
    for (let j = 1; j < 100; j++) {
      const term = exp(-(2 * j - 1) * (2 * j - 1) * c);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return Math.min(1, max(0, 1 - (sqrt(2 * PI) / lambda) * sum));
  }
  let sum = 0;
  let sign = 1;
  for (let j = 1; j < 100; j++) {
    const term = exp(-2 * j * j * lambda * lambda);
    sum += sign * term;
    if (term < 1e-17 * abs(sum)) break;
    sign = -sign;
  }
  return Math.min(1, max(0, 2 * sum));
}

/** Result of {@link ksTwoSample}. */
export interface KsTestResult {
  /** D = sup_x |F_a(x) − F_b(x)|, in [0, 1]. */
  readonly statistic: number;
  /** Asymptotic p-value Q((√n_e + 0.12 + 0.11/√n_e) · D), n_e = n_a n_b / (n_a + n_b) (Stephens 1970). */
  readonly pValue: number;
}

/**
 * Two-sample Kolmogorov-Smirnov test on two ascending-sorted samples (ties handled exactly). The p-value
 * uses the Kolmogorov limiting distribution with Stephens' effective-n correction, as in Numerical
 * Recipes' kstwo — accurate to a few per cent for n_e ≥ 4 and conservative for small samples.
 * Returns statistic 0 and p-value 1 when either sample is empty.
 * @example ksTwoSample(Float64Array.of(1, 2, 3), Float64Array.of(4, 5, 6)) // { statistic: 1, pValue: 0.0326... }
 */
export function ksTwoSample(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): KsTestResult {
  const n = sortedA.length;
  const m = sortedB.length;
  if (n === 0 || m === 0) return { statistic: 0, pValue: 1 };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = sortedA[i] <= sortedB[j] ? sortedA[i] : sortedB[j];
    while (i < n && sortedA[i] === x) i++;
    while (j < m && sortedB[j] === x) j++;
    const gap = abs(i / n - j / m);
    if (gap > d) d = gap;
  }
  const en = sqrt((n * m) / (n + m));
  return { statistic: d, pValue: kolmogorovSurvival((en + 0.12 + 0.11 / en) * d) };
}

/**
 * Wasserstein-1 distance ∫ |F_a(x) − F_b(x)| dx between the empirical distributions of two
 * ascending-sorted samples of finite values (same as scipy.stats.wasserstein_distance). Returns 0 when
 * either sample is empty.
 * @example wasserstein1(Float64Array.of(0, 1, 3), Float64Array.of(5, 6, 8)) // 5
 */
export function wasserstein1(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): number {
  const n = sortedA.length;
  const m = sortedB.length;
  if (n === 0 || m === 0) return 0;
  let i = 0;
  let j = 0;
  let previous = sortedA[0] < sortedB[0] ? sortedA[0] : sortedB[0];
  let total = 0;
  while (i < n || j < m) {
    const x = j >= m || (i < n && sortedA[i] <= sortedB[j]) ? sortedA[i] : sortedB[j];
    total += abs(i / n - j / m) * (x - previous);
    previous = x;
    while (i < n && sortedA[i] === x) i++;
    while (j < m && sortedB[j] === x) j++;
  }
  return total;
}

function checkPair(nameA: string, a: ArrayLike<number>, nameB: string, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new InvalidDriftInputError(nameB, `length ${b.length} differs from ${nameA} length ${a.length}`);
  if (a.length === 0) throw new InvalidDriftInputError(nameA, 'must not be empty');
  return a.length;
}

function sumOf(name: string, values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0) || v === Infinity) throw new InvalidDriftInputError(name, `entries must be finite and >= 0, got ${v} at ${i}`);
    s += v;
  }
  if (!(s > 0)) throw new InvalidDriftInputError(name, 'must have a positive total');
  return s;
}
