// onnxruntime-node feeds for the exported models (loads the native runtime; import it only where
// inference runs). The value rules live in ./feeds.
import { Tensor } from 'onnxruntime-node';
import type { FeatureSchema } from '../data/table';
import { buildOnnxInputArrays, ONNX_INPUT_CATEGORICAL, ONNX_INPUT_NUMERIC, type RawRow } from './feeds';

/**
 * Builds the onnxruntime feeds for a batch of JSON rows.
 * @example
 * const session = await InferenceSession.create(Buffer.from(modelBytes));
 * const out = await session.run(buildOnnxFeeds(doc.schema, rows));
 * const p = out.probabilities.data as Float32Array; // rows * K
 */
export function buildOnnxFeeds(schema: FeatureSchema, rows: readonly RawRow[]): Record<string, Tensor> {
  const a = buildOnnxInputArrays(schema, rows);
  const feeds: Record<string, Tensor> = {
    [ONNX_INPUT_NUMERIC]: new Tensor('float32', a.numeric, [a.rows, a.nNumeric]),
  };
  if (a.categorical) feeds[ONNX_INPUT_CATEGORICAL] = new Tensor('string', a.categorical, [a.rows, a.nCategorical]);
  return feeds;
}
