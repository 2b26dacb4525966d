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

/** A tree's arrays as the merge reads them: a document tree's, or a merged tree's typed buffers. */
interface TreeArrays {
  readonly feature: ArrayLike<number>;
  readonly threshold: ArrayLike<number>;
  readonly left: ArrayLike<number>;
  readonly right: ArrayLike<number>;
  readonly value: ArrayLike<number>;
  readonly values?: ArrayLike<number> | null;
}

/**
 * A merged tree built in typed buffers of fixed capacity. A run merges greedily, each step
 * copying the merged tree so far under a new one, so building into two reused buffers instead of
 * growing fresh arrays per step keeps the export from allocating (and collecting) hundreds of MB.
 */
class MergeBuffer implements TreeArrays {
  n = 0;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
  readonly values: Float64Array | null;

  constructor(
    readonly capacity: number,
    readonly k: number,
    multi: boolean,
  ) {
    this.feature = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
    this.values = multi ? new Float64Array(capacity * k) : null;
  }

  /** A new node (a leaf until split), or TOO_BIG past the capacity. */
  addNode(): number {
    if (this.n >= this.capacity) throw TOO_BIG;
    const id = this.n++;
    this.feature[id] = 0;
    this.threshold[id] = 0;
    this.left[id] = -1;
    this.right[id] = -1;
    this.value[id] = 0;
    if (this.values) this.values.fill(0, id * this.k, (id + 1) * this.k);
    return id;
  }

  /** The merged tree as a document tree (covers are not kept: it serves predictions only). */
  toTree(classIndex: number): GbdtTree {
    const n = this.n;
    return {
      classIndex,
      feature: Array.from(this.feature.subarray(0, n)),
      threshold: Array.from(this.threshold.subarray(0, n)),
      left: Array.from(this.left.subarray(0, n)),
      right: Array.from(this.right.subarray(0, n)),
      value: Array.from(this.value.subarray(0, n)),
      cover: new Array<number>(n).fill(0),
      ...(this.values ? { values: Array.from(this.values.subarray(0, n * this.k)) } : {}),
    };
  }
}

/**
 * Grafts b under every leaf of a into `out`, without the splits the path already decides (the
 * path's bounds per feature: lo < x <= hi, float32 thresholds). Its bounds are back at ±Infinity
 * after every merge, finished or abandoned.
 */
class TreeMerger {
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private a: TreeArrays = EMPTY_TREE;
  private b: TreeArrays = EMPTY_TREE;
  private out: MergeBuffer | null = null;

  constructor(
    nFeatures: number,
    private readonly k: number,
  ) {
    this.lo = new Float64Array(nFeatures).fill(-Infinity);
    this.hi = new Float64Array(nFeatures).fill(Infinity);
  }

  /** a + b into out; false (out unusable) when it would pass out's capacity. */
  merge(a: TreeArrays, b: TreeArrays, out: MergeBuffer): boolean {
    this.a = a;
    this.b = b;
    this.out = out;
    out.n = 0;
    try {
      this.copyA(0);
      return true;
    } catch (err) {
      if (err !== TOO_BIG) throw err;
      this.lo.fill(-Infinity);
      this.hi.fill(Infinity);
      return false;
    } finally {
      this.a = EMPTY_TREE;
      this.b = EMPTY_TREE;
      this.out = null;
    }
  }

  /** Node id under a split of feature f at threshold: the left side built with x <= t, the right with x > t. */
  private split(id: number, f: number, threshold: number, na: number, nb: number, leafA: number): void {
    const out = this.out as MergeBuffer;
    const t = Math.fround(threshold);
    out.feature[id] = f;
    out.threshold[id] = threshold;
    const tree = nb < 0 ? this.a : this.b;
    const node = nb < 0 ? na : nb;
    const h = this.hi[f];
    this.hi[f] = Math.min(h, t);
    const l = nb < 0 ? this.copyA(tree.left[node]) : this.copyB(tree.left[node], leafA);
    this.hi[f] = h;
    const w = this.lo[f];
    this.lo[f] = Math.max(w, t);
    const r = nb < 0 ? this.copyA(tree.right[node]) : this.copyB(tree.right[node], leafA);
    this.lo[f] = w;
    out.left[id] = l;
    out.right[id] = r;
  }

