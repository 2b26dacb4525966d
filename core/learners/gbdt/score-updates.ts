// Adding a freshly grown tree to the running scores of a fit: by walking binned rows (any rows),
// or, for a tree grown on every row, by the rows the grower placed in each leaf.
import type { GrownTree } from './tree-grower';

/** A grown tree's structure for walking binned rows: children, feature offsets (× the feature stride), split bins. */
interface BinnedWalk {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly featureOff: Int32Array;
  readonly splitBin: Int32Array;
}

function binnedWalk(tree: GrownTree, featureStride: number): BinnedWalk {
  return {
    left: Int32Array.from(tree.left),
    right: Int32Array.from(tree.right),
    featureOff: Int32Array.from(tree.feature, (f) => f * featureStride),
    splitBin: Int32Array.from(tree.splitBin),
  };
}

/** The leaf a binned row (its bins from `base`) reaches: exactly the float32 threshold walk. */
function binnedLeaf(w: BinnedWalk, bins: Uint8Array, base: number): number {
  let node = 0;
  while (w.left[node] !== -1) node = bins[base + w.featureOff[node]] <= w.splitBin[node] ? w.left[node] : w.right[node];
  return node;
}

/**
 * Adds a grown tree's leaf values to the raw scores of binned rows (exactly the float32 threshold
 * walk). bins[featureStride * j + rowStride * i] is the bin of row i, feature j. When `probs` is
 * given (unnormalised softmax numerators), it is multiplied by exp(leaf value) alongside.
 */
export function addTreeBinned(
  tree: GrownTree,
  bins: Uint8Array,
  rows: number,
  rowStride: number,
  featureStride: number,
  classIndex: number,
  k: number,
  scores: Float64Array,
  probs?: Float64Array,
): void {
  const walk = binnedWalk(tree, featureStride);
  const value = Float64Array.from(tree.value);
  const expValue = Float64Array.from(tree.value, Math.exp);
  for (let i = 0; i < rows; i++) {
    const node = binnedLeaf(walk, bins, i * rowStride);
    scores[i * k + classIndex] += value[node];
    if (probs) probs[i * k + classIndex] *= expValue[node];
  }
}

/**
 * Adds each leaf's value to the scores (and exp(value) to the softmax numerators) of the training
 * rows the grower placed in it: leaf ids are scattered into `leafOf` (small, cache-resident), then
 * the score arrays are updated in one sequential pass.
 */
export function addTreeByLeafRows(
  tree: GrownTree,
  rowsOrder: Int32Array,
  leafOf: Int32Array,
  classIndex: number,
  k: number,
  scores: Float64Array,
  probs: Float64Array,
): void {
  const nNodes = tree.left.length;
  const value = new Float64Array(nNodes);
  const expValue = new Float64Array(nNodes);
  for (let node = 0; node < nNodes; node++) {
    if (tree.left[node] !== -1) continue;
    value[node] = tree.value[node];
    expValue[node] = Math.exp(tree.value[node]);
    for (let q = tree.rowStart[node], e = tree.rowEnd[node]; q < e; q++) leafOf[rowsOrder[q]] = node;
  }
  for (let i = 0, idx = classIndex; i < leafOf.length; i++, idx += k) {
    const leaf = leafOf[i];
    scores[idx] += value[leaf];
    probs[idx] *= expValue[leaf];
  }
}

/** addTreeBinned for a multi-output tree: each row's leaf adds its k values. */
export function addMultiTreeBinned(
  tree: GrownTree,
  values: Float64Array,
  bins: Uint8Array,
  rows: number,
  rowStride: number,
  featureStride: number,
  k: number,
  scores: Float64Array,
  probs?: Float64Array,
): void {
  const walk = binnedWalk(tree, featureStride);
  const expValues = probs ? Float64Array.from(values, Math.exp) : null;
  for (let i = 0; i < rows; i++) {
    const v = binnedLeaf(walk, bins, i * rowStride) * k;
    const o = i * k;
    for (let c = 0; c < k; c++) scores[o + c] += values[v + c];
    if (probs && expValues) for (let c = 0; c < k; c++) probs[o + c] *= expValues[v + c];
  }
}
