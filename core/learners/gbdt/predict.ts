// Reference predictor for a GbdtModelDocument: preprocessing (fill NaN, clip, float32 round), tree
// walk with a float32 `x <= threshold` compare, raw score = baseScore + leaf values, softmax.
// This is the semantics the ONNX exporter reproduces; the learner predicts through it too.
import { XdrError } from '../../errors';
import type { FeatureMatrix } from '../../data/table';
import type { GbdtModelDocument, GbdtPreprocessing, GbdtTree } from './model-document';

/** Thrown when a document or a matrix does not fit the predictor (shape, indices). */
export class GbdtPredictError extends XdrError {
  override readonly name: string = 'GbdtPredictError';
}

/**
 * Preprocesses one raw feature value: NaN -> fill, clip to [min, max], round to float32.
 * @example preprocessValue(NaN, 0, { fill: [2], min: [0], max: [5] }) // 2
 */
export function preprocessValue(value: number, feature: number, prep: GbdtPreprocessing): number {
  let v = rankOf(value, prep.categoryRank?.[feature] ?? null);
  if (Number.isNaN(v)) v = prep.fill[feature];
  if (v < prep.min[feature]) v = prep.min[feature];
  else if (v > prep.max[feature]) v = prep.max[feature];
  return Math.fround(v);
}

/** A categorical code through its rank table: valid codes (integers in range) map, anything else (NaN, -1 unseen) stays. */
function rankOf(value: number, rank: readonly number[] | null): number {
  return rank && Number.isInteger(value) && value >= 0 && value < rank.length ? rank[value] : value;
}

/**
 * The matrix with every ranked feature's codes replaced by their ranks (a copy; X itself when no
 * feature is ranked).
 * @example rankCategories(X, [null, [2, 0, 1]]) // column 1: code 0 -> 2, 1 -> 0, 2 -> 1
 */
export function rankCategories(X: FeatureMatrix, ranks: readonly (readonly number[] | null)[]): FeatureMatrix {
  if (!ranks.some((r) => r)) return X;
  const data = Float64Array.from(X.data);
  for (let j = 0; j < X.cols; j++) {
    const rank = ranks[j];
    if (!rank) continue;
    for (let i = j; i < data.length; i += X.cols) data[i] = rankOf(data[i], rank);
  }
  return { rows: X.rows, cols: X.cols, data };
}

/**
 * Preprocesses one row (raw values, length = features) into `out` (float32 values).
 * @example preprocessRow([NaN, 9], prep, new Float32Array(2))
 */
export function preprocessRow(row: ArrayLike<number>, prep: GbdtPreprocessing, out: Float32Array): Float32Array {
  const n = prep.fill.length;
  for (let j = 0; j < n; j++) out[j] = preprocessValue(row[j], j, prep);
  return out;
}

/**
 * Preprocesses a whole matrix into a row-major Float32Array (rows * cols).
 * @example const xs = preprocessMatrix(doc.preprocessing, X)
 */
export function preprocessMatrix(prep: GbdtPreprocessing, X: FeatureMatrix): Float32Array {
  const cols = X.cols;
  if (prep.fill.length !== cols || prep.min.length !== cols || prep.max.length !== cols) {
    throw new GbdtPredictError(`preprocessing has ${prep.fill.length} features, matrix has ${cols} columns`);
  }
  const fill = Float64Array.from(prep.fill);
  const min = Float64Array.from(prep.min);
  const max = Float64Array.from(prep.max);
  const out = new Float32Array(X.rows * cols);
  const data = prep.categoryRank ? rankCategories(X, prep.categoryRank).data : X.data;
  for (let i = 0, n = X.rows * cols; i < n; i += cols) {
    for (let j = 0; j < cols; j++) {
      let v = data[i + j];
      if (v !== v) v = fill[j];
      if (v < min[j]) v = min[j];
      else if (v > max[j]) v = max[j];
      out[i + j] = v; // Float32Array store rounds like Math.fround
    }
  }
  return out;
}

/** One tree in typed arrays, thresholds already rounded to float32. */
export interface CompiledTree {
  readonly classIndex: number;
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
  /** Multi-output trees (classIndex -1): K leaf values per node; null for a class tree. */
  readonly values: Float64Array | null;
}

/**
 * Converts a document tree into typed arrays and validates its structure.
 * @example const t = compileTree(doc.trees[0], doc.schema.features.length, doc.classes.length)
 */
