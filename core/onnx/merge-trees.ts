// Fewer, bigger trees for serving: onnxruntime pays a fixed cost per tree walked (for a
// multi-output tree, about as much as 9 levels of its walk), so the exporter replaces runs of
// consecutive trees of one class (or of multi-output trees) by single trees that compute their sum
// exactly: the second tree grafted under every leaf of the first, and so on. A grafted split the
// path to it already decides is dropped (x <= 5 on the path makes x <= 7 always true), which keeps
// the merged trees small. Each run is ordered by root split, so trees that share one merge
// without repeating it, and a merged tree grows while it stays within a node cap, so the many
// small trees of late rounds merge deeper than the big early ones. Predictions do not change
// beyond float rounding of the summed leaf values.
import type { GbdtModelDocument, GbdtTree } from '../learners/gbdt/model-document';

/** Default size budget of all served trees together (estimated ONNX bytes). */
export const DEFAULT_MERGE_BUDGET_BYTES = 4 * 1024 * 1024;
/**
 * Default node cap of one merged tree. Measured on the seed-42 quality models of before the split
 * penalty (onnxruntime, 50,000 rows, 2 threads), against runs of 2–3 trees merged whole: a cap of
 * 4,096 nodes served 1.12–1.35× the rows/s in graphs of 3.2–4.1 MiB; 16,384 was slower on the
 * CICIDS2017 models, 1.29× on NSL-KDD's, in 11.7–13.3 MiB; 1,024 and 256 were slower.
 */
export const DEFAULT_MERGE_MAX_NODES = 4096;

interface MutableTree {
  classIndex: number;
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
  cover: number[];
  values?: number[];
}

/**
 * One tree computing a(x) + b(x) for every x under the document's semantics (float32 `x <= t`):
 * b is grafted under each leaf of a, without the splits the path already decides. Covers are not
 * kept (the merged tree serves predictions only). Null when it would pass `maxNodes` nodes.
 * @example const ab = mergeTrees(doc.trees[0], doc.trees[doc.classes.length], k, nFeatures)
 */
export function mergeTrees(a: GbdtTree, b: GbdtTree, k: number, nFeatures: number, maxNodes = Infinity): GbdtTree | null {
  const out: MutableTree = {
    classIndex: a.classIndex,
    feature: [],
    threshold: [],
    left: [],
    right: [],
    value: [],
    cover: [],
    ...(a.values ? { values: [] } : {}),
  };
  // the path's bounds per feature: lo < x <= hi (float32 thresholds)
  const lo = new Float64Array(nFeatures).fill(-Infinity);
  const hi = new Float64Array(nFeatures).fill(Infinity);
  const addNode = (): number => {
    if (out.left.length >= maxNodes) throw TOO_BIG;
    out.feature.push(0);
    out.threshold.push(0);
    out.left.push(-1);
    out.right.push(-1);
    out.value.push(0);
    out.cover.push(0);
    if (out.values) for (let c = 0; c < k; c++) out.values.push(0);
    return out.left.length - 1;
  };
  const split = (id: number, f: number, threshold: number, goLeft: () => number, goRight: () => number): void => {
    const t = Math.fround(threshold);
    out.feature[id] = f;
    out.threshold[id] = threshold;
    const h = hi[f];
    hi[f] = Math.min(h, t);
    const l = goLeft();
    hi[f] = h;
    const w = lo[f];
    lo[f] = Math.max(w, t);
    const r = goRight();
    lo[f] = w;
    out.left[id] = l;
    out.right[id] = r;
  };
  const copyB = (nb: number, leafA: number): number => {
    if (b.left[nb] !== -1) {
      const f = b.feature[nb];
      const t = Math.fround(b.threshold[nb]);
      if (t >= hi[f]) return copyB(b.left[nb], leafA); // x <= hi <= t
      if (t <= lo[f]) return copyB(b.right[nb], leafA); // x > lo >= t
      const id = addNode();
      split(
        id,
        f,
        b.threshold[nb],
        () => copyB(b.left[nb], leafA),
        () => copyB(b.right[nb], leafA),
      );
      return id;
    }
    const id = addNode();
    out.value[id] = a.value[leafA] + b.value[nb];
    if (out.values && a.values && b.values) for (let c = 0; c < k; c++) out.values[id * k + c] = a.values[leafA * k + c] + b.values[nb * k + c];
    return id;
  };
  const copyA = (na: number): number => {
    if (a.left[na] === -1) return copyB(0, na);
    const f = a.feature[na];
    const t = Math.fround(a.threshold[na]);
    if (t >= hi[f]) return copyA(a.left[na]); // a's own split decided by its path (no row reaches the other side)
    if (t <= lo[f]) return copyA(a.right[na]);
    const id = addNode();
    split(
      id,
      a.feature[na],
      a.threshold[na],
      () => copyA(a.left[na]),
      () => copyA(a.right[na]),
    );
    return id;
  };
  try {
    copyA(0);
  } catch (err) {
    if (err === TOO_BIG) return null;
    throw err;
  }
  return out;
}

