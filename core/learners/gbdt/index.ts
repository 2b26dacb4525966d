// Public surface of the gradient-boosted tree learner: the learner, its document format, the
// reference predictor the ONNX exporter must match, and exact TreeSHAP explanations.
export { DEFAULT_GBDT_PARAMS, GbdtError, GbdtLearner, type GbdtParams } from './gbdt-learner';
export type { GbdtModelDocument, GbdtPreprocessing, GbdtTree } from './model-document';
export { GbdtPredictError, predictProbaFromDocument, predictRawScores, preprocessMatrix, preprocessRow, preprocessValue, softmaxRowsInPlace } from './predict';
export { shapValues } from './tree-shap';
export { BinMapper, BinMapperError, MAX_BINS, type BinMapperState } from './bin-mapper';
