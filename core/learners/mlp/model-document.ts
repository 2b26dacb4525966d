// The versioned JSON format of a multi-layer perceptron model (model.json) and the shared
// inference code that reads it. The ONNX exporter builds from this document, and the learner
// predicts through the same functions.
import { XdrError } from '../../errors';
import type { FeatureMatrix, FeatureSchema } from '../../data/table';
import type { ModelDocument } from '../learner';

/** Thrown when an MLP document, matrix or weight list does not fit (shapes, format). */
export class MlpModelError extends XdrError {
  override readonly name: string = 'MlpModelError';
}

/**
 * Input encoding, arrays aligned with schema.features (entries of categorical features unused, 0).
 * Numeric feature j, in this order: round to float32 (the ONNX input type), NaN -> mean[j],
 * clip to [min[j], max[j]] (finite training range; maps ±Infinity to its ends), then
 * (x - mean[j]) / scale[j].
 * Network input vector: the standardised numeric features in schema order, then for each
 * categorical feature in schema order a one-hot block of vocabulary.length entries (unknown -1
 * or missing NaN codes -> all zeros).
 */
export interface MlpPreprocessing {
  readonly mean: readonly number[];
  readonly scale: readonly number[];
  readonly min: readonly number[];
  readonly max: readonly number[];
}

/** A dense layer: output = input · weights + bias; weights row-major [inputs x outputs]. */
export interface MlpLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly weights: readonly number[];
  readonly bias: readonly number[];
}

/** ReLU after every layer but the last; softmax over the last layer's K outputs. */
export interface MlpModelDocument extends ModelDocument {
  readonly format: 'mlp';
  readonly formatVersion: 1;
  readonly preprocessing: MlpPreprocessing;
  readonly layers: readonly MlpLayer[];
  readonly params: Readonly<Record<string, number | string | boolean | readonly number[]>>;
}

/** Where each feature goes in the network input vector. */
export interface MlpInputLayout {
  /** schema indices of numeric features; input position k */
  readonly numeric: Int32Array;
  /** schema indices of categorical features */
  readonly categorical: Int32Array;
  /** input offset of each categorical feature's one-hot block */
  readonly categoricalOffset: Int32Array;
  /** vocabulary size of each categorical feature */
  readonly categoricalSize: Int32Array;
  readonly inputSize: number;
}

/**
 * Computes the input layout of a schema.
 * @example mlpInputLayout(schema).inputSize // n_numeric + sum of vocabulary sizes
 */
export function mlpInputLayout(schema: FeatureSchema): MlpInputLayout {
  const numeric: number[] = [];
  const categorical: number[] = [];
  const sizes: number[] = [];
  schema.features.forEach((f, j) => {
    if (f.kind === 'numeric') numeric.push(j);
    else {
      categorical.push(j);
      sizes.push(f.vocabulary.length);
    }
  });
  const offsets: number[] = [];
  let offset = numeric.length;
  for (const s of sizes) {
    offsets.push(offset);
    offset += s;
  }
  return {
    numeric: Int32Array.from(numeric),
    categorical: Int32Array.from(categorical),
    categoricalOffset: Int32Array.from(offsets),
    categoricalSize: Int32Array.from(sizes),
    inputSize: offset,
  };
}

/** Typed-array view of the preprocessing, for hot loops. */
export interface CompiledPreprocessing {
  readonly layout: MlpInputLayout;
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
}

/** Compiles preprocessing arrays for a schema. */
export function compilePreprocessing(schema: FeatureSchema, prep: MlpPreprocessing): CompiledPreprocessing {
  const n = schema.features.length;
  for (const key of ['mean', 'scale', 'min', 'max'] as const) {
    if (prep[key].length !== n) throw new MlpModelError(`preprocessing.${key} has ${prep[key].length} entries for ${n} features`);
  }
  return {
    layout: mlpInputLayout(schema),
    mean: Float64Array.from(prep.mean),
    scale: Float64Array.from(prep.scale),
    min: Float64Array.from(prep.min),
    max: Float64Array.from(prep.max),
  };
}

/**
 * Encodes `count` rows of X starting at `start` into `out` (count * inputSize), row-major.
 * @example encodeRows(prep, X, 0, X.rows, new Float64Array(X.rows * prep.layout.inputSize))
 */
export function encodeRows(prep: CompiledPreprocessing, X: FeatureMatrix, start: number, count: number, out: Float64Array | Float32Array): void {
  const { layout, mean, scale, min, max } = prep;
  const { numeric, categorical, categoricalOffset, categoricalSize, inputSize } = layout;
  const cols = X.cols;
  const data = X.data;
  const nNum = numeric.length;
  const nCat = categorical.length;
  for (let r = 0; r < count; r++) {
    const src = (start + r) * cols;
    const dst = r * inputSize;
    for (let k = 0; k < nNum; k++) {
      const j = numeric[k];
      let v = Math.fround(data[src + j]);
      if (v !== v) v = mean[j];
      if (v < min[j]) v = min[j];
      else if (v > max[j]) v = max[j];
      out[dst + k] = (v - mean[j]) / scale[j];
    }
    if (nCat > 0) out.fill(0, dst + nNum, dst + inputSize);
    for (let k = 0; k < nCat; k++) {
      const code = data[src + categorical[k]];
      if (code >= 0 && code < categoricalSize[k] && Number.isInteger(code)) out[dst + categoricalOffset[k] + code] = 1;
    }
  }
}

