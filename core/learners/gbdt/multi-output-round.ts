// The row work of a multi-output boosting round (one tree per round whose leaves hold a value per
// class): softmax gradients with their sketch, the histograms of big nodes, each leaf's per-class
// Newton steps, and the score updates. The rows are cut into two fixed halves; the calling thread
// works the first and a helper thread, when there is one, the second. Sums are taken per half and
// added first half first, on one thread as on two, so the fitted model does not depend on the
// thread count. Everything both threads touch lives in SharedArrayBuffers; the caller blocks in
// Atomics.wait while the helper finishes its half (fit stays synchronous).
import { Worker } from 'node:worker_threads';
import type { BinMapper, BinMapperState } from './bin-mapper';
import { helperEntry, helperTesting, READY_TIMEOUT_MS, waitForWord, WORK_TIMEOUT_MS } from './helper-thread';
import { accumulateHistogramStrided, histogramLayout, histogramLength, sparseBinIndex, type SparseBinIndex } from './histogram';
import { softmaxGradients, type GradientState } from './objective';
import type { GrownTree, TreeGrower } from './tree-grower';

/** Control words (Int32Array over a SharedArrayBuffer). */
export const ROUND_CONTROL = { generation: 0, command: 1, a0: 2, a1: 3, done: 4, ready: 5, failed: 6, length: 8 } as const;
/** What the helper is asked to do with its half. */
export const ROUND_COMMAND = { gradients: 1, histogram: 2, leafSums: 3, update: 4, validation: 5, stop: 6 } as const;
/** Nodes with fewer rows build their histogram in one piece (two halves cost more than they save). */
export const SPLIT_MIN_ROWS = 4096;

/** The shared buffers of one fit and their sizes (a helper's workerData). */
export interface RoundShared {
  readonly n: number;
  readonly k: number;
  readonly nf: number;
  readonly dims: number;
  readonly maxNodes: number;
  readonly nValidation: number;
  readonly hasWeight: boolean;
  readonly mapper: BinMapperState;
  readonly control: SharedArrayBuffer;
  readonly scores: SharedArrayBuffer;
  readonly probs: SharedArrayBuffer;
  readonly gh: SharedArrayBuffer;
  readonly y: SharedArrayBuffer;
  readonly weight: SharedArrayBuffer;
  readonly sketch: SharedArrayBuffer;
  readonly projection: SharedArrayBuffer;
  readonly rows: SharedArrayBuffer;
  readonly bins: SharedArrayBuffer;
  readonly hist: SharedArrayBuffer;
  readonly leafOf: SharedArrayBuffer;
  readonly leafSums: SharedArrayBuffer;
  readonly values: SharedArrayBuffer;
  readonly tree: SharedArrayBuffer;
  readonly vBins: SharedArrayBuffer;
  readonly vScores: SharedArrayBuffer;
  readonly loss: SharedArrayBuffer;
}

/** Typed views of the shared buffers; every thread builds the same ones. */
export interface RoundViews {
  readonly control: Int32Array;
  readonly state: GradientState & { readonly sketch: NonNullable<GradientState['sketch']> };
  readonly rows: Int32Array;
  /** The second half's histogram: `stride` sums per bin, then the `stride` totals. */
  readonly hist: Float64Array;
  readonly leafOf: Int32Array;
  /** The second half's per-leaf class sums: [g, h] per (node, class). */
  readonly leafSums: Float64Array;
  /** Leaf values (node × k), then their exponentials. */
  readonly values: Float64Array;
  /** The tree for the validation walk: left, right, feature and split bin, each of the tree's node count, back to back. */
  readonly tree: Int32Array;
  readonly vBins: Uint8Array;
  readonly vScores: Float64Array;
  /** loss[1]: the second half's summed loss (the first half's is returned on the calling thread). */
  readonly loss: Float64Array;
  readonly binIndex: SparseBinIndex;
  readonly histLen: number;
}

