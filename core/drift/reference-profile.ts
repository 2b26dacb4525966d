// Drift reference profile: a compact, JSON-serialisable summary of the training data that later drift
// checks compare live traffic against. Per numeric feature: quantile bin edges with the training
// proportions (plus a missing-value bin), a seeded reservoir sample (sorted) for KS / Wasserstein, and
// summary statistics; per categorical feature: category frequencies plus 'unknown' and 'missing'; and
// the distribution of predicted classes.
import type { FeatureMatrix, FeatureSchema } from '../data/table';
import { SeededRandom } from '../util/random';
import { InvalidDriftInputError, ProfileMismatchError } from './errors';

// Math members bound once: global lookups are ~50x slower inside Jest's vm context.
const { exp, floor, log, sqrt } = Math;

/** Version of the profile document; bump when its shape changes. */
export const REFERENCE_PROFILE_FORMAT_VERSION = 1;

/** Defaults of {@link buildReferenceProfile}. */
export const REFERENCE_PROFILE_DEFAULTS = {
  /** Quantile bins per numeric feature (deciles). Fewer when values tie (edges are deduplicated). */
  binCount: 10,
  /** Reservoir sample kept per numeric feature for KS / Wasserstein. */
  sampleSize: 1000,
  /** Seed of the reservoir sampler. */
  seed: 42,
} as const;

/** Options of {@link buildReferenceProfile}. */
export interface ReferenceProfileOptions {
  readonly binCount?: number;
  readonly sampleSize?: number;
  readonly seed?: number;
}

/**
 * Profile of a numeric feature. Value bins are right-closed: (-∞, e₀], (e₀, e₁], …, (e_{k−1}, +∞), so
 * −∞ lands in the first bin and +∞ in the last; `proportions` has `edges.length + 2` entries, the last
 * being the share of missing values (NaN).
 */
export interface NumericFeatureProfile {
  readonly kind: 'numeric';
  readonly name: string;
  /** Rows profiled. */
  readonly count: number;
  readonly missing: number;
  readonly negativeInfinity: number;
  readonly positiveInfinity: number;
  /** Strictly increasing interior bin edges (training quantiles); empty when no finite value exists. */
  readonly edges: number[];
  /** Training share of each value bin, then of the missing bin; sums to 1 (all 0 when count is 0). */
  readonly proportions: number[];
  /** Ascending reservoir sample of the finite values (at most sampleSize). */
  readonly sample: number[];
  /** Statistics of the finite values (0 when none): mean, population std (ddof 0), quartiles. */
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  readonly q25: number;
  readonly q75: number;
}

/**
 * Profile of a categorical feature: `proportions` has `vocabulary.length + 2` entries — one per
 * vocabulary code, then 'unknown' (code −1 or any code outside the vocabulary), then 'missing' (NaN).
 */
export interface CategoricalFeatureProfile {
  readonly kind: 'categorical';
  readonly name: string;
  readonly count: number;
  readonly vocabulary: string[];
  readonly proportions: number[];
}

export type FeatureProfile = NumericFeatureProfile | CategoricalFeatureProfile;

/** Reference distribution of predicted classes. */
export interface PredictionProfile {
  readonly classes: string[];
  readonly counts: number[];
  readonly proportions: number[];
}

/** JSON-serialisable drift reference of one model version. */
export interface ReferenceProfile {
  readonly formatVersion: typeof REFERENCE_PROFILE_FORMAT_VERSION;
  readonly rows: number;
  readonly binCount: number;
  readonly sampleSize: number;
  readonly seed: number;
  readonly features: FeatureProfile[];
  readonly prediction: PredictionProfile | null;
}

/**
 * Builds the drift reference profile of a training matrix.
 * @param predictedClassCounts optional number of training (or validation) rows predicted as each class
 * @param classes class names, required with `predictedClassCounts` (same length)
 * @example
 * const profile = buildReferenceProfile(data.schema, data.X, counts, data.classes);
 * await store.putJson('drift/reference.json', profile);
 */
export function buildReferenceProfile(
  schema: FeatureSchema,
  X: FeatureMatrix,
  predictedClassCounts?: ArrayLike<number>,
  classes?: readonly string[],
  options: ReferenceProfileOptions = {},
): ReferenceProfile {
  const binCount = options.binCount ?? REFERENCE_PROFILE_DEFAULTS.binCount;
  const sampleSize = options.sampleSize ?? REFERENCE_PROFILE_DEFAULTS.sampleSize;
  const seed = options.seed ?? REFERENCE_PROFILE_DEFAULTS.seed;
  if (!Number.isInteger(binCount) || binCount < 1) throw new InvalidDriftInputError('binCount', `must be an integer >= 1, got ${binCount}`);
  if (!Number.isInteger(sampleSize) || sampleSize < 1) throw new InvalidDriftInputError('sampleSize', `must be an integer >= 1, got ${sampleSize}`);
  if (X.cols !== schema.features.length) {
    throw new ProfileMismatchError(`matrix has ${X.cols} columns but the schema lists ${schema.features.length} features`);
  }
  if (X.data.length !== X.rows * X.cols) throw new InvalidDriftInputError('X', `data length ${X.data.length} is not rows * cols`);

  const rng = new SeededRandom(seed);
  const column = new Float64Array(X.rows);
  const features: FeatureProfile[] = schema.features.map((spec, j) => {
    const sampler = rng.fork();
    if (spec.kind === 'numeric') return profileNumeric(spec.name, X, j, column, binCount, sampleSize, sampler);
    return profileCategorical(spec.name, spec.vocabulary, X, j);
  });

  let prediction: PredictionProfile | null = null;
  if (predictedClassCounts !== undefined) {
    if (classes === undefined || classes.length !== predictedClassCounts.length) {
      throw new InvalidDriftInputError('classes', `must list one name per predicted class count (${predictedClassCounts.length})`);
    }
    const counts = Array.from(predictedClassCounts);
    for (const c of counts)
      if (!(c >= 0) || c === Infinity) throw new InvalidDriftInputError('predictedClassCounts', `entries must be finite and >= 0, got ${c}`);
    const total = counts.reduce((s, c) => s + c, 0);
    prediction = { classes: [...classes], counts, proportions: counts.map((c) => (total > 0 ? c / total : 0)) };
  }

  return { formatVersion: REFERENCE_PROFILE_FORMAT_VERSION, rows: X.rows, binCount, sampleSize, seed, features, prediction };
}

