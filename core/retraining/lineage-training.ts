// What a retrain of a lineage trains, from the lineage's training spec — the same answer whatever
// fired it (schedule, drift, performance, data volume, a person) and wherever it runs (local or
// AWS): the spec's dataset (its latest version, or the pinned one), class space, family,
// parameters and seed, plus every row collected for the lineage (its collection dataset). A
// ManualRetrain may name another dataset or version: it must have the lineage's features, and the
// override is recorded on the job and in the training.start audit record. An AdaptationRequested
// continues the production version instead, on the lineage's collected rows no version used yet (or
// on a named labelled dataset).
import { MIN_ADAPTATION_SAMPLES } from '../online/adaptation';
import { findManifest } from '../datasets/synthetic/synthesize';
import type { DatasetManifest } from '../datasets';
import { hasMapping, mapLabel } from '../datasets/taxonomy';
import { labelSchemeOf } from '../pipeline/dataset-access';
import type { ItemTable } from '../ports';
import { featureDifferences, type LineageSpec } from '../registry/lineage-spec';
import type { AdaptationRequestedEvent, RetrainEvent } from './events';
import { TrainingRefusedError, type ResolvedTraining } from './launcher';

export interface LineageTrainingDeps {
  readonly specOf: (model: string) => Promise<LineageSpec | undefined>;
  /** The datasets table (manifests). */
  readonly manifests: ItemTable;
  /** The version at the lineage's production alias, and whether its bundle has replay rows (adaptations continue it). */
  readonly production?: (model: string) => Promise<{ readonly version: number; readonly adaptable: boolean } | undefined>;
  /** What DataVolumeReached starts when the lineage's spec does not say (spec.online.action; platform config thresholds.dataVolumeAction). @default 'retrain' */
  readonly dataVolumeAction?: 'retrain' | 'adapt';
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
  if (event.type === 'AdaptationRequested') {
    const adaptation = await resolveAdaptation(deps, spec, event);
    if ('training' in adaptation) return adaptation.training;
    overrides.fullRetrainInstead = adaptation.fullRetrain;
  } else if (event.type === 'DataVolumeReached' && (spec.online?.action ?? deps.dataVolumeAction) === 'adapt') {
    // adapt on the collected rows when production can be adapted; a full retrain otherwise
    const adaptation = await resolveAdaptation(deps, spec, { model, minSamples: 1 }).catch((error: unknown) => {
      if (error instanceof TrainingRefusedError) return { fullRetrain: error.message };
      throw error;
    });
    if ('training' in adaptation) return adaptation.training;
    overrides.fullRetrainInstead = adaptation.fullRetrain;
  }
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

/** The classes of a dataset's fine labels in a class space; labels the space cannot map are named as they are. */
function classesOf(rowsPerLabel: Readonly<Record<string, number>>, space: LineageSpec['classSpace']): Set<string> {
  const scheme = labelSchemeOf(space);
  return new Set(Object.keys(rowsPerLabel).map((label) => (scheme === 'fine' || !hasMapping(label, scheme) ? label : mapLabel(label, scheme))));
}

type AdaptationResolution = { readonly training: ResolvedTraining } | { readonly fullRetrain: string };

/**
 * What an adaptation continues (production) and on which rows. Refused (TrainingRefusedError) when there
 * is no such version or too few rows; answers `fullRetrain` (why) when the samples hold classes the
 * lineage does not have — a new class needs a full retrain, never an adaptation.
 */
async function resolveAdaptation(
  deps: LineageTrainingDeps,
  spec: LineageSpec,
  event: Pick<AdaptationRequestedEvent, 'model' | 'dataset' | 'datasetVersion' | 'minSamples'>,
): Promise<AdaptationResolution> {
  const model = spec.model;
  const production = deps.production ? await deps.production(model) : undefined;
  if (!production) throw new TrainingRefusedError(`${model} has no production version to adapt: deploy one first`, 'no-parent', 409);
  if (!production.adaptable) {
    throw new TrainingRefusedError(
      `${model} v${production.version} has no replay rows (it was trained before online learning): retrain it once to make it adaptable`,
      'not-adaptable',
      409,
    );
  }
  const named = event.dataset !== undefined;
  const name = event.dataset ?? spec.collection.dataset;
  const manifest = await findManifest(
    { manifests: deps.manifests },
    { name, ...(event.datasetVersion !== undefined ? { version: event.datasetVersion } : {}) },
  );
  if (!manifest) {
    if (named)
      throw new TrainingRefusedError(
        `dataset ${name}${event.datasetVersion !== undefined ? ` v${event.datasetVersion}` : ''} does not exist`,
        'unknown-dataset',
        409,
      );
    throw new TrainingRefusedError(`no labelled samples collected for ${model} yet (POST /api/ml/training-data into ${name})`, 'too-few-samples', 409);
  }
  if (spec.features.length > 0) {
    const diff = featureDifferences(spec.features, schemaOf(manifest));
    if (diff.length > 0)
      throw new TrainingRefusedError(
        `${manifest.name} v${manifest.version} does not have the features of ${model} (${diff.join('; ')})`,
        'schema-mismatch',
        409,
      );
  }
  // a named dataset: every row; the collection: the rows no version trained on yet
  const fromRow = named ? 0 : Math.min(spec.collection.rowsUsed, manifest.rowCount);
  const toRow = manifest.rowCount;
  const minSamples = Math.max(event.minSamples ?? MIN_ADAPTATION_SAMPLES, MIN_ADAPTATION_SAMPLES);
  if (toRow - fromRow < minSamples) {
    throw new TrainingRefusedError(
      `${toRow - fromRow} new labelled samples for ${model} in ${manifest.name} v${manifest.version}${named ? '' : ` (rows ${fromRow}–${toRow})`}; an adaptation needs at least ${minSamples}`,
      'too-few-samples',
      409,
    );
  }
  const known = new Set(spec.classes);
  const outside = [...classesOf(manifest.rowsPerLabel, spec.classSpace)].filter((c) => !known.has(c));
  if (outside.length > 0) {
    return { fullRetrain: `${manifest.name} holds classes ${model} does not have (${outside.sort().join(', ')}): a full retrain instead of an adaptation` };
  }
  return {
    training: {
      dataset: manifest.name,
      datasetVersion: manifest.version,
      algorithm: spec.algorithm,
      classes: spec.classSpace,
      seed: spec.seed,
      params: {},
      adaptation: { parentVersion: production.version, fromRow, toRow },
      ...(named ? {} : { collected: { dataset: manifest.name, version: manifest.version, rows: toRow } }),
    },
  };
}
