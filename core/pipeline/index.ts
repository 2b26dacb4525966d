// Public surface of core/pipeline: the training job (dataset → bundle → registry, in that order)
// and model evaluation on any dataset with the same feature schema.
export { ArtefactIntegrityError, FeatureMismatchError, PipelineInputError } from './errors';
export { labelSchemeOf, loadDataset, loadManifest } from './dataset-access';
export { EXPLANATIONS_FORMAT_VERSION, MULTI_OUTPUT_MIN_CLASSES, noExplanations, PIPELINE_PRESETS, treeExplanations } from '../families';
export type { ExplanationData, ExplanationOptions, FeatureImportance } from '../families';
export { DEFAULT_TUNE, learnerFactoryFor, pipelineParams, pipelineSearch, registeredMetrics, runTrainingJob } from './train-job';
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
