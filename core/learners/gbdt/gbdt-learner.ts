// Gradient-boosted decision trees with a multiclass softmax objective (the "booster"): fits a bin
// mapper once, then per round computes softmax gradients/hessians, grows one tree per class (or
// one multi-output tree) on histograms, and tracks train/validation log-loss for progress and
// early stopping. The fitted model is a GbdtModelDocument; prediction goes through predict.ts, the
// document's reference semantics.
import { XdrError } from '../../errors';
import type { FeatureMatrix } from '../../data/table';
import { SeededRandom } from '../../util/random';
import { didYouMean } from '../../util/nearest-name';
import { FitHistoryRecorder } from '../fit-history';
import { argmaxRows, type FitOptions, type FitProgress, type FitReport, type Learner, type ModelDocument } from '../learner';
import { binnedMatrix, binnedValidation, knownInitialScores, knownRawScores, remember, rememberContinuation } from './fit-memory';
import type { GbdtModelDocument, GbdtTree } from './model-document';
import { categoryRanks } from './category-order';
import { accumulateRawScores, compileTree, predictRawScores, preprocessMatrix, rankCategories, softmaxRowsInPlace, type CompiledTree } from './predict';
import { ClassTreePool, poolThreads } from './class-tree-pool';
import { MultiOutputRound } from './multi-output-round';
import { EXACT_SOFTMAX_EVERY, keepGradientRows, multiclassLogLoss, priorBaseScore, softmaxGradients, type GradientState } from './objective';
import { addMultiTreeBinned, addTreeBinned, addTreeByLeafRows } from './score-updates';
import { TreeGrower, type GrownTree } from './tree-grower';

/** Hyperparameters of the GBDT learner. */
export interface GbdtParams {
  /** Boosting rounds (one tree per class per round). */
  readonly nRounds: number;
  /** Shrinkage applied to every leaf value. */
  readonly learningRate: number;
  /** 'depthwise' grows level by level to maxDepth; 'lossguide' splits the best leaf first up to maxLeaves. */
  readonly growPolicy: 'depthwise' | 'lossguide';
  /** Maximum tree depth; 0 = unlimited (lossguide only). */
  readonly maxDepth: number;
  /** Maximum leaves per tree; 0 = unlimited (depthwise only). */
  readonly maxLeaves: number;
  /** Minimum hessian sum per child (XGBoost min_child_weight). */
  readonly minChildWeight: number;
  /** L2 regularisation on leaf weights. */
  readonly lambda: number;
  /** Minimum split gain (XGBoost gamma). */
  readonly minSplitGain: number;
  /**
   * Inference-cost penalty: a split is made only if its gain also exceeds splitPenalty × the
   * hessian sum of its node. Every row that reaches a split pays one comparison when the model
   * serves, so a split of a big node must earn more (cost-efficient gradient boosting's split
   * penalty, weighted by hessian instead of row count). Late rounds, whose gradients are small,
   * grow shallow trees. 0 = off.
   */
  readonly splitPenalty: number;
  /** Fraction of rows sampled (without replacement) per round. */
  readonly subsample: number;
  /** Fraction of features sampled per tree. */
  readonly colsampleByTree: number;
  /** Bins per feature, 2..256. */
  readonly maxBins: number;
  /** Stop when the validation log-loss has not improved for this many rounds (0 = off); needs options.validation. */
  readonly earlyStoppingRounds: number;
  /**
   * Share of each tree's gradient mass, in [0, 0.5], that may be left out: the rows with the
   * smallest max(|g|, h) (bucketed by powers of two) are skipped when growing that class's tree as
   * long as their summed max(|g|, h) stays within this share. In a multiclass fit most rows are
   * already settled for most classes, so most of a tree's rows carry almost no gradient; skipping
   * them makes a tree cheaper without changing what it learns. Every row still gets the tree's
   * leaf value. 0 = every row (exact).
   */
  readonly skipGradientShare: number;
  /**
   * Threads that grow a round's class trees at the same time (the calling thread included), or,
   * with multiOutput, share a round's row work (at most 2: the rows in two halves); 0 = one per
   * available core for fits big enough to pay for starting helpers, else the calling thread alone.
   * The fitted model is the same for any count.
   */
  readonly threads: number;
  /**
   * One tree per round whose leaves hold a value for every class (true), instead of one tree per
   * class per round (false). Splits are chosen on a sketch of the gradient matrix (`sketchDims`
   * random projections) with one shared hessian; each leaf then gets every class's Newton step.
   * Grows and predicts about K times fewer trees.
   */
  readonly multiOutput: boolean;
  /** Gradient dimensions the multi-output split search sees: 0 = every class, else that many random projections. */
  readonly sketchDims: number;
  /**
   * How categorical features are binned: 'code' = their vocabulary codes as numbers (alphabetical
   * order, as xgboost on codes sees them); 'target' = categories ordered by their class
   * distributions on the training rows (category-order.ts), stored in the document's preprocessing.
   */
  readonly categoryOrder: 'code' | 'target';
  /** Seed of all randomness (row and feature sampling). */
  readonly seed: number;
}

