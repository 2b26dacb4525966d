// Per-class decision thresholds tuned on validation data. Semantics everywhere: class c alerts for a
// row when p[c] >= threshold[c]. A single-label decision picks, among alerting classes, the one with
// the largest p[c] / threshold[c], and falls back to argmax when no class alerts.
import { EvaluationInputError } from './errors';

export interface TuneThresholdsOptions {
  /** Threshold for a class with no positive validation row. Default 0.5. */
  readonly fallback?: number;
  /** Thresholds are clamped to [minThreshold, 1 - minThreshold]. Default 1e-6. */
  readonly minThreshold?: number;
  /**
   * A class with fewer positive validation rows than this keeps `fallback`: a cutoff tuned on one or
   * two rows is noise (it can sit near 0 and alert on everything). Default 5.
   */
  readonly minPositives?: number;
}

/**
 * For each class, the probability cutoff that maximises that class's one-vs-rest F1 on the
 * validation rows (alert when p[c] >= t). The cutoff is placed halfway between the lowest alerting
 * score and the next lower score, so it does not sit on a validation value; among equal F1 the
 * highest cutoff (fewest alerts) wins. Classes absent from yVal, or with fewer than `minPositives`
 * (5) positive rows, get `fallback` (0.5).
 * Every threshold lies in (0, 1).
 *
 * @example
 * const thresholds = tuneThresholds(yVal, learner.predictProba(XVal), classes);
 * const alerts = applyThresholds(learner.predictProba(XNew), thresholds);
 */
export function tuneThresholds(yVal: Int32Array, probaVal: Float64Array, classes: readonly string[], options: TuneThresholdsOptions = {}): number[] {
  const K = classes.length;
  const n = yVal.length;
  const fallback = options.fallback ?? 0.5;
  const minT = options.minThreshold ?? 1e-6;
  const minPositives = options.minPositives ?? 5;
  if (probaVal.length !== n * K) throw new EvaluationInputError(`proba length ${probaVal.length} != rows ${n} * classes ${K}`);
  if (!(fallback > 0 && fallback < 1)) throw new EvaluationInputError(`fallback must be in (0, 1), got ${fallback}`);
  if (!(minT > 0 && minT < 0.5)) throw new EvaluationInputError(`minThreshold must be in (0, 0.5), got ${minT}`);
  if (!(Number.isInteger(minPositives) && minPositives >= 1)) throw new EvaluationInputError(`minPositives must be an integer >= 1, got ${minPositives}`);
  const thresholds = new Array<number>(K).fill(fallback);
  const order = new Int32Array(n);
  const scores = new Float64Array(n);
  for (let c = 0; c < K; c++) {
    let P = 0;
    for (let i = 0; i < n; i++) {
      if (yVal[i] === c) P++;
      scores[i] = probaVal[i * K + c];
      order[i] = i;
    }
    if (P < minPositives) continue;
    order.sort((a, b) => scores[b] - scores[a]);
    let tp = 0;
    let fp = 0;
    let bestF1 = -1;
    let best = fallback;
    let k = 0;
    while (k < n) {
      const s = scores[order[k]];
      while (k < n && scores[order[k]] === s) {
        if (yVal[order[k]] === c) tp++;
        else fp++;
        k++;
      }
      const f1 = (2 * tp) / (tp + fp + P);
      if (f1 > bestF1) {
        bestF1 = f1;
        const next = k < n ? scores[order[k]] : 0;
        best = (s + next) / 2;
      }
    }
    thresholds[c] = Math.min(1 - minT, Math.max(minT, best));
  }
  return thresholds;
}

/**
 * Alert flags: out[i * K + c] = 1 when proba[i * K + c] >= thresholds[c], else 0 (several classes
 * may alert for one row, or none).
 */
export function applyThresholds(proba: Float64Array, thresholds: readonly number[]): Uint8Array {
  const K = thresholds.length;
  if (K === 0 || proba.length % K !== 0) throw new EvaluationInputError(`proba length ${proba.length} is not a multiple of ${K} thresholds`);
  const out = new Uint8Array(proba.length);
  for (let i = 0; i < proba.length; i++) out[i] = proba[i] >= thresholds[i % K] ? 1 : 0;
  return out;
}

/**
 * One class per row under thresholds: among the classes with p[c] >= threshold[c] the one with the
 * largest p[c] / threshold[c]; when no class alerts, the argmax class.
 */
export function predictWithThresholds(proba: Float64Array, thresholds: readonly number[]): Int32Array {
  const K = thresholds.length;
  if (K === 0 || proba.length % K !== 0) throw new EvaluationInputError(`proba length ${proba.length} is not a multiple of ${K} thresholds`);
  const rows = proba.length / K;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let bestAlert = -1;
    let bestRatio = -Infinity;
    let argmax = 0;
    for (let c = 0; c < K; c++) {
      const p = proba[i * K + c];
      if (p > proba[i * K + argmax]) argmax = c;
      if (p >= thresholds[c] && p / thresholds[c] > bestRatio) {
        bestRatio = p / thresholds[c];
        bestAlert = c;
      }
    }
    out[i] = bestAlert >= 0 ? bestAlert : argmax;
  }
  return out;
}