/**
 * The views of `s` on this thread. `binIndex`: the calling thread passes its grower's; a helper
 * builds its own from the shared bins.
 */
export function roundViews(s: RoundShared, mapper: BinMapper, binIndex?: SparseBinIndex): RoundViews {
  const { n, k, dims } = s;
  const layout = histogramLayout(mapper.binCounts);
  const histLen = histogramLength(layout, dims + 1);
  return {
    control: new Int32Array(s.control),
    state: {
      scores: new Float64Array(s.scores),
      probs: new Float64Array(s.probs),
      y: new Int32Array(s.y),
      weight: s.hasWeight ? new Float64Array(s.weight) : null,
      gh: Array.from({ length: k }, (_, c) => new Float32Array(s.gh, c * 2 * n * 4, 2 * n)),
      k,
      sketch: { vals: new Float32Array(s.sketch), dims, projection: dims < k ? new Float64Array(s.projection) : null },
    },
    rows: new Int32Array(s.rows),
    hist: new Float64Array(s.hist),
    leafOf: new Int32Array(s.leafOf),
    leafSums: new Float64Array(s.leafSums),
    values: new Float64Array(s.values),
    tree: new Int32Array(s.tree),
    vBins: new Uint8Array(s.vBins),
    vScores: new Float64Array(s.vScores),
    loss: new Float64Array(s.loss),
    binIndex: binIndex ?? sparseBinIndex(new Uint8Array(s.bins), n, layout),
    histLen,
  };
}

/** Class sums [g, h] per (leaf, class) of rows [start, end), by leafOf (rows with leafOf -1 are skipped). */
export function leafSumsRange(v: RoundViews, start: number, end: number, out: Float64Array): void {
  const { gh, k } = v.state;
  const leafOf = v.leafOf;
  for (let c = 0; c < k; c++) {
    const arr = gh[c];
    for (let i = start; i < end; i++) {
      const leaf = leafOf[i];
      if (leaf < 0) continue;
      const at = (leaf * k + c) * 2;
      out[at] += arr[2 * i];
      out[at + 1] += arr[2 * i + 1];
    }
  }
}

/** Adds each row's leaf values (and their exponentials to the softmax numerators), rows [start, end). */
export function updateRange(v: RoundViews, nodes: number, start: number, end: number): void {
  const { scores, probs, k } = v.state;
  const values = v.values;
  const expAt = nodes * k;
  const leafOf = v.leafOf;
  for (let i = start, o = start * k; i < end; i++, o += k) {
    const at = leafOf[i] * k;
    for (let c = 0; c < k; c++) {
      scores[o + c] += values[at + c];
      probs[o + c] *= values[expAt + at + c];
    }
  }
}

/** Walks validation rows [start, end) down the tree in `v.tree` (binned) and adds their leaf values. */
export function validationRange(v: RoundViews, nodes: number, nf: number, start: number, end: number): void {
  const { tree, vBins, vScores, values } = v;
  const k = v.state.k;
  const left = 0;
  const right = nodes;
  const feature = 2 * nodes;
  const splitBin = 3 * nodes;
  for (let i = start; i < end; i++) {
    const base = i * nf;
    let node = 0;
    while (tree[left + node] !== -1) node = vBins[base + tree[feature + node]] <= tree[splitBin + node] ? tree[left + node] : tree[right + node];
    const at = node * k;
    for (let c = 0, o = i * k; c < k; c++) vScores[o + c] += values[at + c];
  }
}

