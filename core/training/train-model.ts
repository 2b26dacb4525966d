// The training orchestrator: LabelledData in, trained learner + model document + training summary out.
// Steps: leakage-free split (test, then validation out of train) → class balancing → fit with
// validation-based early stopping → hard-example mining rounds (best by validation macro-F1 kept) →
// per-class thresholds tuned on validation → evaluation on the held-out test split → summary.
// The learner is reached only through the Learner protocol and a factory, so GBDT and MLP share it.
import { takeLabels, takeRows, type LabelledData } from '../data/table';
import { evaluate } from '../evaluation/metrics';
import { rowGroups, stratifiedGroupSplit } from '../evaluation/split';
import { predictWithThresholds, tuneThresholds, type TuneThresholdsOptions } from '../evaluation/thresholds';
import type { FitProgress, FitReport, Learner, ModelDocument } from '../learners/learner';
import { classCounts, classWeightTable, DEFAULT_OVERSAMPLE, oversample, type BalancingOptions, type OversampleOptions } from './balancing';
import { LearnerFailedError, TrainingError, TrainingOptionsError } from './errors';
import {
  isBetter,
  mineHardExamples,
  resolveHardExampleOptions,
  validationScore,
  type HardExampleOptions,
  type HardExampleRound,
  type ValidationScore,
} from './hard-examples';
import { codeVersion, type HyperparameterValue, type PhaseTimings, type TrainingSummary } from './summary';

export type LearnerParams = Readonly<Record<string, HyperparameterValue>>;

/** Builds a fresh, unfitted learner; called once per fit (first fit and each mining round). */
export type LearnerFactory = (seed: number, params: LearnerParams) => Learner;

export type TrainPhase = 'split' | 'balancing' | 'fit' | 'hard-example-mining' | 'thresholds' | 'evaluation' | 'done';

/** Progress event: one per phase change, plus the learner's own per-iteration progress during fits. */
export interface TrainProgress {
  readonly phase: TrainPhase;
  readonly message: string;
  /** 0 = first fit, r = refit of mining round r (phase 'fit' and 'hard-example-mining'). */
  readonly round?: number;
  readonly fit?: FitProgress;
}

export interface TrainOptions {
  readonly learnerFactory: LearnerFactory;
  /** Passed to the factory and recorded in the summary (unless the model document carries `params`). Default {}. */
  readonly params?: LearnerParams;
  readonly seed: number;
  /** Share of rows held out for the final test, in (0, 1). Default 0.3. */
  readonly testFraction?: number;
  /** Share of the training part used for validation (early stopping, mining choice, thresholds), in (0, 1). Default 0.15. */
  readonly validationFraction?: number;
  /** Default { mode: 'balanced' } (no oversampling). */
  readonly balancing?: BalancingOptions;
  /** Default enabled, 1 extra round, threshold 0.7, factor 2, 'upweight'. false = off. */
  readonly hardExampleMining?: HardExampleOptions | false;
  readonly thresholds?: TuneThresholdsOptions;
  readonly onProgress?: (progress: TrainProgress) => void;
  /** Overrides the code version stamp (default: codeVersion()). */
  readonly codeVersion?: string;
  /**
   * Refit the kept model on training + validation rows once early stopping, mining and thresholds
   * are settled: given the kept fit's best iteration, the learner parameters that reproduce that
   * length without a validation split (e.g. `{ nRounds: best + 1, earlyStoppingRounds: 0 }`).
   * The refit model is the one returned, evaluated and exported; thresholds stay those tuned on
   * validation. Not applied with oversampling. Default: no refit.
   */
  readonly refit?: (bestIteration: number, rows: { readonly fitted: number; readonly refit: number }) => LearnerParams;
  /**
   * Hard-example rounds continue the model before them (FitOptions.init) on the re-weighted
   * training rows, with early stopping, instead of fitting afresh: given that model's best
   * iteration, the learner parameters of the extra iterations (e.g. `{ nRounds: ceil(best / 4) }`).
   * The refit then runs the kept model's total length. Iterations are counted as GBDT reports
   * them (bestIteration is a 0-based round index). Default: fresh fits.
   */
  readonly continuation?: (bestIteration: number) => LearnerParams;
}

