// Grows one regression tree on gradients/hessians over binned features (the "tree learner": it
// sees only g, h, bins). Depth-wise (level order) or loss-guided (best gain first) growth, the
// histogram subtraction trick, in-place row partitioning, XGBoost's split gain and leaf weights.
import type { BinMapper } from './bin-mapper';
import {
  accumulateHistogramStrided,
  buildHistogram,
  fillDefaultBins,
  histogramLayout,
  histogramLength,
  sparseBinIndex,
  subtractHistogram,
  type HistogramLayout,
  type SparseBinIndex,
} from './histogram';

/** Growth settings of one tree. */
export interface TreeGrowSettings {
  readonly growPolicy: 'depthwise' | 'lossguide';
  /** Maximum depth (root = depth 0); 0 = unlimited (lossguide only). */
  readonly maxDepth: number;
  /** Maximum leaves; 0 = unlimited (depthwise only). */
  readonly maxLeaves: number;
  /** Minimum hessian sum in each child. */
  readonly minChildWeight: number;
  /** L2 regularisation of leaf weights. */
  readonly lambda: number;
  /** Minimum gain (XGBoost gamma) for a split to be made. */
  readonly minSplitGain: number;
  /** Inference-cost penalty: a split must also gain more than this times its node's hessian sum. */
  readonly splitPenalty: number;
  /** Shrinkage applied to leaf values. */
  readonly learningRate: number;
}

/**
 * A grown tree: document arrays plus the split bin of each internal node (for binned prediction)
 * and, per leaf, the range [rowStart, rowEnd) of the grower's row array holding its training rows.
 */
export interface GrownTree {
  readonly rowStart: number[];
  readonly rowEnd: number[];
  readonly feature: number[];
  readonly threshold: number[];
  readonly splitBin: number[];
  readonly left: number[];
  readonly right: number[];
  readonly value: number[];
  readonly cover: number[];
}

interface GrowNode {
  id: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  /** All `stride` sums of the node (strided growers only; g = sums[0], h = sums[stride - 1]). */
  sums: Float64Array | null;
  hist: Float64Array | null;
  bestGain: number;
  bestFeature: number;
  bestBin: number;
  bestGL: number;
  bestHL: number;
  /** The best split's left sums (strided growers only). */
  bestLeft: Float64Array | null;
}

/** The best split of a node: feature, bin (split "bin <= b"), gain and the left child's sums. */
export interface SplitChoice {
  readonly gain: number;
  readonly feature: number;
  readonly bin: number;
  readonly gl: number;
  readonly hl: number;
}

/** Whether a node at `depth` with `rows` rows and hessian sum `h` may be split. */
export function canSplit(depth: number, rows: number, h: number, settings: Pick<TreeGrowSettings, 'maxDepth' | 'minChildWeight'>): boolean {
  if (settings.maxDepth > 0 && depth >= settings.maxDepth) return false;
  if (rows < 2) return false;
  return h >= 2 * settings.minChildWeight;
}

/** A leaf's value: XGBoost's Newton step −G / (H + λ), shrunk by the learning rate. */
export function leafWeight(g: number, h: number, settings: Pick<TreeGrowSettings, 'lambda' | 'learningRate'>): number {
  const denom = h + settings.lambda;
  return denom > 0 ? (-g / denom) * settings.learningRate : 0;
}

/**
 * The best split of a node from its [g, h] histogram (XGBoost gain, minChildWeight, minSplitGain,
 * splitPenalty), or null when no split gains enough. One function for every grower: the central
 * TreeGrower and the federated trainer, which passes securely aggregated histograms.
 * @example const split = bestSplit(hist, layout.binOffset, features, G, H, settings);
 */
export function bestSplit(
  hist: Float64Array,
  binOffset: Int32Array,
  features: Int32Array,
  G: number,
  H: number,
  settings: Pick<TreeGrowSettings, 'lambda' | 'minChildWeight' | 'minSplitGain' | 'splitPenalty'>,
): SplitChoice | null {
  const { lambda, minChildWeight, minSplitGain, splitPenalty } = settings;
  const off = binOffset;
  const parentScore = (G * G) / (H + lambda);
  let best = 0;
  let bestFeature = -1;
  let bestBin = 0;
  let bestGL = 0;
  let bestHL = 0;
  for (let u = 0; u < features.length; u++) {
    const j = features[u];
    const o = off[j];
    const last = off[j + 1] - 1;
    let gl = 0;
    let hl = 0;
    for (let b = o; b < last; b++) {
      gl += hist[2 * b];
      hl += hist[2 * b + 1];
      if (hl < minChildWeight) continue;
      const hr = H - hl;
      if (hr < minChildWeight) break;
      const gr = G - gl;
      const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore;
      if (gain > best) {
        best = gain;
        bestFeature = j;
        bestBin = b - o;
        bestGL = gl;
        bestHL = hl;
      }
    }
  }
  const gain = 0.5 * best;
  if (bestFeature >= 0 && gain > minSplitGain + splitPenalty * H) return { gain, feature: bestFeature, bin: bestBin, gl: bestGL, hl: bestHL };
  return null;
}

