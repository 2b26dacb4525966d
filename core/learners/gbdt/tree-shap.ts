// Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2) over a GbdtModelDocument:
// per row and class, one contribution per feature plus a bias (the expected raw score under the
// node covers) that add up to the raw score. Rows go through the document's preprocessing and
// float32 threshold compare, exactly like predict.ts.
import type { FeatureMatrix } from '../../data/table';
import type { GbdtModelDocument } from './model-document';
import { GbdtPredictError, compileTree, preprocessMatrix, type CompiledTree } from './predict';

/** A tree with covers, for TreeSHAP. */
interface ShapTree extends CompiledTree {
  readonly cover: Float64Array;
  readonly maxDepth: number;
}

/** Fraction of a node's cover that goes to `child` (children's covers, so fractions sum to 1). */
function childFraction(tree: ShapTree, node: number, child: number): number {
  const l = tree.cover[tree.left[node]];
  const r = tree.cover[tree.right[node]];
  const total = l + r;
  if (!(total > 0)) return 0.5; // zero-cover node: split evenly
  return tree.cover[child] / total;
}

/** Expected value of a (sub)tree under the cover fractions. */
function expectedValue(tree: ShapTree, node: number): number {
  if (tree.left[node] === -1) return tree.value[node];
  const l = tree.left[node];
  const r = tree.right[node];
  return childFraction(tree, node, l) * expectedValue(tree, l) + childFraction(tree, node, r) * expectedValue(tree, r);
}

function depthOf(left: Int32Array, right: Int32Array, node: number): number {
  if (left[node] === -1) return 0;
  return 1 + Math.max(depthOf(left, right, left[node]), depthOf(left, right, right[node]));
}

/**
 * Workspace of the recursion: the unique path is stored in flat typed arrays; each recursion level
 * works on its own copy at a fresh offset (as in the reference implementation).
 */
class PathWorkspace {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;

