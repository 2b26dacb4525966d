// Class balancing for imbalanced intrusion data: per-row sample weights from class frequencies
// ('balanced' = inverse frequency, 'sqrt' = its square root, a milder correction) and optional seeded
// oversampling that replicates rows of rare classes up to a target size with a per-class cap.
import { SeededRandom } from '../util/random';
import { TrainingOptionsError } from './errors';

export type BalancingMode = 'none' | 'balanced' | 'sqrt';

export interface OversampleOptions {
  /** A class smaller than targetFraction × (largest class) is grown towards that size. Default 0.1. */
  readonly targetFraction?: number;
  /** A class never grows beyond maxFactor × its original size. Default 10. */
  readonly maxFactor?: number;
}

/** How training balances classes. Defaults: mode 'balanced', no oversampling. */
export interface BalancingOptions {
  readonly mode: BalancingMode;
  /** Replicate rows of rare classes before weighting; false or absent = off. */
  readonly oversample?: OversampleOptions | false;
}

export const DEFAULT_OVERSAMPLE: Required<OversampleOptions> = { targetFraction: 0.1, maxFactor: 10 };

/** Rows per class (class indices 0..K-1). */
export function classCounts(y: Int32Array, K: number): Float64Array {
  const counts = new Float64Array(K);
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (c < 0 || c >= K) throw new TrainingOptionsError(`class index ${c} at row ${i} outside [0, ${K})`);
    counts[c]++;
  }
  return counts;
}

/**
 * Weight per class. 'balanced': n / (P · n_c) with P the number of classes present (scikit-learn's
 * "balanced"), so every present class carries the same total weight and the mean row weight is 1.
 * 'sqrt': √(n / (P · n_c)), rescaled so the mean row weight is 1. 'none': 1. Absent classes get 0.
 *
 * @example
 * classWeightTable(Float64Array.from([90, 10]), 'balanced'); // [0.5555…, 5]
 */
export function classWeightTable(counts: Float64Array, mode: BalancingMode): Float64Array {
  const K = counts.length;
  const w = new Float64Array(K);
  let n = 0;
  let present = 0;
  for (let c = 0; c < K; c++) {
    n += counts[c];
    if (counts[c] > 0) present++;
  }
  if (n === 0) return w;
  for (let c = 0; c < K; c++) {
    if (counts[c] === 0) continue;
    const balanced = n / (present * counts[c]);
    switch (mode) {
      case 'none':
        w[c] = 1;
        break;
      case 'balanced':
        w[c] = balanced;
        break;
      case 'sqrt':
        w[c] = Math.sqrt(balanced);
        break;
      default:
        throw new TrainingOptionsError(`unknown balancing mode ${String(mode)}`);
    }
  }
  if (mode === 'sqrt') {
    let total = 0;
    for (let c = 0; c < K; c++) total += w[c] * counts[c];
    const scale = n / total;
    for (let c = 0; c < K; c++) w[c] *= scale;
  }
  return w;
}

/**
 * Per-row sample weights for labels y under a balancing mode (see classWeightTable); the mean row
 * weight is 1 in every mode.
 *
 * @example
 * const w = classWeights(yTrain, classes.length, 'balanced');
 * learner.fit(XTrain, yTrain, { schema, classes, sampleWeight: w });
 */
export function classWeights(y: Int32Array, K: number, mode: BalancingMode): Float64Array {
  const table = classWeightTable(classCounts(y, K), mode);
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = table[y[i]];
  return out;
}

/**
 * Seeded oversampling. Returns row positions into y: every original position once (in order),
 * followed by extra copies for each class whose size n_c is below
 * target = ceil(targetFraction × largest class size); such a class grows to min(target, maxFactor × n_c).
 * Extra copies cycle through a seeded shuffle of the class's rows, so copies are spread evenly
 * (no row is copied twice before every row of its class was copied once).
 *
 * @example
 * const positions = oversample(yTrain, K, { seed: 1, targetFraction: 0.2 });
 * const XFit = takeRows(XTrain, positions);
 */
export function oversample(y: Int32Array, K: number, options: OversampleOptions & { readonly seed: number }): Int32Array {
  const targetFraction = options.targetFraction ?? DEFAULT_OVERSAMPLE.targetFraction;
  const maxFactor = options.maxFactor ?? DEFAULT_OVERSAMPLE.maxFactor;
  if (!(targetFraction > 0 && targetFraction <= 1)) throw new TrainingOptionsError(`oversample.targetFraction must be in (0, 1], got ${targetFraction}`);
  if (!(maxFactor >= 1)) throw new TrainingOptionsError(`oversample.maxFactor must be >= 1, got ${maxFactor}`);
  const counts = classCounts(y, K);
  let largest = 0;
  for (let c = 0; c < K; c++) if (counts[c] > largest) largest = counts[c];
  const target = Math.ceil(targetFraction * largest);
  const extra = new Int32Array(K);
  let totalExtra = 0;
  for (let c = 0; c < K; c++) {
    if (counts[c] === 0 || counts[c] >= target) continue;
    extra[c] = Math.max(0, Math.min(target, Math.floor(maxFactor * counts[c])) - counts[c]);
    totalExtra += extra[c];
  }
  const out = new Int32Array(y.length + totalExtra);
  for (let i = 0; i < y.length; i++) out[i] = i;
  let k = y.length;
  const rnd = new SeededRandom(options.seed);
  for (let c = 0; c < K; c++) {
    if (extra[c] === 0) continue;
    const members = new Int32Array(counts[c]);
    let m = 0;
    for (let i = 0; i < y.length; i++) if (y[i] === c) members[m++] = i;
    for (let e = 0; e < extra[c]; e++) {
      if (e % members.length === 0) rnd.shuffle(members);
      out[k++] = members[e % members.length];
    }
  }
  return out;
}