/** Defaults chosen from the NSL-KDD / CICIDS2017 quality and speed measurements (see README of this folder). */
export const DEFAULT_GBDT_PARAMS: Omit<GbdtParams, 'seed'> = {
  nRounds: 200,
  learningRate: 0.3,
  growPolicy: 'depthwise',
  maxDepth: 8,
  maxLeaves: 0,
  minChildWeight: 1,
  lambda: 1,
  minSplitGain: 0,
  splitPenalty: 0,
  subsample: 1,
  colsampleByTree: 1,
  maxBins: 256,
  earlyStoppingRounds: 20,
  skipGradientShare: 0,
  threads: 0,
  multiOutput: false,
  sketchDims: 0,
  categoryOrder: 'code',
};

/**
 * Early-stopped fits keep a copy of the training scores at their best round, up to this many
 * (rows × classes; 64 MB), so predicting the training rows afterwards (a hard-example round does)
 * needs no tree walk. NSL-KDD pipeline: the mining round's prediction of 113k rows took 0.4–0.5 s.
 */
const MAX_SNAPSHOT_SCORES = 8_000_000;

/** With threads = 0, fits smaller than this (rows × features × classes × rounds) grow on the calling thread only. */
const MIN_PARALLEL_WORK = 200_000_000;
/**
 * With threads = 0, multi-output fits on fewer rows stay on the calling thread: each half of a
 * round's row work is then too small to pay for handing it over. Measured, one balanced fit,
 * 1 → 2 threads: KDD Cup 99 10 % (494,020 rows, 23 classes) 20.8 → 12.7 s; cicids2017_improved
 * (25,127 rows) 1.48–1.50 → 1.17–1.22 s; the pipeline on cicids2017 (6,980 rows) got slower.
 */
const MIN_ROW_SPLIT_ROWS = 20_000;

/** Thrown on invalid parameters, inputs or documents of the GBDT learner. */
export class GbdtError extends XdrError {
  override readonly name: string = 'GbdtError';
}