/** The helper's half of one command (also what the caller runs itself when it has no helper). */
export function secondHalf(v: RoundViews, command: number, a0: number, a1: number, shared: RoundShared): void {
  const { n, nValidation, nf, k } = shared;
  const h = n >> 1;
  switch (command) {
    case ROUND_COMMAND.gradients:
      v.loss[1] = softmaxGradients(v.state, h, n, a0 === 1, a1 === 1);
      return;
    case ROUND_COMMAND.histogram: {
      const stride = shared.dims + 1;
      const hist = v.hist.subarray(0, v.histLen);
      hist.fill(0);
      accumulateHistogramStrided(hist, v.binIndex, v.state.sketch.vals, stride, v.rows, a0, a1, v.hist.subarray(v.histLen, v.histLen + stride));
      return;
    }
    case ROUND_COMMAND.leafSums: {
      const sums = v.leafSums.subarray(0, a0 * 2 * k);
      sums.fill(0);
      leafSumsRange(v, h, n, sums);
      return;
    }
    case ROUND_COMMAND.update:
      updateRange(v, a0, h, n);
      return;
    case ROUND_COMMAND.validation:
      validationRange(v, a0, nf, nValidation >> 1, nValidation);
      return;
    default:
      throw new Error(`unknown multi-output round command ${command}`);
  }
}

/**
 * The multi-output round's shared state for one fit, and its helper thread (when `threads` > 1
 * and the helper file exists).
 * @example
 * const round = MultiOutputRound.start({ mapper, bins, y, weight, k, dims, maxNodes, validationBins, validationRows, threads: 2 });
 * try { round.gradients(true, false); ... } finally { round.close(); }
 */
export class MultiOutputRound {
  readonly views: RoundViews;
  private readonly shared: RoundShared;
  private worker: Worker | null = null;
  private startedAt = 0;
  private generation = 0;
  /** Whether the current command's second half went to the helper. */
  private dispatched = false;
  /** Whether the helper has worked any half. */
  private helped = false;

  private constructor(shared: RoundShared, mapper: BinMapper, binIndex: SparseBinIndex) {
    this.shared = shared;
    this.views = roundViews(shared, mapper, binIndex);
  }

