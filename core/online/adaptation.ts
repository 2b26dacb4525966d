// Online adaptation: a production model continues learning from new labelled samples instead of
// being refit from scratch. The new samples are split once (a held-out slice to answer "did it
// learn?"), mixed with a replay sample of the parent's own training rows (so it does not forget
// what it knew), and the parent continues on the mix — GBDT adds boosting rounds on top of its
// trees with its bin mapper kept, the MLP continues from its weights — with early stopping on the
// held-out slice. The result is scored on the held-out slice and on the parent's own test rows
// ("did it forget?"); both figures travel with the candidate to the promotion gate.
import { takeLabels, type FeatureMatrix, type LabelledData } from '../data/table';
import { evaluate, labelMetrics, type EvaluationReport, type LabelMetrics } from '../evaluation';
import type { ModelFamily } from '../families';
import { argmaxRows, type Learner, type ModelDocument } from '../learners/learner';
import { classCounts, classWeightTable, type LearnerParams } from '../training';
import { SeededRandom } from '../util/random';
import { AdaptationRefusedError } from './errors';

/** Share of the new samples held out to measure what the adaptation learned. */
export const ADAPTATION_HOLDOUT_FRACTION = 0.2;
/** Fewest new samples an adaptation runs on (fewer cannot be split into a fit and a held-out slice worth scoring). */
export const MIN_ADAPTATION_SAMPLES = 50;

/** Labelled rows in the parent's feature order, labels as class names. */
export interface LabelledRows {
  readonly X: FeatureMatrix;
  readonly labels: readonly string[];
}

export interface AdaptationInput {
  readonly family: ModelFamily;
  /** The parent version's model document (features and classes define the adaptation's). */
  readonly parent: ModelDocument;
  /** The parent's training parameters (its registered hyperparameters). */
  readonly parentParams: LearnerParams;
  /** New labelled samples, in the parent's feature order. */
  readonly samples: LabelledRows;
  /** Replay rows: a sample of the parent's training rows (its bundle's replay.parquet). */
  readonly replay: LabelledRows;
  /** The parent's own held-out test rows (its bundle's evaluation.parquet). */
  readonly parentTest: LabelledRows;
  readonly seed: number;
  /** The caller's parameters over the family's adaptation parameters. */
  readonly params?: LearnerParams;
}

/** Per-class recall of the parent and the adapted model on the same rows. */
export interface RecallChange {
  readonly support: number;
  readonly parent: number;
  readonly adapted: number;
  readonly change: number;
}

/** One evaluation set, both models. */
export interface SideBySide {
  readonly rows: number;
  readonly parent: { readonly macroF1: number; readonly accuracy: number };
  readonly adapted: { readonly macroF1: number; readonly accuracy: number };
  readonly perClassRecall: Readonly<Record<string, RecallChange>>;
}

export interface AdaptationResult {
  readonly document: ModelDocument;
  /** The adapted model's full evaluation report on the parent's test rows (registered as its metrics). */
  readonly report: EvaluationReport;
  /** Did it learn? Both models on the held-out slice of the new samples. */
  readonly learned: SideBySide;
  /** Did it forget? Both models on the parent's own test rows. */
  readonly forgetting: SideBySide;
  readonly samples: { readonly fit: number; readonly heldOut: number; readonly replay: number; readonly perClass: Readonly<Record<string, number>> };
  /**
   * The candidate's own rows: the replay rows and every new sample (fitted and held out), with how
   * many of them the adapted model predicts in each class — its replay rows and drift reference.
   */
  readonly mix: { readonly X: FeatureMatrix; readonly y: Int32Array; readonly predictedCounts: Float64Array };
  readonly params: LearnerParams;
  readonly iterations: number;
  readonly bestIteration: number;
  readonly millis: number;
}

/** Class indices of labels in the parent's class space; every label outside it is named in the refusal. */
export function classIndices(labels: readonly string[], classes: readonly string[], what: string): Int32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  const outside = new Map<string, number>();
  const y = new Int32Array(labels.length);
  labels.forEach((label, i) => {
    const c = index.get(label);
    if (c === undefined) outside.set(label, (outside.get(label) ?? 0) + 1);
    else y[i] = c;
  });
  if (outside.size > 0) {
    const list = [...outside].map(([label, n]) => `${label} (${n})`).join(', ');
    throw new AdaptationRefusedError(
      `${what} hold labels outside the model's classes (${classes.join(', ')}): ${list} — a new class needs a full retrain`,
      'labels-outside-class-space',
      Object.fromEntries(outside),
    );
  }
  return y;
}

function sideBySide(classes: readonly string[], before: LabelMetrics, after: LabelMetrics): SideBySide {
  const perClassRecall: Record<string, RecallChange> = {};
  for (const c of classes) {
    const support = after.perClass[c]?.support ?? 0;
    if (support === 0) continue;
    const parent = before.perClass[c].recall;
    const adapted = after.perClass[c].recall;
    perClassRecall[c] = { support, parent, adapted, change: adapted - parent };
  }
  return {
    rows: after.rows,
    parent: { macroF1: before.macroF1, accuracy: before.accuracy },
    adapted: { macroF1: after.macroF1, accuracy: after.accuracy },
    perClassRecall,
  };
}

/**
 * Continues the parent on the new samples mixed with its replay rows, and scores both models.
 * @throws AdaptationRefusedError for too few samples, or labels outside the parent's classes
 * @example const result = adaptModel({ family: GBDT_FAMILY, parent, parentParams, samples, replay, parentTest, seed: 42 });
 */
