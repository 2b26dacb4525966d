// The versioned JSON format of a gradient-boosted tree model (model.json). ONNX export and
// TreeSHAP build from this document, never from trainer internals.
import type { ModelDocument } from '../learner';

/**
 * Preprocessing applied to every raw feature value before the trees see it, in this order:
 * 1. NaN (missing) -> `fill[j]`;
 * 2. clip to [`min[j]`, `max[j]`] (this also maps ±Infinity to the finite training range);
 * 3. the value is rounded to float32 (Math.fround), as ONNX Runtime evaluates trees in float32.
 * Categorical features arrive as vocabulary codes (-1 = unknown), treated as ordinal numbers.
 */
export interface GbdtPreprocessing {
  readonly fill: readonly number[];
  readonly min: readonly number[];
  readonly max: readonly number[];
  /**
   * Per feature, null or (categorical features fitted with `categoryOrder: 'target'`) the rank of
   * each vocabulary code: a valid code x becomes categoryRank[j][x] before the fill and the clip,
   * so categories with alike class distributions sit next to each other and one split can group
   * them. Absent: codes are used as they are (vocabulary order).
   */
  readonly categoryRank?: readonly (readonly number[] | null)[];
}

/**
 * One regression tree in flat arrays. Node i is a leaf when left[i] === -1.
 * Internal node: go to left[i] when x[feature[i]] <= threshold[i] (float32 compare), else right[i].
 * Leaf: contributes value[i] (learning rate already applied) to the raw score of `classIndex`
 * (a multi-output tree: values[i * K + c] to every class c).
 * cover[i] = sum of hessians of training rows reaching node i (used by TreeSHAP).
 */
export interface GbdtTree {
  /** The class this tree scores, or -1 for a multi-output tree (leaf values in `values`). */
  readonly classIndex: number;
  readonly feature: readonly number[];
  readonly threshold: readonly number[];
  readonly left: readonly number[];
  readonly right: readonly number[];
  readonly value: readonly number[];
  readonly cover: readonly number[];
  /**
   * Multi-output trees only (classIndex -1): node i's leaf adds values[i * K + c] to the raw score
   * of class c (learning rate applied; internal nodes hold 0). `value` is then all 0.
   */
  readonly values?: readonly number[];
}

/**
 * Raw score of class c = baseScore[c] + sum of leaf values of trees with classIndex c.
 * Probabilities = softmax over classes of the raw scores.
 */
export interface GbdtModelDocument extends ModelDocument {
  readonly format: 'gbdt';
  readonly formatVersion: 1;
  readonly preprocessing: GbdtPreprocessing;
  readonly baseScore: readonly number[];
  readonly trees: readonly GbdtTree[];
  /** Hyperparameters the model was trained with. */
  readonly params: Readonly<Record<string, number | string | boolean>>;
  /** Total split gain per feature (global importance), length = features. */
  readonly featureGain: readonly number[];
}
