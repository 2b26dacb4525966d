// Public surface of core/pipeline: the training job (dataset → bundle → registry, in that order)
// and model evaluation on any dataset with the same feature schema.
export { ArtefactIntegrityError, FeatureMismatchError, PipelineInputError } from './errors';
export { labelSchemeOf, loadDataset, loadManifest } from './dataset-access';
export { EXPLANATIONS_FORMAT_VERSION, noExplanations, treeExplanations } from './explanations';
export type { ExplanationData, ExplanationOptions, FeatureImportance } from './explanations';
export { CONTINUATION_PARAMS, learnerFactoryFor, MULTI_OUTPUT_MIN_CLASSES, PIPELINE_PRESETS, pipelineParams, REFIT_PARAMS, registeredMetrics, runTrainingJob } from './train-job';
export type { StoredTrainingSummary, TrainingJobResult } from './train-job';
export { alignFeatures, evaluateDocumentOnManifest, evaluateModel, inferLabelScheme, loadModelDocument, predictProba } from './evaluate-model';
export type { EvaluateModelDeps, EvaluateModelRequest, ModelEvaluation } from './evaluate-model';
export type {
  ClassSpace,
  DatasetIdentity,
  RegisteredMetrics,
  RegisterVersion,
  RegisterVersionInput,
  TrainingJobDeps,
  TrainingJobOptions,
  TrainingJobProgress,
  TrainingJobRequest,
} from './types';
