// Champion/challenger A/B decision: turns per-arm counts (requests, correct predictions, latency) into
// promote / keep / keep-running with the reason and the figures behind it. Field names follow the
// original Mini-XDR A/B results payload (snake_case).
import { InvalidExperimentInputError, assertSuccesses } from './errors';
import { MSPRT_DEFAULTS, msprtPValue } from './msprt';
import { twoProportionZTest } from './two-proportion-z-test';

/** Observed counts of one arm. */
export interface ArmStats {
  /** Labelled predictions served by this arm. */
  readonly count: number;
  /** Of those, how many were correct. */
  readonly correct: number;
  /** Sum of request latencies in milliseconds (mean = latencyMsSum / count); omit if not measured. */
  readonly latencyMsSum?: number;
}

/** Inputs of {@link abRecommendation}. Arm A is the champion, arm B the challenger. */
export interface AbRecommendationInput {
  readonly champion: ArmStats;
  readonly challenger: ArmStats;
  /** Minimum labelled samples per arm before any decision. */
  readonly minSamples: number;
  /** Maximum test duration (ms); when reached without a significant win the champion is kept. */
  readonly maxDurationMs: number;
  /** Time since the test started (ms). */
  readonly elapsedMs: number;
  /** Smallest accuracy difference (absolute, e.g. 0.01 = one percentage point) worth acting on. */
  readonly practicalSignificanceThreshold: number;
  /** Significance level; default 0.05. */
  readonly alpha?: number;
  /**
   * 'msprt' (default): always-valid mixture-SPRT p-value min(1, 1/Λ) at the current counts, safe when
   * results are checked repeatedly while the test runs (a caller that keeps state across looks can use
   * SequentialProportionTest for the monotone running minimum); 'z-test': fixed-horizon two-proportion
   * z-test, valid only for a single look.
   */
  readonly method?: 'msprt' | 'z-test';
  /** mSPRT mixing variance; default {@link MSPRT_DEFAULTS}.tau2. */
  readonly tau2?: number;
  /**
   * Largest acceptable relative increase of the challenger's mean latency over the champion's
   * (0.2 = 20 % slower) for a promotion; default 0.2. Ignored when either latency is missing.
   */
  readonly maxLatencyIncrease?: number;
  /**
   * Absolute slack (ms): a challenger is only "too slow" when it is also more than this many
   * milliseconds slower than the champion (a 0.8 ms difference on a 4 ms model is 20 % but rarely
   * matters). Default 0 (the relative limit alone).
   */
  readonly latencyToleranceMs?: number;
}

/** What to do with the experiment. */
export type AbRecommendationKind = 'promote_challenger' | 'keep_champion' | 'keep_running';

/** Result of {@link abRecommendation} (snake_case names as in the original project's A/B results). */
export interface AbRecommendation {
  readonly recommendation: AbRecommendationKind;
  readonly reason: string;
  /** Arm with the significantly better accuracy, or null when neither is significantly better. */
  readonly winner: 'champion' | 'challenger' | null;
  /** 1 - p_value. */
  readonly confidence: number;
  readonly p_value: number;
  /** metric_b - metric_a (challenger accuracy minus champion accuracy). */
  readonly effect_size: number;
  readonly samples_a: number;
  readonly samples_b: number;
  /** Champion accuracy. */
  readonly metric_a: number;
  /** Challenger accuracy. */
  readonly metric_b: number;
  readonly statistical_significance: boolean;
  readonly practical_significance: boolean;
  /** Newcombe 95 % interval of effect_size. */
  readonly effect_ci_low: number;
  readonly effect_ci_high: number;
  /** Mean latencies in ms (null when not measured). */
  readonly latency_a: number | null;
  readonly latency_b: number | null;
  readonly method: 'msprt' | 'z-test';
}

/** Defaults of {@link abRecommendation}. */
export const AB_RECOMMENDATION_DEFAULTS = {
  alpha: 0.05,
  method: 'msprt',
  maxLatencyIncrease: 0.2,
} as const;

/**
 * Decides whether to promote the challenger, keep the champion or keep the test running:
 * - fewer than `minSamples` labelled samples in an arm: keep running (keep the champion once
 *   `maxDurationMs` has elapsed);
 * - challenger significantly better by at least the practical threshold, and not more than
 *   `maxLatencyIncrease` slower: promote;
 * - challenger significantly worse: keep the champion;
 * - significant but below the practical threshold: keep the champion (the gain is not worth a change);
 * - not significant: keep running until `maxDurationMs`, then keep the champion.
 * @example
 * abRecommendation({ champion: { count: 5000, correct: 4500 }, challenger: { count: 5000, correct: 4650 },
 *   minSamples: 1000, maxDurationMs: 7 * 86_400_000, elapsedMs: 86_400_000, practicalSignificanceThreshold: 0.01 })
 * // → { recommendation: 'promote_challenger', winner: 'challenger', effect_size: 0.03, ... }
 */
