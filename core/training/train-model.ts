// The training orchestrator: LabelledData in, trained learner + model document + training summary out.
// Steps: leakage-free split (test, then validation out of train) → class balancing → fit with
// validation-based early stopping → hard-example mining rounds (best by validation macro-F1 kept) →
// per-class thresholds tuned on validation → evaluation on the held-out test split → summary.
// The learner is reached only through the Learner protocol and a factory, so GBDT and MLP share it.
import { takeLabels, takeRows, type FeatureMatrix, type LabelledData } from '../data/table';
import { evaluate } from '../evaluation/metrics';
import { rowGroups, stratifiedGroupSplit } from '../evaluation/split';
import { predictWithThresholds, tuneThresholds, type TuneThresholdsOptions } from '../evaluation/thresholds';
import { offsetFitHistory } from '../learners/fit-history';
import type { FitProgress, FitReport, Learner, ModelDocument } from '../learners/learner';
import { classCounts, classWeightTable, DEFAULT_OVERSAMPLE, oversample, type BalancingMode, type BalancingOptions, type OversampleOptions } from './balancing';
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
import { searchOnValidation, type SearchOptions, type SearchOutcome, type SearchReport } from './search';
import type { HyperparameterValue, LearnerFactory, LearnerParams } from './learner-params';
import type { PhaseTimings, TrainingSummary } from './summary';

/** The code version recorded when the caller does not give one (the platform passes config.codeVersion). */
export const UNVERSIONED = 'unversioned';

export type { LearnerFactory, LearnerParams } from './learner-params';

export type TrainPhase = 'split' | 'balancing' | 'search' | 'fit' | 'hard-example-mining' | 'thresholds' | 'evaluation' | 'done';

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
  /** The code version stamp of the summary (config.codeVersion); default 'unversioned'. */
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
  /**
   * A search on the validation split (successive halving over candidate parameter sets and class
   * weightings, search.ts) that runs before the first fit and chooses the parameters and the
   * balancing mode the rest of the run uses; `params` and `balancing.mode` are then only the
   * fallback. The test rows never reach it. Default: no search.
   */
  readonly search?: SearchOptions;
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
  'search',
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

/** The three parts of a leakage-free split, as row indices into the data and the matrices of the first two. */
interface SplitRows {
  readonly fit: Int32Array;
  readonly validation: Int32Array;
  readonly test: Int32Array;
  readonly duplicateRows: number;
  readonly XFit: FeatureMatrix;
  readonly yFit: Int32Array;
  readonly XVal: FeatureMatrix;
  readonly yVal: Int32Array;
}

/** What balancing decided: positions into the fit rows (oversampled or not) and the class weights. */
interface Balance {
  readonly oversample: Required<OversampleOptions> | null;
  readonly positions: Int32Array;
  readonly yPositions: Int32Array;
  readonly positionCounts: Float64Array;
  readonly weightTable: Float64Array;
  readonly fitCounts: Float64Array;
}

/** The first fit, the mining rounds and the one kept (best validation score). */
interface MiningOutcome {
  readonly first: FittedModel;
  readonly best: FittedModel;
  readonly rounds: HardExampleRound[];
  readonly keptRound: number;
  readonly keptMultiplicity: Float64Array | null;
  readonly stoppedEarly?: string;
  readonly firstFitMs: number;
  readonly miningMs: number;
}

type Emit = (progress: TrainProgress) => void;

/** The options with their defaults, checked (a typo or an out-of-range value fails before any work). */
function resolveOptions(data: LabelledData, options: TrainOptions) {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TrainingOptionsError(`unknown training option "${key}"`);
  }
  const { X, y, classes, schema } = data;
  const seed = options.seed;
  const testFraction = options.testFraction ?? 0.3;
  const validationFraction = options.validationFraction ?? 0.15;
  const balancing = options.balancing ?? { mode: 'balanced' as const };
  const mining = resolveHardExampleOptions(options.hardExampleMining);
  if (typeof options.learnerFactory !== 'function') throw new TrainingOptionsError('learnerFactory must be a function');
  if (!Number.isFinite(seed)) throw new TrainingOptionsError(`seed must be a finite number, got ${seed}`);
  if (!(testFraction > 0 && testFraction < 1)) throw new TrainingOptionsError(`testFraction must be in (0, 1), got ${testFraction}`);
  if (!(validationFraction > 0 && validationFraction < 1)) throw new TrainingOptionsError(`validationFraction must be in (0, 1), got ${validationFraction}`);
  if (!['none', 'balanced', 'sqrt'].includes(balancing.mode))
    throw new TrainingOptionsError(`balancing.mode must be 'none', 'balanced' or 'sqrt', got ${String(balancing.mode)}`);
  for (const key of Object.keys(balancing)) {
    if (key !== 'mode' && key !== 'oversample') throw new TrainingOptionsError(`unknown balancing option "${key}"`);
  }
  if (classes.length < 2) throw new TrainingOptionsError(`need at least 2 classes, got ${classes.length}`);
  if (y.length !== X.rows) throw new TrainingOptionsError(`labels length ${y.length} != matrix rows ${X.rows}`);
  if (schema.features.length !== X.cols) throw new TrainingOptionsError(`schema has ${schema.features.length} features, matrix has ${X.cols} columns`);
  classCounts(y, classes.length); // throws on a class index outside [0, K)
  return { seed, params: options.params ?? {}, testFraction, validationFraction, balancing, mining };
}