function validateParams(p: GbdtParams): void {
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new GbdtError(`invalid GBDT parameter: ${what}`);
  };
  check(Number.isInteger(p.nRounds) && p.nRounds >= 1, `nRounds must be an integer >= 1, got ${p.nRounds}`);
  check(p.learningRate > 0 && p.learningRate <= 1, `learningRate must be in (0, 1], got ${p.learningRate}`);
  check(p.growPolicy === 'depthwise' || p.growPolicy === 'lossguide', `growPolicy must be 'depthwise' or 'lossguide', got ${String(p.growPolicy)}`);
  check(Number.isInteger(p.maxDepth) && p.maxDepth >= 0, `maxDepth must be an integer >= 0, got ${p.maxDepth}`);
  check(Number.isInteger(p.maxLeaves) && (p.maxLeaves === 0 || p.maxLeaves >= 2), `maxLeaves must be 0 or an integer >= 2, got ${p.maxLeaves}`);
  check(p.maxDepth > 0 || p.maxLeaves > 0, 'maxDepth and maxLeaves cannot both be 0 (unbounded trees)');
  check(p.minChildWeight >= 0, `minChildWeight must be >= 0, got ${p.minChildWeight}`);
  check(p.lambda >= 0, `lambda must be >= 0, got ${p.lambda}`);
  check(p.minSplitGain >= 0, `minSplitGain must be >= 0, got ${p.minSplitGain}`);
  check(p.splitPenalty >= 0, `splitPenalty must be >= 0, got ${p.splitPenalty}`);
  check(p.subsample > 0 && p.subsample <= 1, `subsample must be in (0, 1], got ${p.subsample}`);
  check(p.colsampleByTree > 0 && p.colsampleByTree <= 1, `colsampleByTree must be in (0, 1], got ${p.colsampleByTree}`);
  check(Number.isInteger(p.maxBins) && p.maxBins >= 2 && p.maxBins <= 256, `maxBins must be an integer in [2, 256], got ${p.maxBins}`);
  check(Number.isInteger(p.earlyStoppingRounds) && p.earlyStoppingRounds >= 0, `earlyStoppingRounds must be an integer >= 0, got ${p.earlyStoppingRounds}`);
  check(p.skipGradientShare >= 0 && p.skipGradientShare <= 0.5, `skipGradientShare must be in [0, 0.5], got ${p.skipGradientShare}`);
  check(Number.isInteger(p.threads) && p.threads >= 0, `threads must be an integer >= 0, got ${p.threads}`);
  check(typeof p.multiOutput === 'boolean', `multiOutput must be true or false, got ${String(p.multiOutput)}`);
  check(Number.isInteger(p.sketchDims) && p.sketchDims >= 0, `sketchDims must be an integer >= 0, got ${p.sketchDims}`);
  check(p.categoryOrder === 'code' || p.categoryOrder === 'target', `categoryOrder must be 'code' or 'target', got ${String(p.categoryOrder)}`);
  check(
    !p.multiOutput || maxTreeNodes(p) <= MAX_MULTI_OUTPUT_NODES,
    `multiOutput trees need maxDepth <= 16 or maxLeaves <= ${(MAX_MULTI_OUTPUT_NODES + 1) / 2}, got maxDepth ${p.maxDepth}, maxLeaves ${p.maxLeaves}`,
  );
  check(Number.isFinite(p.seed), `seed must be finite, got ${p.seed}`);
}

/** The most nodes a tree grown with these parameters can have. */
function maxTreeNodes(p: GbdtParams): number {
  const byDepth = p.maxDepth > 0 ? 2 ** (p.maxDepth + 1) - 1 : Infinity;
  const byLeaves = p.maxLeaves > 0 ? 2 * p.maxLeaves - 1 : Infinity;
  return Math.min(byDepth, byLeaves);
}

/** Multi-output trees keep per-node class sums in shared memory: at most this many nodes per tree. */
const MAX_MULTI_OUTPUT_NODES = 2 ** 17 - 1;

/** The initial model of a continued fit: a valid GBDT document over the same features and classes. */
function validateInit(doc: ModelDocument, schema: FitOptions['schema'], classes: readonly string[]): GbdtModelDocument {
  let d: GbdtModelDocument;
  try {
    d = validateDocument(doc);
  } catch (err) {
    throw new GbdtError(`cannot continue from the initial model: ${err instanceof Error ? err.message : String(err)}`);
  }
  const names = schema.features.map((f) => f.name).join('\u0000');
  if (d.schema.features.map((f) => f.name).join('\u0000') !== names) throw new GbdtError('the initial model was fitted on different features');
  if (d.classes.join('\u0000') !== classes.join('\u0000'))
    throw new GbdtError(`the initial model has classes ${d.classes.join(', ')}, this fit ${classes.join(', ')}`);
  return d;
}

