// An adaptation job end to end: the parent version's bundle (model, replay rows, test rows) and the
// new labelled samples (dataset rows: collected incidents, a named labelled dataset version) →
// adaptModel → ONNX, explanations, drift profile, summary → every file stored under its
// content-addressed key → the candidate registered LAST, with parentVersion and trainingKind
// 'online-adaptation'. The same ordering guarantee as a training job (core/pipeline/train-job.ts).
import { sha256Hex, type ArtefactRef, type BundleRefs, type BundleRole } from '../artefacts/bundle';
import { takeLabels, takeRows, type FeatureMatrix, type LabelledData } from '../data/table';
import { stratifiedGroupSplit } from '../evaluation';
import { FEDERATED_RECORD_PARAMS } from '../federated/keys';
import { PARTICIPANT_HELD_OUT_SHARE } from '../federated/protocol/participant';
import { noExplanations } from '../families';
import { parseTenantDatasetName, tenantDatasetName } from '../names';
import { buildReferenceProfile } from '../drift';
import { isTrainableFamilyId, modelFamily, type TrainableFamilyId } from '../families';
import type { ModelDocument } from '../learners/learner';
import { alignFeatures, loadDataset, loadManifest, loadModelDocument, registeredMetrics, type ClassSpace, type TrainingJobDeps } from '../pipeline';
import { decodeEvaluationSet, encodeEvaluationSet, sampleReplayRows, type EvaluationSet } from '../pipeline/evaluation-set';
import { storeBundle } from '../pipeline/train-job';
import type { ObjectStore } from '../ports';
import type { LearnerParams } from '../training';
import { adaptModel, type AdaptationResult, type LabelledRows } from './adaptation';
import { AdaptationRefusedError } from './errors';

/** The trainingKind of a registered adapted version. */
export const ONLINE_ADAPTATION_KIND = 'online-adaptation';

/** The parent version as the registry holds it. */
export interface ParentVersion {
  readonly model: string;
  readonly version: number;
  readonly algorithm: string;
  readonly artefacts: BundleRefs;
  readonly dataset: { readonly name: string; readonly version: number; readonly sha256: string };
  readonly classSpace?: ClassSpace;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly seed?: number;
}

/** New labelled rows from one dataset version: rows [fromRow, toRow) (default all; rows before fromRow were used before). */
export interface SampleSource {
  readonly dataset: string;
  readonly version?: number;
  readonly fromRow?: number;
  readonly toRow?: number;
}

export interface AdaptationJobRequest {
  readonly parent: ParentVersion;
  /** The new samples; for a tenant variant, the one tenant dataset (`tenants/<t>/<name>`) it adapts on. */
  readonly sources: readonly SampleSource[];
  /**
   * A tenant variant: the job runs in the tenant's context and every row it reads is the tenant's
   * own (its dataset, under its prefix). The parent's replay and test rows are not used (a federated
   * parent has none); the tenant's rows are split as its federated participant split them (the
   * parent's seed, PARTICIPANT_HELD_OUT_SHARE held out): the training share is adapted on — it is the
   * tenant's share of the parent's training rows, so it is its own replay — and the held-out share
   * scores parent and variant ("did it forget?" on the tenant's traffic). No row is stored in the
   * bundle: the rows stay under the tenant's prefix.
   */
  readonly tenant?: string;
  readonly seed: number;
  readonly author: string;
  readonly params?: LearnerParams;
  readonly trainingJobId?: string;
}

/** Where each sample came from (recorded in the summary and with the version). */
export interface SampleProvenance {
  readonly dataset: string;
  readonly version: number;
  readonly fromRow: number;
  readonly toRow: number;
  readonly rows: number;
}

export interface AdaptationJobResult {
  readonly model: string;
  readonly version: number;
  readonly parentVersion: number;
  readonly artefacts: BundleRefs;
  readonly adaptation: AdaptationResult;
  readonly provenance: readonly SampleProvenance[];
  readonly summary: Readonly<Record<string, unknown>>;
}