export interface TrainResult {
  /** The kept learner (first fit or the best mining round), fitted. */
  readonly learner: Learner;
  readonly document: ModelDocument;
  readonly summary: TrainingSummary;
  /** Row indices into data (ascending): fitted part, validation part, held-out test part. */
  readonly split: { readonly train: Int32Array; readonly validation: Int32Array; readonly test: Int32Array };
  /** Kept learner's probabilities on the test rows (row-major, split.test order). */
  readonly testProba: Float64Array;
  /** Per-class thresholds, in class order (same values as summary.thresholds). */
  readonly thresholds: number[];
}

const KNOWN_OPTIONS = new Set([
  'learnerFactory',
  'params',
  'seed',
  'testFraction',
  'validationFraction',
  'balancing',
  'hardExampleMining',
  'thresholds',
  'onProgress',
  'codeVersion',
  'refit',
  'continuation',
]);

interface FittedModel {
  readonly learner: Learner;
  readonly report: FitReport;
  /** Best iteration counted from the start, including the iterations of the model it continued. */
  readonly totalBestIteration: number;
  /** Iterations run counted from the start, including the kept part of the model it continued. */
  readonly totalIterations: number;
  readonly fittedRows: number;
  readonly score: ValidationScore;
}

/**
 * Trains, mines hard examples, tunes thresholds and evaluates one model on a labelled table.
 *
 * @example
 * const result = trainModel(data, {
 *   learnerFactory: (seed, params) => new GbdtLearner({ seed, ...params }),
 *   params: { nRounds: 200, maxDepth: 8 },
 *   seed: 42,
 *   balancing: { mode: 'sqrt', oversample: { targetFraction: 0.05 } },
 * });
 * writeFileSync('training_summary.json', JSON.stringify({ ...result.summary, dataset }, null, 2));
 */
