// Lossless federated gradient boosting (horizontal, histogram-based, as NVIDIA FLARE's federated
// XGBoost): every tenant keeps its rows; the coordinator sees only securely aggregated sums.
//   1. bin edges: each participant publishes, per feature, its finite range and set of distinct
//      float32 values (the sketch's leakage, see docs/federated.md); their counts on the union and
//      the class counts are summed securely, which gives exactly the bin mapper and base score a
//      central fit on the union computes (BinMapper.fromValueCounts);
//   2. each round, each participant computes softmax gradients on its rows; the K class trees grow
//      level by level: the participants' [g, h] histograms of a level's nodes are summed securely,
//      the coordinator picks the splits with the central grower's own bestSplit and sets leaf values
//      from the aggregated sums (leafWeight), and participants route their rows.
// Without differential privacy the model is the central model up to fixed-point rounding (2^-32).
import type { FeatureMatrix, FeatureSchema } from '../data/table';
import { BinMapper, type BinMapperState, type FeatureValueCounts } from '../learners/gbdt/bin-mapper';
import { GbdtLearner, type GbdtParams } from '../learners/gbdt/gbdt-learner';
import { buildHistogram, histogramLayout, histogramLength, sparseBinIndex, type HistogramLayout, type SparseBinIndex } from '../learners/gbdt/histogram';
import type { GbdtModelDocument, GbdtTree } from '../learners/gbdt/model-document';
import { baseScoreFromClassWeights, EXACT_SOFTMAX_EVERY, softmaxGradients, type GradientState } from '../learners/gbdt/objective';
import { bestSplit, canSplit, leafWeight } from '../learners/gbdt/tree-grower';
import { FederatedTrainingError } from './errors';
import type { SecureSum } from './secure-sum';

/** Phase 1 of the bin sketch, per feature: the finite range and the distinct float32 finite values (sorted). */
export interface FeatureValueSet {
  readonly lo: number | null;
  readonly hi: number | null;
  readonly values: readonly number[];
}

/** The union of every participant's value sets: the domain their counts are summed on. */
export interface SketchDomain {
  readonly features: readonly { readonly lo: number; readonly hi: number; readonly values: readonly number[] }[];
}

/** A node of one of a round's class trees. */
export interface NodeRef {
  readonly classIndex: number;
  readonly node: number;
}

/** A split the coordinator chose: rows of `node` with bin ≤ `bin` of `feature` go to `left`. */
export interface SplitDecision extends NodeRef {
  readonly feature: number;
  readonly bin: number;
  readonly left: number;
  readonly right: number;
}

/** A finished class tree's leaves: each participant adds `value` to the class score of the rows in `node`. */
export interface TreeLeaves {
  readonly classIndex: number;
  readonly leaves: readonly { readonly node: number; readonly value: number }[];
}

/** What the coordinator asks of a participant (in process, or over the round protocol). Every answer may be a promise. */
export interface GbdtParticipantApi {
  readonly id: string;
  valueSets(): FeatureValueSet[] | Promise<FeatureValueSet[]>;
  /** Counts on the domain (per feature: each value, then missing), then the class counts: to be summed securely. */
  sketchVector(domain: SketchDomain): Float64Array | Promise<Float64Array>;
  start(mapper: BinMapperState, baseScore: readonly number[]): void | Promise<void>;
  beginRound(round: number): void | Promise<void>;
  /** Per requested node: its [g, h] histogram (2 × total bins), then [G, H]: to be summed securely. */
  histograms(nodes: readonly NodeRef[]): Float64Array | Promise<Float64Array>;
  applySplits(splits: readonly SplitDecision[]): void | Promise<void>;
  finishTrees(trees: readonly TreeLeaves[]): void | Promise<void>;
}

/** Parameters the federated trainer takes: the central learner's, restricted to what it reproduces exactly. */
export type FederatedGbdtParams = Partial<
  Pick<GbdtParams, 'nRounds' | 'learningRate' | 'maxDepth' | 'minChildWeight' | 'lambda' | 'minSplitGain' | 'splitPenalty' | 'maxBins'>