/** A training job's ports, plus where the parent's files are read from (default the artefacts bucket; a container's parent channel). */
export interface AdaptationJobDeps extends TrainingJobDeps {
  readonly parentFiles?: ObjectStore;
}

async function verifiedBytes(bucket: ObjectStore, ref: ArtefactRef, what: string): Promise<Uint8Array> {
  const bytes = await bucket.get(ref.key);
  if (sha256Hex(bytes) !== ref.sha256) throw new AdaptationRefusedError(`the parent's ${what} ${ref.key} is corrupt or was replaced`, 'not-adaptable');
  return bytes;
}

/** An evaluation-set-format file in the parent's feature order, labels kept as names. */
function inParentOrder(parent: ModelDocument, set: EvaluationSet): LabelledRows {
  return { X: alignFeatures(parent.schema, set.schema, set.X).X, labels: set.labels };
}

/** The new samples of every source, in the parent's feature order, with where they came from. */
async function loadSamples(
  deps: TrainingJobDeps,
  parent: ModelDocument,
  classSpace: ClassSpace,
  sources: readonly SampleSource[],
): Promise<{ rows: LabelledRows; provenance: SampleProvenance[] }> {
  const parts: LabelledRows[] = [];
  const provenance: SampleProvenance[] = [];
  for (const source of sources) {
    const manifest = await loadManifest(deps.datasetsTable, source.dataset, source.version);
    const { data } = await loadDataset(manifest, deps.datasetsBucket, classSpace);
    const to = Math.min(source.toRow ?? data.X.rows, data.X.rows);
    const from = Math.min(source.fromRow ?? 0, to);
    const X: FeatureMatrix = { rows: to - from, cols: data.X.cols, data: data.X.data.subarray(from * data.X.cols, to * data.X.cols) };
    const labels = Array.from(data.y.subarray(from, to), (c) => data.classes[c]);
    parts.push({ X: alignFeatures(parent.schema, data.schema, X).X, labels });
    provenance.push({ dataset: manifest.name, version: manifest.version, fromRow: from, toRow: to, rows: to - from });
  }
  const cols = parent.schema.features.length;
  const total = parts.reduce((s, p) => s + p.X.rows, 0);
  const X = new Float64Array(total * cols);
  let at = 0;
  for (const p of parts) {
    X.set(p.X.data.subarray(0, p.X.rows * cols), at * cols);
    at += p.X.rows;
  }
  return { rows: { X: { rows: total, cols, data: X }, labels: parts.flatMap((p) => p.labels) }, provenance };
}

/**
 * A tenant variant's rows, all from the tenant's one dataset: split as its federated participant split
 * them; the training share is adapted on (its own replay), the held-out share is the test rows.
 * @throws AdaptationRefusedError when the source is not exactly one dataset of this tenant
 */
async function loadTenantRows(
  deps: TrainingJobDeps,
  parent: ModelDocument,
  classSpace: ClassSpace,
  tenant: string,
  sources: readonly SampleSource[],
  seed: number,
): Promise<{ samples: LabelledRows; replay: LabelledRows; parentTest: LabelledRows; provenance: SampleProvenance[] }> {
  const [source] = sources;
  const owner = source ? parseTenantDatasetName(source.dataset)?.tenant : undefined;
  if (sources.length !== 1 || owner !== tenant) {
    throw new AdaptationRefusedError(
      `tenant ${tenant}'s variant adapts on one dataset of its own (${tenantDatasetName(tenant, '<name>')}), not ${sources.map((s) => s.dataset).join(', ') || 'nothing'}`,
      'not-adaptable',
    );
  }
  const manifest = await loadManifest(deps.datasetsTable, source.dataset, source.version);
  const { data } = await loadDataset(manifest, deps.datasetsBucket, classSpace);
  const split = stratifiedGroupSplit(data.X, data.y, { testFraction: PARTICIPANT_HELD_OUT_SHARE, seed });
  const rows = (idx: Int32Array): LabelledRows => ({
    X: alignFeatures(parent.schema, data.schema, takeRows(data.X, idx)).X,
    labels: Array.from(takeLabels(data.y, idx), (c) => data.classes[c]),
  });
  const empty: LabelledRows = { X: { rows: 0, cols: parent.schema.features.length, data: new Float64Array(0) }, labels: [] };
  const samples = rows(split.train);
  return {
    samples,
    replay: empty,
    parentTest: rows(split.test),
    provenance: [{ dataset: manifest.name, version: manifest.version, fromRow: 0, toRow: data.y.length, rows: samples.labels.length }],
  };
}