/**
 * How a strided grower adds rows[start..end) of a node into its zeroed histogram and sets the
 * node's totals (default: accumulateHistogramStrided on the calling thread); the default bins are
 * filled in afterwards.
 */
export type StridedAccumulate = (hist: Float64Array, index: SparseBinIndex, start: number, end: number, totals: Float64Array) => void;

/**
 * The row index and column-major copy of a bin matrix, per matrix: growers over the same bins (a
 * continued fit reusing its first fit's bins) share them. Bin matrices are never modified.
 */
const binIndexes = new WeakMap<Uint8Array, { readonly index: SparseBinIndex; readonly columns: Uint8Array }>();

/**
 * Reusable tree grower for one training set (binned matrix fixed; gradients change per tree).
 * @example
 * const grower = new TreeGrower(mapper, bins, nRows, settings);
 * const tree = grower.grow(gh, rows, nRows, features, featureGain);
 */
export class TreeGrower {
  private readonly layout: HistogramLayout;
  private readonly histLen: number;
  /** The sparse row index of the bins (shared with a multi-output round's calling thread). */
  readonly index: SparseBinIndex;
  /** Column-major bins (feature j at j * nRows). */
  readonly columns: Uint8Array;
  private readonly totals: Float64Array;
  private readonly pool: Float64Array[] = [];
  private scratch: Int32Array;

  constructor(
    private readonly mapper: BinMapper,
    /** Row-major bins of the training matrix (rows * features). */
    bins: Uint8Array,
    private readonly nRows: number,
    private readonly settings: TreeGrowSettings,
    /**
     * Values per row: 2 = [g, h] of one output (a class tree); s > 2 = s - 1 gradient dimensions
     * and one shared hessian (a multi-output tree grown on a gradient sketch, gain summed over
     * the dimensions).
     */
    private readonly stride = 2,
  ) {
    this.totals = new Float64Array(stride);
    this.layout = histogramLayout(mapper.binCounts);
    const known = binIndexes.get(bins);
    this.index = known?.index ?? sparseBinIndex(bins, nRows, this.layout);
    // column-major copy: partitioning reads one feature for many rows
    const nf = this.layout.nFeatures;
    if (known) this.columns = known.columns;
    else {
      this.columns = new Uint8Array(bins.length);
      for (let i = 0, base = 0; i < nRows; i++, base += nf) for (let j = 0; j < nf; j++) this.columns[j * nRows + i] = bins[base + j];
      binIndexes.set(bins, { index: this.index, columns: this.columns });
    }
    this.histLen = histogramLength(this.layout, stride);
    this.scratch = new Int32Array(0);
  }

  private acquire(): Float64Array {
    const h = this.pool.pop();
    if (h) {
      h.fill(0);
      return h;
    }
    return new Float64Array(this.histLen);
  }

  private release(node: GrowNode): void {
    if (node.hist) this.pool.push(node.hist);
    node.hist = null;
  }

  /** Whether a node may still be split (depth, weight and row count allow it). */
  private splittable(node: GrowNode): boolean {
    return canSplit(node.depth, node.end - node.start, node.h, this.settings);
  }

  /** Finds the best split of a node from its histogram (sets best* fields; gain 0 = none). */
  private findBestSplit(node: GrowNode, features: Int32Array): void {
    node.bestGain = 0;
    node.bestFeature = -1;
    if (!node.hist) return;
    const split = bestSplit(node.hist, this.layout.binOffset, features, node.g, node.h, this.settings);
    if (!split) return;
    node.bestGain = split.gain;
    node.bestFeature = split.feature;
    node.bestBin = split.bin;
    node.bestGL = split.gl;
    node.bestHL = split.hl;
  }

