// The gradient-boosted trees family. Presets: why each value, with the measurements, is in
// docs/presets.md; each line here keeps its one-line reason.
import { addGbdtProbabilities, exportGbdtToOnnx } from '../onnx/export-gbdt';
import { GbdtLearner, predictProbaFromDocument, shapValues, type GbdtModelDocument } from '../learners/gbdt';
import type { BalancingMode, LearnerParams, SearchCandidate, SearchOptions, SearchRung } from '../training';
import { treeExplanations } from './explanations';
import type { ModelFamily, TuneLevel } from './model-family';

/** From this many classes the pipeline's GBDT grows multi-output trees (unless the request sets `multiOutput`). */
export const MULTI_OUTPUT_MIN_CLASSES = 8;

/**
 * Regularised trees (lambda 10, minChildWeight 10), few rounds at a high learning rate, and a split
 * penalty that keeps served trees shallow (docs/presets.md).
 */
export const GBDT_PRESETS = {
  /** Fewer than 8 classes: one depth-4 tree per class per round (depth 8 overfits NSL-KDD). */
  gbdtPerClass: { maxDepth: 4, lambda: 10, minChildWeight: 10, learningRate: 0.25, nRounds: 40, splitPenalty: 0.004 },
  /** 8 classes or more: one depth-6 tree per round, splits searched on a 3-dimensional gradient sketch. */
  gbdtMultiOutput: { multiOutput: true, sketchDims: 3, maxDepth: 6, lambda: 10, minChildWeight: 10, learningRate: 0.3, nRounds: 100, splitPenalty: 0.003 },
} as const satisfies Record<string, LearnerParams>;

/** A candidate of the search: learner parameters and class weighting (docs/presets.md). */
interface GbdtCandidate {
  readonly name: string;
  readonly params: LearnerParams;
  readonly weighting: BalancingMode;
}

/**
 * The candidates of the validation search, in the order ties are broken (the first wins a tie).
 * A portfolio in the spirit of AutoGluon's zero-shot presets: the two presets of before, xgboost's
 * own defaults with early stopping (unweighted, and with sqrt class weights), and deeper or more
 * regularised variants. 'thorough' adds the rest. Rounds are caps: early stopping on the
 * validation log-loss picks the length.
 */
export const GBDT_CANDIDATES = {
  fast: [
    { name: 'per-class-shallow', params: GBDT_PRESETS.gbdtPerClass, weighting: 'balanced' },
    { name: 'multi-output', params: GBDT_PRESETS.gbdtMultiOutput, weighting: 'balanced' },
    {
      name: 'multi-output-deep',
      params: { multiOutput: true, sketchDims: 3, maxDepth: 8, lambda: 1, minChildWeight: 1, learningRate: 0.3, nRounds: 100 },
      weighting: 'sqrt',
    },
    { name: 'xgboost-like', params: { maxDepth: 8, lambda: 1, minChildWeight: 1, learningRate: 0.3, nRounds: 100 }, weighting: 'none' },
  ],
  thorough: [
    { name: 'xgboost-like-slow', params: { maxDepth: 8, lambda: 1, minChildWeight: 1, learningRate: 0.1, nRounds: 300 }, weighting: 'none' },
    { name: 'xgboost-like-sqrt', params: { maxDepth: 8, lambda: 1, minChildWeight: 1, learningRate: 0.3, nRounds: 200 }, weighting: 'sqrt' },
    {
      name: 'multi-output-deep-balanced',
      params: { multiOutput: true, sketchDims: 3, maxDepth: 8, lambda: 1, minChildWeight: 1, learningRate: 0.2, nRounds: 150 },
      weighting: 'balanced',
    },
    {
      name: 'per-class-mid',
      params: { maxDepth: 6, lambda: 3, minChildWeight: 3, learningRate: 0.2, nRounds: 100, colsampleByTree: 0.8, splitPenalty: 0.002 },
      weighting: 'balanced',
    },
    { name: 'per-class-shallow-sqrt', params: GBDT_PRESETS.gbdtPerClass, weighting: 'sqrt' },
    { name: 'multi-output-full-gradients', params: { ...GBDT_PRESETS.gbdtMultiOutput, sketchDims: 0 }, weighting: 'balanced' },
    {
      name: 'lossguide-64',
      params: { growPolicy: 'lossguide', maxDepth: 0, maxLeaves: 64, lambda: 1, minChildWeight: 1, learningRate: 0.1, nRounds: 300 },
      weighting: 'sqrt',
    },
  ],
} as const satisfies Record<'fast' | 'thorough', readonly GbdtCandidate[]>;

/**
 * Successive-halving schedules. 'fast': every candidate on a quarter of the rows (at least 5,000,
 * at most 30,000) for half its round cap, then the best on every row for its whole cap (docs/presets.md).
 */