> & {
  readonly seed: number;
};

/** The central GbdtLearner parameters a federated fit with these parameters equals. */
export function centralEquivalentParams(params: FederatedGbdtParams): Partial<GbdtParams> & { seed: number } {
  return {
    ...params,
    growPolicy: 'depthwise',
    maxLeaves: 0,
    subsample: 1,
    colsampleByTree: 1,
    skipGradientShare: 0,
    multiOutput: false,
    categoryOrder: 'code',
    earlyStoppingRounds: 0,
  };
}

const fround = Math.fround;

/**
 * A tenant's side of federated GBDT over its own rows (in its own process, with its own role).
 * @example const p = new GbdtParticipant('acme', X, y, classes.length);
 */
export class GbdtParticipant implements GbdtParticipantApi {
  private layout: HistogramLayout | null = null;
  private index: SparseBinIndex | null = null;
  private columns: Uint8Array | null = null;
  private state: GradientState | null = null;
  private hist: Float64Array | null = null;
  private readonly nodeRows = new Map<string, Int32Array>();
  private readonly allRows: Int32Array;
  private allFeatures: Int32Array;

  constructor(
    readonly id: string,
    private readonly X: FeatureMatrix,
    private readonly y: Int32Array,
    private readonly k: number,
  ) {
    if (y.length !== X.rows) throw new FederatedTrainingError(`${id}: ${y.length} labels for ${X.rows} rows`);
    for (let i = 0; i < y.length; i++) if (!(y[i] >= 0 && y[i] < k)) throw new FederatedTrainingError(`${id}: label ${y[i]} at row ${i} is outside [0, ${k})`);
    this.allRows = Int32Array.from({ length: X.rows }, (_, i) => i);
    this.allFeatures = Int32Array.from({ length: X.cols }, (_, j) => j);
  }

  valueSets(): FeatureValueSet[] {
    const { rows, cols, data } = this.X;
    const out: FeatureValueSet[] = [];
    for (let j = 0; j < cols; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      const values = new Set<number>();
      for (let i = 0, p = j; i < rows; i++, p += cols) {
        const v = data[p];
        if (v !== v || v === Infinity || v === -Infinity) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        values.add(fround(v));
      }
      out.push(lo > hi ? { lo: null, hi: null, values: [] } : { lo, hi, values: [...values].sort((a, b) => a - b) });
    }
    return out;
  }

  sketchVector(domain: SketchDomain): Float64Array {
    const { rows, cols, data } = this.X;
    if (domain.features.length !== cols)
      throw new FederatedTrainingError(`${this.id}: the sketch domain has ${domain.features.length} features, the data ${cols}`);
    const offsets: number[] = [];
    let length = 0;
    for (const f of domain.features) {
      offsets.push(length);
      length += f.values.length + 1;
    }
    const out = new Float64Array(length + this.k);
    for (let j = 0; j < cols; j++) {
      const { lo, hi, values } = domain.features[j];
      const position = new Map(values.map((v, i) => [v, i]));
      const missingAt = offsets[j] + values.length;
      for (let i = 0, p = j; i < rows; i++, p += cols) {
        const v = data[p];
        if (v !== v) {
          out[missingAt]++;
          continue;
        }
        const at = position.get(fround(v < lo ? lo : v > hi ? hi : v));
        if (at === undefined) throw new FederatedTrainingError(`${this.id}: feature ${j} value ${v} is outside the agreed sketch domain`);
        out[offsets[j] + at]++;
      }
    }
    for (let i = 0; i < rows; i++) out[length + this.y[i]]++;
    return out;
  }