export function trainModel(data: LabelledData, options: TrainOptions): TrainResult {
  const tStart = performance.now();
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TrainingOptionsError(`unknown training option "${key}"`);
  }
  const { X, y, classes, schema } = data;
  const K = classes.length;
  const seed = options.seed;
  const params = options.params ?? {};
  const testFraction = options.testFraction ?? 0.3;
  const validationFraction = options.validationFraction ?? 0.15;
  const balancing = options.balancing ?? { mode: 'balanced' as const };
  const mining = resolveHardExampleOptions(options.hardExampleMining);
  if (typeof options.learnerFactory !== 'function') throw new TrainingOptionsError('learnerFactory must be a function');
  if (!Number.isFinite(seed)) throw new TrainingOptionsError(`seed must be a finite number, got ${seed}`);
  if (!(testFraction > 0 && testFraction < 1)) throw new TrainingOptionsError(`testFraction must be in (0, 1), got ${testFraction}`);
  if (!(validationFraction > 0 && validationFraction < 1)) throw new TrainingOptionsError(`validationFraction must be in (0, 1), got ${validationFraction}`);
  if (!['none', 'balanced', 'sqrt'].includes(balancing.mode)) throw new TrainingOptionsError(`balancing.mode must be 'none', 'balanced' or 'sqrt', got ${String(balancing.mode)}`);
  for (const key of Object.keys(balancing)) {
    if (key !== 'mode' && key !== 'oversample') throw new TrainingOptionsError(`unknown balancing option "${key}"`);
  }
  if (K < 2) throw new TrainingOptionsError(`need at least 2 classes, got ${K}`);
  if (y.length !== X.rows) throw new TrainingOptionsError(`labels length ${y.length} != matrix rows ${X.rows}`);
  if (schema.features.length !== X.cols) throw new TrainingOptionsError(`schema has ${schema.features.length} features, matrix has ${X.cols} columns`);
  classCounts(y, K); // throws on a class index outside [0, K)
  const emit = (progress: TrainProgress): void => options.onProgress?.(progress);

  // 1. Leakage-free split: test first, then validation out of the training part.
  emit({ phase: 'split', message: `splitting ${X.rows} rows (test ${testFraction}, validation ${validationFraction} of train)` });
  let t = performance.now();
  const groups = rowGroups(X);
  const outer = stratifiedGroupSplit(X, y, { testFraction, seed, groups });
  const inner = stratifiedGroupSplit(X, y, { testFraction: validationFraction, seed: seed + 1, indices: outer.train, groups });
  const fitRows = inner.train;
  const valRows = inner.test;
  const testRows = outer.test;
  if (fitRows.length === 0 || valRows.length === 0 || testRows.length === 0) {
    throw new TrainingError(`too few rows to split: train ${fitRows.length}, validation ${valRows.length}, test ${testRows.length}`);
  }
  const XFit = takeRows(X, fitRows);
  const yFit = takeLabels(y, fitRows);
  const XVal = takeRows(X, valRows);
  const yVal = takeLabels(y, valRows);
  const splitMs = performance.now() - t;

  // 2. Balancing: optional oversampling (positions into the fit rows), then class weights.
  emit({ phase: 'balancing', message: `balancing mode ${balancing.mode}${balancing.oversample ? ' with oversampling' : ''}` });
  t = performance.now();
  const oversampleOptions: Required<OversampleOptions> | null = balancing.oversample ? { ...DEFAULT_OVERSAMPLE, ...balancing.oversample } : null;
  if (oversampleOptions) {
    for (const key of Object.keys(oversampleOptions)) {
      if (!(key in DEFAULT_OVERSAMPLE)) throw new TrainingOptionsError(`unknown balancing.oversample option "${key}"`);
    }
  }
  const positions = oversampleOptions ? oversample(yFit, K, { ...oversampleOptions, seed: seed + 2 }) : identity(fitRows.length);
  const yPositions = takeLabels(yFit, positions);
  const positionCounts = classCounts(yPositions, K);
  const weightTable = classWeightTable(positionCounts, balancing.mode);
  const fitCounts = classCounts(yFit, K);
  const balancingMs = performance.now() - t;

  const fitModel = (round: number, multiplicity: Float64Array | null, from?: FittedModel): FittedModel => {
    const { rows, weights } = fitSet(positions, yPositions, weightTable, multiplicity, mining.strategy);
    const XRound = rows === positions && !oversampleOptions ? XFit : takeRows(XFit, rows);
    const yRound = takeLabels(yFit, rows);
    let learner: Learner;
    let report: FitReport;
    let proba: Float64Array;
    const continued = from && options.continuation ? options.continuation(from.totalBestIteration) : null;
    try {
      learner = options.learnerFactory(seed, continued ? { ...params, ...continued } : params);
      report = learner.fit(XRound, yRound, {
        schema,
        classes,
        sampleWeight: weights,
        ...(continued && from ? { init: from.learner.toJSON() } : {}),
        validation: { X: XVal, y: yVal },
        onProgress: (fit) => emit({ phase: 'fit', round, message: `round ${round} iteration ${fit.iteration}/${fit.maxIterations}`, fit }),
      });
      proba = learner.predictProba(XVal);
    } catch (err) {
      throw new LearnerFailedError(round === 0 ? 'fit' : `hard-example round ${round}`, { cause: err });
    }
    const before = continued && from ? from.totalBestIteration + 1 : 0;
    return { learner, report, totalBestIteration: before + report.bestIteration, totalIterations: before + report.iterations, fittedRows: rows.length, score: validationScore(yVal, proba, classes) };
  };

  // 3. First fit (early stopping on the validation split is up to the learner).
  emit({ phase: 'fit', round: 0, message: `fitting ${positions.length} rows` });
  t = performance.now();
  const first = fitModel(0, null);
  const fitMs = performance.now() - t;

  // 4. Hard-example mining rounds.
  t = performance.now();
  const rounds: HardExampleRound[] = [];
  let best = first;
  let keptRound = 0;
  let keptMultiplicity: Float64Array | null = null;
  let stoppedEarly: string | undefined;
  if (mining.enabled && mining.rounds > 0) {
    const multiplicity = new Float64Array(fitRows.length).fill(1);
    let current = first;
    for (let r = 1; r <= mining.rounds; r++) {
      emit({ phase: 'hard-example-mining', round: r, message: `mining round ${r}` });
      let probaFit: Float64Array;
      try {
        probaFit = current.learner.predictProba(XFit);
      } catch (err) {
        throw new LearnerFailedError(`hard-example round ${r} prediction`, { cause: err });
      }
      const mined = mineHardExamples(yFit, probaFit, K, mining.probabilityThreshold);
      if (mined.total === 0) {
        stoppedEarly = `round ${r} found no hard training rows (all right with true-class probability >= ${mining.probabilityThreshold})`;
        break;
      }
      for (let i = 0; i < multiplicity.length; i++) if (mined.mask[i]) multiplicity[i] *= mining.factor;
      const next = fitModel(r, multiplicity, options.continuation ? current : undefined);
      rounds.push({
        round: r,
        minedPerClass: byLabel(classes, mined.perClass),
        mined: mined.total,
        misclassified: mined.misclassified,
        validation: next.score,
        fitIterations: next.report.iterations,
      });
      if (isBetter(next.score, best.score)) {
        best = next;
        keptRound = r;
        keptMultiplicity = Float64Array.from(multiplicity);
      }
      current = next;
    }
  }
  const miningMs = performance.now() - t;
  const kept = describeKept(keptRound, first.score, best.score, rounds.length, stoppedEarly);

  // 5. Thresholds on validation.
  emit({ phase: 'thresholds', message: 'tuning per-class thresholds on validation' });
  t = performance.now();
  let probaVal: Float64Array;
  let testProba: Float64Array;
  try {
    probaVal = best.learner.predictProba(XVal);
  } catch (err) {
    throw new LearnerFailedError('threshold tuning', { cause: err });
  }
  const thresholds = tuneThresholds(yVal, probaVal, classes, options.thresholds);
  const thresholdsMs = performance.now() - t;
  let fitRefitMs = 0;

  // 6. Optional refit on training + validation rows, at the length early stopping chose.
  let finalLearner = best.learner;
  let refitSummary: { rows: number; iterations: number; trainMillis: number } | null = null;
  if (options.refit && !oversampleOptions) {
    emit({ phase: 'fit', round: keptRound, message: `refitting on ${fitRows.length + valRows.length} training + validation rows` });
    t = performance.now();
    const allRows = Int32Array.from([...fitRows, ...valRows]);
    const XAll = takeRows(X, allRows);
    const yAll = takeLabels(y, allRows);
    const table = classWeightTable(classCounts(yAll, K), balancing.mode);
    const weights = Float64Array.from(yAll, (c, i) => table[c] * (i < fitRows.length && keptMultiplicity ? keptMultiplicity[i] : 1));
    try {
      finalLearner = options.learnerFactory(seed, { ...params, ...options.refit(best.totalBestIteration, { fitted: fitRows.length, refit: allRows.length }) });
      const report = finalLearner.fit(XAll, yAll, { schema, classes, sampleWeight: weights });
      refitSummary = { rows: allRows.length, iterations: report.iterations, trainMillis: report.trainMillis };
    } catch (err) {
      throw new LearnerFailedError('refit', { cause: err });
    }
    fitRefitMs = performance.now() - t;
  }

  // 7. Held-out evaluation.
  emit({ phase: 'evaluation', message: `evaluating on ${testRows.length} held-out rows` });
  t = performance.now();
  const XTest = takeRows(X, testRows);
  const yTest = takeLabels(y, testRows);
  try {
    testProba = finalLearner.predictProba(XTest);
  } catch (err) {
    throw new LearnerFailedError('evaluation', { cause: err });
  }
  const metrics = evaluate(yTest, testProba, classes);
  const thresholdedMetrics = evaluate(yTest, testProba, classes, { predicted: predictWithThresholds(testProba, thresholds) });
  const evaluationMs = performance.now() - t;

  const document = finalLearner.toJSON();
  const valCounts = classCounts(yVal, K);
  const testCounts = classCounts(yTest, K);
  const perClass: Record<string, { train: number; validation: number; test: number }> = {};
  const oversampledRows: Record<string, number> = {};
  const weightsByLabel: Record<string, number> = {};
  classes.forEach((label, c) => {
    perClass[label] = { train: fitCounts[c], validation: valCounts[c], test: testCounts[c] };
    oversampledRows[label] = positionCounts[c] - fitCounts[c];
    weightsByLabel[label] = weightTable[c];
  });
  const timings: PhaseTimings = {
    split: splitMs,
    balancing: balancingMs,
    fit: fitMs,
    hardExampleMining: miningMs,
    refit: fitRefitMs,
    thresholds: thresholdsMs,
    evaluation: evaluationMs,
    total: performance.now() - tStart,
  };
  const summary: TrainingSummary = {
    summaryVersion: 1,
    algorithm: best.learner.algorithm,
    classes: [...classes],
    hyperparameters: hyperparameters(document, params),
    seed,
    rows: {
      total: X.rows,
      train: fitRows.length,
      validation: valRows.length,
      test: testRows.length,
      fitted: best.fittedRows,
      duplicateRows: groups.duplicateRows,
      perClass,
    },
    balancing: { mode: balancing.mode, oversample: oversampleOptions, oversampledRows, classWeights: weightsByLabel },
    fit: { ...best.report, iterations: best.totalIterations, bestIteration: best.totalBestIteration },
    refit: refitSummary,
    hardExamples: {
      enabled: mining.enabled && mining.rounds > 0,
      strategy: mining.strategy,
      probabilityThreshold: mining.probabilityThreshold,
      factor: mining.factor,
      before: first.score,
      rounds,
      keptRound,
      after: best.score,
      kept,
      ...(stoppedEarly ? { stoppedEarly } : {}),
    },
    validation: best.score,
    thresholds: Object.fromEntries(classes.map((label, c) => [label, thresholds[c]])),
    metrics,
    thresholdedMetrics,
    timings,
    codeVersion: options.codeVersion ?? codeVersion(),
  };
  emit({ phase: 'done', message: `kept ${kept}; test macro-F1 ${metrics.macroF1.toFixed(4)}` });
  return {
    learner: finalLearner,
    document,
    summary,
    split: { train: fitRows, validation: valRows, test: testRows },
    testProba,
    thresholds,
  };
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/**
 * Rows (positions into the fit rows) and weights of one fit. Without multiplicity: the balanced
 * positions with class weights. 'upweight': weight × multiplicity of the row. 'replay': each
 * position repeated round(multiplicity) times, with its class weight.
 */
