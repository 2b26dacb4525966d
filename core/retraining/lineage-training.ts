// What a retrain of a lineage trains, from the lineage's training spec — the same answer whatever
// fired it (schedule, drift, performance, data volume, a person) and wherever it runs (local or
// AWS): the spec's dataset (its latest version, or the pinned one), class space, family,
// parameters and seed, plus every row collected for the lineage (its collection dataset). A
// ManualRetrain may name another dataset or version: it must have the lineage's features, and the
// override is recorded on the job and in the training.start audit record. An AdaptationRequested
// continues the production version instead, on the lineage's collected rows no version used yet (or
// on a named labelled dataset).
import { MIN_ADAPTATION_SAMPLES } from '../online/adaptation';
import { parseFederatedDatasetId, tenantDatasetName } from '../names';
import { findManifest } from '../datasets/synthetic/synthesize';
import type { DatasetManifest } from '../datasets';
import { hasMapping, mapLabel } from '../datasets/taxonomy';
import { labelSchemeOf } from '../pipeline/dataset-access';
import type { ItemTable } from '../ports';
import { featureDifferences, type LineageSpec } from '../registry/lineage-spec';
import type { ModelVersion } from '../registry/types';
import type { AdaptationRequestedEvent, EnsembleRequestedEvent, RetrainEvent } from './events';
import { TrainingRefusedError, type ResolvedTraining } from './launcher';

