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
 * A tree's leaves with their unique paths, and per leaf the attribution coefficients of every
 * pattern of path features a row can agree with (Fast TreeSHAP v2, Yang 2021): which features of a
 * leaf's path a row follows is all its path-dependent Shapley values depend on, so they are
 * computed once per pattern, and a row only looks its patterns up.
 */
interface LeafTables {
  readonly leaves: number;
  /** Per leaf, its leaf node and the range of its path splits in pathNode/pathLeft/pathSlot. */
  readonly leafNode: Int32Array;
  readonly pathStart: Int32Array;
  /** A path split: its node, whether the path goes left there, and its feature's slot on the leaf's unique path. */
  readonly pathNode: Int32Array;
  readonly pathLeft: Uint8Array;
  readonly pathSlot: Int32Array;
  /** Per leaf, the range of its unique path features in `features`, and where its coefficients start. */
  readonly featureStart: Int32Array;
  readonly features: Int32Array;
  readonly coefStart: Int32Array;
  /** coef[coefStart[l] + mask * d + u]: the attribution to unique feature u, per unit of leaf value, of a row agreeing with the features in `mask`. */
  readonly coef: Float64Array;
}

/** Coefficient entries (Σ over leaves of 2^d × d) above which a tree is explained by the recursion instead. */
const MAX_TABLE_ENTRIES = 1 << 22;

/** The leaf tables of a tree, or null when they would be too large. */
function leafTables(tree: ShapTree, ws: PathWorkspace): LeafTables | null {
  const leafNode: number[] = [];
  const pathStart: number[] = [0];
  const pathNode: number[] = [];
  const pathLeft: number[] = [];
  const pathSlot: number[] = [];
  const featureStart: number[] = [0];
  const features: number[] = [];
  const zeros: number[] = [];
  const coefStart: number[] = [0];
  const nodes: number[] = [];
  const wentLeft: number[] = [];
  let entries = 0;
  const walk = (node: number): void => {
    if (tree.left[node] === -1) {
      // the leaf's unique features in first-split order, each with its product of cover fractions
      const slotOf = new Map<number, number>();
      const z: number[] = [];
      for (let i = 0; i < nodes.length; i++) {
        const f = tree.feature[nodes[i]];
        const child = wentLeft[i] ? tree.left[nodes[i]] : tree.right[nodes[i]];
        let slot = slotOf.get(f);
        if (slot === undefined) {
          slot = z.length;
          slotOf.set(f, slot);
          z.push(1);
          features.push(f);
        }
        z[slot] *= childFraction(tree, nodes[i], child);
        pathNode.push(nodes[i]);
        pathLeft.push(wentLeft[i]);
        pathSlot.push(slot);
      }
      leafNode.push(node);
      pathStart.push(pathNode.length);
      featureStart.push(features.length);
      zeros.push(...z);
      entries += (1 << z.length) * z.length;
      coefStart.push(entries);
      return;
    }
    nodes.push(node);
    wentLeft.push(1);
    walk(tree.left[node]);
    wentLeft[wentLeft.length - 1] = 0;
    walk(tree.right[node]);
    nodes.pop();
    wentLeft.pop();
  };
  walk(0);
  if (entries > MAX_TABLE_ENTRIES) return null;
  const coef = new Float64Array(entries);
  for (let l = 0; l < leafNode.length; l++) {
    const first = featureStart[l];
    const d = featureStart[l + 1] - first;
    for (let mask = 0; mask < 1 << d; mask++) {
      // the unique path (Algorithm 2's extend, no duplicates left to unwind), then each feature's weight
      ws.extend(0, 0, 1, 1, -1);
      for (let u = 0; u < d; u++) ws.extend(0, u + 1, zeros[first + u], (mask >> u) & 1, features[first + u]);
      const at = coefStart[l] + mask * d;
      for (let u = 0; u < d; u++) coef[at + u] = ws.unwoundSum(0, d, u + 1) * (((mask >> u) & 1) - zeros[first + u]);
    }
  }
  return {
    leaves: leafNode.length,
    leafNode: Int32Array.from(leafNode),
    pathStart: Int32Array.from(pathStart),
    pathNode: Int32Array.from(pathNode),
    pathLeft: Uint8Array.from(pathLeft),
    pathSlot: Int32Array.from(pathSlot),
    featureStart: Int32Array.from(featureStart),
    features: Int32Array.from(features),
    coefStart: Int32Array.from(coefStart),
    coef,
  };
}