function fitSet(
  positions: Int32Array,
  yPositions: Int32Array,
  weightTable: Float64Array,
  multiplicity: Float64Array | null,
  strategy: 'upweight' | 'replay',
): { rows: Int32Array; weights: Float64Array } {
  if (!multiplicity || strategy === 'upweight') {
    const weights = new Float64Array(positions.length);
    for (let k = 0; k < positions.length; k++) weights[k] = weightTable[yPositions[k]] * (multiplicity ? multiplicity[positions[k]] : 1);
    return { rows: positions, weights };
  }
  let total = 0;
  for (let k = 0; k < positions.length; k++) total += Math.max(1, Math.round(multiplicity[positions[k]]));
  const rows = new Int32Array(total);
  const weights = new Float64Array(total);
  let o = 0;
  for (let k = 0; k < positions.length; k++) {
    const copies = Math.max(1, Math.round(multiplicity[positions[k]]));
    for (let c = 0; c < copies; c++) {
      rows[o] = positions[k];
      weights[o++] = weightTable[yPositions[k]];
    }
  }
  return { rows, weights };
}

function byLabel(classes: readonly string[], counts: Int32Array): Record<string, number> {
  return Object.fromEntries(classes.map((label, c) => [label, counts[c]]));
}

function describeKept(keptRound: number, before: ValidationScore, after: ValidationScore, rounds: number, stoppedEarly?: string): string {
  if (rounds === 0) return stoppedEarly ? `first fit (${stoppedEarly})` : 'first fit (mining off)';
  if (keptRound === 0) return `first fit: no mining round beat its validation macro-F1 ${before.macroF1.toFixed(4)}`;
  return `round ${keptRound}: validation macro-F1 ${after.macroF1.toFixed(4)} > ${before.macroF1.toFixed(4)} of the first fit`;
}

function hyperparameters(document: ModelDocument, params: LearnerParams): Record<string, HyperparameterValue> {
  const fromDoc = document.params;
  if (fromDoc && typeof fromDoc === 'object' && !Array.isArray(fromDoc)) {
    const out: Record<string, HyperparameterValue> = {};
    for (const [key, value] of Object.entries(fromDoc)) {
      if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') out[key] = value;
    }
    return out;
  }
  return { ...params };
}

