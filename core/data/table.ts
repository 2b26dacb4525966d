// Shared in-memory table shapes passed between loaders, training, evaluation and export.
// Everything numeric is a typed array; nothing here allocates per row.

/** One input feature of a model or dataset. */
export type FeatureSpec =
  | { readonly name: string; readonly kind: 'numeric' }
  | {
      readonly name: string;
      readonly kind: 'categorical';
      /** Known values; a value's code is its index here. Unseen values get code -1 ("unknown"). */
      readonly vocabulary: readonly string[];
    };

/** Ordered feature list: column j of a FeatureMatrix holds features[j]. */
export interface FeatureSchema {
  readonly features: readonly FeatureSpec[];
}

/**
 * Dense row-major matrix of raw feature values.
 * - numeric features: the value as read (NaN = missing, ±Infinity kept as is; learners clean them),
 * - categorical features: the vocabulary code as a number (-1 = unknown value, NaN = missing).
 */
export interface FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  /** length rows * cols; value of row i, column j at data[i * cols + j] */
  readonly data: Float64Array;
}

/**
 * The same values column by column: `columns[j]` holds feature j of every row (at least `rows`
 * entries, coded as in a FeatureMatrix). Scans of one feature read contiguous memory.
 */
export interface FeatureColumns {
  readonly rows: number;
  readonly columns: readonly Float64Array[];
}

/** A labelled table ready for training or evaluation. */
export interface LabelledData {
  readonly schema: FeatureSchema;
  readonly X: FeatureMatrix;
  /** class index per row, into `classes` */
  readonly y: Int32Array;
  readonly classes: readonly string[];
}

/** Creates a zero-filled matrix. */
export function createMatrix(rows: number, cols: number): FeatureMatrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Copies the given rows (by index) into a new matrix. */
export function takeRows(X: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const out = createMatrix(indices.length, X.cols);
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k] * X.cols;
    out.data.set(X.data.subarray(src, src + X.cols), k * X.cols);
  }
  return out;
}

/** Copies the labels of the given rows. */
export function takeLabels(y: Int32Array, indices: ArrayLike<number>): Int32Array {
  const out = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = y[indices[k]];
  return out;
}
