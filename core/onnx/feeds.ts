// The input contract of every exported ONNX model: raw feature values in, class probabilities out.
// Inputs: `numeric` float32 [N, n_numeric] (numeric features in schema order) and, only when the
// schema has categorical features, `categorical` string [N, n_categorical] (raw strings in schema
// order). Outputs: `probabilities` float32 [N, K] and `label` int64 [N].
// This module turns JSON rows into those input arrays, and into the equivalent FeatureMatrix for
// the TypeScript predictors, with one set of rules so both paths see the same values. It does not
// load onnxruntime; ./session-feeds wraps the arrays into onnxruntime tensors.
import { parseNumericField } from '../data/numeric-field';
import type { FeatureMatrix, FeatureSchema } from '../data/table';

export const ONNX_INPUT_NUMERIC = 'numeric';
export const ONNX_INPUT_CATEGORICAL = 'categorical';
export const ONNX_OUTPUT_PROBABILITIES = 'probabilities';
export const ONNX_OUTPUT_LABEL = 'label';
/**
 * The string that stands for a missing categorical value in the `categorical` input. Graphs map it
 * to "missing" (NaN code) unless the vocabulary itself contains "" (then it is that value).
 */
export const MISSING_CATEGORY = '';

/** A JSON flow record: feature name -> raw value. */
export type RawRow = Readonly<Record<string, number | string | null | undefined>>;

/** Positions of numeric and categorical features within the schema. */
export interface FeatureLayout {
  /** schema indices of the numeric features, in schema order */
  readonly numeric: readonly number[];
  /** schema indices of the categorical features, in schema order */
  readonly categorical: readonly number[];
}

/**
 * Splits a schema into its numeric and categorical feature positions.
 * @example featureLayout(schema).numeric // [0, 4, 5, ...]
 */
export function featureLayout(schema: FeatureSchema): FeatureLayout {
  const numeric: number[] = [];
  const categorical: number[] = [];
  schema.features.forEach((f, j) => (f.kind === 'numeric' ? numeric : categorical).push(j));
  return { numeric, categorical };
}

/**
 * Names of the graph inputs a model with this schema expects.
 * @example onnxInputNames(schema) // ['numeric', 'categorical']
 */
export function onnxInputNames(schema: FeatureSchema): string[] {
  return featureLayout(schema).categorical.length > 0 ? [ONNX_INPUT_NUMERIC, ONNX_INPUT_CATEGORICAL] : [ONNX_INPUT_NUMERIC];
}

/**
 * A raw value read as a number, as ingest reads it (parseNumericField): finite numbers and
 * ±Infinity as is; numeric strings parsed ("inf", "Infinity", "NaN" too); null, missing, empty or
 * non-numeric strings -> NaN.
 * @example numericValue('3.5') // 3.5
 * @example numericValue('inf') // Infinity
 */
export function numericValue(value: number | string | null | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return parseNumericField(value.trim()) ?? NaN;
  return NaN;
}

/**
 * A raw value read as a category string: strings as is, numbers via String(), null/missing ->
 * MISSING_CATEGORY ("").
 * @example categoryValue(null) // ''
 */
export function categoryValue(value: number | string | null | undefined): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return MISSING_CATEGORY;
}

/** The raw input arrays of an ONNX model, before wrapping into onnxruntime tensors. */
export interface OnnxInputArrays {
  readonly rows: number;
  readonly numeric: Float32Array;
  readonly nNumeric: number;
  /** Present only when the schema has categorical features. */
  readonly categorical?: string[];
  readonly nCategorical: number;
}

/**
 * Builds the raw input arrays from JSON rows (see numericValue / categoryValue for the rules).
 * @example const a = buildOnnxInputArrays(schema, [{ duration: 0, protocol_type: 'tcp' }])
 */
export function buildOnnxInputArrays(schema: FeatureSchema, rows: readonly RawRow[]): OnnxInputArrays {
  const layout = featureLayout(schema);
  const nNum = layout.numeric.length;
  const nCat = layout.categorical.length;
  const numNames = layout.numeric.map((j) => schema.features[j].name);
  const catNames = layout.categorical.map((j) => schema.features[j].name);
  const numeric = new Float32Array(rows.length * nNum);
  const categorical = nCat > 0 ? new Array<string>(rows.length * nCat) : undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    for (let k = 0; k < nNum; k++) numeric[i * nNum + k] = numericValue(row[numNames[k]]);
    if (categorical) for (let k = 0; k < nCat; k++) categorical[i * nCat + k] = categoryValue(row[catNames[k]]);
  }
  return { rows: rows.length, numeric, nNumeric: nNum, categorical, nCategorical: nCat };
}

/**
 * The FeatureMatrix the TypeScript predictors see for the same JSON rows: numeric values by
 * numericValue (kept in float64); categorical values as vocabulary codes, -1 for unseen values,
 * NaN for missing (null / "" unless "" is in the vocabulary).
 * @example const p = predictProbaFromDocument(doc, rowsToFeatureMatrix(doc.schema, rows))
 */
export function rowsToFeatureMatrix(schema: FeatureSchema, rows: readonly RawRow[]): FeatureMatrix {
  const cols = schema.features.length;
  const data = new Float64Array(rows.length * cols);
  const names = schema.features.map((f) => f.name);
  const codes = schema.features.map((f) => (f.kind === 'categorical' ? new Map(f.vocabulary.map((v, c) => [v, c])) : undefined));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    for (let j = 0; j < cols; j++) {
      const map = codes[j];
      if (map === undefined) {
        data[i * cols + j] = numericValue(row[names[j]]);
      } else {
        const s = categoryValue(row[names[j]]);
        const code = map.get(s);
        data[i * cols + j] = code !== undefined ? code : s === MISSING_CATEGORY ? NaN : -1;
      }
    }
  }
  return { rows: rows.length, cols, data };
}
