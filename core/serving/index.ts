// Public surface of serving. onnx-session.ts (onnxruntime-node) is imported separately where
// inference runs.
export { FlowReader, type FlowRecord } from './flow-reader';
export { assertValidFlows, type FlowIssue } from './flows';
export { CorruptArtefactError, loadModelVersion, type LoadedModel, type ServableVersion } from './loaded-model';
export {
  isBenignLabel,
  MAX_FLOWS_PER_REQUEST,
  ModelServer,
  type Contribution,
  type FlowPrediction,
  type ModelServerOptions,
  type PredictRequest,
  type PredictResult,
  type ServingRegistry,
} from './model-server';
export {
  INFERENCE_TTL_ATTRIBUTE,
  PredictionLog,
  sampleFlows,
  sampleKey,
  type FeedbackItem,
  type FeedbackOutcome,
  type FeedbackRecord,
  type InferenceSample,
  type PredictionContext,
  type PredictionLogOptions,
  type VersionStats,
} from './prediction-log';
export type { ScoringSession, SessionFactory } from './scoring-session';
export { SAMPLES_PREFIX, TelemetryRetention, type RetentionSweep, type TelemetryRetentionOptions } from './telemetry-retention';
