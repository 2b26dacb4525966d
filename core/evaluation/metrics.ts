// Classification metrics on predicted probabilities: accuracy, per-class precision/recall/F1,
// macro/weighted F1, confusion matrix, one-vs-rest ROC-AUC (rank statistic, ties averaged),
// expected calibration error of the top-class confidence, and log-loss.
import { argmaxRows } from '../learners/learner';
import { EvaluationInputError } from './errors';

export interface ClassMetrics {
  /** tp / (tp + fp); 0 when the class is never predicted. */
  readonly precision: number;
  /** tp / (tp + fn); 0 when the class is absent from yTrue. */
  readonly recall: number;
  /** harmonic mean of precision and recall; 0 when both are 0. */
  readonly f1: number;
  /** rows of this class in yTrue */
  readonly support: number;
}

export interface EvaluationReport {
  readonly rows: number;
  readonly accuracy: number;
  /** Unweighted mean F1 over the classes PRESENT in yTrue (support > 0); absent classes are ignored. */
  readonly macroF1: number;
  /** Support-weighted mean F1 (absent classes weigh 0). */
  readonly weightedF1: number;
  readonly perClass: Readonly<Record<string, ClassMetrics>>;
  /** confusion[t][p] = rows of true class t predicted as class p, in `classes` order. */
  readonly confusion: number[][];
  /**
   * One-vs-rest ROC-AUC per class, from the class's probability column. Classes with no positive or
   * no negative row in yTrue have no defined AUC and are left out.
   */
  readonly rocAucOvr: Readonly<Record<string, number>>;
  /** Unweighted mean of rocAucOvr over the classes it holds; null when it holds none. */
  readonly rocAucMacro: number | null;
  /** Expected calibration error of the top-class confidence, 15 equal-width bins over [0, 1]. */
  readonly ece: number;
  /** Mean negative log of the true-class probability, clipped below at 1e-15. */
  readonly logLoss: number;
}

export interface EvaluateOptions {
  /**
   * Predicted classes to score instead of argmax(proba) (e.g. from predictWithThresholds); they
   * drive accuracy, F1 and the confusion matrix. AUC, ECE (argmax confidence) and log-loss are
   * always computed from `proba`.
   */
  readonly predicted?: Int32Array;
}

/** Number of equal-width confidence bins used by the ECE. */
export const ECE_BINS = 15;
const LOG_EPS = 1e-15;

/**
 * Scores row-major class probabilities against true class indices.
 *
 * @example
 * const report = evaluate(yTest, learner.predictProba(XTest), classes);
 * console.log(report.macroF1, report.perClass['DDoS/DoS'].recall);
 */
export function evaluate(yTrue: Int32Array, proba: Float64Array, classes: readonly string[], options: EvaluateOptions = {}): EvaluationReport {
  const K = classes.length;
  const n = yTrue.length;
  if (K < 1) throw new EvaluationInputError('classes must not be empty');
  if (proba.length !== n * K) throw new EvaluationInputError(`proba length ${proba.length} != rows ${n} * classes ${K}`);
  for (let i = 0; i < n; i++) {
    if (yTrue[i] < 0 || yTrue[i] >= K) throw new EvaluationInputError(`class index ${yTrue[i]} at row ${i} outside [0, ${K})`);
  }
  for (let k = 0; k < proba.length; k++) {
    const v = proba[k];
    if (!(v >= 0 && v <= 1 + 1e-9)) throw new EvaluationInputError(`probability ${v} at row ${Math.floor(k / K)}, class ${k % K} is not in [0, 1]`);
  }
  const argmax = argmaxRows(proba, K);
  const labels = labelMetrics(yTrue, options.predicted ?? argmax, classes);

  const rocAucOvr: Record<string, number> = {};
  let aucSum = 0;
  let aucCount = 0;
  const scores = new Float64Array(n);
  const positive = new Uint8Array(n);
  for (let c = 0; c < K; c++) {
    for (let i = 0; i < n; i++) {
      scores[i] = proba[i * K + c];
      positive[i] = yTrue[i] === c ? 1 : 0;
    }
    const auc = rocAuc(positive, scores);
    if (auc !== null) {
      rocAucOvr[classes[c]] = auc;
      aucSum += auc;
      aucCount++;
    }
  }

  let logLossSum = 0;
  for (let i = 0; i < n; i++) logLossSum -= Math.log(Math.max(proba[i * K + yTrue[i]], LOG_EPS));

  return {
    ...labels,
    rocAucOvr,
    rocAucMacro: aucCount > 0 ? aucSum / aucCount : null,
    ece: expectedCalibrationError(yTrue, proba, K, argmax),
    logLoss: n > 0 ? logLossSum / n : 0,
  };
}

/** The part of an evaluation report that depends on the predicted classes only (no probabilities). */
export type LabelMetrics = Pick<EvaluationReport, 'rows' | 'accuracy' | 'macroF1' | 'weightedF1' | 'perClass' | 'confusion'>;

/**
 * Accuracy, per-class precision/recall/F1, macro/weighted F1 and the confusion matrix of predicted
 * classes — evaluate's figures that need no probabilities, without its ranking metrics (cheaper
 * when only these are compared).
 * @example labelMetrics(Int32Array.from([0, 1]), Int32Array.from([0, 0]), ['a', 'b']).macroF1
 */
