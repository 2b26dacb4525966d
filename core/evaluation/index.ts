// Public surface of core/evaluation: leakage-free splits, metrics, per-class thresholds.
export { EvaluationError, EvaluationInputError } from './errors';
export { rowGroups, stratifiedGroupSplit } from './split';
export type { RowGroups, Split, SplitOptions } from './split';
export { evaluate, labelMetrics, rocAuc, expectedCalibrationError, ECE_BINS } from './metrics';
export type { ClassMetrics, EvaluationReport, EvaluateOptions, LabelMetrics } from './metrics';
export { tuneThresholds, applyThresholds, predictWithThresholds } from './thresholds';
export type { TuneThresholdsOptions } from './thresholds';
export { rocCurve, curveArea, ROC_CURVE_POINTS, type RocCurve } from './roc-curve';