export function adaptModel(input: AdaptationInput): AdaptationResult {
  const started = performance.now();
  const { family, parent, seed } = input;
  const classes = parent.classes;
  const K = classes.length;
  const cols = parent.schema.features.length;
  for (const [what, rows] of [
    ['samples', input.samples],
    ['replay rows', input.replay],
    ['parent test rows', input.parentTest],
  ] as const) {
    if (rows.X.cols !== cols) throw new AdaptationRefusedError(`${what} have ${rows.X.cols} features, the model reads ${cols}`, 'feature-mismatch');
    if (rows.labels.length !== rows.X.rows)
      throw new AdaptationRefusedError(`${what}: ${rows.labels.length} labels for ${rows.X.rows} rows`, 'feature-mismatch');
  }
  if (input.samples.X.rows < MIN_ADAPTATION_SAMPLES) {
    throw new AdaptationRefusedError(`${input.samples.X.rows} new labelled samples; an adaptation needs at least ${MIN_ADAPTATION_SAMPLES}`, 'too-few-samples');
  }
  const ySamples = classIndices(input.samples.labels, classes, 'the new samples');
  const yReplay = classIndices(input.replay.labels, classes, 'the replay rows');
  const yTest = classIndices(input.parentTest.labels, classes, "the parent's test rows");

  // the held-out slice: stratified by class, so rare new attacks are scored too
  const rnd = new SeededRandom(seed);
  const byClass: number[][] = Array.from({ length: K }, () => []);
  ySamples.forEach((c, i) => byClass[c].push(i));
  const held: number[] = [];
  const fit: number[] = [];
  for (const members of byClass) {
    const order = rnd.shuffle(Int32Array.from(members));
    const n = members.length >= 2 ? Math.max(1, Math.round(members.length * ADAPTATION_HOLDOUT_FRACTION)) : 0;
    for (let i = 0; i < order.length; i++) (i < n ? held : fit).push(order[i]);
  }
  const heldIdx = Int32Array.from(held).sort();
  const fitIdx = Int32Array.from(fit).sort();
  // The candidate's rows in one matrix, laid out once: fitted samples, replay rows, held-out
  // samples. The fit reads the first two parts and early-stops on the third, as views of it.
  const nFit = fitIdx.length + input.replay.X.rows;
  const mixX = new Float64Array((nFit + heldIdx.length) * cols);
  const putRows = (from: FeatureMatrix, rows: Int32Array, at: number): void => {
    for (let r = 0; r < rows.length; r++) mixX.set(from.data.subarray(rows[r] * cols, (rows[r] + 1) * cols), (at + r) * cols);
  };
  putRows(input.samples.X, fitIdx, 0);
  mixX.set(input.replay.X.data.subarray(0, input.replay.X.rows * cols), fitIdx.length * cols);
  putRows(input.samples.X, heldIdx, nFit);
  const X: FeatureMatrix = { rows: nFit, cols, data: mixX.subarray(0, nFit * cols) };
  const XHeld: FeatureMatrix = { rows: heldIdx.length, cols, data: mixX.subarray(nFit * cols) };
  const yMix = new Int32Array(nFit + heldIdx.length);
  yMix.set(takeLabels(ySamples, fitIdx));
  yMix.set(yReplay, fitIdx.length);
  yMix.set(takeLabels(ySamples, heldIdx), nFit);
  const y = yMix.subarray(0, nFit);
  const yHeld = yMix.subarray(nFit);
  // balanced class weights over the mix, as the parent's training weighed its rows
  const table = classWeightTable(classCounts(y, K), 'balanced');
  const sampleWeight = Float64Array.from(y, (c) => table[c]);

  const params: LearnerParams = { ...family.adaptation(input.parentParams), ...(input.params ?? {}) };
  const learner = family.create(seed, { ...input.parentParams, ...params });
  const parentModel = family.load(parent);
  const data: LabelledData = { X, y, classes, schema: parent.schema };
  const fitReport = learner.fit(data.X, data.y, {
    schema: parent.schema,
    classes,
    sampleWeight,
    init: parentModel.toJSON(),
    ...(XHeld.rows > 0 ? { validation: { X: XHeld, y: yHeld } } : {}),
  });
  const document = learner.toJSON();

  // Each set scored by the parent, then by the adapted model: a GBDT learner remembers the scores
  // it last gave, and the continued model adds only its new trees to the parent's (the fit already
  // scored the parent on the held-out slice, and the adapted model on its fitted rows).
  // (the side-by-side figures need predicted classes only; the registered report needs every metric)
  const predicted = (model: Learner, M: FeatureMatrix): Int32Array => argmaxRows(model.predictProba(M), K);
  const heldBefore = labelMetrics(yHeld, predicted(parentModel, XHeld), classes);
  const heldPredicted = predicted(learner, XHeld);
  const testBefore = labelMetrics(yTest, predicted(parentModel, input.parentTest.X), classes);
  const report = evaluate(yTest, learner.predictProba(input.parentTest.X), classes);
  const predictedCounts = new Float64Array(K);
  for (const rows of [predicted(learner, X), heldPredicted]) for (const c of rows) predictedCounts[c] += 1;
  const perClass: Record<string, number> = {};
  ySamples.forEach((c) => (perClass[classes[c]] = (perClass[classes[c]] ?? 0) + 1));
  return {
    document,
    report,
    learned: sideBySide(classes, heldBefore, labelMetrics(yHeld, heldPredicted, classes)),
    forgetting: sideBySide(classes, testBefore, report),
    samples: { fit: fitIdx.length, heldOut: heldIdx.length, replay: input.replay.X.rows, perClass },
    mix: { X: { rows: yMix.length, cols, data: mixX }, y: yMix, predictedCounts },
    params,
    iterations: fitReport.iterations,
    bestIteration: fitReport.bestIteration,
    millis: performance.now() - started,
  };
}