  private copyB(nb: number, leafA: number): number {
    const { a, b, hi, lo } = this;
    const out = this.out as MergeBuffer;
    if (b.left[nb] !== -1) {
      const f = b.feature[nb];
      const t = Math.fround(b.threshold[nb]);
      if (t >= hi[f]) return this.copyB(b.left[nb], leafA); // x <= hi <= t
      if (t <= lo[f]) return this.copyB(b.right[nb], leafA); // x > lo >= t
      const id = out.addNode();
      this.split(id, f, b.threshold[nb], -1, nb, leafA);
      return id;
    }
    const id = out.addNode();
    out.value[id] = a.value[leafA] + b.value[nb];
    const k = this.k;
    if (out.values && a.values && b.values) for (let c = 0; c < k; c++) out.values[id * k + c] = a.values[leafA * k + c] + b.values[nb * k + c];
    return id;
  }

  private copyA(na: number): number {
    const { a, hi, lo } = this;
    if (a.left[na] === -1) return this.copyB(0, na);
    const f = a.feature[na];
    const t = Math.fround(a.threshold[na]);
    if (t >= hi[f]) return this.copyA(a.left[na]); // a's own split decided by its path (no row reaches the other side)
    if (t <= lo[f]) return this.copyA(a.right[na]);
    const id = (this.out as MergeBuffer).addNode();
    this.split(id, f, a.threshold[na], na, -1, -1);
    return id;
  }
}

const EMPTY_TREE: TreeArrays = { feature: [], threshold: [], left: [], right: [], value: [] };

/**
 * One tree computing a(x) + b(x) for every x under the document's semantics (float32 `x <= t`):
 * b is grafted under each leaf of a, without the splits the path already decides. Covers are not
 * kept (the merged tree serves predictions only). Null when it would pass `maxNodes` nodes.
 * @example const ab = mergeTrees(doc.trees[0], doc.trees[doc.classes.length], k, nFeatures)
 */
export function mergeTrees(a: GbdtTree, b: GbdtTree, k: number, nFeatures: number, maxNodes = Infinity): GbdtTree | null {
  // at most every node of a, and b under each of its leaves
  const leavesA = a.left.filter((l) => l === -1).length;
  const capacity = Math.floor(Math.min(maxNodes, a.left.length + leavesA * b.left.length));
  const out = new MergeBuffer(capacity, k, a.values !== undefined);
  return new TreeMerger(nFeatures, k).merge(a, b, out) ? out.toTree(a.classIndex) : null;
}

/** Thrown inside a merge when the merged tree passes its capacity. */
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

/**
 * Each run merged greedily: the next tree joins the current merged tree while that stays within
 * maxNodes. The merged tree so far lives in one of two buffers and the next merge goes into the
 * other; a tree leaves the buffers as a document tree once nothing more joins it.
 */
function mergeRuns(doc: GbdtModelDocument, runs: readonly GbdtTree[][], maxNodes: number): GbdtTree[] {
  const k = doc.classes.length;
  const merger = new TreeMerger(doc.schema.features.length, k);
  const buffers = new Map<boolean, [MergeBuffer, MergeBuffer]>();
  const out: GbdtTree[] = [];
  for (const run of runs) {
    const multi = run[0].values !== undefined;
    const pair = buffers.get(multi) ?? [new MergeBuffer(maxNodes, k, multi), new MergeBuffer(maxNodes, k, multi)];
    buffers.set(multi, pair);
    let first = run[0];
    let current: GbdtTree | MergeBuffer = first;
    for (let i = 1; i < run.length; i++) {
      const next: MergeBuffer = current === pair[0] ? pair[1] : pair[0];
      if (merger.merge(current, run[i], next)) current = next;
      else {
        out.push(current instanceof MergeBuffer ? current.toTree(first.classIndex) : current);
        first = run[i];
        current = first;
      }
    }
    out.push(current instanceof MergeBuffer ? current.toTree(first.classIndex) : current);
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
