// The model-family protocol: everything the platform does that depends on which learner made a
// model — create and fit it, choose its parameters, read its document, export it to ONNX, explain
// it — behind one entry per family. Adding a family is adding a row to MODEL_FAMILIES.
import type { FeatureMatrix } from '../data/table';
import type { Learner, ModelDocument } from '../learners/learner';
import type { MemberProbabilities } from '../onnx/export-ensemble';
import type { DeclaredInputs } from '../onnx/graph-inputs';
import type { GraphBuilder } from '../onnx/onnx-model';
import type { BalancingMode, LearnerParams, SearchOptions } from '../training';
import type { TuneLevel } from '../training/learner-params';
import type { ExplanationData } from './explanations';

/** How a GBDT export merges trees for serving (platform config `onnx`); exporter defaults when absent. */
export interface OnnxExportSettings {
  readonly mergeBudgetBytes?: number;
  readonly mergeMaxNodes?: number;
}

export { TUNE_LEVELS, type TuneLevel } from '../training/learner-params';

export interface ModelFamily {
  /** The family's name: the `algorithm` of a registered version and the `format` of its model.json. */
  readonly id: string;
  readonly description: string;
  /** True when the learner can fit on several threads (the `threads` parameter). */
  readonly threaded: boolean;
  /**
   * True when a training job (and an online adaptation) can fit it from rows; false for a family
   * that is built from other versions (the ensemble), whose `create` throws.
   */
  readonly trainable: boolean;
  /** A fresh learner; throws when the parameters are unknown or out of range. */
  create(seed: number, params: LearnerParams): Learner;
  /**
   * A fitted learner of a stored document, to predict with or continue from (a GBDT learner
   * remembers its scores per matrix, so a model continued from it scores known rows cheaply);
   * throws for a family that is not fitted from rows.
   */
  load(document: ModelDocument): Learner;
  /** The pipeline's parameters for a task with `classCount` classes, the request's own on top. */
  presets(classCount: number, requested: LearnerParams): LearnerParams;
  /**
   * The search on the validation split at a tuning level ('fast', 'thorough'), for a task with
   * `classCount` classes: candidates with the request's own parameters on top (never searched
   * over); with `weighting` (the request fixed the balancing) no other class weighting is tried.
   * Undefined: the family has no search (its presets are used).
   */
  readonly search?: (level: Exclude<TuneLevel, 'off'>, classCount: number, requested: LearnerParams, weighting?: BalancingMode) => SearchOptions;
  /** Parameters of the refit on training + validation rows, once early stopping chose a length. */
  refit(bestIteration: number, rows: { readonly fitted: number; readonly refit: number }): LearnerParams;
  /**
   * Parameters of an online adaptation that continues a trained model (core/online), given the
   * parameters it was trained with: a gentler, shorter continuation than a fresh fit.
   */
  adaptation(trained: LearnerParams): LearnerParams;
  /** How a hard-example round continues the model before it; undefined: fresh fits. */
  readonly continuation?: (bestIteration: number) => LearnerParams;
  /** Class probabilities of a stored document on rows in its feature order (row-major, rows × classes). */
  predictProba(document: ModelDocument, X: FeatureMatrix): Float64Array;
  /** model.onnx bytes of a stored document: raw features in, class probabilities out. */
  exportOnnx(document: ModelDocument, settings: OnnxExportSettings): Uint8Array;
  /**
   * Adds a stored document's graph to a shared graph on declared inputs (an ensemble's member) and
   * returns its probabilities. Undefined: the family cannot be an ensemble member.
   */
  readonly onnxGraph?: (g: GraphBuilder, inputs: DeclaredInputs, document: ModelDocument, settings: OnnxExportSettings) => MemberProbabilities;
  /** explanations.json of a trained document on held-out rows. */
  explanations(document: ModelDocument, heldOut: FeatureMatrix, options: { readonly seed: number }): ExplanationData;
  /**
   * Per-row attributions for a served prediction: rows × classes × (features + 1) with the bias
   * last. Undefined when the family has no exact attribution.
   */
  readonly attributions?: (document: ModelDocument, X: FeatureMatrix) => Float64Array;
  /** A few figures that say what the model is (trees, layers …) for the training summary. */
  describe(document: ModelDocument): Readonly<Record<string, number | string>>;
}
