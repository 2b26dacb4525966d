// Online learning: a production model adapts to new labelled traffic without a full retrain.
export { ADAPTATION_HOLDOUT_FRACTION, MIN_ADAPTATION_SAMPLES, adaptModel, classIndices } from './adaptation';
export type { AdaptationInput, AdaptationResult, LabelledRows, RecallChange, SideBySide } from './adaptation';
export { ONLINE_ADAPTATION_KIND, runAdaptationJob } from './adaptation-job';
export type { AdaptationJobDeps, AdaptationJobRequest, AdaptationJobResult, ParentVersion, SampleProvenance, SampleSource } from './adaptation-job';
export { AdaptationRefusedError } from './errors';
export type { AdaptationRefusal } from './errors';
export { onlineLearningStatus } from './status';
export type { AdaptationView, OnlineStatus, OnlineStatusDeps } from './status';
