// Re-lays a dataset's matrix out in a model's feature order, matching features by name and
// re-coding categorical values into the model's vocabularies.
import type { FeatureMatrix, FeatureSchema } from '../data/table';
import { FeatureMismatchError } from './errors';

/**
 * Re-lays a dataset matrix out in the model's feature order. Numeric columns are copied; categorical
 * codes are translated through the value strings (unseen → -1, missing stays NaN).
 * @throws FeatureMismatchError naming every model feature the data lacks or has with another kind
 */
export function alignFeatures(model: FeatureSchema, data: FeatureSchema, X: FeatureMatrix): { X: FeatureMatrix; unknownCategories: Record<string, number> } {
  const byName = new Map(data.features.map((f, j) => [f.name, j]));
  const missing = model.features.filter((f) => !byName.has(f.name)).map((f) => f.name);
  if (missing.length > 0) throw new FeatureMismatchError(`the dataset lacks ${missing.length} model feature(s): ${missing.join(', ')}`, missing);
  const wrongKind = model.features.filter((f) => data.features[byName.get(f.name) as number].kind !== f.kind).map((f) => f.name);
  if (wrongKind.length > 0) throw new FeatureMismatchError(`feature kind differs between model and dataset: ${wrongKind.join(', ')}`, wrongKind);
  const cols = model.features.length;
  // per model column: its source column, and for a categorical one the code translation table
  const source = new Int32Array(cols);
  const translate: (Float64Array | null)[] = model.features.map((f, j) => {
    const src = byName.get(f.name) as number;
    source[j] = src;
    const dataSpec = data.features[src];
    if (f.kind === 'numeric' || dataSpec.kind === 'numeric') return null;
    const modelCodes = new Map(f.vocabulary.map((v, c) => [v, c]));
    return Float64Array.from(dataSpec.vocabulary, (v) => modelCodes.get(v) ?? -1);
  });
  const out = new Float64Array(X.rows * cols);
  const unknown = new Float64Array(cols);
  // row by row: each source row is read once while it is in cache (column by column, a matrix of
  // tens of thousands of rows streamed through memory once per feature)
  for (let i = 0; i < X.rows; i++) {
    const from = i * X.cols;
    const to = i * cols;
    for (let j = 0; j < cols; j++) {
      const code = X.data[from + source[j]];
      const table = translate[j];
      if (table === null) {
        out[to + j] = code;
        continue;
      }
      let mapped: number;
      if (Number.isNaN(code)) mapped = NaN;
      else if (code >= 0 && code < table.length) mapped = table[code];
      else mapped = -1;
      if (mapped === -1) unknown[j]++;
      out[to + j] = mapped;
    }
  }
  const unknownCategories: Record<string, number> = {};
  model.features.forEach((f, j) => {
    if (unknown[j] > 0) unknownCategories[f.name] = unknown[j];
  });
  return { X: { rows: X.rows, cols, data: out }, unknownCategories };
}
