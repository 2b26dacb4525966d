// Dataset drift report: compares a live window of logged inference inputs (and predicted-class counts)
// against a model's reference profile, feature by feature, and decides whether the dataset drifted.
//
// Per numeric feature the deciding method is, by default ('auto'), the two-sample Kolmogorov-Smirnov
// test for small windows (p-value ≤ ksPValue / number of features — Bonferroni) and the normalised
// Wasserstein-1 distance for large windows (KS flags even negligible shifts once n is large). PSI and
// Jensen-Shannon over the profile's quantile bins are always reported too. Categorical features use the
// Jensen-Shannon distance over category frequencies (incl. unknown and missing) by default. KS and
// Wasserstein compare finite values only; a numeric feature whose missing share jumps (> 5 pp, with
// binned PSI over its threshold) is flagged as drifted as well.
//
// A numeric feature is compared in one pass over the window without sorting it
// (sample-comparison.ts): the same KS statistic and p-value as sorting the window and merging it
// with the reference sample, and the same Wasserstein-1 distance up to rounding.
import type { FeatureColumns, FeatureMatrix } from '../data/table';
import { jensenShannonDistance, psi, PSI_EPSILON } from './distances';
import { InvalidDriftInputError, ProfileMismatchError } from './errors';
import { categoricalBinIndex, type ReferenceProfile } from './reference-profile';
import { SampleComparer } from './sample-comparison';

/** Default thresholds and switches of {@link detectDatasetDrift}. */
export const DEFAULTS = {
  /** PSI at or above which a feature (or the prediction distribution) has drifted. */
  psi: 0.2,
  /** Jensen-Shannon distance (base 2, in [0, 1]) at or above which a feature has drifted. */
  jensenShannon: 0.1,
  /**
   * Wasserstein-1 distance divided by the reference's standard deviation (population std of the
   * finite training values; divided by 1 instead when that std is 0) at or above which a feature drifted.
   */
  wasserstein: 0.1,
  /** Family-wise KS significance level; each feature is tested at ksPValue / (number of features). */
  ksPValue: 0.05,
  /** Windows with at least this many rows use Wasserstein instead of KS for numeric features ('auto'). */
  largeWindowRows: 5000,
  /** Share of drifted features at or above which the whole dataset has drifted. */
  shareThreshold: 0.5,
  /** Floor for bin proportions in PSI (see PSI_EPSILON). */
  psiEpsilon: PSI_EPSILON,
} as const;

/** Method that decides whether a numeric feature drifted. */
export type NumericDriftMethod = 'auto' | 'ks' | 'wasserstein' | 'psi' | 'jensen_shannon';
/** Method that decides whether a categorical feature or the prediction distribution drifted. */
export type CategoricalDriftMethod = 'jensen_shannon' | 'psi';
/** Method actually used for a feature. */
export type DriftMethod = Exclude<NumericDriftMethod, 'auto'>;

/** Per-method drift thresholds (see {@link DEFAULTS}). */
export interface DriftThresholds {
  readonly psi: number;
  readonly jensenShannon: number;
  readonly wasserstein: number;
  /** Family-wise KS level, Bonferroni-divided by the number of features. */
  readonly ksPValue: number;
}

/** Options of {@link detectDatasetDrift}; every field has a default in {@link DEFAULTS}. */
export interface DatasetDriftOptions {
  readonly numericMethod?: NumericDriftMethod;
  readonly categoricalMethod?: CategoricalDriftMethod;
  readonly predictionMethod?: CategoricalDriftMethod;
  readonly thresholds?: Partial<DriftThresholds>;
  readonly largeWindowRows?: number;
  readonly shareThreshold?: number;
  readonly psiEpsilon?: number;
  /** Counts of live predictions per class, in the profile's class order. */
  readonly predictedClassCounts?: ArrayLike<number>;
}

/** Drift figures of one feature. */
export interface FeatureDriftResult {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** Method that decided `drifted`. */
  readonly method: DriftMethod;
  /** That method's value: a p-value for 'ks' (drift when ≤ threshold), a distance otherwise (drift when ≥ threshold). */
  readonly score: number;
  readonly threshold: number;
  readonly drifted: boolean;
  /** PSI and Jensen-Shannon distance over the profile bins (always computed). */
  readonly psi: number;
  readonly jensenShannon: number;
  /** KS statistic and p-value between the reference sample and the window's finite values (numeric only). */
  readonly ksStatistic: number | null;
  readonly ksPValue: number | null;
  /** Normalised Wasserstein-1 distance (numeric only). */
  readonly wasserstein: number | null;
  /** Share of missing values (NaN) in the reference and in the window. */
  readonly missingShareReference: number;
  readonly missingShareCurrent: number;
}

/** Drift of the predicted-class distribution. */
export interface PredictionDriftResult {
  readonly method: CategoricalDriftMethod;
  readonly score: number;
  readonly threshold: number;
  readonly drifted: boolean;
  readonly psi: number;
  readonly jensenShannon: number;
  readonly referenceProportions: number[];
  readonly currentProportions: number[];
}