function validateDocument(doc: ModelDocument): GbdtModelDocument {
  const d = doc as Partial<GbdtModelDocument>;
  if (d.format !== 'gbdt') throw new GbdtError(`not a GBDT document: format ${String(d.format)}`);
  if (d.formatVersion !== 1) throw new GbdtError(`unsupported GBDT formatVersion ${String(d.formatVersion)}`);
  const k = Array.isArray(d.classes) ? d.classes.length : 0;
  const nf = d.schema && Array.isArray(d.schema.features) ? d.schema.features.length : -1;
  if (k < 1 || nf < 0) throw new GbdtError('GBDT document lacks classes or schema');
  const prep = d.preprocessing;
  if (
    !prep ||
    !Array.isArray(prep.fill) ||
    prep.fill.length !== nf ||
    !Array.isArray(prep.min) ||
    prep.min.length !== nf ||
    !Array.isArray(prep.max) ||
    prep.max.length !== nf
  ) {
    throw new GbdtError(`GBDT document preprocessing must have ${nf} fill/min/max entries`);
  }
  if (!Array.isArray(d.baseScore) || d.baseScore.length !== k) throw new GbdtError(`GBDT document baseScore must have ${k} entries`);
  if (!Array.isArray(d.trees)) throw new GbdtError('GBDT document lacks trees');
  if (!Array.isArray(d.featureGain) || d.featureGain.length !== nf) throw new GbdtError(`GBDT document featureGain must have ${nf} entries`);
  if (typeof d.params !== 'object' || d.params === null) throw new GbdtError('GBDT document lacks params');
  return d as GbdtModelDocument;
}

/**
 * Gradient-boosted decision tree classifier (multiclass softmax, histogram-based).
 * @example
 * const learner = new GbdtLearner({ seed: 1, nRounds: 100 });
 * learner.fit(X, y, { schema, classes });
 * const proba = learner.predictProba(Xtest);
 */
export class GbdtLearner implements Learner {
  readonly algorithm = 'gbdt';
  readonly params: GbdtParams;
  private doc: GbdtModelDocument | null = null;
  private compiled: CompiledTree[] = [];

  constructor(params: Partial<GbdtParams> & { seed: number }) {
    const merged = { ...DEFAULT_GBDT_PARAMS, ...params };
    const known = new Set<string>([...Object.keys(DEFAULT_GBDT_PARAMS), 'seed']);
    for (const key of Object.keys(params)) if (!known.has(key)) throw new GbdtError(`unknown GBDT parameter '${key}'${didYouMean(key, known)}`);
    validateParams(merged);
    this.params = merged;
  }

  /**
   * Rebuilds a fitted learner from its document (as produced by toJSON, possibly via JSON text).
   * @example const restored = GbdtLearner.fromJSON(JSON.parse(text));
   */
  static fromJSON(doc: ModelDocument): GbdtLearner {
    const d = validateDocument(doc);
    const p = d.params;
    const params: Record<string, unknown> = {};
    for (const key of [...Object.keys(DEFAULT_GBDT_PARAMS), 'seed']) if (key in p) params[key] = p[key];
    const learner = new GbdtLearner({ ...(params as Partial<GbdtParams>), seed: typeof p.seed === 'number' ? p.seed : 0 });
    learner.setDocument(d);
    return learner;
  }

  private setDocument(doc: GbdtModelDocument): void {
    const nf = doc.schema.features.length;
    const k = doc.classes.length;
    this.compiled = doc.trees.map((t) => compileTree(t, nf, k));
    this.doc = doc;
  }

  /** The fitted model document; throws if not fitted. */
  toJSON(): GbdtModelDocument {
    if (!this.doc) throw new GbdtError('GBDT learner is not fitted');
    return this.doc;
  }