/** Adds one tree's attributions for every row through its leaf tables (values: K per node for a multi-output tree). */
function addByTables(
  tree: ShapTree,
  values: Float64Array | null,
  tables: LeafTables,
  xs: Float32Array,
  rows: number,
  nf: number,
  k: number,
  out: Float64Array,
): void {
  const { feature, threshold, left, value } = tree;
  const { leafNode, pathStart, pathNode, pathLeft, pathSlot, featureStart, features, coefStart, coef } = tables;
  const stride = nf + 1;
  const goesLeft = new Uint8Array(left.length);
  for (let i = 0; i < rows; i++) {
    const rowOff = i * nf;
    for (let node = 0; node < left.length; node++) if (left[node] !== -1) goesLeft[node] = xs[rowOff + feature[node]] <= threshold[node] ? 1 : 0;
    for (let l = 0; l < tables.leaves; l++) {
      const first = featureStart[l];
      const d = featureStart[l + 1] - first;
      // the path features this row agrees with: every split on the feature goes the leaf's way
      let mask = (1 << d) - 1;
      for (let s = pathStart[l]; s < pathStart[l + 1]; s++) if (goesLeft[pathNode[s]] !== pathLeft[s]) mask &= ~(1 << pathSlot[s]);
      const at = coefStart[l] + mask * d;
      if (values) {
        for (let c = 0; c < k; c++) {
          const v = values[leafNode[l] * k + c];
          const phiOff = (i * k + c) * stride;
          for (let u = 0; u < d; u++) out[phiOff + features[first + u]] += coef[at + u] * v;
        }
      } else {
        const v = value[leafNode[l]];
        const phiOff = (i * k + tree.classIndex) * stride;
        for (let u = 0; u < d; u++) out[phiOff + features[first + u]] += coef[at + u] * v;
      }
    }
  }
}

/** How shapValues computes: 'auto' (per tree, whichever costs less), or one method for every tree (tests compare them). */
export type ShapMethod = 'auto' | 'recursive' | 'tables';

/**
 * Exact TreeSHAP values. Output layout: for row i, class c, feature j (j = F is the bias term):
 * out[(i * K + c) * (F + 1) + j]. For every row and class, the sum over j = 0..F equals the raw
 * score of predictRawScores (up to floating-point rounding).
 *
 * Two exact methods give the same values: Algorithm 2's recursion per row and tree (O(L·D²) per
 * row), or per tree a table of every leaf's coefficients for each pattern of path features a row
 * agrees with (O(L·2^D·D²) once, then O(L·D) per row; Fast TreeSHAP v2). 'auto' takes the tables
 * for a tree when 2^depth is at most the row count (the precomputation then costs no more than the
 * recursion over the rows; the rule of Yang 2021) and they fit in memory.
 * @example
 * const phi = shapValues(doc, X);
 * const bias = phi[(i * K + c) * (F + 1) + F];
 */
export function shapValues(doc: GbdtModelDocument, X: FeatureMatrix, method: ShapMethod = 'auto'): Float64Array {
  const k = doc.classes.length;
  const nf = doc.schema.features.length;
  if (X.cols !== nf) throw new GbdtPredictError(`model expects ${nf} features, matrix has ${X.cols}`);
  const trees = doc.trees.map((t) => {
    const compiled = compileTree(t, nf, k);
    if (t.cover.length !== t.left.length) throw new GbdtPredictError('tree cover length does not match its nodes');
    return { ...compiled, cover: Float64Array.from(t.cover), maxDepth: depthOf(compiled.left, compiled.right, 0) };
  });
  // a multi-output tree explains like K class trees sharing its structure, one per class's leaf values
  const classView = (t: ShapTree, c: number): ShapTree => {
    const values = t.values as Float64Array;
    return { ...t, classIndex: c, values: null, value: Float64Array.from({ length: t.left.length }, (_v, i) => values[i * k + c]) };
  };
  const stride = nf + 1;
  const out = new Float64Array(X.rows * k * stride);
  // bias: base score + expected value of every tree of the class
  const bias = Float64Array.from(doc.baseScore);
  for (const t of trees) {
    if (t.values) for (let c = 0; c < k; c++) bias[c] += expectedValue(classView(t, c), 0);
    else bias[t.classIndex] += expectedValue(t, 0);
  }
  for (let i = 0; i < X.rows; i++) for (let c = 0; c < k; c++) out[(i * k + c) * stride + nf] = bias[c];
  const xs = preprocessMatrix(doc.preprocessing, X);
  const maxDepth = trees.reduce((m, t) => Math.max(m, t.maxDepth), 0);
  const ws = new PathWorkspace(maxDepth + 1);
  const recursive: ShapTree[] = [];
  for (const t of trees) {
    if (t.left[0] === -1) continue; // a single leaf contributes only to the bias
    const useTables = method === 'tables' || (method === 'auto' && 2 ** t.maxDepth <= X.rows);
    const tables = useTables ? leafTables(t, ws) : null;
    if (tables) addByTables(t, t.values, tables, xs, X.rows, nf, k, out);
    else if (t.values) for (let c = 0; c < k; c++) recursive.push(classView(t, c));
    else recursive.push(t);
  }
  for (let i = 0; i < X.rows && recursive.length > 0; i++) {
    const rowOff = i * nf;
    for (const t of recursive) recurse(t, ws, xs, rowOff, out, (i * k + t.classIndex) * stride, 0, 0, 0, 1, 1, -1);
  }
  return out;
}