/** Result of {@link detectDatasetDrift} (JSON-serialisable). */
export interface DriftReport {
  readonly windowRows: number;
  readonly referenceRows: number;
  readonly features: FeatureDriftResult[];
  readonly driftedFeatures: number;
  /** driftedFeatures / number of features. */
  readonly driftShare: number;
  readonly shareThreshold: number;
  readonly datasetDrift: boolean;
  /** Null when either side has no prediction counts. */
  readonly prediction: PredictionDriftResult | null;
  /** Per-feature KS level after the Bonferroni correction. */
  readonly ksPValueThreshold: number;
}

/**
 * Compares a live window with the reference profile.
 * @param window logged inference inputs in the profile's feature order: a row-major matrix, or columns
 * (the drift check passes telemetry columns as they were read, without copying the numeric ones)
 * @example
 * const report = detectDatasetDrift(profile, window, { predictedClassCounts: liveCounts });
 * if (report.datasetDrift || report.prediction?.drifted) publish('DriftDetected', report);
 */
export function detectDatasetDrift(profile: ReferenceProfile, window: FeatureMatrix | FeatureColumns, options: DatasetDriftOptions = {}): DriftReport {
  const features = profile.features;
  const { rows, column } = windowColumns(window, features.length);
  const thresholds: DriftThresholds = {
    psi: options.thresholds?.psi ?? DEFAULTS.psi,
    jensenShannon: options.thresholds?.jensenShannon ?? DEFAULTS.jensenShannon,
    wasserstein: options.thresholds?.wasserstein ?? DEFAULTS.wasserstein,
    ksPValue: options.thresholds?.ksPValue ?? DEFAULTS.ksPValue,
  };
  const largeWindowRows = options.largeWindowRows ?? DEFAULTS.largeWindowRows;
  const shareThreshold = options.shareThreshold ?? DEFAULTS.shareThreshold;
  const epsilon = options.psiEpsilon ?? DEFAULTS.psiEpsilon;
  const numericMethod = options.numericMethod ?? 'auto';
  const categoricalMethod = options.categoricalMethod ?? 'jensen_shannon';
  if (!(shareThreshold > 0 && shareThreshold <= 1)) throw new InvalidDriftInputError('shareThreshold', `must be in (0, 1], got ${shareThreshold}`);
  const ksLevel = thresholds.ksPValue / Math.max(1, features.length);
  const comparer = new SampleComparer();

  const results: FeatureDriftResult[] = features.map((feature, j) => {
    const values = column(j);
    if (feature.kind === 'categorical') {
      const v = feature.vocabulary.length;
      const counts = new Float64Array(v + 2);
      for (let i = 0; i < rows; i++) counts[categoricalBinIndex(v, values[i])]++;
      const binPsi = safeDistance(feature.proportions, counts, (a, b) => psi(a, b, epsilon));
      const binJs = safeDistance(feature.proportions, counts, jensenShannonDistance);
      const method = categoricalMethod;
      const score = method === 'psi' ? binPsi : binJs;
      const threshold = method === 'psi' ? thresholds.psi : thresholds.jensenShannon;
      return {
        name: feature.name,
        kind: 'categorical',
        method,
        score,
        threshold,
        drifted: score >= threshold,
        psi: binPsi,
        jensenShannon: binJs,
        ksStatistic: null,
        ksPValue: null,
        wasserstein: null,
        missingShareReference: feature.proportions[v + 1] ?? 0,
        missingShareCurrent: rows > 0 ? counts[v + 1] / rows : 0,
      };
    }

    const edges = feature.edges;
    const { counts, ks, wasserstein } = comparer.compare(feature, values, rows);
    const comparable = ks !== null;
    const scale = feature.std > 0 ? feature.std : 1;
    const w = wasserstein === null ? null : wasserstein / scale;
    const binPsi = safeDistance(feature.proportions, counts, (a, b) => psi(a, b, epsilon));
    const binJs = safeDistance(feature.proportions, counts, jensenShannonDistance);

    let method: DriftMethod = numericMethod === 'auto' ? (rows >= largeWindowRows ? 'wasserstein' : 'ks') : numericMethod;
    // KS / Wasserstein need finite values on both sides; fall back to binned PSI (which sees missing/±∞).
    if ((method === 'ks' || method === 'wasserstein') && !comparable) method = 'psi';
    let score: number;
    let threshold: number;
    let drifted: boolean;
    switch (method) {
      case 'ks':
        score = ks ? ks.pValue : 1;
        threshold = ksLevel;
        drifted = score <= threshold;
        break;
      case 'wasserstein':
        score = w ?? 0;
        threshold = thresholds.wasserstein;
        drifted = score >= threshold;
        break;
      case 'psi':
        score = binPsi;
        threshold = thresholds.psi;
        drifted = score >= threshold;
        break;
      case 'jensen_shannon':
        score = binJs;
        threshold = thresholds.jensenShannon;
        drifted = score >= threshold;
        break;
    }
    // KS and Wasserstein only see finite values: a jump in the missing share (binned PSI ≥ its
    // threshold and the missing share moved by > 5 pp) is drift even when the finite values look alike.
    if (
      !drifted &&
      method !== 'psi' &&
      method !== 'jensen_shannon' &&
      binPsi >= thresholds.psi &&
      missingShareShifted(feature.proportions, counts, rows, edges.length)
    ) {
      drifted = true;
    }
    return {
      name: feature.name,
      kind: 'numeric',
      method,
      score,
      threshold,
      drifted,
      psi: binPsi,
      jensenShannon: binJs,
      ksStatistic: ks ? ks.statistic : null,
      ksPValue: ks ? ks.pValue : null,
      wasserstein: w,
      missingShareReference: feature.proportions[edges.length + 1] ?? 0,
      missingShareCurrent: rows > 0 ? counts[edges.length + 1] / rows : 0,
    };
  });

  const driftedFeatures = results.reduce((s, r) => s + (r.drifted ? 1 : 0), 0);
  const driftShare = features.length > 0 ? driftedFeatures / features.length : 0;
  return {
    windowRows: rows,
    referenceRows: profile.rows,
    features: results,
    driftedFeatures,
    driftShare,
    shareThreshold,
    datasetDrift: features.length > 0 && rows > 0 && driftShare >= shareThreshold,
    prediction: predictionDrift(profile, options, thresholds, epsilon),
    ksPValueThreshold: ksLevel,
  };
}