  /** findBestSplit for strided growers: gain summed over the gradient dimensions, one shared hessian. */
  private findBestSplitStrided(node: GrowNode, features: Int32Array): void {
    const hist = node.hist;
    const sums = node.sums;
    node.bestGain = 0;
    node.bestFeature = -1;
    if (!hist || !sums) return;
    const S = this.stride;
    const dims = S - 1;
    const { lambda, minChildWeight, minSplitGain, splitPenalty } = this.settings;
    const off = this.layout.binOffset;
    const H = sums[dims];
    // up to 3 dimensions unrolled (the common sketches); more go through `left`
    const s0 = sums[0];
    const s1 = dims > 1 ? sums[1] : 0;
    const s2 = dims > 2 ? sums[2] : 0;
    let parentScore = 0;
    for (let d = 0; d < dims; d++) parentScore += sums[d] * sums[d];
    parentScore /= H + lambda;
    const left = new Float64Array(S);
    let best = 0;
    for (let u = 0; u < features.length; u++) {
      const j = features[u];
      const last = off[j + 1] - 1;
      let g0 = 0;
      let g1 = 0;
      let g2 = 0;
      let hl = 0;
      if (dims > 3) left.fill(0);
      for (let b = off[j]; b < last; b++) {
        const base = b * S;
        let sl: number;
        let sr: number;
        if (dims <= 3) {
          g0 += hist[base];
          if (dims > 1) g1 += hist[base + 1];
          if (dims > 2) g2 += hist[base + 2];
          hl += hist[base + dims];
          if (hl < minChildWeight) continue;
          if (H - hl < minChildWeight) break;
          const r0 = s0 - g0;
          const r1 = s1 - g1;
          const r2 = s2 - g2;
          sl = g0 * g0 + g1 * g1 + g2 * g2;
          sr = r0 * r0 + r1 * r1 + r2 * r2;
        } else {
          for (let d = 0; d < S; d++) left[d] += hist[base + d];
          hl = left[dims];
          if (hl < minChildWeight) continue;
          if (H - hl < minChildWeight) break;
          sl = 0;
          sr = 0;
          for (let d = 0; d < dims; d++) {
            const gl = left[d];
            const gr = sums[d] - gl;
            sl += gl * gl;
            sr += gr * gr;
          }
        }
        const gain = sl / (hl + lambda) + sr / (H - hl + lambda) - parentScore;
        if (gain > best) {
          best = gain;
          node.bestFeature = j;
          node.bestBin = b - off[j];
        }
      }
    }
    const gain = 0.5 * best;
    if (node.bestFeature >= 0 && gain > minSplitGain + splitPenalty * H) {
      node.bestGain = gain;
      // the left child's sums: the best feature's bins up to the split bin
      const bestLeft = new Float64Array(S);
      for (let b = off[node.bestFeature], e = b + node.bestBin; b <= e; b++) for (let d = 0; d < S; d++) bestLeft[d] += hist[b * S + d];
      node.bestLeft = bestLeft;
    } else node.bestFeature = -1;
  }

  /** Stable in-place partition of rows[start..end) by bins[:, f] <= bin; returns the split point. */
  private partition(rows: Int32Array, start: number, end: number, f: number, bin: number): number {
    if (this.scratch.length < end - start) this.scratch = new Int32Array(Math.max(end - start, this.scratch.length * 2));
    const scratch = this.scratch;
    const col = this.columns.subarray(f * this.nRows, (f + 1) * this.nRows);
    let l = start;
    let r = 0;
    for (let k = start; k < end; k++) {
      const row = rows[k];
      if (col[row] <= bin) rows[l++] = row;
      else scratch[r++] = row;
    }
    rows.set(scratch.subarray(0, r), l);
    return l;
  }