/** Phase 1: the leakage-free split — test first, then validation out of the training part (duplicates never straddle). */
function splitPhase(data: LabelledData, seed: number, testFraction: number, validationFraction: number): SplitRows {
  const { X, y } = data;
  const groups = rowGroups(X);
  const outer = stratifiedGroupSplit(X, y, { testFraction, seed, groups });
  const inner = stratifiedGroupSplit(X, y, { testFraction: validationFraction, seed: seed + 1, indices: outer.train, groups });
  const fit = inner.train;
  const validation = inner.test;
  const test = outer.test;
  if (fit.length === 0 || validation.length === 0 || test.length === 0) {
    throw new TrainingError(`too few rows to split: train ${fit.length}, validation ${validation.length}, test ${test.length}`);
  }
  return {
    fit,
    validation,
    test,
    duplicateRows: groups.duplicateRows,
    XFit: takeRows(X, fit),
    yFit: takeLabels(y, fit),
    XVal: takeRows(X, validation),
    yVal: takeLabels(y, validation),
  };
}

/** Phase 2: balancing — optional oversampling (positions into the fit rows), then class weights. */
function balancePhase(yFit: Int32Array, K: number, balancing: BalancingOptions, seed: number): Balance {
  const oversampleOptions: Required<OversampleOptions> | null = balancing.oversample ? { ...DEFAULT_OVERSAMPLE, ...balancing.oversample } : null;
  if (oversampleOptions) {
    for (const key of Object.keys(oversampleOptions)) {
      if (!(key in DEFAULT_OVERSAMPLE)) throw new TrainingOptionsError(`unknown balancing.oversample option "${key}"`);
    }
  }
  const positions = oversampleOptions ? oversample(yFit, K, { ...oversampleOptions, seed: seed + 2 }) : identity(yFit.length);
  const yPositions = takeLabels(yFit, positions);
  const positionCounts = classCounts(yPositions, K);
  return {
    oversample: oversampleOptions,
    positions,
    yPositions,
    positionCounts,
    weightTable: classWeightTable(positionCounts, balancing.mode),
    fitCounts: classCounts(yFit, K),
  };
}

/** One fit of a round (0 = the first fit), optionally continuing the model `from`, scored on validation. */
function fitRound(
  data: LabelledData,
  split: SplitRows,
  balance: Balance,
  options: TrainOptions,
  strategy: 'upweight' | 'replay',
  emit: Emit,
  round: number,
  multiplicity: Float64Array | null,
  from?: FittedModel,
): FittedModel {
  const { schema, classes } = data;
  const params = options.params ?? {};
  const { rows, weights } = fitSet(balance.positions, balance.yPositions, balance.weightTable, multiplicity, strategy);
  const XRound = rows === balance.positions && !balance.oversample ? split.XFit : takeRows(split.XFit, rows);
  const yRound = takeLabels(split.yFit, rows);
  let learner: Learner;
  let report: FitReport;
  let proba: Float64Array;
  const continued = from && options.continuation ? options.continuation(from.totalBestIteration) : null;
  try {
    learner = options.learnerFactory(options.seed, continued ? { ...params, ...continued } : params);
    report = learner.fit(XRound, yRound, {
      schema,
      classes,
      sampleWeight: weights,
      ...(continued && from ? { init: from.learner.toJSON() } : {}),
      validation: { X: split.XVal, y: split.yVal },
      onProgress: (fit) => emit({ phase: 'fit', round, message: `round ${round} iteration ${fit.iteration}/${fit.maxIterations}`, fit }),
    });
    proba = learner.predictProba(split.XVal);
  } catch (err) {
    throw new LearnerFailedError(round === 0 ? 'fit' : `hard-example round ${round}`, { cause: err });
  }
  const before = continued && from ? from.totalBestIteration + 1 : 0;
  return {
    learner,
    report,
    totalBestIteration: before + report.bestIteration,
    totalIterations: before + report.iterations,
    fittedRows: rows.length,
    score: validationScore(split.yVal, proba, classes),
  };
}

