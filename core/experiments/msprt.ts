// Always-valid sequential p-value for the difference of two proportions: the mixture sequential
// probability ratio test (mSPRT) of Johari, Pekelis & Walsh (2017), "Always Valid Inference:
// Bringing Sequential Analysis to A/B Testing", with a normal mixing distribution N(0, τ²).
//
// With Δ̂ = pB - pA and V its variance under H0 (pooled: p(1-p)(1/nA + 1/nB)), the normal-approximation
// mixture likelihood ratio against H0: Δ = 0 is
//     Λ = sqrt(V / (V + τ²)) · exp( τ² Δ̂² / (2 V (V + τ²)) ).
// Λ is (asymptotically) a non-negative martingale under H0, so by Ville's inequality
// P(sup_n Λ_n >= 1/α) <= α and the running minimum p_n = min(p_{n-1}, 1/Λ_n) is an always-valid
// p-value: it may be checked after every observation without inflating the false-positive rate, and it
// never increases as data accrue. (1/Λ_n alone, without the running minimum, is also always valid but
// not monotone.)
import { assertSuccesses, InvalidExperimentInputError } from './errors';

// Math members bound once: global lookups are ~50x slower inside Jest's vm context.
const { exp, log, min } = Math;

/** Defaults of the mixture SPRT. */
export const MSPRT_DEFAULTS = {
  /**
   * Mixing variance τ² of the N(0, τ²) prior on the true difference in proportions. τ = 0.0316
   * centres the test's power on differences of a few percentage points, the effect sizes model A/B
   * tests care about. Any τ² > 0 keeps the test valid; τ² only moves where its power is.
   */
  tau2: 0.001,
  /** Significance level used by {@link SequentialProportionTest.significant}. */
  alpha: 0.05,
} as const;

/** Options of {@link SequentialProportionTest}. */
export interface MsprtOptions {
  /** Mixing variance τ² > 0; default {@link MSPRT_DEFAULTS}.tau2. */
  readonly tau2?: number;
  /** Significance level in (0, 1); default 0.05. */
  readonly alpha?: number;
}

/**
 * Natural log of the mixture likelihood ratio Λ for cumulative counts (see module comment).
 * Returns 0 (Λ = 1, no evidence) while the pooled variance is 0 (all successes or all failures so far).
 * @example msprtLogLikelihoodRatio(200, 1000, 250, 1000) // ≈ 1.9812
 */
export function msprtLogLikelihoodRatio(successA: number, nA: number, successB: number, nB: number, tau2: number = MSPRT_DEFAULTS.tau2): number {
  assertSuccesses('successA', successA, 'nA', nA);
  assertSuccesses('successB', successB, 'nB', nB);
  assertTau2(tau2);
  if (nA === 0 || nB === 0) return 0;
  const pooled = (successA + successB) / (nA + nB);
  const v = pooled * (1 - pooled) * (1 / nA + 1 / nB);
  if (!(v > 0)) return 0;
  const d = successB / nB - successA / nA;
  return 0.5 * log(v / (v + tau2)) + (tau2 * d * d) / (2 * v * (v + tau2));
}

/**
 * The (non-monotone) always-valid p-value min(1, 1/Λ) at the given cumulative counts. Use
 * {@link SequentialProportionTest} to get the monotone running-minimum version.
 * @example msprtPValue(200, 1000, 250, 1000) // ≈ 0.1379
 */
export function msprtPValue(successA: number, nA: number, successB: number, nB: number, tau2: number = MSPRT_DEFAULTS.tau2): number {
  return min(1, exp(-msprtLogLikelihoodRatio(successA, nA, successB, nB, tau2)));
}

/**
 * Stateful always-valid test of pA = pB. Feed it the cumulative counts each time you look; its
 * `pValue` is the running minimum of 1/Λ and never increases.
 * @example
 * const test = new SequentialProportionTest({ tau2: 0.001 });
 * test.update(20, 100, 31, 100).update(45, 200, 66, 200);
 * if (test.significant) stopExperiment();
 */
export class SequentialProportionTest {
  readonly tau2: number;
  readonly alpha: number;
  private currentPValue = 1;
  private lastNA = 0;
  private lastNB = 0;
  private looks = 0;

  constructor(options: MsprtOptions = {}) {
    this.tau2 = options.tau2 ?? MSPRT_DEFAULTS.tau2;
    this.alpha = options.alpha ?? MSPRT_DEFAULTS.alpha;
    assertTau2(this.tau2);
    if (!(this.alpha > 0 && this.alpha < 1)) throw new InvalidExperimentInputError('alpha', `must be in (0, 1), got ${this.alpha}`);
  }

  /** Records a look at the cumulative counts (which must not shrink between looks). Returns this. */
  update(successA: number, nA: number, successB: number, nB: number): this {
    if (nA < this.lastNA || nB < this.lastNB) {
      throw new InvalidExperimentInputError(nA < this.lastNA ? 'nA' : 'nB', 'cumulative counts must not decrease between looks');
    }
    const p = msprtPValue(successA, nA, successB, nB, this.tau2);
    if (p < this.currentPValue) this.currentPValue = p;
    this.lastNA = nA;
    this.lastNB = nB;
    this.looks++;
    return this;
  }

  /** Always-valid p-value: running minimum of 1/Λ over all looks so far (1 before the first). */
  get pValue(): number {
    return this.currentPValue;
  }

  /** pValue <= alpha. Once true it stays true. */
  get significant(): boolean {
    return this.currentPValue <= this.alpha;
  }

  /** Number of looks recorded. */
  get lookCount(): number {
    return this.looks;
  }

  /** Clears all state, keeping the hyperparameters. */
  reset(): void {
    this.currentPValue = 1;
    this.lastNA = 0;
    this.lastNB = 0;
    this.looks = 0;
  }

  /** A fresh test with the same hyperparameters and no state. */
  clone(): SequentialProportionTest {
    return new SequentialProportionTest({ tau2: this.tau2, alpha: this.alpha });
  }
}

function assertTau2(tau2: number): void {
  if (!(tau2 > 0 && Number.isFinite(tau2))) throw new InvalidExperimentInputError('tau2', `must be a positive finite number, got ${tau2}`);
}