export function abRecommendation(input: AbRecommendationInput): AbRecommendation {
  const { champion, challenger, minSamples, maxDurationMs, elapsedMs, practicalSignificanceThreshold } = input;
  assertSuccesses('champion.correct', champion.correct, 'champion.count', champion.count);
  assertSuccesses('challenger.correct', challenger.correct, 'challenger.count', challenger.count);
  assertNonNegative('minSamples', minSamples);
  assertNonNegative('maxDurationMs', maxDurationMs);
  assertNonNegative('elapsedMs', elapsedMs);
  assertNonNegative('practicalSignificanceThreshold', practicalSignificanceThreshold);
  const alpha = input.alpha ?? AB_RECOMMENDATION_DEFAULTS.alpha;
  if (!(alpha > 0 && alpha < 1)) throw new InvalidExperimentInputError('alpha', `must be in (0, 1), got ${alpha}`);
  const method = input.method ?? AB_RECOMMENDATION_DEFAULTS.method;
  const maxLatencyIncrease = input.maxLatencyIncrease ?? AB_RECOMMENDATION_DEFAULTS.maxLatencyIncrease;
  assertNonNegative('maxLatencyIncrease', maxLatencyIncrease);
  const latencyToleranceMs = input.latencyToleranceMs ?? 0;
  assertNonNegative('latencyToleranceMs', latencyToleranceMs);

  const nA = champion.count;
  const nB = challenger.count;
  const metricA = nA > 0 ? champion.correct / nA : 0;
  const metricB = nB > 0 ? challenger.correct / nB : 0;
  const latencyA = meanLatency(champion);
  const latencyB = meanLatency(challenger);
  const timeUp = elapsedMs >= maxDurationMs;

  const base = {
    samples_a: nA,
    samples_b: nB,
    metric_a: metricA,
    metric_b: metricB,
    effect_size: metricB - metricA,
    latency_a: latencyA,
    latency_b: latencyB,
    method,
  };

  if (nA < Math.max(1, minSamples) || nB < Math.max(1, minSamples)) {
    return {
      ...base,
      recommendation: timeUp ? 'keep_champion' : 'keep_running',
      reason: timeUp
        ? `maximum duration reached with too few samples (${nA} / ${nB}, need ${minSamples} per arm); keeping the champion`
        : `collecting samples (${nA} / ${nB}, need ${minSamples} per arm)`,
      winner: null,
      confidence: 0,
      p_value: 1,
      statistical_significance: false,
      practical_significance: false,
      effect_ci_low: -1,
      effect_ci_high: 1,
    };
  }

  const z = twoProportionZTest(champion.correct, nA, challenger.correct, nB);
  const pValue = method === 'msprt' ? msprtPValue(champion.correct, nA, challenger.correct, nB, input.tau2 ?? MSPRT_DEFAULTS.tau2) : z.pValue;
  const significant = pValue < alpha;
  const effect = metricB - metricA;
  const practical = Math.abs(effect) >= practicalSignificanceThreshold;
  const winner = significant && effect !== 0 ? (effect > 0 ? 'challenger' : 'champion') : null;
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const figures = `accuracy ${pct(metricA)} → ${pct(metricB)} (Δ ${effect >= 0 ? '+' : ''}${(100 * effect).toFixed(2)} pp, p = ${pValue.toPrecision(3)})`;

  let recommendation: AbRecommendationKind;
  let reason: string;
  if (winner === 'challenger' && practical) {
    const latencyRatio = latencyA !== null && latencyB !== null && latencyA > 0 ? latencyB / latencyA - 1 : null;
    const slowerMs = latencyA !== null && latencyB !== null ? latencyB - latencyA : 0;
    if (latencyRatio !== null && latencyRatio > maxLatencyIncrease && slowerMs > latencyToleranceMs) {
      recommendation = 'keep_champion';
      reason = `challenger is more accurate, ${figures}, but ${pct(latencyRatio)} (${slowerMs.toFixed(1)} ms) slower (limit ${pct(maxLatencyIncrease)}${latencyToleranceMs > 0 ? ` and ${latencyToleranceMs} ms` : ''})`;
    } else {
      recommendation = 'promote_challenger';
      reason = `challenger is significantly and practically better: ${figures}`;
    }
  } else if (winner === 'champion') {
    recommendation = 'keep_champion';
    reason = `challenger is significantly worse: ${figures}`;
  } else if (winner === 'challenger') {
    recommendation = 'keep_champion';
    reason = `improvement is significant but below the practical threshold of ${(100 * practicalSignificanceThreshold).toFixed(2)} pp: ${figures}`;
  } else if (timeUp) {
    recommendation = 'keep_champion';
    reason = `maximum duration reached without a significant difference: ${figures}`;
  } else {
    recommendation = 'keep_running';
    reason = `no significant difference yet: ${figures}`;
  }

  return {
    ...base,
    recommendation,
    reason,
    winner,
    confidence: 1 - pValue,
    p_value: pValue,
    statistical_significance: significant,
    practical_significance: practical,
    effect_ci_low: z.ciLow,
    effect_ci_high: z.ciHigh,
  };
}

function meanLatency(arm: ArmStats): number | null {
  if (arm.latencyMsSum === undefined || arm.count === 0) return null;
  return arm.latencyMsSum / arm.count;
}

function assertNonNegative(argument: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) throw new InvalidExperimentInputError(argument, `must be a finite number >= 0, got ${value}`);
}