  /** Raw scores (margins), row-major rows * classes. */
  predictRaw(X: FeatureMatrix): Float64Array {
    const doc = this.toJSON();
    const k = doc.classes.length;
    const nf = doc.schema.features.length;
    if (X.cols !== nf) throw new GbdtError(`model expects ${nf} features, matrix has ${X.cols}`);
    const known = knownRawScores(doc, X);
    if (known) return known.slice();
    const xs = preprocessMatrix(doc.preprocessing, X);
    // a continued model on rows its initial model scored: those scores plus the trees after them
    const initial = knownInitialScores(doc, X);
    const out = initial ? initial.raw.slice() : new Float64Array(X.rows * k);
    if (!initial) for (let i = 0; i < X.rows; i++) for (let c = 0; c < k; c++) out[i * k + c] = doc.baseScore[c];
    accumulateRawScores(initial ? this.compiled.slice(initial.trees) : this.compiled, xs, X.rows, nf, k, out);
    remember(doc, 'last', X, out.slice());
    return out;
  }

  /** Class probabilities (softmax of the raw scores), row-major rows * classes; rows sum to 1. */
  predictProba(X: FeatureMatrix): Float64Array {
    return softmaxRowsInPlace(this.predictRaw(X), this.toJSON().classes.length);
  }

  /** Most probable class index per row. */
  predict(X: FeatureMatrix): Int32Array {
    return argmaxRows(this.predictProba(X), this.toJSON().classes.length);
  }

