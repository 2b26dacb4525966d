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
  sampleIndices,
  type FeedbackItem,
  type FeedbackOutcome,
  type FeedbackRecord,
  type PredictionContext,
  type PredictionLogOptions,
  type VersionStats,
} from './prediction-log';
export type { ScoringSession, SessionFactory } from './scoring-session';
export {
  concatTelemetry,
  decodeTelemetry,
  encodeTelemetry,
  FEATURE_COLUMN_PREFIX,
  readTelemetry,
  SAMPLES_PREFIX,
  TELEMETRY_COLUMNS,
  TelemetryBuffer,
  telemetryFeatureColumns,
  telemetryFlows,
  TelemetryFormatError,
  telemetryKeys,
  telemetryKeyTimes,
  telemetryObjectKey,
  telemetryPartition,
  telemetryRowsOf,
  writeTelemetry,
  type RequestSample,
  type TelemetryBufferOptions,
  type TelemetryColumns,
  type TelemetryFeatureColumn,
  type TelemetryFlow,
  type TelemetryRow,
  type TelemetryWindow,
} from './telemetry';
export { encodeTelemetryColumns, INLINE_MAX_CELLS, TelemetryEncoder, telemetryColumns } from './telemetry-encoder';
export { TelemetryRetention, type RetentionSweep, type TelemetryRetentionOptions } from './telemetry-retention';
