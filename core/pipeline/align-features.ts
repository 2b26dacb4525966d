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
  const out = new Float64Array(X.rows * cols);
  const unknownCategories: Record<string, number> = {};
  model.features.forEach((f, j) => {
    const src = byName.get(f.name) as number;
    const dataSpec = data.features[src];
    if (f.kind === 'numeric' || dataSpec.kind === 'numeric') {
      for (let i = 0; i < X.rows; i++) out[i * cols + j] = X.data[i * X.cols + src];
      return;
    }
    const modelCodes = new Map(f.vocabulary.map((v, c) => [v, c]));
    const translate = Float64Array.from(dataSpec.vocabulary, (v) => modelCodes.get(v) ?? -1);
    let unknown = 0;
    for (let i = 0; i < X.rows; i++) {
      const code = X.data[i * X.cols + src];
      let mapped: number;
      if (Number.isNaN(code)) mapped = NaN;
      else if (code >= 0 && code < translate.length) mapped = translate[code];
      else mapped = -1;
      if (mapped === -1) unknown++;
      out[i * cols + j] = mapped;
    }
    if (unknown > 0) unknownCategories[f.name] = unknown;
  });
  return { X: { rows: X.rows, cols, data: out }, unknownCategories };
}
