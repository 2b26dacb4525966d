// explanations.json of a model version: global feature importance (total split gain, and mean
// |SHAP| over a seeded sample of held-out rows) and the top features per class, from exact TreeSHAP.
// MLP models carry no tree structure; their explanation data says so instead of inventing numbers.
import type { FeatureMatrix } from '../data/table';
import { takeRows } from '../data/table';
import { shapValues, type GbdtModelDocument } from '../learners/gbdt';
import { SeededRandom } from '../util/random';

const { abs, min } = Math;

/** Version of the explanations.json document. */
export const EXPLANATIONS_FORMAT_VERSION = 1;

/** One feature's importance. */
export interface FeatureImportance {
  readonly feature: string;
  readonly value: number;
}

/** explanations.json */
export interface ExplanationData {
  readonly formatVersion: typeof EXPLANATIONS_FORMAT_VERSION;
  readonly method: 'tree-shap' | 'none';
  /** Why no attribution exists (method 'none'). */
  readonly note?: string;
  readonly classes: readonly string[];
  readonly features: readonly string[];
  /** Held-out rows the SHAP values were averaged over. */
  readonly sampleRows: number;
  /** Total split gain per feature, descending; shares sum to 1. */
  readonly gain: readonly (FeatureImportance & { readonly share: number })[];
  /** Mean over sampled rows and classes of |SHAP|, descending. */
  readonly meanAbsShap: readonly FeatureImportance[];
  /** Per class: the features with the largest mean |SHAP| on that class's raw score (top `topFeatures`). */
  readonly topFeaturesPerClass: Readonly<Record<string, readonly FeatureImportance[]>>;
  /** Per class: the SHAP bias term (base score + expected tree output). */
  readonly expectedValue: Readonly<Record<string, number>>;
}

/** Options of {@link treeExplanations}. */
export interface ExplanationOptions {
  /** Held-out rows sampled for SHAP (without replacement). Default 500. */
  readonly sampleRows?: number;
  /** Features listed per class. Default 10. */
  readonly topFeatures?: number;
  readonly seed: number;
}

/**
 * Explanation data of a GBDT model on held-out rows.
 * @example
 * const ex = treeExplanations(doc, takeRows(data.X, split.test), { seed: 42 });
 * ex.topFeaturesPerClass['DDoS/DoS'][0].feature; // most influential feature for that class
 */
export function treeExplanations(doc: GbdtModelDocument, heldOut: FeatureMatrix, options: ExplanationOptions): ExplanationData {
  return shapExplanations(
    {
      features: doc.schema.features.map((f) => f.name),
      classes: doc.classes,
      gain: doc.featureGain,
      bias: doc.baseScore,
      attribute: (X) => shapValues(doc, X),
    },
    heldOut,
    options,
  );
}

/** What shapExplanations needs of a model with exact additive attributions. */
export interface AttributionSource {
  readonly features: readonly string[];
  readonly classes: readonly string[];
  /** Total split gain per feature (for trees; an ensemble's weighted sum). */
  readonly gain: ArrayLike<number>;
  /** Per class, the bias when no row is sampled. */
  readonly bias: ArrayLike<number>;
  /** rows × classes × (features + 1) attributions, the bias last (shapValues' layout). */
  readonly attribute: (X: FeatureMatrix) => Float64Array;
}

/**
 * Explanation data of any model with additive attributions (TreeSHAP of a GBDT, the weighted sum of
 * an ensemble's tree members) on a seeded sample of held-out rows.
 */
export function shapExplanations(source: AttributionSource, heldOut: FeatureMatrix, options: ExplanationOptions): ExplanationData {
  const names = [...source.features];
  const F = names.length;
  const classes = source.classes;
  const K = classes.length;
  const n = min(options.sampleRows ?? 500, heldOut.rows);
  const topN = options.topFeatures ?? 10;
  const order = new Int32Array(heldOut.rows);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const rows = new SeededRandom(options.seed).shuffle(order).subarray(0, n).sort();
  const sample = takeRows(heldOut, rows);
  const phi = source.attribute(sample);
  const stride = F + 1;
  const perClass = new Float64Array(K * F);
  const bias = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < K; c++) {
      const off = (i * K + c) * stride;
      for (let j = 0; j < F; j++) perClass[c * F + j] += abs(phi[off + j]);
      bias[c] += phi[off + F];
    }
  }
  const overall = new Float64Array(F);
  for (let c = 0; c < K; c++) for (let j = 0; j < F; j++) overall[j] += perClass[c * F + j] / (n * K || 1);
  const ranked = (values: ArrayLike<number>): FeatureImportance[] =>
    names.map((feature, j) => ({ feature, value: values[j] })).sort((a, b) => b.value - a.value || a.feature.localeCompare(b.feature));
  const gain = Array.from(source.gain);
  const totalGain = gain.reduce((s, g) => s + g, 0);
  return {
    formatVersion: EXPLANATIONS_FORMAT_VERSION,
    method: 'tree-shap',
    classes: [...classes],
    features: names,
    sampleRows: n,
    gain: ranked(gain).map((g) => ({ ...g, share: totalGain > 0 ? g.value / totalGain : 0 })),
    meanAbsShap: ranked(overall),
    topFeaturesPerClass: Object.fromEntries(
      classes.map((label, c) => [label, ranked(perClass.subarray(c * F, (c + 1) * F).map((v) => v / (n || 1))).slice(0, topN)]),
    ),
    expectedValue: Object.fromEntries(classes.map((label, c) => [label, n > 0 ? bias[c] / n : source.bias[c]])),
  };
}

/** Explanation data of a model without tree attributions (MLP). */
export function noExplanations(classes: readonly string[], features: readonly string[], note: string): ExplanationData {
  return {
    formatVersion: EXPLANATIONS_FORMAT_VERSION,
    method: 'none',
    note,
    classes: [...classes],
    features: [...features],
    sampleRows: 0,
    gain: [],
    meanAbsShap: [],
    topFeaturesPerClass: {},
    expectedValue: {},
  };
}
