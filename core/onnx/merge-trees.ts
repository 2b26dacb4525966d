// Fewer, bigger trees for serving: onnxruntime pays a fixed cost per tree walked, so the exporter
// may replace each run of g consecutive trees of one class (or g multi-output trees) by a single
// tree that computes their sum exactly: the second tree grafted under every leaf of the first, and
// so on. A grafted split the path to it already decides is dropped (x <= 5 on the path makes
// x <= 7 always true), which keeps the merged trees small. Predictions do not change beyond
// float rounding of the summed leaf values.
import type { GbdtModelDocument, GbdtTree } from '../learners/gbdt/model-document';

/** Default size budget of the merged trees (estimated ONNX bytes). */
export const DEFAULT_MERGE_BUDGET_BYTES = 4 * 1024 * 1024;
/** Largest number of trees merged into one. */
const MAX_GROUP = 8;

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
  const out: MutableTree = { classIndex: a.classIndex, feature: [], threshold: [], left: [], right: [], value: [], cover: [], ...(a.values ? { values: [] } : {}) };
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
      split(id, f, b.threshold[nb], () => copyB(b.left[nb], leafA), () => copyB(b.right[nb], leafA));
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
    split(id, a.feature[na], a.threshold[na], () => copyA(a.left[na]), () => copyA(a.right[na]));
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

/** Estimated ONNX bytes of trees: node attributes (~24 bytes a node) and leaf weights (~12 bytes each). */
function estimatedBytes(trees: readonly GbdtTree[], k: number): number {
  let bytes = 0;
  for (const t of trees) {
    let leaves = 0;
    for (const l of t.left) if (l === -1) leaves++;
    bytes += t.left.length * 24 + leaves * (t.values ? k : 1) * 12;
  }
  return bytes;
}

/**
 * Merges runs of `group` consecutive trees of the same class (multi-output trees form one class),
 * or null once the merged trees pass `budgetBytes`.
 */
function mergeRuns(doc: GbdtModelDocument, group: number, budgetBytes: number): GbdtTree[] | null {
  const k = doc.classes.length;
  const nf = doc.schema.features.length;
  let bytes = 0;
  const runs = new Map<number, GbdtTree[]>();
  for (const t of doc.trees) {
    const key = t.values ? -1 : t.classIndex;
    const run = runs.get(key) ?? [];
    run.push(t);
    runs.set(key, run);
  }
  const out: GbdtTree[] = [];
  for (const run of runs.values()) {
    for (let i = 0; i < run.length; i += group) {
      let merged: GbdtTree | null = run[i];
      for (let j = 1; j < group && i + j < run.length && merged; j++) merged = mergeTrees(merged, run[i + j], k, nf, budgetBytes / 24);
      if (!merged) return null;
      bytes += estimatedBytes([merged], k);
      if (bytes > budgetBytes) return null;
      out.push(merged);
    }
  }
  return out;
}

/**
 * The trees to serve: runs of consecutive trees merged by the largest group size (up to 8) whose
 * merged trees stay within `budgetBytes` (estimated ONNX size), or the document's own trees.
 * @example const { trees, group } = servingTrees(doc, DEFAULT_MERGE_BUDGET_BYTES)
 */
export function servingTrees(doc: GbdtModelDocument, budgetBytes: number): { trees: readonly GbdtTree[]; group: number } {
  let best: { trees: readonly GbdtTree[]; group: number } = { trees: doc.trees, group: 1 };
  for (let group = 2; group <= MAX_GROUP; group++) {
    const trees = mergeRuns(doc, group, budgetBytes);
    if (!trees || trees.length === best.trees.length) break;
    best = { trees, group };
  }
  return best;
}