export function labelMetrics(yTrue: Int32Array, predicted: Int32Array, classes: readonly string[]): LabelMetrics {
  const K = classes.length;
  const n = yTrue.length;
  if (predicted.length !== n) throw new EvaluationInputError(`predicted length ${predicted.length} != rows ${n}`);
  for (let i = 0; i < n; i++) {
    if (yTrue[i] < 0 || yTrue[i] >= K) throw new EvaluationInputError(`class index ${yTrue[i]} at row ${i} outside [0, ${K})`);
  }

  const confusion: number[][] = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const p = predicted[i];
    if (p < 0 || p >= K) throw new EvaluationInputError(`predicted class ${p} at row ${i} outside [0, ${K})`);
    confusion[yTrue[i]][p]++;
    if (p === yTrue[i]) correct++;
  }

  const perClass: Record<string, ClassMetrics> = {};
  let macroSum = 0;
  let present = 0;
  let weightedSum = 0;
  for (let c = 0; c < K; c++) {
    const tp = confusion[c][c];
    let support = 0;
    let predictedCount = 0;
    for (let j = 0; j < K; j++) {
      support += confusion[c][j];
      predictedCount += confusion[j][c];
    }
    const precision = predictedCount > 0 ? tp / predictedCount : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[classes[c]] = { precision, recall, f1, support };
    if (support > 0) {
      macroSum += f1;
      present++;
      weightedSum += f1 * support;
    }
  }
  return {
    rows: n,
    accuracy: n > 0 ? correct / n : 0,
    macroF1: present > 0 ? macroSum / present : 0,
    weightedF1: n > 0 ? weightedSum / n : 0,
    perClass,
    confusion,
  };
}

/**
 * Binary ROC-AUC as the Mann-Whitney rank statistic: (sum of positive ranks - P(P+1)/2) / (P·N),
 * tied scores sharing their average rank (a tie between a positive and a negative counts 1/2).
 * Returns null when there is no positive or no negative row.
 *
 * @example
 * rocAuc(Uint8Array.from([0, 0, 1, 1]), Float64Array.from([0.1, 0.4, 0.35, 0.8])); // 0.75
 */
export function rocAuc(positive: Uint8Array, scores: Float64Array): number | null {
  const n = scores.length;
  if (positive.length !== n) throw new EvaluationInputError(`labels length ${positive.length} != scores length ${n}`);
  let P = 0;
  for (let i = 0; i < n; i++) P += positive[i] ? 1 : 0;
  const N = n - P;
  if (P === 0 || N === 0) return null;
  // The same statistic counted pairwise, U = #(pos > neg) + #(pos = neg) / 2 = rank sum - P(P+1)/2,
  // from the two classes' scores sorted apart: a typed array's own sort needs no comparator call per
  // comparison (a 20,000-row evaluation sorts once per class). U is a sum of halves, exact in a
  // double, so the result is the rank formula's to the bit.
  const pos = new Float64Array(P);
  const neg = new Float64Array(N);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    if (positive[i]) pos[p++] = scores[i];
    else neg[q++] = scores[i];
  }
  pos.sort();
  neg.sort();
  let u = 0;
  let below = 0; // negatives scored below the current positive
  for (let i = 0; i < P;) {
    const s = pos[i];
    let j = i + 1;
    while (j < P && pos[j] === s) j++;
    while (below < N && neg[below] < s) below++;
    let tied = 0;
    while (below + tied < N && neg[below + tied] === s) tied++;
    u += (j - i) * (below + tied / 2);
    i = j;
  }
  return u / (P * N);
}

/**
 * Expected calibration error of the top-class confidence: rows are binned by max_c p[c] into 15
 * equal-width bins (b/15, (b+1)/15] (a confidence of 0 falls into the first bin), and
 * ECE = Σ_b |B_b|/n · |accuracy(B_b) − mean confidence(B_b)|, where a row is accurate when its
 * argmax class equals its true class (`argmax` may be passed when already computed).
 */
export function expectedCalibrationError(yTrue: Int32Array, proba: Float64Array, nClasses: number, argmax?: Int32Array): number {
  const n = yTrue.length;
  if (n === 0) return 0;
  const top = argmax ?? argmaxRows(proba, nClasses);
  const count = new Float64Array(ECE_BINS);
  const hits = new Float64Array(ECE_BINS);
  const conf = new Float64Array(ECE_BINS);
  for (let i = 0; i < n; i++) {
    let maxP = proba[i * nClasses];
    for (let c = 1; c < nClasses; c++) if (proba[i * nClasses + c] > maxP) maxP = proba[i * nClasses + c];
    let b = Math.ceil(maxP * ECE_BINS) - 1;
    if (b < 0) b = 0;
    if (b >= ECE_BINS) b = ECE_BINS - 1;
    count[b]++;
    conf[b] += maxP;
    if (top[i] === yTrue[i]) hits[b]++;
  }
  let ece = 0;
  for (let b = 0; b < ECE_BINS; b++) {
    if (count[b] > 0) ece += (count[b] / n) * Math.abs(hits[b] / count[b] - conf[b] / count[b]);
  }
  return ece;
}