export const GBDT_RUNGS = {
  fast: [
    { rowFraction: 0.25, minRows: 5_000, maxRows: 30_000, keep: 1, roundFraction: 0.5 },
    { rowFraction: 1, keep: 1 },
  ],
  thorough: [
    { rowFraction: 0.2, minRows: 4_000, maxRows: 30_000, keep: 4 },
    { rowFraction: 0.5, maxRows: 120_000, keep: 2 },
    { rowFraction: 1, keep: 1 },
  ],
} as const satisfies Record<'fast' | 'thorough', readonly SearchRung[]>;

/**
 * The GBDT search at a level: the candidates with the request's parameters on top (a requested
 * parameter is never searched over), duplicates dropped, the class-count preset first (it wins ties).
 * A request that sets `multiOutput` searches the candidates of that tree kind only.
 * With `weighting` set (the request fixed the balancing), candidates keep that weighting.
 * @example gbdtSearch('fast', 10, { maxDepth: 6 }) // every candidate at depth 6
 */
export function gbdtSearch(level: TuneLevel, classCount: number, requested: LearnerParams, weighting?: BalancingMode): SearchOptions {
  const pool: readonly GbdtCandidate[] =
    level === 'thorough' ? [...GBDT_CANDIDATES.fast, ...GBDT_CANDIDATES.thorough] : level === 'fast' ? GBDT_CANDIDATES.fast : [];
  const preset = classCount >= MULTI_OUTPUT_MIN_CLASSES ? 'multi-output' : 'per-class-shallow';
  // a request that sets the tree kind searches the candidates of that kind only (as presets() gives that kind's preset)
  const kind = typeof requested.multiOutput === 'boolean' ? requested.multiOutput : undefined;
  const ofKind = pool.filter((c) => kind === undefined || ('multiOutput' in c.params && c.params.multiOutput === true) === kind);
  const first = kind === undefined ? preset : kind ? 'multi-output' : 'per-class-shallow';
  const ordered = [...ofKind.filter((c) => c.name === first), ...ofKind.filter((c) => c.name !== first)];
  const seen = new Set<string>();
  const candidates: SearchCandidate[] = [];
  for (const c of ordered) {
    const params = { ...c.params, ...requested };
    const w = weighting ?? c.weighting;
    const key = JSON.stringify([Object.entries(params).sort(([a], [b]) => a.localeCompare(b)), w]);
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push({ name: c.name, params, weighting: w });
  }
  return { level, candidates, rungs: level === 'thorough' ? GBDT_RUNGS.thorough : GBDT_RUNGS.fast, roundsParam: 'nRounds' };
}

const asGbdt = (document: unknown): GbdtModelDocument => document as GbdtModelDocument;

export const GBDT_FAMILY: ModelFamily = {
  id: 'gbdt',
  description: 'gradient-boosted decision trees (histogram splits, per-class or multi-output trees)',
  threaded: true,
  trainable: true,
  create: (seed, params) => new GbdtLearner({ ...params, seed }),
  load: (document) => GbdtLearner.fromJSON(document),
  presets(classCount, requested) {
    const multi = typeof requested.multiOutput === 'boolean' ? requested.multiOutput : classCount >= MULTI_OUTPUT_MIN_CLASSES;
    return { ...(multi ? GBDT_PRESETS.gbdtMultiOutput : GBDT_PRESETS.gbdtPerClass), ...requested };
  },
  search: gbdtSearch,
  // rounds grow with the data (rounds × refit rows / fitted rows), a common rule for boosting refits
  refit: (best, rows) => ({ nRounds: Math.max(1, Math.round(((best + 1) * rows.refit) / rows.fitted)), earlyStoppingRounds: 0 }),
  // a mining round adds up to a quarter of the kept model's rounds on the re-weighted rows
  continuation: (best) => ({ nRounds: Math.max(1, Math.ceil((best + 1) / 4)) }),
  // adaptation: at most 40 rounds at half the trained learning rate, early-stopped on the new samples' held-out slice (docs/online-learning.md)
  adaptation: (trained) => ({
    nRounds: 40,
    learningRate: (typeof trained.learningRate === 'number' ? trained.learningRate : 0.3) / 2,
    earlyStoppingRounds: 10,
  }),
  predictProba: (document, X) => predictProbaFromDocument(asGbdt(document), X),
  exportOnnx: (document, settings) => exportGbdtToOnnx(asGbdt(document), { ...settings }),
  onnxGraph: (g, inputs, document, settings) => ({ name: addGbdtProbabilities(g, inputs, asGbdt(document), settings).probabilities, type: 'float' }),
  explanations: (document, heldOut, options) => treeExplanations(asGbdt(document), heldOut, options),
  attributions: (document, X) => shapValues(asGbdt(document), X),
  describe(document) {
    const d = asGbdt(document);
    return { trees: d.trees.length, classes: d.classes.length, features: d.schema.features.length };
  },
};