  start(mapperState: BinMapperState, baseScore: readonly number[]): void {
    const mapper = BinMapper.fromState(mapperState);
    const { rows, cols } = this.X;
    const bins = mapper.transform(this.X);
    this.layout = histogramLayout(mapper.binCounts);
    this.index = sparseBinIndex(bins, rows, this.layout);
    this.columns = new Uint8Array(bins.length);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) this.columns[j * rows + i] = bins[i * cols + j];
    this.hist = new Float64Array(histogramLength(this.layout));
    const scores = new Float64Array(rows * this.k);
    for (let i = 0; i < rows; i++) for (let c = 0; c < this.k; c++) scores[i * this.k + c] = baseScore[c];
    this.state = {
      scores,
      probs: new Float64Array(rows * this.k),
      y: this.y,
      weight: null,
      gh: Array.from({ length: this.k }, () => new Float32Array(2 * rows)),
      k: this.k,
    };
  }

  private started(): { layout: HistogramLayout; index: SparseBinIndex; columns: Uint8Array; state: GradientState; hist: Float64Array } {
    if (!this.layout || !this.index || !this.columns || !this.state || !this.hist) throw new FederatedTrainingError(`${this.id}: training has not started`);
    return { layout: this.layout, index: this.index, columns: this.columns, state: this.state, hist: this.hist };
  }

  beginRound(round: number): void {
    const { state } = this.started();
    softmaxGradients(state, 0, this.X.rows, round % EXACT_SOFTMAX_EVERY === 0, false);
    this.nodeRows.clear();
    for (let c = 0; c < this.k; c++) this.nodeRows.set(`${c}:0`, this.allRows);
  }

  histograms(nodes: readonly NodeRef[]): Float64Array {
    const { layout, index, state, hist } = this.started();
    const len = hist.length + 2;
    const out = new Float64Array(nodes.length * len);
    const totals = new Float64Array(2);
    nodes.forEach((ref, q) => {
      const rows = this.nodeRows.get(`${ref.classIndex}:${ref.node}`) ?? new Int32Array(0);
      hist.fill(0);
      buildHistogram(hist, layout, index, state.gh[ref.classIndex], rows, 0, rows.length, this.allFeatures, totals);
      out.set(hist, q * len);
      out[q * len + hist.length] = totals[0];
      out[q * len + hist.length + 1] = totals[1];
    });
    return out;
  }

  applySplits(splits: readonly SplitDecision[]): void {
    const { columns } = this.started();
    const n = this.X.rows;
    for (const s of splits) {
      const rows = this.nodeRows.get(`${s.classIndex}:${s.node}`) ?? new Int32Array(0);
      const col = columns.subarray(s.feature * n, (s.feature + 1) * n);
      const left: number[] = [];
      const right: number[] = [];
      for (const r of rows) (col[r] <= s.bin ? left : right).push(r);
      this.nodeRows.set(`${s.classIndex}:${s.left}`, Int32Array.from(left));
      this.nodeRows.set(`${s.classIndex}:${s.right}`, Int32Array.from(right));
      this.nodeRows.delete(`${s.classIndex}:${s.node}`);
    }
  }

  finishTrees(trees: readonly TreeLeaves[]): void {
    const { state } = this.started();
    const k = this.k;
    for (const t of trees) {
      for (const leaf of t.leaves) {
        const rows = this.nodeRows.get(`${t.classIndex}:${leaf.node}`);
        if (!rows) continue;
        const e = Math.exp(leaf.value);
        for (const r of rows) {
          state.scores[r * k + t.classIndex] += leaf.value;
          state.probs[r * k + t.classIndex] *= e;
        }
      }
    }
  }
}

/** Options of trainFederatedGbdt. */
export interface FederatedGbdtOptions {
  readonly schema: FeatureSchema;
  readonly classes: readonly string[];
  readonly params: FederatedGbdtParams;
  /** How each vector sum is taken (inProcessSecureSum, or the round protocol's). */
  readonly secureSum: SecureSum;
  /** Prefix of every aggregation's session id (a run id). */
  readonly sessionPrefix?: string;
  readonly onRound?: (round: number, trees: number) => void;
}

