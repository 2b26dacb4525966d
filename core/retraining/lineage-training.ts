// What a retrain of a lineage trains, from the lineage's training spec — the same answer whatever
// fired it (schedule, drift, performance, data volume, a person) and wherever it runs (local or
// AWS): the spec's dataset (its latest version, or the pinned one), class space, family,
// parameters and seed, plus every row collected for the lineage (its collection dataset). A
// ManualRetrain may name another dataset or version: it must have the lineage's features, and the
// override is recorded on the job and in the training.start audit record.
import { findManifest } from '../datasets/synthetic/synthesize';
import type { DatasetManifest } from '../datasets';
import type { ItemTable } from '../ports';
import { featureDifferences, type LineageSpec } from '../registry/lineage-spec';
import type { RetrainEvent } from './events';
import { TrainingRefusedError, type ResolvedTraining } from './launcher';

export interface LineageTrainingDeps {
  readonly specOf: (model: string) => Promise<LineageSpec | undefined>;
  /** The datasets table (manifests). */
  readonly manifests: ItemTable;
}

const schemaOf = (m: DatasetManifest) => m.schema.features.map((f) => ({ name: f.name, kind: f.kind }));

/**
 * Resolves what a trigger trains for a lineage.
 * @throws TrainingRefusedError: unknown-model (404, no lineage), unknown-dataset, schema-mismatch (409)
 */
export async function resolveLineageTraining(deps: LineageTrainingDeps, model: string, event: RetrainEvent): Promise<ResolvedTraining> {
  const spec = await deps.specOf(model);
  if (!spec) {
    throw new TrainingRefusedError(
      `unknown model ${model}: a lineage is created by training it on a dataset (xdr-ml train --dataset <name> --model ${model}), not by a retrain`,
      'unknown-model',
      404,
    );
  }
  const overrides: Record<string, unknown> = {};
  let name = spec.dataset.name;
  let version = spec.dataset.versionPolicy === 'pinned' ? spec.dataset.version : undefined;
  if (event.type === 'ManualRetrain' && (event.dataset !== undefined || event.datasetVersion !== undefined)) {
    if (event.dataset !== undefined && event.dataset !== name) overrides.dataset = { from: name, to: event.dataset };
    name = event.dataset ?? name;
    version = event.datasetVersion;
    if (event.datasetVersion !== undefined) overrides.datasetVersion = event.datasetVersion;
  }
  const manifest = await findManifest({ manifests: deps.manifests }, { name, ...(version !== undefined ? { version } : {}) });
  if (!manifest) {
    throw new TrainingRefusedError(`dataset ${name}${version !== undefined ? ` v${version}` : ''} does not exist`, 'unknown-dataset', 409);
  }
  if (spec.features.length > 0) {
    const diff = featureDifferences(spec.features, schemaOf(manifest));
    if (diff.length > 0) {
      throw new TrainingRefusedError(
        `${manifest.name} v${manifest.version} does not have the features of ${model} (${diff.join('; ')}): train a new lineage on it instead`,
        'schema-mismatch',
        409,
      );
    }
  }
  const resolved: ResolvedTraining = {
    dataset: manifest.name,
    datasetVersion: manifest.version,
    algorithm: spec.algorithm,
    classes: spec.classSpace,
    seed: spec.seed,
    params: Object.fromEntries(Object.entries(spec.params).map(([k, v]) => [k, String(v)])),
    ...(Object.keys(overrides).length ? { overrides } : {}),
  };
  // Every row collected for the lineage trains with it; the lineage records the count when the job completes.
  const collection = await findManifest({ manifests: deps.manifests }, { name: spec.collection.dataset });
  if (!collection || collection.rowCount === 0 || collection.name === manifest.name) return resolved;
  if (spec.features.length > 0 && featureDifferences(spec.features, schemaOf(collection)).length > 0) return resolved;
  return {
    ...resolved,
    extraDatasets: [{ name: collection.name, version: collection.version }],
    collected: { dataset: collection.name, version: collection.version, rows: collection.rowCount },
  };
}