export interface LineageTrainingDeps {
  readonly specOf: (model: string) => Promise<LineageSpec | undefined>;
  /** The datasets table (manifests). */
  readonly manifests: ItemTable;
  /** The version at the lineage's production alias, and whether its bundle has replay rows (adaptations continue it). */
  readonly production?: (model: string) => Promise<{ readonly version: number; readonly adaptable: boolean; readonly dataset?: string } | undefined>;
  /** What DataVolumeReached starts when the lineage's spec does not say (spec.online.action; platform config thresholds.dataVolumeAction). @default 'retrain' */
  readonly dataVolumeAction?: 'retrain' | 'adapt';
  /** A lineage's registered versions, oldest first (an ensemble's members come from them); [] for an unknown lineage. */
  readonly versionsOf?: (model: string) => Promise<readonly ModelVersion[]>;
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
  if (event.type === 'EnsembleRequested') return resolveEnsemble(deps, spec, event);
  const overrides: Record<string, unknown> = {};
  if (event.type === 'AdaptationRequested' && event.tenant !== undefined) return resolveTenantVariant(deps, spec, event, event.tenant);
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
    ...(spec.tune ? { tune: spec.tune } : {}),
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

/**
 * A tenant variant: production (the global model) adapted on the tenant's own dataset, in the
 * tenant's context. The dataset is `tenants/<t>/<dataset>` — the request's `dataset`, else the
 * federated run's that produced production. No replay rows are needed from the parent (a federated
 * version has none): the tenant's rows are its own replay (core/online/adaptation-job.ts).
 * @throws TrainingRefusedError: no-parent, unknown-dataset (404 naming the tenant), too-few-samples
 */
async function resolveTenantVariant(
  deps: LineageTrainingDeps,
  spec: LineageSpec,
  event: Pick<AdaptationRequestedEvent, 'dataset' | 'datasetVersion' | 'minSamples'>,
  tenant: string,
): Promise<ResolvedTraining> {
  const model = spec.model;
  const production = deps.production ? await deps.production(model) : undefined;
  if (!production) throw new TrainingRefusedError(`${model} has no production version to adapt for tenant ${tenant}: deploy one first`, 'no-parent', 409);
  const dataset = event.dataset ?? parseFederatedDatasetId(production.dataset ?? '')?.dataset;
  if (dataset === undefined) {
    throw new TrainingRefusedError(
      `${model} v${production.version} was not trained by a federated run: name tenant ${tenant}'s dataset to adapt on (dataset)`,
      'unknown-dataset',
      409,
    );
  }
  const name = tenantDatasetName(tenant, dataset);
  const manifest = await findManifest(
    { manifests: deps.manifests },
    { name, ...(event.datasetVersion !== undefined ? { version: event.datasetVersion } : {}) },
  );
  if (!manifest) {
    throw new TrainingRefusedError(
      `tenant ${tenant} has no dataset ${dataset}${event.datasetVersion !== undefined ? ` v${event.datasetVersion}` : ''} (${name}): ingest it with xdr-ml datasets ingest FILE --name ${dataset} --tenant ${tenant}`,
      'unknown-dataset',
      404,
    );
  }
  if (spec.features.length > 0) {
    const diff = featureDifferences(spec.features, schemaOf(manifest));
    if (diff.length > 0)
      throw new TrainingRefusedError(`${name} v${manifest.version} does not have the features of ${model} (${diff.join('; ')})`, 'schema-mismatch', 409);
  }
  const minSamples = Math.max(event.minSamples ?? MIN_ADAPTATION_SAMPLES, MIN_ADAPTATION_SAMPLES);
  if (manifest.rowCount < minSamples) {
    throw new TrainingRefusedError(
      `tenant ${tenant} holds ${manifest.rowCount} rows in ${name} v${manifest.version}; a variant needs at least ${minSamples}`,
      'too-few-samples',
      409,
    );
  }
  const known = new Set(spec.classes);
  const outside = [...classesOf(manifest.rowsPerLabel, spec.classSpace)].filter((c) => !known.has(c));
  if (outside.length > 0) {
    // a variant cannot fall back to a full retrain of the global model: refused
    throw new TrainingRefusedError(
      `${name} holds classes ${model} does not have (${outside.sort().join(', ')}): a variant adapts within the global model's classes`,
      'schema-mismatch',
      409,
    );
  }
  return {
    dataset: manifest.name,
    datasetVersion: manifest.version,
    algorithm: spec.algorithm,
    classes: spec.classSpace,
    seed: spec.seed,
    params: {},
    adaptation: { parentVersion: production.version, fromRow: 0, toRow: manifest.rowCount, tenant },
  };
}

const ref = (v: { readonly model: string; readonly version: number }) => `${v.model}@${v.version}`;

/** Why `v` cannot join an ensemble with `first` (features, classes, held-out rows), or undefined. */
function memberMismatch(first: ModelVersion, v: ModelVersion): string | undefined {
  if (!v.features || !first.features) return `the feature schema of ${ref(v)} or ${ref(first)} is unknown`;
  const features = featureDifferences(first.features, v.features);
  if (features.length > 0) return `${ref(v)} reads other features than ${ref(first)} (${features.join('; ')})`;
  if (v.classes.join('\u0000') !== first.classes.join('\u0000'))
    return `${ref(v)} answers in another class space than ${ref(first)} (${v.classes.join(', ')} against ${first.classes.join(', ')})`;
  if (v.artefacts.evaluation?.sha256 !== first.artefacts.evaluation?.sha256)
    return `${ref(v)} was tested on other held-out rows than ${ref(first)} (another dataset version, seed or split)`;
  return undefined;
}

/**
 * What an ensemble job combines. Named members must exist, must not be ensembles and must read the
 * same features, answer in the same class space and share their held-out rows (409 member-mismatch,
 * naming the member and what differs). Without names: the production version and every other
 * registered version of the lineage that can join it (409 too-few-members when fewer than two, unless
 * the request asks for extra members, which the job trains on the production version's dataset and split).
 */
async function resolveEnsemble(deps: LineageTrainingDeps, spec: LineageSpec, event: EnsembleRequestedEvent): Promise<ResolvedTraining> {
  const model = spec.model;
  if (!deps.versionsOf) throw new TrainingRefusedError('this platform cannot list registered versions: ensemble jobs are not wired', 'invalid-spec', 409);
  const trainable = (v: ModelVersion) => v.algorithm !== 'ensemble' && v.artefacts.evaluation !== undefined;
  let members: ModelVersion[];
  if (event.members) {
    members = [];
    const seen = new Set<string>();
    for (const m of event.members) {
      if (seen.has(ref(m))) throw new TrainingRefusedError(`member ${ref(m)} is listed twice`, 'member-mismatch', 409);
      seen.add(ref(m));
      const v = (await deps.versionsOf(m.model)).find((x) => x.version === m.version);
      if (!v) throw new TrainingRefusedError(`member ${ref(m)} is not a registered version`, 'unknown-member', 404);
      if (v.algorithm === 'ensemble')
        throw new TrainingRefusedError(`member ${ref(m)} is itself an ensemble; list its members instead`, 'member-mismatch', 409);
      if (!v.artefacts.evaluation)
        throw new TrainingRefusedError(`member ${ref(m)} was registered without held-out rows; retrain it once`, 'member-mismatch', 409);
      members.push(v);
    }
    for (const v of members.slice(1)) {
      const why = memberMismatch(members[0], v);
      if (why) throw new TrainingRefusedError(`cannot ensemble ${members.map(ref).join(', ')}: ${why}`, 'member-mismatch', 409);
    }
  } else {
    const versions = await deps.versionsOf(model);
    const production = deps.production ? await deps.production(model) : undefined;
    const anchor = versions.find((v) => v.version === production?.version);
    if (!anchor)
      throw new TrainingRefusedError(`${model} has no production version to build an ensemble around: deploy one first, or name the members`, 'no-parent', 409);
    if (!trainable(anchor))
      throw new TrainingRefusedError(
        `${ref(anchor)} (production) ${anchor.algorithm === 'ensemble' ? 'is itself an ensemble' : 'has no held-out rows'}: name the members`,
        'member-mismatch',
        409,
      );
    const others = versions.filter((v) => v !== anchor && trainable(v));
    const joining = others.filter((v) => memberMismatch(anchor, v) === undefined);
    // extra members trained by the job can make up for the versions that cannot join
    if (joining.length === 0 && event.extraMembers === undefined) {
      const why = others.map((v) => memberMismatch(anchor, v)).filter((w): w is string => w !== undefined);
      throw new TrainingRefusedError(
        `${model} has no other registered version that can join ${ref(anchor)} in an ensemble${why.length ? `: ${why.slice(0, 3).join('; ')}` : ' (train another family or seed on the same dataset version first)'}`,
        'too-few-members',
        409,
      );
    }
    members = [anchor, ...joining];
  }
  const first = members[0];
  return {
    dataset: first.dataset.name,
    datasetVersion: first.dataset.version,
    algorithm: 'ensemble',
    classes: spec.classSpace,
    seed: spec.seed,
    params: {},
    ensemble: {
      members: members.map((v) => ({ model: v.model, version: v.version })),
      method: event.method ?? 'auto',
      ...(event.extraMembers !== undefined ? { extraMembers: event.extraMembers } : {}),
    },
  };
}