/** Dense layers as typed arrays. */
export interface CompiledLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly weights: Float64Array;
  readonly bias: Float64Array;
}

/** Validates and compiles the layers of a document. */
export function compileLayers(layers: readonly MlpLayer[], inputSize: number, nClasses: number): CompiledLayer[] {
  if (layers.length === 0) throw new MlpModelError('an MLP needs at least one layer');
  let expected = inputSize;
  return layers.map((l, i) => {
    if (l.inputs !== expected) throw new MlpModelError(`layer ${i} expects ${l.inputs} inputs, previous layer gives ${expected}`);
    if (l.weights.length !== l.inputs * l.outputs || l.bias.length !== l.outputs) throw new MlpModelError(`layer ${i} has weights/bias of the wrong length`);
    expected = l.outputs;
    if (i === layers.length - 1 && l.outputs !== nClasses) throw new MlpModelError(`last layer has ${l.outputs} outputs for ${nClasses} classes`);
    return { inputs: l.inputs, outputs: l.outputs, weights: Float64Array.from(l.weights), bias: Float64Array.from(l.bias) };
  });
}

/**
 * Dense layer forward pass for `rows` rows: out = act(input · W + b); ReLU when `relu`.
 * Zero inputs are skipped (one-hot and ReLU outputs are sparse).
 */
export function denseForward(layer: CompiledLayer, input: Float64Array | Float32Array, rows: number, out: Float64Array, relu: boolean): void {
  const { inputs, outputs, weights, bias } = layer;
  for (let r = 0; r < rows; r++) {
    const o = r * outputs;
    for (let c = 0; c < outputs; c++) out[o + c] = bias[c];
    const a = r * inputs;
    for (let i = 0; i < inputs; i++) {
      const v = input[a + i];
      if (v === 0) continue;
      const w = i * outputs;
      for (let c = 0; c < outputs; c++) out[o + c] += v * weights[w + c];
    }
    if (relu) for (let c = 0; c < outputs; c++) if (!(out[o + c] > 0)) out[o + c] = 0;
  }
}

/** Row-wise softmax in place over `k` columns (max-shifted). */
/**
 * A batch of encoded rows through every layer (ReLU between, softmax at the end) into `acts`, one
 * buffer per layer; answers the output layer's (the class probabilities, `rows × k`).
 */
export function forwardBatch(layers: readonly CompiledLayer[], input: Float64Array, rows: number, acts: readonly Float64Array[]): Float64Array {
  let prev = input;
  layers.forEach((layer, i) => {
    denseForward(layer, prev, rows, acts[i], i < layers.length - 1);
    prev = acts[i];
  });
  softmaxInPlace(prev, rows, layers[layers.length - 1].outputs);
  return prev;
}

export function softmaxInPlace(z: Float64Array, rows: number, k: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    let m = -Infinity;
    for (let c = 0; c < k; c++) if (z[o + c] > m) m = z[o + c];
    let s = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(z[o + c] - m);
      z[o + c] = e;
      s += e;
    }
    for (let c = 0; c < k; c++) z[o + c] /= s;
  }
}

/**
 * Class probabilities (row-major rows * K) of compiled preprocessing + layers, in chunks.
 */
export function predictProbaCompiled(prep: CompiledPreprocessing, layers: readonly CompiledLayer[], X: FeatureMatrix, chunk = 512): Float64Array {
  const k = layers[layers.length - 1].outputs;
  const out = new Float64Array(X.rows * k);
  const input = new Float64Array(chunk * prep.layout.inputSize);
  const acts = layers.map((l) => new Float64Array(chunk * l.outputs));
  for (let start = 0; start < X.rows; start += chunk) {
    const n = Math.min(chunk, X.rows - start);
    encodeRows(prep, X, start, n, input);
    out.set(forwardBatch(layers, input, n, acts).subarray(0, n * k), start * k);
  }
  return out;
}

/**
 * Class probabilities from an MLP document (the reference the ONNX export is tested against).
 * @example const p = predictProbaFromMlpDocument(doc, X) // p[i * K + c]
 */
export function predictProbaFromMlpDocument(doc: MlpModelDocument, X: FeatureMatrix): Float64Array {
  if (X.cols !== doc.schema.features.length) throw new MlpModelError(`model expects ${doc.schema.features.length} features, matrix has ${X.cols}`);
  const prep = compilePreprocessing(doc.schema, doc.preprocessing);
  return predictProbaCompiled(prep, compileLayers(doc.layers, prep.layout.inputSize, doc.classes.length), X);
}