  /** Allocates the shared state, copies the fixed inputs in and starts the helper (or none). */
  static start(o: {
    mapper: BinMapper;
    bins: Uint8Array;
    /** The calling thread's grower's index of `bins`. */
    binIndex: SparseBinIndex;
    y: Int32Array;
    weight: Float64Array | null;
    k: number;
    dims: number;
    maxNodes: number;
    validationBins: Uint8Array | null;
    validationRows: number;
    threads: number;
  }): MultiOutputRound {
    const n = o.y.length;
    const k = o.k;
    const nf = o.mapper.binCounts.length;
    const stride = o.dims + 1;
    const histLen = histogramLength(histogramLayout(o.mapper.binCounts), stride);
    const sab = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(8, bytes));
    const entry = o.threads > 1 ? helperEntry('multi-output-worker') : null;
    const shared: RoundShared = {
      n,
      k,
      nf,
      dims: o.dims,
      maxNodes: o.maxNodes,
      nValidation: o.validationRows,
      hasWeight: o.weight !== null,
      mapper: o.mapper.toState(),
      control: sab(ROUND_CONTROL.length * 4),
      scores: sab(n * k * 8),
      probs: sab(n * k * 8),
      gh: sab(k * 2 * n * 4),
      y: sab(n * 4),
      weight: sab(o.weight ? n * 8 : 0),
      sketch: sab(n * stride * 4),
      projection: sab(k * o.dims * 8),
      rows: sab(n * 4),
      bins: sab(entry ? o.bins.length : 0), // only a helper reads them (to build its own index)
      hist: sab((histLen + stride) * 8),
      leafOf: sab(n * 4),
      leafSums: sab(o.maxNodes * 2 * k * 8),
      values: sab(o.maxNodes * 2 * k * 8),
      tree: sab(o.maxNodes * 4 * 4),
      vBins: sab(o.validationBins ? o.validationBins.length : 0),
      vScores: sab(o.validationRows * k * 8),
      loss: sab(16),
    };
    new Int32Array(shared.y).set(o.y);
    if (o.weight) new Float64Array(shared.weight).set(o.weight);
    if (entry) new Uint8Array(shared.bins).set(o.bins);
    if (o.validationBins) new Uint8Array(shared.vBins).set(o.validationBins);
    const round = new MultiOutputRound(shared, o.mapper, o.binIndex);
    if (entry) {
      // Not waited for: until the helper says it is ready (about 0.1 s under tsx), the calling
      // thread works both halves itself, which gives the same sums.
      const worker = new Worker(entry.file, { workerData: shared, execArgv: entry.execArgv });
      worker.unref();
      round.worker = worker;
      round.startedAt = performance.now();
      if (helperTesting.waitForHelpers) waitForWord(round.views.control, ROUND_CONTROL.ready, 1, ROUND_CONTROL.failed, READY_TIMEOUT_MS);
    }
    return round;
  }

  /** Threads that took part: 2 once the helper has worked a half, else 1. */
  get threads(): number {
    return this.helped ? 2 : 1;
  }

  /** Whether the helper is ready for work (false while it starts, and for good once it failed or took too long). */
  private helperReady(): boolean {
    if (!this.worker) return false;
    const c = this.views.control;
    if (Atomics.load(c, ROUND_CONTROL.ready) === 1) return true;
    if (Atomics.load(c, ROUND_CONTROL.failed) !== 0 || performance.now() - this.startedAt > READY_TIMEOUT_MS) this.stopHelper();
    return false;
  }

  /**
   * Starts the helper on its half of `command`, or runs that half here when there is no helper
   * (yet); `finish` then waits for the helper if it took it.
   */
  private begin(command: number, a0: number, a1: number): void {
    this.dispatched = this.helperReady();
    if (!this.dispatched) {
      secondHalf(this.views, command, a0, a1, this.shared);
      return;
    }
    this.helped = true;
    const c = this.views.control;
    Atomics.store(c, ROUND_CONTROL.command, command);
    Atomics.store(c, ROUND_CONTROL.a0, a0);
    Atomics.store(c, ROUND_CONTROL.a1, a1);
    this.generation++;
    Atomics.store(c, ROUND_CONTROL.generation, this.generation);
    Atomics.notify(c, ROUND_CONTROL.generation);
  }

  /** Waits for the helper's half (when it took one). */
  private finish(): void {
    if (!this.dispatched) return;
    if (!waitForWord(this.views.control, ROUND_CONTROL.done, this.generation, ROUND_CONTROL.failed, WORK_TIMEOUT_MS)) {
      throw new Error(
        Atomics.load(this.views.control, ROUND_CONTROL.failed) !== 0
          ? 'the multi-output helper thread failed'
          : 'the multi-output helper thread did not finish',
      );
    }
  }

  /** Softmax gradients and their sketch for every row; returns the summed loss when `wantLoss`. */
  gradients(exact: boolean, wantLoss: boolean): number {
    this.begin(ROUND_COMMAND.gradients, exact ? 1 : 0, wantLoss ? 1 : 0);
    const first = softmaxGradients(this.views.state, 0, this.shared.n >> 1, exact, wantLoss);
    this.finish();
    return first + this.views.loss[1];
  }

  /**
   * The grower's histogram accumulation for a node's rows [start, end): big nodes in two halves
   * (the second on the helper), added up first half first.
   */
  readonly accumulate = (hist: Float64Array, index: SparseBinIndex, start: number, end: number, totals: Float64Array): void => {
    const v = this.views;
    const stride = this.shared.dims + 1;
    const vals = v.state.sketch.vals;
    if (end - start < SPLIT_MIN_ROWS) {
      accumulateHistogramStrided(hist, index, vals, stride, v.rows, start, end, totals);
      return;
    }
    const mid = start + ((end - start) >> 1);
    this.begin(ROUND_COMMAND.histogram, mid, end);
    accumulateHistogramStrided(hist, index, vals, stride, v.rows, start, mid, totals);
    this.finish();
    const second = v.hist;
    for (let i = 0; i < v.histLen; i++) hist[i] += second[i];
    for (let d = 0; d < stride; d++) totals[d] += second[v.histLen + d];
  };

  /** Grows the round's tree on the sketch (rows[0..count) of `views.rows`, permuted in place). */
  grow(grower: TreeGrower, count: number, features: Int32Array, gain: Float64Array): GrownTree {
    return grower.grow(this.views.state.sketch.vals, this.views.rows, count, features, gain, this.accumulate);
  }

  /**
   * Every class's Newton step (times the learning rate) in each leaf of `tree`, nodes × k (internal
   * nodes 0), from the rows the grower placed in each leaf; leaves `views.leafOf` set (-1 for
   * rows outside the tree).
   */
  leafValues(tree: GrownTree, lambda: number, learningRate: number): Float64Array {
    const v = this.views;
    const k = this.shared.k;
    const nodes = tree.left.length;
    if (nodes > this.shared.maxNodes) throw new Error(`tree has ${nodes} nodes, more than the ${this.shared.maxNodes} planned for`);
    v.leafOf.fill(-1);
    for (let node = 0; node < nodes; node++) {
      if (tree.left[node] !== -1) continue;
      for (let q = tree.rowStart[node], e = tree.rowEnd[node]; q < e; q++) v.leafOf[v.rows[q]] = node;
    }
    this.begin(ROUND_COMMAND.leafSums, nodes, 0);
    const sums = new Float64Array(nodes * 2 * k);
    leafSumsRange(v, 0, this.shared.n >> 1, sums);
    this.finish();
    const values = new Float64Array(nodes * k);
    for (let node = 0; node < nodes; node++) {
      if (tree.left[node] !== -1) continue;
      for (let c = 0; c < k; c++) {
        const at = (node * k + c) * 2;
        const g = sums[at] + v.leafSums[at];
        const h = sums[at + 1] + v.leafSums[at + 1];
        const denom = h + lambda;
        values[node * k + c] = denom > 0 ? (-g / denom) * learningRate : 0;
      }
    }
    return values;
  }

  /** Adds a tree grown on every row to the training scores (by `views.leafOf`). */
  addToScores(values: Float64Array, nodes: number): void {
    this.setValues(values, nodes);
    this.begin(ROUND_COMMAND.update, nodes, 0);
    updateRange(this.views, nodes, 0, this.shared.n >> 1);
    this.finish();
  }

  /** Adds the tree's leaf values to the validation scores (a binned walk of the validation rows). */
  addToValidation(tree: GrownTree, values: Float64Array, nf: number): void {
    const nodes = tree.left.length;
    this.setValues(values, nodes);
    const t = this.views.tree;
    for (let i = 0; i < nodes; i++) {
      t[i] = tree.left[i];
      t[nodes + i] = tree.right[i];
      t[2 * nodes + i] = tree.feature[i];
      t[3 * nodes + i] = tree.splitBin[i];
    }
    this.begin(ROUND_COMMAND.validation, nodes, 0);
    validationRange(this.views, nodes, nf, 0, this.shared.nValidation >> 1);
    this.finish();
  }

  private setValues(values: Float64Array, nodes: number): void {
    const v = this.views.values;
    v.set(values);
    for (let i = 0, e = nodes * this.shared.k; i < e; i++) v[e + i] = Math.exp(values[i]);
  }

  private stopHelper(): void {
    if (!this.worker) return;
    const c = this.views.control;
    Atomics.store(c, ROUND_CONTROL.command, ROUND_COMMAND.stop);
    Atomics.store(c, ROUND_CONTROL.generation, -1);
    Atomics.notify(c, ROUND_CONTROL.generation);
    void this.worker.terminate();
    this.worker = null;
  }

  /** Stops the helper. */
  close(): void {
    this.stopHelper();
  }
}
