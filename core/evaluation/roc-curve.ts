// One-vs-rest ROC curves for the console and the model card: the (false positive rate, true positive
// rate) points of a class's probability column swept from the highest score down, ties taken
// together, thinned to a few dozen points so a training summary stays small.
import { EvaluationInputError } from './errors';

/** A ROC curve: matching arrays of false and true positive rates, from (0, 0) to (1, 1). */
export interface RocCurve {
  readonly fpr: readonly number[];
  readonly tpr: readonly number[];
}

/** Points a thinned curve keeps at most. */
export const ROC_CURVE_POINTS = 50;

/**
 * The ROC curve of binary labels against scores (higher = more positive), or null without a positive
 * or a negative row. Its trapezoid area before thinning is rocAuc's value.
 * @example rocCurve(Uint8Array.from([0, 1]), Float64Array.from([0.2, 0.9])) // { fpr: [0, 0, 1], tpr: [0, 1, 1] }
 */
export function rocCurve(positive: Uint8Array, scores: Float64Array, maxPoints = ROC_CURVE_POINTS): RocCurve | null {
  const n = scores.length;
  if (positive.length !== n) throw new EvaluationInputError(`labels length ${positive.length} != scores length ${n}`);
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new EvaluationInputError(`maxPoints must be an integer >= 2, got ${maxPoints}`);
  let P = 0;
  for (let i = 0; i < n; i++) P += positive[i] ? 1 : 0;
  const N = n - P;
  if (P === 0 || N === 0) return null;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j < n && scores[order[j]] === scores[order[i]]) {
      if (positive[order[j]]) tp++;
      else fp++;
      j++;
    }
    fpr.push(fp / N);
    tpr.push(tp / P);
    i = j;
  }
  if (fpr.length <= maxPoints) return { fpr, tpr };
  // evenly spaced points, the ends kept
  const keep = Array.from({ length: maxPoints }, (_, k) => Math.round((k * (fpr.length - 1)) / (maxPoints - 1)));
  return { fpr: keep.map((k) => fpr[k]), tpr: keep.map((k) => tpr[k]) };
}

/** Trapezoid area under a curve. */
export function curveArea(curve: RocCurve): number {
  let area = 0;
  for (let i = 1; i < curve.fpr.length; i++) area += ((curve.fpr[i] - curve.fpr[i - 1]) * (curve.tpr[i] + curve.tpr[i - 1])) / 2;
  return area;
}