/**
 * Adapts a parent version on new labelled rows and registers the candidate (last).
 * @throws AdaptationRefusedError (409) when the parent has no replay rows, too few samples, or labels outside its classes
 * @example await runAdaptationJob(deps, { parent, sources: [{ dataset: 'general-collected', fromRow: 1200 }], seed: 42, author: 'alice' });
 */
export async function runAdaptationJob(deps: AdaptationJobDeps, request: AdaptationJobRequest): Promise<AdaptationJobResult> {
  const { parent: parentVersion } = request;
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    timings[name] = now - mark;
    mark = now;
  };
  if (!isTrainableFamilyId(parentVersion.algorithm)) throw new AdaptationRefusedError(`${parentVersion.algorithm} models cannot be adapted`, 'not-adaptable');
  const family = modelFamily(parentVersion.algorithm);
  const { replay: replayRef, evaluation: evaluationRef } = parentVersion.artefacts;
  if (request.tenant === undefined && (!replayRef || !evaluationRef)) {
    throw new AdaptationRefusedError(
      `${parentVersion.model} v${parentVersion.version} was registered without replay or evaluation rows (trained before online learning); retrain it once to make it adaptable`,
      'not-adaptable',
    );
  }
  const parentFiles = deps.parentFiles ?? deps.artefactsBucket;
  const parent = await loadModelDocument(parentFiles, parentVersion.artefacts.model);
  const classSpace = parentVersion.classSpace ?? 'fine';
  let evaluationBytes: Uint8Array | undefined;
  let replay: LabelledRows;
  let parentTest: LabelledRows;
  let samples: LabelledRows;
  let provenance: SampleProvenance[];
  if (request.tenant !== undefined) {
    ({ samples, replay, parentTest, provenance } = await loadTenantRows(
      deps,
      parent,
      classSpace,
      request.tenant,
      request.sources,
      parentVersion.seed ?? request.seed,
    ));
  } else {
    if (!replayRef || !evaluationRef) throw new AdaptationRefusedError(`${parentVersion.model} v${parentVersion.version} has no replay rows`, 'not-adaptable');
    evaluationBytes = await verifiedBytes(parentFiles, evaluationRef, 'evaluation rows');
    replay = inParentOrder(parent, await decodeEvaluationSet(await verifiedBytes(parentFiles, replayRef, 'replay rows')));
    parentTest = inParentOrder(parent, await decodeEvaluationSet(evaluationBytes));
    ({ rows: samples, provenance } = await loadSamples(deps, parent, classSpace, request.sources));
  }
  const parentParams = numericParams(parentVersion.hyperparameters);
  lap('load');

  const adaptation = adaptModel({
    family,
    parent,
    parentParams,
    samples,
    replay,
    parentTest,
    seed: request.seed,
    ...(request.params ? { params: request.params } : {}),
  });
  const document = adaptation.document;
  lap('adapt');

  // the candidate's replay rows and drift reference: the parent's replay rows plus the new samples
  // (a later adaptation replays both), with the adapted model's predictions the fit already made
  const classes = parent.classes;
  const mix = adaptation.mix;
  const mixed: LabelledData = { X: mix.X, y: mix.y, classes, schema: parent.schema };
  const mixedRows = Int32Array.from({ length: mixed.X.rows }, (_, i) => i);
  const onnx = family.exportOnnx(document, { ...deps.onnx });
  lap('export');
  const featureNames = parent.schema.features.map((f) => f.name);
  // a tenant variant's explanations and drift reference would carry its rows' values out of its prefix: none are stored
  const explanations =
    request.tenant === undefined
      ? family.explanations(document, parentTest.X, { seed: request.seed })
      : noExplanations(classes, featureNames, `tenant ${request.tenant}'s variant: explanation rows stay under the tenant's prefix`);
  lap('explain');
  const profile =
    request.tenant === undefined
      ? buildReferenceProfile(parent.schema, mixed.X, mix.predictedCounts, classes, { seed: request.seed })
      : buildReferenceProfile(parent.schema, { rows: 0, cols: featureNames.length, data: new Float64Array(0) });
  lap('profile');
  const summary = {
    model: parentVersion.model,
    trainingKind: ONLINE_ADAPTATION_KIND,
    parentVersion: parentVersion.version,
    algorithm: parentVersion.algorithm,
    classes,
    classSpace,
    seed: request.seed,
    author: request.author,
    // the lineage's training parameters stay the version's; the adaptation's own are recorded beside them
    // (a second adaptation derives its parameters from the training's, not from the first adaptation's)
    hyperparameters: parentParams,
    adaptationParams: adaptation.params,
    samples: { ...adaptation.samples, sources: provenance },
    learned: adaptation.learned,
    forgetting: adaptation.forgetting,
    metrics: registeredMetrics(adaptation.report),
    iterations: adaptation.iterations,
    bestIteration: adaptation.bestIteration,
    millis: adaptation.millis,
    jobTimings: timings,
    ...(request.tenant !== undefined ? { tenant: request.tenant } : {}),
    ...(deps.resourceUsage ? { resources: deps.resourceUsage({ rows: samples.X.rows + replay.X.rows }) } : {}),
  };
  const files: Partial<Record<BundleRole, Uint8Array | string>> = {
    onnx,
    model: JSON.stringify(document),
    summary: JSON.stringify(summary, null, 2),
    reference: JSON.stringify(profile),
    explanations: JSON.stringify(explanations, null, 2),
  };
  if (evaluationBytes) {
    // the gate compares the candidate with production on the parent's test rows: the same file
    files.evaluation = evaluationBytes;
    files.replay = encodeEvaluationSet(mixed, sampleReplayRows(mixed.y, mixedRows, classes.length, request.seed));
  }
  const artefacts = await storeBundle(deps, parentVersion.model, files);
  const { version } = await deps.register({
    model: parentVersion.model,
    algorithm: parentVersion.algorithm as TrainableFamilyId,
    artefacts,
    dataset: parentVersion.dataset,
    metrics: {
      ...registeredMetrics(adaptation.report),
      adaptation: { learned: adaptation.learned, forgetting: adaptation.forgetting, samples: adaptation.samples },
    },
    classes: [...classes],
    hyperparameters: summary.hyperparameters,
    classSpace,
    features: parent.schema.features.map((f) => ({ name: f.name, kind: f.kind })),
    seed: request.seed,
    parentVersion: parentVersion.version,
    trainingKind: ONLINE_ADAPTATION_KIND,
    author: request.author,
    ...(request.trainingJobId !== undefined ? { trainingJobId: request.trainingJobId } : {}),
    ...(request.tenant !== undefined ? { tenant: request.tenant } : {}),
  });
  return { model: parentVersion.model, version, parentVersion: parentVersion.version, artefacts, adaptation, provenance, summary };
}

/** The registered hyperparameters a learner takes back (numbers, strings, booleans). */
function numericParams(hyperparameters: Readonly<Record<string, unknown>>): LearnerParams {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(hyperparameters)) {
    if (FEDERATED_RECORD_PARAMS.includes(k)) continue; // a federated parent's run record, not a learner parameter
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}