/** Thrown inside mergeTrees when the merged tree passes maxNodes. */
const TOO_BIG = new Error('merged tree too big');

/**
 * Estimated ONNX bytes of trees: node attributes (~21 bytes a node) and leaf weights (~8 bytes
 * each), fitted to exported graphs of 0.1–3.4 MB (within 1 % on the quality models).
 */
function estimatedBytes(trees: readonly GbdtTree[], k: number): number {
  let bytes = 0;
  for (const t of trees) {
    let leaves = 0;
    for (const l of t.left) if (l === -1) leaves++;
    bytes += t.left.length * 21 + leaves * (t.values ? k : 1) * 8;
  }
  return bytes;
}

/**
 * The document's trees in runs that may merge: each class's trees, and the multi-output trees,
 * each run ordered by its trees' root split (stable; single leaves last). A sum does not depend
 * on order, and a tree merged under one with the same root split does not repeat it: the
 * seed-42 quality models were served as 26 / 20 / 37 trees instead of 28 / 24 / 42, at
 * 1.05–1.2× the rows/s in paired runs.
 */
function treeRuns(doc: GbdtModelDocument): GbdtTree[][] {
  const runs = new Map<number, GbdtTree[]>();
  for (const t of doc.trees) {
    const key = t.values ? -1 : t.classIndex;
    const run = runs.get(key) ?? [];
    run.push(t);
    runs.set(key, run);
  }
  const rootFeature = (t: GbdtTree): number => (t.left[0] === -1 ? Number.MAX_SAFE_INTEGER : t.feature[0]);
  const rootThreshold = (t: GbdtTree): number => (t.left[0] === -1 ? 0 : Math.fround(t.threshold[0]));
  return [...runs.values()].map((run) => [...run].sort((a, b) => rootFeature(a) - rootFeature(b) || rootThreshold(a) - rootThreshold(b)));
}

/** Each run merged greedily: the next tree joins the current merged tree while that stays within maxNodes. */
function mergeRuns(doc: GbdtModelDocument, runs: readonly GbdtTree[][], maxNodes: number): GbdtTree[] {
  const k = doc.classes.length;
  const nf = doc.schema.features.length;
  const out: GbdtTree[] = [];
  for (const run of runs) {
    let current = run[0];
    for (let i = 1; i < run.length; i++) {
      const merged = mergeTrees(current, run[i], k, nf, maxNodes);
      if (merged) current = merged;
      else {
        out.push(current);
        current = run[i];
      }
    }
    out.push(current);
  }
  return out;
}

/** How the exporter serves a document's trees. */
export interface ServingPlan {
  readonly trees: readonly GbdtTree[];
  /** The node cap the merged trees were built with; 0 = the document's own trees. */
  readonly maxNodes: number;
}

/**
 * The trees to serve: each run of consecutive trees merged greedily under a cap of `maxNodes`
 * nodes per merged tree, the cap halved until all served trees fit `budgetBytes` (estimated ONNX
 * size); the document's own trees when no cap fits or merging would not reduce their number.
 * @example const { trees } = servingTrees(doc, { budgetBytes: DEFAULT_MERGE_BUDGET_BYTES, maxNodes: DEFAULT_MERGE_MAX_NODES })
 */
export function servingTrees(doc: GbdtModelDocument, limits: { readonly budgetBytes: number; readonly maxNodes: number }): ServingPlan {
  const k = doc.classes.length;
  const unmerged: ServingPlan = { trees: doc.trees, maxNodes: 0 };
  if (doc.trees.length === 0 || estimatedBytes(doc.trees, k) > limits.budgetBytes) return unmerged;
  const runs = treeRuns(doc);
  const largest = Math.max(...doc.trees.map((t) => t.left.length));
  for (let cap = Math.floor(limits.maxNodes); cap > largest; cap = Math.floor(cap / 2)) {
    const trees = mergeRuns(doc, runs, cap);
    if (trees.length === doc.trees.length) return unmerged;
    if (estimatedBytes(trees, k) <= limits.budgetBytes) return { trees, maxNodes: cap };
  }
  return unmerged;
}