export function compileTree(tree: GbdtTree, nFeatures: number, nClasses: number): CompiledTree {
  const n = tree.left.length;
  if (tree.right.length !== n || tree.feature.length !== n || tree.threshold.length !== n || tree.value.length !== n || n === 0) {
    throw new GbdtPredictError(`tree arrays have inconsistent lengths (left ${n})`);
  }
  const multi = tree.values !== undefined;
  if (multi ? tree.classIndex !== -1 : !(Number.isInteger(tree.classIndex) && tree.classIndex >= 0 && tree.classIndex < nClasses)) {
    throw new GbdtPredictError(
      multi
        ? `a tree with per-class values must have classIndex -1, got ${tree.classIndex}`
        : `tree classIndex ${tree.classIndex} out of range for ${nClasses} classes`,
    );
  }
  if (tree.values && tree.values.length !== n * nClasses)
    throw new GbdtPredictError(`multi-output tree has ${tree.values.length} values for ${n} nodes and ${nClasses} classes`);
  const feature = Int32Array.from(tree.feature);
  const left = Int32Array.from(tree.left);
  const right = Int32Array.from(tree.right);
  for (let i = 0; i < n; i++) {
    if (left[i] === -1) continue;
    if (left[i] <= i || left[i] >= n || right[i] <= i || right[i] >= n) {
      throw new GbdtPredictError(`tree node ${i} has invalid children ${left[i]}, ${right[i]}`);
    }
    if (feature[i] < 0 || feature[i] >= nFeatures) {
      throw new GbdtPredictError(`tree node ${i} splits on feature ${feature[i]} of ${nFeatures}`);
    }
  }
  return {
    classIndex: tree.classIndex,
    feature,
    threshold: Float32Array.from(tree.threshold),
    left,
    right,
    value: Float64Array.from(tree.value),
    values: tree.values ? Float64Array.from(tree.values) : null,
  };
}

/** Index of the leaf a preprocessed row (at `offset` in `xs`) reaches in a compiled tree. */
export function leafIndex(tree: CompiledTree, xs: Float32Array, offset: number): number {
  const { feature, threshold, left, right } = tree;
  let node = 0;
  while (left[node] !== -1) {
    node = xs[offset + feature[node]] <= threshold[node] ? left[node] : right[node];
  }
  return node;
}

/** Rows scored together against every tree: their features stay in cache while the trees stream by. */
const ROW_BLOCK = 128;

/**
 * Adds the trees' raw scores for preprocessed rows `xs` into `out` (rows * K). Rows go in blocks
 * (all trees for one block of rows, then the next block) so a block's features stay in cache; each
 * score still adds its trees in document order, so the sums are the same as tree by tree.
 */
export function accumulateRawScores(trees: readonly CompiledTree[], xs: Float32Array, rows: number, cols: number, nClasses: number, out: Float64Array): void {
  for (let start = 0; start < rows; start += ROW_BLOCK) {
    const end = Math.min(rows, start + ROW_BLOCK);
    for (const tree of trees) {
      const { feature, threshold, left, right, value, values, classIndex } = tree;
      for (let i = start; i < end; i++) {
        const off = i * cols;
        let node = 0;
        while (left[node] !== -1) {
          node = xs[off + feature[node]] <= threshold[node] ? left[node] : right[node];
        }
        if (values) for (let c = 0, o = i * nClasses, v = node * nClasses; c < nClasses; c++) out[o + c] += values[v + c];
        else out[i * nClasses + classIndex] += value[node];
      }
    }
  }
}

/**
 * Raw (margin) scores per row and class, row-major rows * K: baseScore[c] + sum of leaf values of
 * the trees of class c, after preprocessing and with float32 threshold compares.
 * @example const raw = predictRawScores(doc, X) // raw[i * K + c]
 */
export function predictRawScores(doc: GbdtModelDocument, X: FeatureMatrix): Float64Array {
  const k = doc.classes.length;
  const cols = doc.schema.features.length;
  if (X.cols !== cols) throw new GbdtPredictError(`model expects ${cols} features, matrix has ${X.cols}`);
  if (doc.baseScore.length !== k) throw new GbdtPredictError(`baseScore has ${doc.baseScore.length} entries for ${k} classes`);
  const xs = preprocessMatrix(doc.preprocessing, X);
  const out = new Float64Array(X.rows * k);
  for (let i = 0; i < X.rows; i++) for (let c = 0; c < k; c++) out[i * k + c] = doc.baseScore[c];
  const trees = doc.trees.map((t) => compileTree(t, cols, k));
  accumulateRawScores(trees, xs, X.rows, cols, k, out);
  return out;
}

/** In-place row-wise softmax of a row-major rows * k matrix (max-shifted for stability). */
export function softmaxRowsInPlace(scores: Float64Array, k: number): Float64Array {
  for (let off = 0; off < scores.length; off += k) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) if (scores[off + c] > max) max = scores[off + c];
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(scores[off + c] - max);
      scores[off + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) scores[off + c] /= sum;
  }
  return scores;
}

/**
 * Class probabilities per row (softmax of the raw scores), row-major rows * K; each row sums to 1.
 * @example const p = predictProbaFromDocument(doc, X) // p[i * K + c]
 */
export function predictProbaFromDocument(doc: GbdtModelDocument, X: FeatureMatrix): Float64Array {
  return softmaxRowsInPlace(predictRawScores(doc, X), doc.classes.length);
}