/**
 * Index of the value bin of `x` for right-closed bins over `edges` (binary search), or `edges.length + 1`
 * (the missing bin) for NaN.
 */
export function numericBinIndex(edges: ArrayLike<number>, x: number): number {
  if (x !== x) return edges.length + 1;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bin index of a categorical code: the code itself, `vocabularySize` for unknown, `vocabularySize + 1` for missing. */
export function categoricalBinIndex(vocabularySize: number, code: number): number {
  if (code !== code) return vocabularySize + 1;
  return Number.isInteger(code) && code >= 0 && code < vocabularySize ? code : vocabularySize;
}

/** Type-7 (linear interpolation) quantile of ascending-sorted values; NaN when empty. */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = floor(h);
  const hi = lo + 1 < n ? lo + 1 : lo;
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function profileNumeric(
  name: string,
  X: FeatureMatrix,
  j: number,
  column: Float64Array,
  binCount: number,
  sampleSize: number,
  rng: SeededRandom,
): NumericFeatureProfile {
  const { rows, cols, data } = X;
  let finite = 0;
  let missing = 0;
  let negInf = 0;
  let posInf = 0;
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    const v = data[i * cols + j];
    if (v !== v) missing++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
    else {
      column[finite++] = v;
      sum += v;
    }
  }
  const values = column.subarray(0, finite);
  const sample = reservoirSample(values, sampleSize, rng);
  values.sort();
  const mean = finite > 0 ? sum / finite : 0;
  let ss = 0;
  for (let i = 0; i < finite; i++) ss += (values[i] - mean) * (values[i] - mean);
  const std = finite > 0 ? sqrt(ss / finite) : 0;

  const edges: number[] = [];
  for (let b = 1; b < binCount && finite > 0; b++) {
    const e = sortedQuantile(values, b / binCount);
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  if (finite > 0 && edges.length === 0) edges.push(values[0]); // binCount 1 or constant column: split at the value

  const counts = new Float64Array(edges.length + 2);
  counts[0] += negInf;
  counts[edges.length] += posInf;
  counts[edges.length + 1] += missing;
  for (let i = 0; i < finite; i++) counts[numericBinIndex(edges, values[i])]++;

  return {
    kind: 'numeric',
    name,
    count: rows,
    missing,
    negativeInfinity: negInf,
    positiveInfinity: posInf,
    edges,
    proportions: Array.from(counts, (c) => (rows > 0 ? c / rows : 0)),
    sample: Array.from(sample.sort()),
    mean,
    std,
    min: finite > 0 ? values[0] : 0,
    max: finite > 0 ? values[finite - 1] : 0,
    q25: finite > 0 ? sortedQuantile(values, 0.25) : 0,
    q75: finite > 0 ? sortedQuantile(values, 0.75) : 0,
  };
}

function profileCategorical(name: string, vocabulary: readonly string[], X: FeatureMatrix, j: number): CategoricalFeatureProfile {
  const { rows, cols, data } = X;
  const v = vocabulary.length;
  const counts = new Float64Array(v + 2);
  for (let i = 0; i < rows; i++) counts[categoricalBinIndex(v, data[i * cols + j])]++;
  return { kind: 'categorical', name, count: rows, vocabulary: [...vocabulary], proportions: Array.from(counts, (c) => (rows > 0 ? c / rows : 0)) };
}

/**
 * Uniform sample of up to k values without replacement: reservoir sampling "Algorithm L" (Li 1994),
 * O(k (1 + log(n/k))) random draws instead of one per value.
 */
export function reservoirSample(values: ArrayLike<number>, k: number, rng: SeededRandom): Float64Array {
  const n = values.length;
  if (n <= k) return Float64Array.from(values);
  const reservoir = Float64Array.from({ length: k }, (_, i) => values[i]);
  const u = (): number => 1 - rng.next(); // in (0, 1], safe for log
  let w = exp(log(u()) / k);
  let i = k - 1;
  while (true) {
    i += floor(log(u()) / log(1 - w)) + 1;
    if (!(i < n)) break;
    reservoir[rng.int(k)] = values[i];
    w *= exp(log(u()) / k);
  }
  return reservoir;
}