  /**
   * Fits the model: bins the features once, then boosts nRounds rounds of one tree per class.
   * With options.validation and earlyStoppingRounds > 0 it stops after that many rounds without a
   * lower validation log-loss and keeps the trees up to the best round. Replaces any earlier fit.
   * @example const report = learner.fit(X, y, { schema, classes, validation: { X: Xv, y: yv } });
   */
  fit(Xraw: FeatureMatrix, y: Int32Array, options: FitOptions): FitReport {
    const t0 = performance.now();
    const p = this.params;
    const { schema, classes, sampleWeight } = options;
    // every iteration's losses go to the history (training curves) and to the caller's progress callback
    const recorder = new FitHistoryRecorder();
    const onProgress = (progress: FitProgress): void => {
      recorder.add(progress);
      options.onProgress?.(progress);
    };
    const init = options.init ? validateInit(options.init, schema, classes) : null;
    if (y.length !== Xraw.rows) throw new GbdtError(`labels length ${y.length} != rows ${Xraw.rows}`);
    // categories ordered by their class distributions (or the initial model's order): the fit sees ranks
    const ranks = init
      ? (init.preprocessing.categoryRank ?? null)
      : p.categoryOrder === 'target'
        ? categoryRanks(Xraw, y, classes.length, sampleWeight ?? null, schema)
        : null;
    const X = ranks ? rankCategories(Xraw, ranks) : Xraw;
    const validation = options.validation && ranks ? { X: rankCategories(options.validation.X, ranks), y: options.validation.y } : options.validation;
    const n = X.rows;
    const nf = X.cols;
    const k = classes.length;
    if (k < 1) throw new GbdtError('at least one class is required');
    if (schema.features.length !== nf) throw new GbdtError(`schema has ${schema.features.length} features, matrix has ${nf} columns`);
    if (X.data.length !== n * nf) throw new GbdtError(`matrix data length ${X.data.length} != rows * cols ${n * nf}`);
    if (y.length !== n) throw new GbdtError(`labels length ${y.length} != rows ${n}`);
    if (n === 0) throw new GbdtError('cannot fit on an empty matrix');
    for (let i = 0; i < n; i++) if (!(y[i] >= 0 && y[i] < k)) throw new GbdtError(`label ${y[i]} at row ${i} is outside [0, ${k})`);
    if (sampleWeight && sampleWeight.length !== n) throw new GbdtError(`sampleWeight length ${sampleWeight.length} != rows ${n}`);
    if (sampleWeight)
      for (let i = 0; i < n; i++) if (!(sampleWeight[i] >= 0)) throw new GbdtError(`sampleWeight at row ${i} must be >= 0, got ${sampleWeight[i]}`);
    if (validation && (validation.X.cols !== nf || validation.y.length !== validation.X.rows))
      throw new GbdtError('validation data does not match the training shape');

    const rnd = new SeededRandom(p.seed);
    const { mapper, bins } = binnedMatrix(X, p.maxBins, init?.preprocessing);
    const weight = sampleWeight ?? null;

    // base score: centred log of the weighted class priors (or the initial model's); scores
    // start from the base score (or from the initial model's raw scores)
    const baseScore = init ? [...init.baseScore] : priorBaseScore(y, k, weight);
    const initialScores = init ? (knownRawScores(init, Xraw) ?? predictRawScores(init, Xraw)) : null;
    const vBins = validation ? binnedValidation(validation.X, mapper) : null;
    let vScores: Float64Array | null = null;
    if (options.validation && init) {
      const known = knownRawScores(init, options.validation.X);
      vScores = known ? known.slice() : predictRawScores(init, options.validation.X);
      // the initial model's scores on the validation rows: scoring it there afterwards is free
      if (!known) remember(init, 'last', options.validation.X, vScores.slice());
    } else if (validation) vScores = new Float64Array(validation.X.rows * k);
    if (vScores && !init) for (let i = 0; i < vScores.length; i += k) for (let c = 0; c < k; c++) vScores[i + c] = baseScore[c];

    // multi-output trees search splits on `dims` gradient dimensions (+ the shared hessian)
    const multi = p.multiOutput;
    const dims = multi && p.sketchDims > 0 && p.sketchDims < k ? p.sketchDims : k;
    const grower = new TreeGrower(mapper, bins, n, p, multi ? dims + 1 : 2);
    // helper threads: class trees of a round in parallel, or a multi-output round's rows in two halves
    const threads =
      p.threads > 0 || (n * nf * k * p.nRounds >= MIN_PARALLEL_WORK && (!multi || n >= MIN_ROW_SPLIT_ROWS)) ? poolThreads(p.threads, multi ? 2 : k) : 1;
    const multiRound = multi
      ? MultiOutputRound.start({
          mapper,
          bins,
          binIndex: grower.index,
          y,
          weight,
          k,
          dims,
          maxNodes: maxTreeNodes(p),
          validationBins: vBins,
          validationRows: validation ? validation.X.rows : 0,
          threads,
        })
      : null;
    const pool = !multi && threads > 1 ? ClassTreePool.start(mapper, bins, n, p, k, threads) : null;
    if (multiRound && vScores) {
      multiRound.views.vScores.set(vScores);
      vScores = multiRound.views.vScores;
    }
    const projection = multiRound ? multiRound.views.state.sketch.projection : null;
    try {
      const gh = multiRound ? multiRound.views.state.gh : pool ? pool.buffers.gh : Array.from({ length: k }, () => new Float32Array(2 * n));
      const gradients: GradientState = multiRound
        ? multiRound.views.state
        : { scores: new Float64Array(n * k), probs: new Float64Array(n * k), y, weight, gh, k };
      const { scores, probs } = gradients;
      if (initialScores) scores.set(initialScores);
      else for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) scores[i * k + c] = baseScore[c];
      const sampled = new Int32Array(n);
      const work = new Int32Array(n);
      const rowLists: Int32Array[] = pool ? pool.buffers.rows : Array.from({ length: k }, () => work);
      const grownRows = new Int32Array(k);
      const leafOf = new Int32Array(n);
      const importance = p.skipGradientShare > 0 ? new Float32Array(n) : null;
      const bucketMass = new Float64Array(256);
      const allFeatures = Int32Array.from({ length: nf }, (_, j) => j);
      const nFeatUsed = Math.max(1, Math.round(p.colsampleByTree * nf));
      // one tree's features: all, or a sorted random sample of colsampleByTree of them
      const treeFeatures = (): Int32Array => (nFeatUsed < nf ? rnd.shuffle(Int32Array.from(allFeatures)).subarray(0, nFeatUsed).sort() : allFeatures);
      const featureGain = new Float64Array(nf);
      const trees: GrownTree[] = [];
      const treeClass: number[] = [];
      const treeValues: (Float64Array | null)[] = [];
      const useEarlyStopping = validation !== undefined && p.earlyStoppingRounds > 0;
      let bestIteration = -1;
      let bestScores: Float64Array | null = null;
      let bestValidationScores: Float64Array | null = null;
      let bestLoss = Infinity;
      let iterations = 0;
      const gainAtRound: Float64Array[] = [];
      const validationLosses: number[] = [];
      let pending: { iteration: number; maxIterations: number; validationLoss: number | undefined } | null = null;
      let weightSum = 0;
      for (let i = 0; i < n; i++) weightSum += weight ? weight[i] : 1;
      // Adds class c's tree of this round to the model, the training scores and the validation scores.
      const addTree = (c: number, tree: GrownTree, gain: Float64Array): void => {
        trees.push(tree);
        treeClass.push(c);
        treeValues.push(null);
        for (let j = 0; j < nf; j++) featureGain[j] += gain[j];
        if (grownRows[c] === n) addTreeByLeafRows(tree, rowLists[c], leafOf, c, k, scores, probs);
        else addTreeBinned(tree, grower.columns, n, 1, n, c, k, scores, probs);
        if (vBins && vScores && validation) addTreeBinned(tree, vBins, validation.X.rows, nf, 1, c, k, vScores);
      };

      for (let round = 0; round < p.nRounds; round++) {
        // softmax gradients; the previous round's train loss comes with them when progress wants it
        // multi-output trees: this round's sketch projection, applied as the gradients are computed
        if (projection) for (let q = 0, scale = 1 / Math.sqrt(dims); q < projection.length; q++) projection[q] = rnd.normal() * scale;
        const exact = round % EXACT_SOFTMAX_EVERY === 0;
        const lossSum = multiRound ? multiRound.gradients(exact, pending !== null) : softmaxGradients(gradients, 0, n, exact, pending !== null);
        if (pending) {
          onProgress({ ...pending, trainLoss: lossSum / weightSum });
          pending = null;
        }
        // row subsample for this round (shared by the class trees)
        let nSampled = 0;
        if (p.subsample < 1) {
          for (let i = 0; i < n; i++) if (rnd.next() < p.subsample) sampled[nSampled++] = i;
          if (nSampled === 0) sampled[nSampled++] = rnd.int(n);
        } else {
          for (let i = 0; i < n; i++) sampled[i] = i;
          nSampled = n;
        }
        if (multiRound) {
          const features = treeFeatures();
          multiRound.views.rows.set(sampled.subarray(0, nSampled));
          const gain = new Float64Array(nf);
          const tree = multiRound.grow(grower, nSampled, features, gain);
          const values = multiRound.leafValues(tree, p.lambda, p.learningRate);
          trees.push(tree);
          treeClass.push(-1);
          treeValues.push(values);
          for (let j = 0; j < nf; j++) featureGain[j] += gain[j];
          if (nSampled === n) multiRound.addToScores(values, tree.left.length);
          else addMultiTreeBinned(tree, values, grower.columns, n, 1, n, k, scores, probs);
          if (vBins && vScores && validation) multiRound.addToValidation(tree, values, nf);
        }
        for (let c = 0; c < k && !multiRound; c++) {
          const features = treeFeatures();
          const rows = rowLists[c];
          rows.set(sampled.subarray(0, nSampled));
          grownRows[c] = importance ? keepGradientRows(gh[c], rows, nSampled, p.skipGradientShare, importance, bucketMass) : nSampled;
          if (pool) {
            pool.setTask(c, c, grownRows[c], features);
          } else {
            const gain = new Float64Array(nf);
            addTree(c, grower.grow(gh[c], rows, grownRows[c], features, gain), gain);
          }
        }
        if (pool) {
          const grown = pool.growRound(k, grower);
          for (let c = 0; c < k; c++) addTree(c, grown[c].tree, grown[c].gain);
        }
        iterations = round + 1;
        gainAtRound.push(Float64Array.from(featureGain));
        const validationLoss = vScores && validation ? multiclassLogLoss(vScores, validation.y, k, null) : undefined;
        if (validationLoss !== undefined) validationLosses.push(validationLoss);
        if (validationLoss !== undefined && validationLoss < bestLoss - 1e-12) {
          bestLoss = validationLoss;
          bestIteration = round;
          // the training scores of the model early stopping may keep (see fit-memory.ts)
          if (useEarlyStopping && scores.length <= MAX_SNAPSHOT_SCORES) (bestScores ??= new Float64Array(scores.length)).set(scores);
          if (useEarlyStopping && vScores) (bestValidationScores ??= new Float64Array(vScores.length)).set(vScores);
        }
        const stop = useEarlyStopping && round - bestIteration >= p.earlyStoppingRounds;
        const progress = { iteration: round + 1, maxIterations: p.nRounds, validationLoss };
        // The train loss comes free with the next round's gradients; the last round computes it.
        if (stop || round === p.nRounds - 1) onProgress({ ...progress, trainLoss: multiclassLogLoss(scores, y, k, weight) });
        else pending = progress;
        if (stop) break;
      }

      const keepRounds = useEarlyStopping ? bestIteration + 1 : iterations;
      const keptTrees = trees.slice(0, keepRounds * (multi ? 1 : k));
      const finalGain = gainAtRound[keepRounds - 1];
      const docTrees: GbdtTree[] = [...(init?.trees ?? [])];
      const grownTrees: GbdtTree[] = keptTrees.map((t, i) => {
        const values = treeValues[i];
        const tree = { classIndex: treeClass[i], feature: t.feature, threshold: t.threshold, left: t.left, right: t.right, value: t.value, cover: t.cover };
        return values ? { ...tree, value: t.value.map(() => 0), values: Array.from(values) } : tree;
      });
      docTrees.push(...grownTrees);
      if (init) for (let j = 0; j < nf; j++) finalGain[j] += init.featureGain[j];
      const params: Record<string, number | string | boolean> = { ...p };
      const doc: GbdtModelDocument = {
        format: 'gbdt',
        formatVersion: 1,
        schema,
        classes: [...classes],
        preprocessing: init ? init.preprocessing : ranks ? { ...mapper.preprocessing, categoryRank: ranks } : mapper.preprocessing,
        baseScore,
        trees: docTrees,
        params,
        featureGain: Array.from(finalGain),
      };
      this.setDocument(doc);
      if (init) rememberContinuation(doc, init);
      if (keepRounds === iterations) remember(doc, 'fit', Xraw, scores);
      else if (bestScores && keepRounds === bestIteration + 1) remember(doc, 'fit', Xraw, bestScores);
      // the validation rows' scores too: comparing the fitted model with its initial one there
      // (an online adaptation's held-out slice) needs no tree walk
      if (options.validation && vScores) {
        const kept = keepRounds === iterations ? vScores.slice() : keepRounds === bestIteration + 1 ? bestValidationScores : null;
        if (kept) remember(doc, 'validation', options.validation.X, kept);
      }
      return {
        iterations,
        bestIteration: keepRounds - 1,
        bestValidationLoss: validation ? validationLosses[keepRounds - 1] : undefined,
        trainMillis: performance.now() - t0,
        threads: pool ? pool.threadsUsed : (multiRound?.threads ?? 1),
        history: recorder.history(),
      };
    } finally {
      pool?.close();
      multiRound?.close();
    }
  }
}
