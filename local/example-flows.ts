// Turns rows of a LabelledData back into JSON flows ({ featureName: value }) as a security tool
// would send them to POST /api/ml/predict (bootstrap example, tests, benchmarks).
import type { LabelledData } from '../core/data/table';

export type JsonFlow = Record<string, number | string | null>;

/** JSON flow of row i (NaN → null, ±Infinity as the strings "Infinity" / "-Infinity"). */
export function flowOf(data: Pick<LabelledData, 'schema' | 'X'>, i: number): JsonFlow {
  const flow: JsonFlow = {};
  const { features } = data.schema;
  for (let j = 0; j < features.length; j++) {
    const f = features[j];
    const v = data.X.data[i * data.X.cols + j];
    if (f.kind === 'categorical') flow[f.name] = Number.isNaN(v) || v < 0 ? null : f.vocabulary[v];
    else flow[f.name] = Number.isNaN(v) ? null : Number.isFinite(v) ? v : v > 0 ? 'Infinity' : '-Infinity';
  }
  return flow;
}

/** Flows of the given rows. */
export function flowsOf(data: Pick<LabelledData, 'schema' | 'X'>, rows: ArrayLike<number>): JsonFlow[] {
  return Array.from({ length: rows.length }, (_, k) => flowOf(data, rows[k]));
}