  /**
   * Grows a tree on rows[0..nRows) (the array is permuted in place) using gh = interleaved float32
   * [g, h] per row (strided growers: `stride` values per row), splitting only on `features`. Adds
   * each split's gain to featureGain[feature]. `accumulate` replaces a strided grower's histogram
   * accumulation (a multi-output round splits big nodes over two threads).
   */
  grow(gh: Float32Array, rows: Int32Array, nRows: number, features: Int32Array, featureGain: Float64Array, accumulate?: StridedAccumulate): GrownTree {
    const s = this.settings;
    const out: GrownTree = { rowStart: [], rowEnd: [], feature: [], threshold: [], splitBin: [], left: [], right: [], value: [], cover: [] };
    const addNode = (): number => {
      out.feature.push(0);
      out.threshold.push(0);
      out.splitBin.push(0);
      out.left.push(-1);
      out.right.push(-1);
      out.value.push(0);
      out.cover.push(0);
      out.rowStart.push(0);
      out.rowEnd.push(0);
      return out.left.length - 1;
    };
    const setLeafStats = (node: GrowNode): void => {
      out.value[node.id] = leafWeight(node.g, node.h, s);
      out.cover[node.id] = node.h;
      out.rowStart[node.id] = node.start;
      out.rowEnd[node.id] = node.end;
    };

    const S = this.stride;
    const strided = S !== 2;
    let rootSums: Float64Array | null = null;
    let g = 0;
    let h = 0;
    if (strided) {
      rootSums = new Float64Array(S);
      for (let k = 0; k < nRows; k++) for (let d = 0, base = rows[k] * S; d < S; d++) rootSums[d] += gh[base + d];
      g = rootSums[0];
      h = rootSums[S - 1];
    } else {
      for (let k = 0; k < nRows; k++) {
        g += gh[2 * rows[k]];
        h += gh[2 * rows[k] + 1];
      }
    }
    const root: GrowNode = {
      id: addNode(),
      start: 0,
      end: nRows,
      depth: 0,
      g,
      h,
      sums: rootSums,
      hist: null,
      bestGain: 0,
      bestFeature: -1,
      bestBin: 0,
      bestGL: 0,
      bestHL: 0,
      bestLeft: null,
    };
    const build = (node: GrowNode): void => {
      node.hist = this.acquire();
      if (strided) {
        if (accumulate) accumulate(node.hist, this.index, node.start, node.end, this.totals);
        else accumulateHistogramStrided(node.hist, this.index, gh, S, rows, node.start, node.end, this.totals);
        fillDefaultBins(node.hist, this.layout, this.index, S, features, this.totals);
      } else buildHistogram(node.hist, this.layout, this.index, gh, rows, node.start, node.end, features, this.totals);
    };
    const findSplit = (node: GrowNode): void => {
      if (strided) this.findBestSplitStrided(node, features);
      else this.findBestSplit(node, features);
    };
    setLeafStats(root);
    if (this.splittable(root)) {
      build(root);
      findSplit(root);
    }
    const candidates: GrowNode[] = [];
    if (root.bestFeature >= 0) candidates.push(root);
    else this.release(root);
    let leaves = 1;
    const lossguide = s.growPolicy === 'lossguide';
    while (candidates.length > 0) {
      if (s.maxLeaves > 0 && leaves >= s.maxLeaves) break;
      let pick = 0;
      if (lossguide) {
        for (let i = 1; i < candidates.length; i++) if (candidates[i].bestGain > candidates[pick].bestGain) pick = i;
      }
      const node = candidates[pick];
      candidates.splice(pick, 1);
      const f = node.bestFeature;
      const bin = node.bestBin;
      const mid = this.partition(rows, node.start, node.end, f, bin);
      featureGain[f] += node.bestGain;
      const leftId = addNode();
      const rightId = addNode();
      out.feature[node.id] = f;
      out.splitBin[node.id] = bin;
      out.threshold[node.id] = this.mapper.threshold(f, bin);
      out.left[node.id] = leftId;
      out.right[node.id] = rightId;
      leaves++;
      const mk = (id: number, start: number, end: number, cg: number, ch: number, sums: Float64Array | null): GrowNode => ({
        id,
        start,
        end,
        depth: node.depth + 1,
        g: cg,
        h: ch,
        sums,
        hist: null,
        bestGain: 0,
        bestFeature: -1,
        bestBin: 0,
        bestGL: 0,
        bestHL: 0,
        bestLeft: null,
      });
      let left: GrowNode;
      let right: GrowNode;
      if (node.sums && node.bestLeft) {
        const ls = node.bestLeft;
        const rs = Float64Array.from(node.sums, (v, d) => v - ls[d]);
        left = mk(leftId, node.start, mid, ls[0], ls[S - 1], ls);
        right = mk(rightId, mid, node.end, rs[0], rs[S - 1], rs);
      } else {
        left = mk(leftId, node.start, mid, node.bestGL, node.bestHL, null);
        right = mk(rightId, mid, node.end, node.g - node.bestGL, node.h - node.bestHL, null);
      }
      setLeafStats(left);
      setLeafStats(right);
      const needL = this.splittable(left);
      const needR = this.splittable(right);
      if (needL || needR) {
        const leftSmaller = mid - node.start <= node.end - mid;
        const small = leftSmaller ? left : right;
        const large = leftSmaller ? right : left;
        build(small);
        const parentHist = node.hist;
        node.hist = null;
        if (parentHist) {
          subtractHistogram(parentHist, small.hist as Float64Array, this.layout, features, S);
          large.hist = parentHist;
        }
        for (const child of [left, right]) {
          if (this.splittable(child)) findSplit(child);
          if (child.bestFeature >= 0) candidates.push(child);
          else this.release(child);
        }
      } else {
        this.release(node);
      }
    }
    for (const c of candidates) this.release(c);
    return out;
  }
}