/** Phases 3 and 4: the first fit (early stopping on validation is the learner's), then hard-example rounds; the best by validation is kept. */
function fitAndMinePhase(
  data: LabelledData,
  split: SplitRows,
  balance: Balance,
  options: TrainOptions,
  mining: ReturnType<typeof resolveHardExampleOptions>,
  emit: Emit,
  ready?: SearchOutcome['fullFit'],
): MiningOutcome {
  const { classes } = data;
  const K = classes.length;
  const fit = (round: number, multiplicity: Float64Array | null, from?: FittedModel) =>
    fitRound(data, split, balance, options, mining.strategy, emit, round, multiplicity, from);
  let t = performance.now();
  let first: FittedModel;
  if (ready) {
    // the search's last rung fitted the winner on these rows with these weights: that is the first fit
    emit({ phase: 'fit', round: 0, message: `the search's fit on ${balance.positions.length} rows is the first fit` });
    const { learner, report, score } = ready;
    first = { learner, report, totalBestIteration: report.bestIteration, totalIterations: report.iterations, fittedRows: balance.positions.length, score };
  } else {
    emit({ phase: 'fit', round: 0, message: `fitting ${balance.positions.length} rows` });
    first = fit(0, null);
  }
  const firstFitMs = performance.now() - t;

  t = performance.now();
  const rounds: HardExampleRound[] = [];
  let best = first;
  let keptRound = 0;
  let keptMultiplicity: Float64Array | null = null;
  let stoppedEarly: string | undefined;
  if (mining.enabled && mining.rounds > 0) {
    const multiplicity = new Float64Array(split.fit.length).fill(1);
    let current = first;
    for (let r = 1; r <= mining.rounds; r++) {
      emit({ phase: 'hard-example-mining', round: r, message: `mining round ${r}` });
      let probaFit: Float64Array;
      try {
        probaFit = current.learner.predictProba(split.XFit);
      } catch (err) {
        throw new LearnerFailedError(`hard-example round ${r} prediction`, { cause: err });
      }
      const mined = mineHardExamples(split.yFit, probaFit, K, mining.probabilityThreshold);
      if (mined.total === 0) {
        stoppedEarly = `round ${r} found no hard training rows (all right with true-class probability >= ${mining.probabilityThreshold})`;
        break;
      }
      for (let i = 0; i < multiplicity.length; i++) if (mined.mask[i]) multiplicity[i] *= mining.factor;
      const next = fit(r, multiplicity, options.continuation ? current : undefined);
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
  return { first, best, rounds, keptRound, keptMultiplicity, stoppedEarly, firstFitMs, miningMs: performance.now() - t };
}

/** Phase 2b: the search on the validation split (search.ts) over the fit rows as balanced (oversampled positions included). */
function searchPhase(
  data: LabelledData,
  split: SplitRows,
  balance: Balance,
  search: SearchOptions,
  run: { readonly factory: LearnerFactory; readonly seed: number; readonly mode: BalancingMode },
  emit: Emit,
): SearchOutcome {
  const X = balance.oversample ? takeRows(split.XFit, balance.positions) : split.XFit;
  return searchOnValidation(
    { X, y: balance.yPositions, rowWeight: null, XVal: split.XVal, yVal: split.yVal, schema: data.schema, classes: data.classes },
    search,
    {
      factory: run.factory,
      seed: run.seed,
      balancing: run.mode,
      onTrial: (trial) =>
        emit({
          phase: 'search',
          message: `search rung ${trial.rung} ${trial.candidate}: ${trial.rows} rows, ${trial.iterations} iterations, validation macro-F1 ${trial.validation.macroF1.toFixed(4)}`,
        }),
    },
  );
}

/** Phase 5: per-class decision thresholds tuned on the validation rows. */
function thresholdPhase(learner: Learner, split: SplitRows, classes: readonly string[], options: TrainOptions): number[] {
  let probaVal: Float64Array;
  try {
    probaVal = learner.predictProba(split.XVal);
  } catch (err) {
    throw new LearnerFailedError('threshold tuning', { cause: err });
  }
  return tuneThresholds(split.yVal, probaVal, classes, options.thresholds);
}

/** Phase 6: refit on training + validation rows at the length early stopping chose (not with oversampling). */
function refitPhase(
  data: LabelledData,
  split: SplitRows,
  outcome: MiningOutcome,
  options: TrainOptions,
  balancing: BalancingOptions,
): { learner: Learner; summary: { rows: number; iterations: number; trainMillis: number } } {
  const { X, y, schema, classes } = data;
  const refit = options.refit as NonNullable<TrainOptions['refit']>;
  const allRows = Int32Array.from([...split.fit, ...split.validation]);
  const XAll = takeRows(X, allRows);
  const yAll = takeLabels(y, allRows);
  const table = classWeightTable(classCounts(yAll, classes.length), balancing.mode);
  const kept = outcome.keptMultiplicity;
  const weights = Float64Array.from(yAll, (c, i) => table[c] * (i < split.fit.length && kept ? kept[i] : 1));
  try {
    const learner = options.learnerFactory(options.seed, {
      ...(options.params ?? {}),
      ...refit(outcome.best.totalBestIteration, { fitted: split.fit.length, refit: allRows.length }),
    });
    const report = learner.fit(XAll, yAll, { schema, classes, sampleWeight: weights });
    return { learner, summary: { rows: allRows.length, iterations: report.iterations, trainMillis: report.trainMillis } };
  } catch (err) {
    throw new LearnerFailedError('refit', { cause: err });
  }
}

/** Phase 7: held-out evaluation, plain and thresholded. */
function evaluationPhase(learner: Learner, data: LabelledData, split: SplitRows, thresholds: number[]) {
  const XTest = takeRows(data.X, split.test);
  const yTest = takeLabels(data.y, split.test);
  let testProba: Float64Array;
  try {
    testProba = learner.predictProba(XTest);
  } catch (err) {
    throw new LearnerFailedError('evaluation', { cause: err });
  }
  return {
    yTest,
    testProba,
    metrics: evaluate(yTest, testProba, data.classes),
    thresholdedMetrics: evaluate(yTest, testProba, data.classes, { predicted: predictWithThresholds(testProba, thresholds) }),
  };
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
  const { seed, params, testFraction, validationFraction, balancing, mining } = resolveOptions(data, options);
  const { X, classes } = data;
  const K = classes.length;
  const emit: Emit = (progress) => options.onProgress?.(progress);
  const timed = <T>(fn: () => T): [T, number] => {
    const t = performance.now();
    return [fn(), performance.now() - t];
  };

  emit({ phase: 'split', message: `splitting ${X.rows} rows (test ${testFraction}, validation ${validationFraction} of train)` });
  const [split, splitMs] = timed(() => splitPhase(data, seed, testFraction, validationFraction));

  emit({ phase: 'balancing', message: `balancing mode ${balancing.mode}${balancing.oversample ? ' with oversampling' : ''}` });
  const [balance, balancingMs] = timed(() => balancePhase(split.yFit, K, balancing, seed));

  let run = options;
  let chosenBalancing = balancing;
  let chosenBalance = balance;
  let search: SearchOutcome | undefined;
  let searchMs = 0;
  if (options.search) {
    const level = options.search.level;
    emit({ phase: 'search', message: `searching ${options.search.candidates.length} candidate(s) on the validation split (${level})` });
    [search, searchMs] = timed(() =>
      searchPhase(data, split, balance, options.search as SearchOptions, { factory: options.learnerFactory, seed, mode: balancing.mode }, emit),
    );
    chosenBalancing = { ...balancing, mode: search.chosen.weighting };
    chosenBalance = { ...balance, weightTable: classWeightTable(balance.positionCounts, search.chosen.weighting) };
    run = { ...options, params: search.chosen.params, balancing: chosenBalancing };
  }

  const outcome = fitAndMinePhase(data, split, chosenBalance, run, mining, emit, search?.fullFit);
  const { first, best, rounds, keptRound, stoppedEarly } = outcome;
  const kept = describeKept(keptRound, first.score, best.score, rounds.length, stoppedEarly);

  emit({ phase: 'thresholds', message: 'tuning per-class thresholds on validation' });
  const [thresholds, thresholdsMs] = timed(() => thresholdPhase(best.learner, split, classes, options));

  let finalLearner = best.learner;
  let refitSummary: { rows: number; iterations: number; trainMillis: number } | null = null;
  let refitMs = 0;
  if (options.refit && !balance.oversample) {
    emit({ phase: 'fit', round: keptRound, message: `refitting on ${split.fit.length + split.validation.length} training + validation rows` });
    const [refit, ms] = timed(() => refitPhase(data, split, outcome, run, chosenBalancing));
    finalLearner = refit.learner;
    refitSummary = refit.summary;
    refitMs = ms;
  }

  emit({ phase: 'evaluation', message: `evaluating on ${split.test.length} held-out rows` });
  const [evaluation, evaluationMs] = timed(() => evaluationPhase(finalLearner, data, split, thresholds));

  const document = finalLearner.toJSON();
  const timings: PhaseTimings = {
    split: splitMs,
    balancing: balancingMs,
    search: searchMs,
    fit: outcome.firstFitMs,
    hardExampleMining: outcome.miningMs,
    refit: refitMs,
    thresholds: thresholdsMs,
    evaluation: evaluationMs,
    total: performance.now() - tStart,
  };
  const summary = buildSummary({
    data,
    options: run,
    params: run.params ?? params,
    balancing: chosenBalancing,
    mining,
    split,
    balance: chosenBalance,
    outcome,
    search: search?.report,
    kept,
    thresholds,
    evaluation,
    refitSummary,
    document,
    timings,
  });
  emit({ phase: 'done', message: `kept ${kept}; test macro-F1 ${evaluation.metrics.macroF1.toFixed(4)}` });
  return {
    learner: finalLearner,
    document,
    summary,
    split: { train: split.fit, validation: split.validation, test: split.test },
    testProba: evaluation.testProba,
    thresholds,
  };
}

/** The training summary of a finished run (training_summary.json without the dataset identity). */
function buildSummary(r: {
  data: LabelledData;
  options: TrainOptions;
  params: LearnerParams;
  balancing: BalancingOptions;
  mining: ReturnType<typeof resolveHardExampleOptions>;
  split: SplitRows;
  balance: Balance;
  outcome: MiningOutcome;
  kept: string;
  thresholds: number[];
  evaluation: ReturnType<typeof evaluationPhase>;
  refitSummary: { rows: number; iterations: number; trainMillis: number } | null;
  document: ModelDocument;
  timings: PhaseTimings;
  search: SearchReport | undefined;
}): TrainingSummary {
  const { classes, X } = r.data;
  const K = classes.length;
  const { best, first } = r.outcome;
  const valCounts = classCounts(r.split.yVal, K);
  const testCounts = classCounts(r.evaluation.yTest, K);
  const perClass: Record<string, { train: number; validation: number; test: number }> = {};
  const oversampledRows: Record<string, number> = {};
  const weightsByLabel: Record<string, number> = {};
  classes.forEach((label, c) => {
    perClass[label] = { train: r.balance.fitCounts[c], validation: valCounts[c], test: testCounts[c] };
    oversampledRows[label] = r.balance.positionCounts[c] - r.balance.fitCounts[c];
    weightsByLabel[label] = r.balance.weightTable[c];
  });
  return {
    summaryVersion: 1,
    algorithm: best.learner.algorithm,
    classes: [...classes],
    hyperparameters: hyperparameters(r.document, r.params),
    seed: r.options.seed,
    rows: {
      total: X.rows,
      train: r.split.fit.length,
      validation: r.split.validation.length,
      test: r.split.test.length,
      fitted: best.fittedRows,
      duplicateRows: r.split.duplicateRows,
      perClass,
    },
    balancing: { mode: r.balancing.mode, oversample: r.balance.oversample, oversampledRows, classWeights: weightsByLabel },
    fit: {
      ...best.report,
      iterations: best.totalIterations,
      bestIteration: best.totalBestIteration,
      // the kept fit's curve, numbered as the whole model's iterations (a hard-example round continues earlier ones)
      ...(best.report.history ? { history: offsetFitHistory(best.report.history, best.totalIterations - best.report.iterations) } : {}),
    },
    refit: r.refitSummary,
    hardExamples: {
      enabled: r.mining.enabled && r.mining.rounds > 0,
      strategy: r.mining.strategy,
      probabilityThreshold: r.mining.probabilityThreshold,
      factor: r.mining.factor,
      before: first.score,
      rounds: r.outcome.rounds,
      keptRound: r.outcome.keptRound,
      after: best.score,
      kept: r.kept,
      ...(r.outcome.stoppedEarly ? { stoppedEarly: r.outcome.stoppedEarly } : {}),
    },
    validation: best.score,
    ...(r.search ? { search: r.search } : {}),
    thresholds: Object.fromEntries(classes.map((label, c) => [label, r.thresholds[c]])),
    metrics: r.evaluation.metrics,
    thresholdedMetrics: r.evaluation.thresholdedMetrics,
    timings: r.timings,
    codeVersion: r.options.codeVersion ?? UNVERSIONED,
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