  constructor(maxDepth: number) {
    const size = ((maxDepth + 2) * (maxDepth + 3)) / 2 + 1;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  extend(p: number, depth: number, zeroFraction: number, oneFraction: number, featureIndex: number): void {
    const { feature, zero, one, weight } = this;
    feature[p + depth] = featureIndex;
    zero[p + depth] = zeroFraction;
    one[p + depth] = oneFraction;
    weight[p + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      weight[p + i + 1] += (oneFraction * weight[p + i] * (i + 1)) / (depth + 1);
      weight[p + i] = (zeroFraction * weight[p + i] * (depth - i)) / (depth + 1);
    }
  }

  unwind(p: number, depth: number, pathIndex: number): void {
    const { feature, zero, one, weight } = this;
    const oneFraction = one[p + pathIndex];
    const zeroFraction = zero[p + pathIndex];
    let nextOnePortion = weight[p + depth];
    for (let i = depth - 1; i >= 0; i--) {
      if (oneFraction !== 0) {
        const tmp = weight[p + i];
        weight[p + i] = (nextOnePortion * (depth + 1)) / ((i + 1) * oneFraction);
        nextOnePortion = tmp - (weight[p + i] * zeroFraction * (depth - i)) / (depth + 1);
      } else {
        weight[p + i] = (weight[p + i] * (depth + 1)) / (zeroFraction * (depth - i));
      }
    }
    for (let i = pathIndex; i < depth; i++) {
      feature[p + i] = feature[p + i + 1];
      zero[p + i] = zero[p + i + 1];
      one[p + i] = one[p + i + 1];
    }
  }

  unwoundSum(p: number, depth: number, pathIndex: number): number {
    const { zero, one, weight } = this;
    const oneFraction = one[p + pathIndex];
    const zeroFraction = zero[p + pathIndex];
    let nextOnePortion = weight[p + depth];
    let total = 0;
    for (let i = depth - 1; i >= 0; i--) {
      if (oneFraction !== 0) {
        const tmp = (nextOnePortion * (depth + 1)) / ((i + 1) * oneFraction);
        total += tmp;
        nextOnePortion = weight[p + i] - (tmp * zeroFraction * (depth - i)) / (depth + 1);
      } else if (zeroFraction !== 0) {
        total += weight[p + i] / zeroFraction / ((depth - i) / (depth + 1));
      }
    }
    return total;
  }

  /** Copies the path of length `len` at offset `from` to offset `to`. */
  copy(from: number, to: number, len: number): void {
    this.feature.copyWithin(to, from, from + len);
    this.zero.copyWithin(to, from, from + len);
    this.one.copyWithin(to, from, from + len);
    this.weight.copyWithin(to, from, from + len);
  }
}

/**
 * Algorithm 2 recursion. The parent's path (`depth` elements) starts at `parentP`; this call's
 * path is a copy placed right after it (offset parentP + depth), extended by the parent's split.
 */
function recurse(
  tree: ShapTree,
  ws: PathWorkspace,
  xs: Float32Array,
  rowOff: number,
  phi: Float64Array,
  phiOff: number,
  node: number,
  parentP: number,
  depth: number,
  parentZero: number,
  parentOne: number,
  parentFeature: number,
): void {
  // copy the parent's path (depth elements) to a fresh segment, then extend it
  const p = parentP + depth;
  if (depth > 0) ws.copy(parentP, p, depth);
  let uniqueDepth = depth;
  ws.extend(p, uniqueDepth, parentZero, parentOne, parentFeature);
  const { left, right, feature, threshold, value } = tree;
  if (left[node] === -1) {
    for (let i = 1; i <= uniqueDepth; i++) {
      const w = ws.unwoundSum(p, uniqueDepth, i);
      phi[phiOff + ws.feature[p + i]] += w * (ws.one[p + i] - ws.zero[p + i]) * value[node];
    }
    return;
  }
  const f = feature[node];
  const goesLeft = xs[rowOff + f] <= threshold[node];
  const hot = goesLeft ? left[node] : right[node];
  const cold = goesLeft ? right[node] : left[node];
  const hotZero = childFraction(tree, node, hot);
  const coldZero = childFraction(tree, node, cold);
  let incomingZero = 1;
  let incomingOne = 1;
  // if this feature is already on the path, undo its earlier split
  let pathIndex = 0;
  for (; pathIndex <= uniqueDepth; pathIndex++) if (ws.feature[p + pathIndex] === f) break;
  if (pathIndex !== uniqueDepth + 1) {
    incomingZero = ws.zero[p + pathIndex];
    incomingOne = ws.one[p + pathIndex];
    ws.unwind(p, uniqueDepth, pathIndex);
    uniqueDepth -= 1;
  }
  recurse(tree, ws, xs, rowOff, phi, phiOff, hot, p, uniqueDepth + 1, hotZero * incomingZero, incomingOne, f);
  recurse(tree, ws, xs, rowOff, phi, phiOff, cold, p, uniqueDepth + 1, coldZero * incomingZero, 0, f);
}

/**
 * Exact TreeSHAP values. Output layout: for row i, class c, feature j (j = F is the bias term):
 * out[(i * K + c) * (F + 1) + j]. For every row and class, the sum over j = 0..F equals the raw
 * score of predictRawScores (up to floating-point rounding).
 * @example
 * const phi = shapValues(doc, X);
 * const bias = phi[(i * K + c) * (F + 1) + F];
 */
export function shapValues(doc: GbdtModelDocument, X: FeatureMatrix): Float64Array {
  const k = doc.classes.length;
  const nf = doc.schema.features.length;
  if (X.cols !== nf) throw new GbdtPredictError(`model expects ${nf} features, matrix has ${X.cols}`);
  // a multi-output tree explains like K class trees sharing its structure, one per class's leaf values
  const trees: ShapTree[] = doc.trees.flatMap((t) => {
    const compiled = compileTree(t, nf, k);
    if (t.cover.length !== t.left.length) throw new GbdtPredictError('tree cover length does not match its nodes');
    const shared = { ...compiled, cover: Float64Array.from(t.cover), maxDepth: depthOf(compiled.left, compiled.right, 0) };
    const values = compiled.values;
    if (!values) return [shared];
    const nodes = compiled.left.length;
    return Array.from({ length: k }, (_, c) => ({
      ...shared,
      classIndex: c,
      values: null,
      value: Float64Array.from({ length: nodes }, (_v, i) => values[i * k + c]),
    }));
  });
  const stride = nf + 1;
  const out = new Float64Array(X.rows * k * stride);
  // bias: base score + expected value of every tree of the class
  const bias = Float64Array.from(doc.baseScore);
  for (const t of trees) bias[t.classIndex] += expectedValue(t, 0);
  const xs = preprocessMatrix(doc.preprocessing, X);
  const maxDepth = trees.reduce((m, t) => Math.max(m, t.maxDepth), 0);
  const ws = new PathWorkspace(maxDepth + 1);
  for (let i = 0; i < X.rows; i++) {
    const rowOff = i * nf;
    for (let c = 0; c < k; c++) out[(i * k + c) * stride + nf] = bias[c];
    for (const t of trees) {
      if (t.left[0] === -1) continue; // a single leaf contributes only to the bias
      recurse(t, ws, xs, rowOff, out, (i * k + t.classIndex) * stride, 0, 0, 0, 1, 1, -1);
    }
  }
  return out;
}