/** The window's rows and a reader of column j (a strided copy for a matrix, the column itself otherwise). */
function windowColumns(window: FeatureMatrix | FeatureColumns, features: number): { rows: number; column: (j: number) => Float64Array } {
  if ('columns' in window) {
    const { rows, columns } = window;
    if (columns.length !== features) throw new ProfileMismatchError(`window has ${columns.length} columns but the profile has ${features} features`);
    columns.forEach((c, j) => {
      if (c.length < rows) throw new InvalidDriftInputError('window', `column ${j} has ${c.length} values for ${rows} rows`);
    });
    return { rows, column: (j) => columns[j] };
  }
  const { rows, cols, data } = window;
  if (cols !== features) throw new ProfileMismatchError(`window has ${cols} columns but the profile has ${features} features`);
  if (data.length !== rows * cols) throw new InvalidDriftInputError('window', `data length ${data.length} is not rows * cols`);
  const scratch = new Float64Array(rows);
  return {
    rows,
    column: (j) => {
      for (let i = 0, o = j; i < rows; i++, o += cols) scratch[i] = data[o];
      return scratch;
    },
  };
}

function predictionDrift(
  profile: ReferenceProfile,
  options: DatasetDriftOptions,
  thresholds: { psi: number; jensenShannon: number },
  epsilon: number,
): PredictionDriftResult | null {
  const live = options.predictedClassCounts;
  const reference = profile.prediction;
  if (live === undefined || reference === null) return null;
  if (live.length !== reference.classes.length) {
    throw new ProfileMismatchError(`predictedClassCounts has ${live.length} entries but the profile has ${reference.classes.length} classes`);
  }
  let total = 0;
  for (let i = 0; i < live.length; i++) total += live[i];
  let referenceTotal = 0;
  for (const c of reference.counts) referenceTotal += c;
  if (!(total > 0) || !(referenceTotal > 0)) return null;
  const method = options.predictionMethod ?? 'jensen_shannon';
  const p = psi(reference.counts, live, epsilon);
  const js = jensenShannonDistance(reference.counts, live);
  const score = method === 'psi' ? p : js;
  const threshold = method === 'psi' ? thresholds.psi : thresholds.jensenShannon;
  return {
    method,
    score,
    threshold,
    drifted: score >= threshold,
    psi: p,
    jensenShannon: js,
    referenceProportions: [...reference.proportions],
    currentProportions: Array.from(live, (c) => c / total),
  };
}

/** Distance between reference proportions and live counts; 0 when either side is empty. */
function safeDistance(reference: ArrayLike<number>, counts: Float64Array, f: (a: ArrayLike<number>, b: ArrayLike<number>) => number): number {
  let sr = 0;
  let sc = 0;
  for (let i = 0; i < counts.length; i++) {
    sr += reference[i] ?? 0;
    sc += counts[i];
  }
  if (!(sr > 0) || !(sc > 0) || reference.length !== counts.length) return 0;
  return f(reference, counts);
}

/** Whether the share of missing values moved by more than 5 percentage points. */
function missingShareShifted(reference: ArrayLike<number>, counts: Float64Array, rows: number, edgeCount: number): boolean {
  if (rows === 0) return false;
  return Math.abs(counts[edgeCount + 1] / rows - reference[edgeCount + 1]) > 0.05;
}