/** What a federated GBDT fit returns. */
export interface FederatedGbdtResult {
  readonly document: GbdtModelDocument;
  /** Secure aggregations run (one for the sketch, one per tree level per round). */
  readonly aggregations: number;
}

interface Pending extends NodeRef {
  readonly depth: number;
  g: number;
  h: number;
}

/**
 * Trains a GBDT across participants; only secure sums reach this (coordinator) side.
 * @example const { document } = await trainFederatedGbdt(participants, { schema, classes, params: { seed: 1 }, secureSum });
 */
export async function trainFederatedGbdt(participants: readonly GbdtParticipantApi[], options: FederatedGbdtOptions): Promise<FederatedGbdtResult> {
  if (participants.length < 2) throw new FederatedTrainingError(`a federated fit needs at least 2 participants, got ${participants.length}`);
  const k = options.classes.length;
  const nf = options.schema.features.length;
  // the central learner validates the parameters (and names an unknown one)
  const central = new GbdtLearner(centralEquivalentParams(options.params)).params;
  if (central.minChildWeight < 0.5) {
    throw new FederatedTrainingError(
      `minChildWeight must be at least 0.5 in a federated fit (then the hessian bound implies the two-row rule), got ${central.minChildWeight}`,
    );
  }
  const prefix = options.sessionPrefix ?? 'federated-gbdt';
  let aggregations = 0;
  const sum = async (step: string, vectors: Float64Array[]): Promise<Float64Array> => {
    aggregations++;
    return options.secureSum(
      `${prefix}/${step}`,
      participants.map((p, i) => ({ participant: p.id, vector: vectors[i] })),
    );
  };

  // 1. bin edges and base score from the federated sketch
  const sets = await Promise.all(participants.map((p) => p.valueSets()));
  for (const s of sets) if (s.length !== nf) throw new FederatedTrainingError(`a participant sketched ${s.length} features, the schema has ${nf}`);
  const domain: SketchDomain = {
    features: Array.from({ length: nf }, (_, j) => {
      let lo = Infinity;
      let hi = -Infinity;
      const values = new Set<number>();
      for (const s of sets) {
        const f = s[j];
        if (f.lo !== null && f.hi !== null) {
          lo = Math.min(lo, f.lo);
          hi = Math.max(hi, f.hi);
        }
        for (const v of f.values) values.add(v);
      }
      if (lo > hi) lo = hi = 0;
      values.add(fround(lo));
      values.add(fround(hi));
      return { lo, hi, values: [...values].sort((a, b) => a - b) };
    }),
  };
  const sketch = await sum('sketch', await Promise.all(participants.map((p) => p.sketchVector(domain))));
  const counts: FeatureValueCounts[] = [];
  let at = 0;
  for (const f of domain.features) {
    const c = Array.from(sketch.subarray(at, at + f.values.length), Math.round);
    counts.push({ values: f.values, counts: c, missing: Math.round(sketch[at + f.values.length]), lo: f.lo, hi: f.hi });
    at += f.values.length + 1;
  }
  const classCounts = Array.from(sketch.subarray(at, at + k), Math.round);
  const rows = classCounts.reduce((a, b) => a + b, 0);
  const mapper = BinMapper.fromValueCounts(counts, central.maxBins);
  const baseScore = baseScoreFromClassWeights(classCounts, rows);
  await Promise.all(participants.map((p) => p.start(mapper.toState(), baseScore)));

  // 2. boosting rounds: the K class trees of a round grow level by level on aggregated histograms
  const layout = histogramLayout(mapper.binCounts);
  const histLen = histogramLength(layout);
  const features = Int32Array.from({ length: nf }, (_, j) => j);
  const trees: GbdtTree[] = [];
  const featureGain = new Float64Array(nf);
  for (let round = 0; round < central.nRounds; round++) {
    await Promise.all(participants.map((p) => p.beginRound(round)));
    const grown = Array.from({ length: k }, () => ({ feature: [0], threshold: [0], left: [-1], right: [-1], value: [0], cover: [0] }));
    let level: Pending[] = Array.from({ length: k }, (_, c) => ({ classIndex: c, node: 0, depth: 0, g: 0, h: 0 }));
    let first = true;
    while (level.length > 0) {
      // roots always need their totals; deeper nodes only when they may split. Every node's histogram
      // is aggregated (no subtraction trick): a sibling computed as parent minus child carries
      // rounding residue in bins it has no rows in, which turns the central fit's exact ties into
      // different splits.
      const splittable = first ? level : level.filter((n) => canSplit(n.depth, Number.POSITIVE_INFINITY, n.h, central));
      const summed =
        splittable.length > 0
          ? await sum(`round-${round}/depth-${level[0].depth}`, await Promise.all(participants.map((p) => p.histograms(splittable))))
          : null;
      const histOf = new Map<Pending, Float64Array>();
      splittable.forEach((node, q) => histOf.set(node, (summed as Float64Array).subarray(q * (histLen + 2), q * (histLen + 2) + histLen)));
      const splits: SplitDecision[] = [];
      const next: Pending[] = [];
      splittable.forEach((node, q) => {
        const hist = histOf.get(node) as Float64Array;
        if (first) {
          const base = q * (histLen + 2);
          node.g = (summed as Float64Array)[base + histLen];
          node.h = (summed as Float64Array)[base + histLen + 1];
          const tree = grown[node.classIndex];
          tree.value[0] = leafWeight(node.g, node.h, central);
          tree.cover[0] = node.h;
          if (!canSplit(0, Number.POSITIVE_INFINITY, node.h, central)) return;
        }
        const split = bestSplit(hist, layout.binOffset, features, node.g, node.h, central);
        if (!split) return;
        const tree = grown[node.classIndex];
        const left = tree.left.length;
        const right = left + 1;
        for (let added = 0; added < 2; added++) {
          tree.feature.push(0);
          tree.threshold.push(0);
          tree.left.push(-1);
          tree.right.push(-1);
          tree.value.push(0);
          tree.cover.push(0);
        }
        tree.feature[node.node] = split.feature;
        tree.threshold[node.node] = mapper.threshold(split.feature, split.bin);
        tree.left[node.node] = left;
        tree.right[node.node] = right;
        featureGain[split.feature] += split.gain;
        const l: Pending = { classIndex: node.classIndex, node: left, depth: node.depth + 1, g: split.gl, h: split.hl };
        const r: Pending = { classIndex: node.classIndex, node: right, depth: node.depth + 1, g: node.g - split.gl, h: node.h - split.hl };
        for (const child of [l, r]) {
          tree.value[child.node] = leafWeight(child.g, child.h, central);
          tree.cover[child.node] = child.h;
        }
        splits.push({ classIndex: node.classIndex, node: node.node, feature: split.feature, bin: split.bin, left, right });
        next.push(l, r);
      });
      if (splits.length > 0) await Promise.all(participants.map((p) => p.applySplits(splits)));
      level = next;
      first = false;
    }
    const leaves: TreeLeaves[] = grown.map((t, c) => ({
      classIndex: c,
      leaves: t.left.flatMap((l, node) => (l === -1 ? [{ node, value: t.value[node] }] : [])),
    }));
    await Promise.all(participants.map((p) => p.finishTrees(leaves)));
    for (let c = 0; c < k; c++) trees.push({ classIndex: c, ...grown[c] });
    options.onRound?.(round, trees.length);
  }
  const document: GbdtModelDocument = {
    format: 'gbdt',
    formatVersion: 1,
    schema: options.schema,
    classes: [...options.classes],
    preprocessing: mapper.preprocessing,
    baseScore,
    trees,
    params: { ...central, federatedParticipants: participants.length },
    featureGain: Array.from(featureGain),
  };
  return { document, aggregations };
}
