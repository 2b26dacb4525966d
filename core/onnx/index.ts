// Public surface of the ONNX writer and exporters. Import './session-feeds' (buildOnnxFeeds)
// separately where inference runs: it loads the onnxruntime-node native binding.
export { exportGbdtToOnnx, GbdtExportError, type OnnxExportOptions } from './export-gbdt';
export { exportMlpToOnnx, MlpExportError } from './export-mlp';
export {
  buildOnnxInputArrays,
  categoryValue,
  featureLayout,
  MISSING_CATEGORY,
  numericValue,
  ONNX_INPUT_CATEGORICAL,
  ONNX_INPUT_NUMERIC,
  ONNX_OUTPUT_LABEL,
  ONNX_OUTPUT_PROBABILITIES,
  onnxInputNames,
  rowsToFeatureMatrix,
  type FeatureLayout,
  type OnnxInputArrays,
  type RawRow,
} from './feeds';
export * from './onnx-model';
export { ProtobufEncodeError, ProtoWriter, WireType } from './protobuf';
