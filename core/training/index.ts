// Public surface of core/training: class balancing, hard-example mining and the trainModel orchestrator.
export { TrainingError, TrainingOptionsError, LearnerFailedError } from './errors';
export { classCounts, classWeightTable, classWeights, oversample, DEFAULT_OVERSAMPLE } from './balancing';
export type { BalancingMode, BalancingOptions, OversampleOptions } from './balancing';
export { mineHardExamples, resolveHardExampleOptions, validationScore, isBetter, DEFAULT_HARD_EXAMPLES } from './hard-examples';
export type { HardExampleOptions, HardExampleReport, HardExampleRound, MinedRows, ValidationScore } from './hard-examples';
export { trainModel, UNVERSIONED } from './train-model';
export type { LearnerFactory, LearnerParams, TrainOptions, TrainProgress, TrainPhase, TrainResult } from './train-model';
export type { TrainingSummary, SplitRowCounts, BalancingSummary, PhaseTimings, DatasetRef, HyperparameterValue } from './summary';
export { searchOnValidation, stratifiedSample, checkSearchOptions } from './search';
export type { SearchCandidate, SearchOptions, SearchOutcome, SearchReport, SearchRung, SearchTrial } from './search';
