// Grows one regression tree on gradients/hessians over binned features (the "tree learner": it
// sees only g, h, bins). Depth-wise (level order) or loss-guided (best gain first) growth, the
// histogram subtraction trick, in-place row partitioning, XGBoost's split gain and leaf weights.
import type { BinMapper } from './bin-mapper';
import { buildHistogram, histogramLayout, histogramLength, sparseBinIndex, subtractHistogram, type HistogramLayout, type SparseBinIndex } from './histogram';

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
  hist: Float64Array | null;
  bestGain: number;
  bestFeature: number;
  bestBin: number;
  bestGL: number;
  bestHL: number;
}

/**
 * Reusable tree grower for one training set (binned matrix fixed; gradients change per tree).
 * @example
 * const grower = new TreeGrower(mapper, bins, nRows, settings);
 * const tree = grower.grow(gh, rows, nRows, features, featureGain);
 */
export class TreeGrower {
  private readonly layout: HistogramLayout;
  private readonly histLen: number;
  private readonly index: SparseBinIndex;
  /** Column-major bins (feature j at j * nRows). */
  readonly columns: Uint8Array;
  private readonly totals = new Float64Array(2);
  private readonly pool: Float64Array[] = [];
  private scratch: Int32Array;

  constructor(
    private readonly mapper: BinMapper,
    /** Row-major bins of the training matrix (rows * features). */
    bins: Uint8Array,
    private readonly nRows: number,
    private readonly settings: TreeGrowSettings,
  ) {
    this.layout = histogramLayout(mapper.binCounts);
    this.index = sparseBinIndex(bins, nRows, this.layout);
    // column-major copy: partitioning reads one feature for many rows
    const nf = this.layout.nFeatures;
    this.columns = new Uint8Array(bins.length);
    for (let i = 0, base = 0; i < nRows; i++, base += nf) for (let j = 0; j < nf; j++) this.columns[j * nRows + i] = bins[base + j];
    this.histLen = histogramLength(this.layout);
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
    const s = this.settings;
    if (s.maxDepth > 0 && node.depth >= s.maxDepth) return false;
    if (node.end - node.start < 2) return false;
    return node.h >= 2 * s.minChildWeight;
  }

  /** Finds the best split of a node from its histogram (sets best* fields; gain 0 = none). */
  private findBestSplit(node: GrowNode, features: Int32Array): void {
    const hist = node.hist;
    node.bestGain = 0;
    node.bestFeature = -1;
    if (!hist) return;
    const { lambda, minChildWeight, minSplitGain } = this.settings;
    const off = this.layout.binOffset;
    const G = node.g;
    const H = node.h;
    const parentScore = (G * G) / (H + lambda);
    let best = 0;
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
          node.bestFeature = j;
          node.bestBin = b - o;
          node.bestGL = gl;
          node.bestHL = hl;
        }
      }
    }
    const gain = 0.5 * best;
    if (node.bestFeature >= 0 && gain > minSplitGain) node.bestGain = gain;
    else node.bestFeature = -1;
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
   * [g, h] per row, splitting only on `features`. Adds each split's gain to featureGain[feature].
   */
  grow(gh: Float32Array, rows: Int32Array, nRows: number, features: Int32Array, featureGain: Float64Array): GrownTree {
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
      const denom = node.h + s.lambda;
      out.value[node.id] = denom > 0 ? (-node.g / denom) * s.learningRate : 0;
      out.cover[node.id] = node.h;
      out.rowStart[node.id] = node.start;
      out.rowEnd[node.id] = node.end;
    };

    let g = 0;
    let h = 0;
    for (let k = 0; k < nRows; k++) {
      g += gh[2 * rows[k]];
      h += gh[2 * rows[k] + 1];
    }
    const root: GrowNode = { id: addNode(), start: 0, end: nRows, depth: 0, g, h, hist: null, bestGain: 0, bestFeature: -1, bestBin: 0, bestGL: 0, bestHL: 0 };
    setLeafStats(root);
    if (this.splittable(root)) {
      root.hist = this.acquire();
      buildHistogram(root.hist, this.layout, this.index, gh, rows, 0, nRows, features, this.totals);
      this.findBestSplit(root, features);
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
      const mk = (id: number, start: number, end: number, cg: number, ch: number): GrowNode => ({
        id, start, end, depth: node.depth + 1, g: cg, h: ch, hist: null, bestGain: 0, bestFeature: -1, bestBin: 0, bestGL: 0, bestHL: 0,
      });
      const left = mk(leftId, node.start, mid, node.bestGL, node.bestHL);
      const right = mk(rightId, mid, node.end, node.g - node.bestGL, node.h - node.bestHL);
      setLeafStats(left);
      setLeafStats(right);
      const needL = this.splittable(left);
      const needR = this.splittable(right);
      if (needL || needR) {
        const leftSmaller = mid - node.start <= node.end - mid;
        const small = leftSmaller ? left : right;
        const large = leftSmaller ? right : left;
        small.hist = this.acquire();
        buildHistogram(small.hist, this.layout, this.index, gh, rows, small.start, small.end, features, this.totals);
        const parentHist = node.hist;
        node.hist = null;
        if (parentHist) {
          subtractHistogram(parentHist, small.hist, this.layout, features);
          large.hist = parentHist;
        }
        for (const child of [left, right]) {
          if (this.splittable(child)) this.findBestSplit(child, features);
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
