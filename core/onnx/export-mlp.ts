// Exports an MLP model document to ONNX: raw features in, class probabilities out. Inside the
// graph (in float64, so it agrees with the TypeScript predictor to rounding): NaN -> mean, clip to
// the training range, standardise; categorical strings -> LabelEncoder codes -> one-hot (unknown
// -> all zeros); MatMul/Add/Relu layers; Softmax; cast to float32.
import { XdrError } from '../errors';
import { mlpInputLayout, MlpModelError, type MlpModelDocument } from '../learners/mlp/model-document';
import type { OnnxExportOptions } from './export-gbdt';
import { ONNX_OUTPUT_LABEL, ONNX_OUTPUT_PROBABILITIES } from './feeds';
import { declareFeatureInputs, encodeCategoricals, type DeclaredInputs } from './graph-inputs';
import { attrInt, DataType, encodeModel, GraphBuilder, tensorDouble, tensorInt64 } from './onnx-model';

/** Thrown when an MLP document cannot be exported. */
export class MlpExportError extends XdrError {
  override readonly name: string = 'MlpExportError';
}

/**
 * Builds the ONNX model of an MLP document. Inputs/outputs as in ./feeds.
 * @example
 * const bytes = exportMlpToOnnx(mlp.toJSON());
 * const out = await (await InferenceSession.create(Buffer.from(bytes))).run(buildOnnxFeeds(schema, rows));
 */
export function exportMlpToOnnx(doc: MlpModelDocument, options: OnnxExportOptions = {}): Uint8Array {
  checkMlpDocument(doc);
  const k = doc.classes.length;
  const g = new GraphBuilder('mlp');
  const proba64 = addMlpProbabilities(g, declareFeatureInputs(g, doc.schema), doc);
  const proba = g.op('Cast', [proba64], [attrInt('to', DataType.FLOAT)]);
  const label = g.op('ArgMax', [proba64], [attrInt('axis', 1), attrInt('keepdims', 0)]);
  g.output(proba, DataType.FLOAT, ['N', k], ONNX_OUTPUT_PROBABILITIES, `class probabilities: ${doc.classes.join(', ')}`);
  g.output(label, DataType.INT64, ['N'], ONNX_OUTPUT_LABEL, 'index of the most probable class');
  return encodeModel({
    graph: g.build(`MLP ${doc.layers.map((l) => l.outputs).join('-')}, classes: ${doc.classes.join(', ')}`),
    producerName: 'mini-xdr-ml',
    producerVersion: options.producerVersion,
    modelVersion: options.modelVersion,
    metadata: { format: 'mlp', classes: JSON.stringify(doc.classes), ...options.metadata },
  });
}

function checkMlpDocument(doc: MlpModelDocument): void {
  if (doc.format !== 'mlp') throw new MlpExportError(`expected an mlp document, got format "${String(doc.format)}"`);
  const layout = mlpInputLayout(doc.schema);
  const k = doc.classes.length;
  const nFeatures = doc.schema.features.length;
  const prep = doc.preprocessing;
  for (const key of ['mean', 'scale', 'min', 'max'] as const) {
    if (prep[key].length !== nFeatures) throw new MlpExportError(`preprocessing.${key} has ${prep[key].length} entries for ${nFeatures} features`);
  }
  let expected = layout.inputSize;
  doc.layers.forEach((l, i) => {
    if (l.inputs !== expected || l.weights.length !== l.inputs * l.outputs || l.bias.length !== l.outputs) {
      throw new MlpExportError(`layer ${i} does not fit (inputs ${l.inputs}, expected ${expected})`, { cause: new MlpModelError('shape mismatch') });
    }
    expected = l.outputs;
  });
  if (doc.layers.length === 0 || expected !== k) throw new MlpExportError(`the last layer must have ${k} outputs`);
}

/**
 * Adds an MLP document's graph to `g` on already declared inputs (standardisation, one-hot
 * categoricals, layers, Softmax). Returns the name of the float64 [N, K] probabilities.
 * @example const p64 = g.scoped('m1_', () => addMlpProbabilities(g, declared, doc));
 */
export function addMlpProbabilities(g: GraphBuilder, declared: DeclaredInputs, doc: MlpModelDocument): string {
  checkMlpDocument(doc);
  const layout = mlpInputLayout(doc.schema);
  const prep = doc.preprocessing;
  const inputs = encodeCategoricals(g, doc.schema, declared, 'int64');
  const parts: string[] = [];
  const num = Array.from(layout.numeric);
  if (num.length > 0) {
    const pick = (values: readonly number[], name: string) =>
      g.constant(
        tensorDouble(
          name,
          [num.length],
          num.map((j) => values[j]),
        ),
      );
    const x = g.op('Cast', [inputs.numeric], [attrInt('to', DataType.DOUBLE)]);
    const mean = pick(prep.mean, 'mean');
    const filled = g.op('Where', [g.op('IsNaN', [x]), mean, x]);
    const clipped = g.op('Min', [g.op('Max', [filled, pick(prep.min, 'min')]), pick(prep.max, 'max')]);
    parts.push(g.op('Div', [g.op('Sub', [clipped, mean]), pick(prep.scale, 'scale')]));
  }
  inputs.codes.forEach((codes, c) => {
    const size = layout.categoricalSize[c];
    if (size === 0) return;
    const range = g.constant(
      tensorInt64(
        `vocab_${c}`,
        [size],
        Array.from({ length: size }, (_, i) => i),
      ),
    );
    parts.push(g.op('Cast', [g.op('Equal', [codes, range])], [attrInt('to', DataType.DOUBLE)]));
  });
  if (parts.length === 0) throw new MlpExportError('the model has no inputs');
  let h = parts.length === 1 ? parts[0] : g.op('Concat', parts, [attrInt('axis', 1)]);
  doc.layers.forEach((l, i) => {
    const w = g.constant(tensorDouble(`w${i}`, [l.inputs, l.outputs], l.weights));
    const b = g.constant(tensorDouble(`b${i}`, [l.outputs], l.bias));
    h = g.op('Add', [g.op('MatMul', [h, w]), b]);
    if (i < doc.layers.length - 1) h = g.op('Relu', [h]);
  });
  return g.op('Softmax', [h], [attrInt('axis', 1)]);
}
