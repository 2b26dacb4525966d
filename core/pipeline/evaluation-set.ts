// The gate's evaluation set: a stratified sample of a version's held-out test rows (rows the
// version never trained on), stored with its bundle as evaluation.parquet — raw feature values by
// name (categorical ones as text) and the class label. The promotion gate scores a candidate AND
// the version it would replace on these same rows, so "candidate vs production" compares like with
// like whatever data each was trained on.
import { takeRows, type FeatureMatrix, type FeatureSchema, type LabelledData } from '../data/table';
import { decodeChunk, encodeChunk, type ColumnValues } from '../datasets/parquet-chunk';
import type { ColumnSpec } from '../datasets/source';
import { SeededRandom } from '../util/random';

/** Rows kept at most (a gate runs in a Lambda: bounded memory and time). */
export const EVALUATION_SET_MAX_ROWS = 20_000;
/** Every class keeps up to this many rows before the rest are sampled in proportion. */
export const EVALUATION_SET_MIN_PER_CLASS = 1_000;

/** A decoded evaluation set: features in its own schema (categorical codes into its vocabularies), class labels. */
export interface EvaluationSet {
  readonly schema: FeatureSchema;
  readonly X: FeatureMatrix;
  /** Class label per row. */
  readonly labels: readonly string[];
}

/**
 * Picks the evaluation rows out of `rows` (the test split): every row of small classes, the large
 * ones sampled so the total stays within EVALUATION_SET_MAX_ROWS. Per-class recall is unbiased by
 * sampling within a class; the gate compares two models on the same rows, so any bias is shared.
 */
export function sampleEvaluationRows(y: Int32Array, rows: Int32Array, classCount: number, seed: number): Int32Array {
  return sampleByClass(y, rows, classCount, seed, EVALUATION_SET_MAX_ROWS, EVALUATION_SET_MIN_PER_CLASS);
}

/** Rows of the training split kept in a bundle as replay.parquet, for online adaptation (core/online). */
export const REPLAY_SET_MAX_ROWS = 10_000;
/** Every class keeps up to this many replay rows before the rest are sampled in proportion. */
export const REPLAY_SET_MIN_PER_CLASS = 500;

/** The replay rows out of `rows` (the fitted training split): small classes whole, large ones sampled. */
export function sampleReplayRows(y: Int32Array, rows: Int32Array, classCount: number, seed: number): Int32Array {
  return sampleByClass(y, rows, classCount, seed, REPLAY_SET_MAX_ROWS, REPLAY_SET_MIN_PER_CLASS);
}

/** At most `maxRows` of `rows`: every class keeps up to `minPerClass`, the rest in proportion to class size. */
function sampleByClass(y: Int32Array, rows: Int32Array, classCount: number, seed: number, maxRows: number, minPerClass: number): Int32Array {
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  for (const r of rows) byClass[y[r]].push(r);
  const total = rows.length;
  if (total <= maxRows) return Int32Array.from(rows);
  const rnd = new SeededRandom(seed);
  const floor = Math.min(minPerClass, Math.floor(maxRows / Math.max(1, classCount)));
  const budget = maxRows - byClass.reduce((s, c) => s + Math.min(c.length, floor), 0);
  const above = byClass.reduce((s, c) => s + Math.max(0, c.length - floor), 0);
  const kept: number[] = [];
  for (const members of byClass) {
    const extra = above > 0 ? Math.floor((Math.max(0, members.length - floor) * budget) / above) : 0;
    const take = Math.min(members.length, floor + extra);
    const order = rnd.shuffle(Int32Array.from(members));
    for (let i = 0; i < take; i++) kept.push(order[i]);
  }
  return Int32Array.from(kept).sort();
}

/** evaluation.parquet of the given rows of a labelled table. */
export function encodeEvaluationSet(data: LabelledData, rows: Int32Array): Uint8Array {
  const X = takeRows(data.X, rows);
  const columns: ColumnSpec[] = data.schema.features.map((f) => ({ name: f.name, kind: f.kind }));
  const values: ColumnValues[] = data.schema.features.map((f, j) => {
    if (f.kind === 'numeric') {
      const col = new Float64Array(X.rows);
      for (let i = 0; i < X.rows; i++) col[i] = X.data[i * X.cols + j];
      return col;
    }
    const col: string[] = new Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      const code = X.data[i * X.cols + j];
      col[i] = Number.isNaN(code) || code < 0 ? '' : (f.vocabulary[code] ?? '');
    }
    return col;
  });
  const labels = Array.from(rows, (r) => data.classes[data.y[r]]);
  return encodeChunk(columns, { rowCount: X.rows, values, labels });
}

/** Reads evaluation.parquet back: categorical text re-coded into vocabularies of its own. */
export async function decodeEvaluationSet(bytes: Uint8Array): Promise<EvaluationSet> {
  const chunk = await decodeChunk(bytes);
  const cols = chunk.columns.length;
  const rows = chunk.rowCount;
  const data = new Float64Array(rows * cols);
  const features = chunk.columns.map((c, j) => {
    if (c.kind === 'numeric') {
      const col = chunk.values[j] as Float64Array;
      for (let i = 0; i < rows; i++) data[i * cols + j] = col[i];
      return { name: c.name, kind: 'numeric' as const };
    }
    const col = chunk.values[j] as readonly string[];
    const vocabulary = [...new Set(col.filter((s) => s.length > 0))].sort();
    const codes = new Map(vocabulary.map((v, i) => [v, i]));
    for (let i = 0; i < rows; i++) data[i * cols + j] = col[i].length === 0 ? NaN : (codes.get(col[i]) as number);
    return { name: c.name, kind: 'categorical' as const, vocabulary };
  });
  return { schema: { features }, X: { rows, cols, data }, labels: chunk.labels.slice(0, rows) };
}
