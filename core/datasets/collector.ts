// Training-data collector: validates analyst-labelled incidents against a target feature schema and
// appends them to a collected-data dataset without rewriting anything stored: one immutable,
// content-addressed Parquet chunk per accepted batch plus a new manifest version that references every
// earlier chunk and the new one (putIfAbsent on the version, retried when a concurrent batch wins).
// Keeps the count of labelled samples collected since the last training in the datasets table.
import { createHash } from 'node:crypto';
import { boundIssues, echo, fieldName, type FieldIssue } from '../bounds';
import { ForbiddenError, InvalidInputError, UnknownResourceError } from '../errors';
import { DATASET_NAME_PATTERN, DATASET_NAME_RULE } from '../names';
import { ConditionFailedError, type Item, type ItemTable } from '../ports';
import type { FeatureSpec } from '../data/table';
import { IngestError } from './errors';
import { chunkKey, DEFAULT_CHUNK_ROWS, type ChunkRef, type DatasetManifest, type IngestStores } from './ingest';
import { decodeChunk, encodeChunk, type ColumnValues } from './parquet-chunk';
import type { ColumnSpec } from './source';
import { findManifest, type DatasetRef } from './synthetic/synthesize';
import { hasMapping, loadTaxonomy, mapLabel, type Taxonomy } from './taxonomy';

/** Most incidents accepted in one batch. */
export const MAX_INCIDENTS_PER_BATCH = 1000;
/** Default name of the collected-data dataset. */
export const DEFAULT_COLLECTED_DATASET = 'collected';
/**
 * The platform's default training dataset: the target schema when neither the collected dataset
 * already exists nor `schemaFrom` is given (its latest version). The general model trains on
 * CICIDS2017-format flows, ingested under this name.
 */
export const DEFAULT_TRAINING_DATASET = 'cicids2017';
/** Key of the counters item in the datasets table (its name cannot be a dataset name). */
export const COUNTERS_KEY: Readonly<Item> = { name: '__counters__', version: 0 };
/** Attribute of the counters item holding the labelled samples collected since the last training. */
export const COLLECTED_SINCE_TRAINING_ATTRIBUTE = 'collectedSinceLastTraining';
const MAX_VERSION_ATTEMPTS = 20;
/**
 * Most chunks a collected manifest lists. A manifest item must stay under DynamoDB's 400 KB, and
 * each batch adds a chunk: past this, the batch compacts every chunk into few (DEFAULT_CHUNK_ROWS
 * rows each). The old chunks and versions stay; only the new version lists the compacted ones.
 */
export const MAX_MANIFEST_CHUNKS = 64;
/**
 * Most batch records kept in a manifest's lineage; older ones move to an immutable JSON object in
 * the datasets bucket (`lineage.earlierBatches`), which links to the one before it.
 */
export const MAX_LINEAGE_BATCHES = 64;

/** One analyst-labelled incident: feature values by name, a fine label from the taxonomy, provenance. */
export interface Incident {
  readonly features: Readonly<Record<string, unknown>>;
  readonly label: string;
  readonly source: string;
  readonly analyst: string;
  /** ISO 8601 time of the observation. */
  readonly observedAt?: string;
}

/** A batch of incidents for collectIncidents. */
export interface CollectRequest {
  /** Collected dataset name (default 'collected'). */
  readonly dataset?: string;
  /**
   * The target schema. Rule: when the collected dataset exists, its latest version's schema (a given
   * schemaFrom must have the same features); otherwise schemaFrom (latest version when no @version),
   * otherwise the latest version of DEFAULT_TRAINING_DATASET.
   */
  readonly schemaFrom?: DatasetRef;
  readonly incidents: readonly Incident[];
  /** Who sent the batch (the IAM principal on AWS, `local` locally); kept in its provenance and lineage records. */
  readonly actor?: string;
}

/** What a collected batch produced. */
export interface CollectResult {
  readonly dataset: string;
  readonly version: number;
  readonly accepted: number;
  readonly chunk: ChunkRef;
  readonly rowCount: number;
  readonly collectedSinceLastTraining: number;
}

/** A field that failed validation, named by its path (`incidents.3.features.Flow Duration`). */
export type { FieldIssue } from '../bounds';

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function resolveTarget(
  stores: IngestStores,
  dataset: string,
  schemaFrom: DatasetRef | undefined,
): Promise<{ current?: DatasetManifest; target: DatasetManifest }> {
  const current = await findManifest(stores, { name: dataset });
  const fromRef = schemaFrom ?? (current === undefined ? { name: DEFAULT_TRAINING_DATASET } : undefined);
  let target = current;
  if (fromRef !== undefined) {
    const from = await findManifest(stores, fromRef);
    if (from === undefined) {
      const v = fromRef.version === undefined ? '' : `@${fromRef.version}`;
      throw new UnknownResourceError(
        `schema dataset "${fromRef.name}${v}" does not exist${schemaFrom === undefined ? ' (the default training dataset; ingest it or pass schemaFrom)' : ''}`,
        { details: [{ field: 'schemaFrom', message: 'unknown dataset or version' }] },
      );
    }
    if (current !== undefined && !sameFeatures(current.schema.features, from.schema.features)) {
      throw new InvalidInputError(`schemaFrom ${from.name}@${from.version} does not match the features of ${dataset}@${current.version}`, {
        details: [{ field: 'schemaFrom', message: `features differ from the collected dataset ${dataset}` }],
      });
    }
    target = current ?? from;
  }
  return { current, target: target as DatasetManifest };
}

function sameFeatures(a: readonly FeatureSpec[], b: readonly FeatureSpec[]): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i].name && f.kind === b[i].kind);
}

/**
 * Validates incidents against a feature schema and the taxonomy; returns every issue (empty = valid).
 * Checks: unknown and missing feature names, numeric features given a non-number (or non-finite)
 * value, categorical features given a non-string, labels without a Mini-XDR mapping, empty
 * source/analyst, observedAt not an ISO time.
 */
export function validateIncidents(features: readonly FeatureSpec[], incidents: readonly Incident[], taxonomy: Taxonomy = loadTaxonomy()): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const byName = new Map(features.map((f) => [f.name, f]));
  incidents.forEach((incident, i) => {
    const at = `incidents.${i}`;
    const given = incident.features ?? {};
    for (const [name, value] of Object.entries(given)) {
      const spec = byName.get(name);
      if (spec === undefined) issues.push({ field: fieldName([at, 'features', name]), message: 'unknown feature' });
      else if (spec.kind === 'numeric' && (typeof value !== 'number' || !Number.isFinite(value))) {
        issues.push({ field: fieldName([at, 'features', name]), message: `must be a finite number, got ${echo(value)}` });
      } else if (spec.kind === 'categorical' && typeof value !== 'string') {
        issues.push({ field: fieldName([at, 'features', name]), message: `must be a string, got ${echo(value)}` });
      }
    }
    for (const f of features) {
      if (!Object.prototype.hasOwnProperty.call(given, f.name)) issues.push({ field: `${at}.features.${f.name}`, message: 'missing feature' });
    }
    if (typeof incident.label !== 'string' || !hasMapping(incident.label, 'mini-xdr', taxonomy)) {
      issues.push({ field: `${at}.label`, message: `label ${echo(incident.label)} is not in the taxonomy` });
    }
    if (typeof incident.source !== 'string' || incident.source.length === 0) issues.push({ field: `${at}.source`, message: 'required' });
    if (typeof incident.analyst !== 'string' || incident.analyst.length === 0) issues.push({ field: `${at}.analyst`, message: 'required' });
    if (incident.observedAt !== undefined && Number.isNaN(Date.parse(incident.observedAt))) {
      issues.push({ field: `${at}.observedAt`, message: 'must be an ISO 8601 time' });
    }
  });
  return issues;
}

/**
 * Appends a batch of labelled incidents to the collected dataset: validates every incident (nothing is
 * written when one fails), stores the batch as one content-addressed Parquet chunk (plus a JSON
 * provenance record: source, analyst, observedAt per row), writes version n+1 of the dataset's
 * manifest holding every earlier chunk and the new one, and adds the batch size to the
 * collected-since-last-training counter.
 * @throws InvalidInputError (400) naming each bad field; UnknownResourceError (404) for an unknown schemaFrom
 * @example
 * await collectIncidents(stores, { incidents: [{ features: {...}, label: 'SSH-Patator', source: 'soc', analyst: 'ana' }] });
 */
export async function collectIncidents(
  stores: IngestStores,
  request: CollectRequest,
  options: { taxonomy?: Taxonomy; now?: () => Date; maxChunks?: number; maxLineageBatches?: number; compactRows?: number } = {},
): Promise<CollectResult> {
  const dataset = request.dataset ?? DEFAULT_COLLECTED_DATASET;
  if (!DATASET_NAME_PATTERN.test(dataset)) {
    throw new InvalidInputError(`invalid dataset name "${dataset}"`, { details: [{ field: 'dataset', message: DATASET_NAME_RULE }] });
  }
  const incidents = request.incidents;
  if (incidents.length === 0 || incidents.length > MAX_INCIDENTS_PER_BATCH) {
    throw new InvalidInputError(`a batch holds 1 to ${MAX_INCIDENTS_PER_BATCH} incidents, got ${incidents.length}`, {
      details: [{ field: 'incidents', message: `1 to ${MAX_INCIDENTS_PER_BATCH} incidents` }],
    });
  }
  const taxonomy = options.taxonomy ?? loadTaxonomy();
  const { current, target } = await resolveTarget(stores, dataset, request.schemaFrom);
  if (current !== undefined && current.options.collector !== true) {
    throw new ForbiddenError(`dataset "${dataset}" was ingested, not collected: curated datasets change only through ingest`, {
      details: [{ field: 'dataset', message: 'an ingested (curated) dataset' }],
    });
  }
  const features = target.schema.features;
  const issues = validateIncidents(features, incidents, taxonomy);
  if (issues.length > 0) {
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
    throw new InvalidInputError(
      `Invalid incidents: ${issues
        .slice(0, 5)
        .map((d) => `${d.field} ${d.message}`)
        .join('; ')}${more}`,
      { details: boundIssues(issues) },
    );
  }

  // One chunk for the batch, in the target's column layout.
  const n = incidents.length;
  const columns: ColumnSpec[] = features.map((f) => ({ name: f.name, kind: f.kind }));
  const values: ColumnValues[] = features.map((f) =>
    f.kind === 'numeric' ? Float64Array.from(incidents, (inc) => inc.features[f.name] as number) : incidents.map((inc) => inc.features[f.name] as string),
  );
  const labels = incidents.map((inc) => inc.label);
  const bytes = encodeChunk(columns, { rowCount: n, values, labels });
  const sha256 = sha256Hex(bytes);
  const chunk: ChunkRef = { key: chunkKey(dataset, sha256), sha256, rows: n };
  if (!(await stores.objects.exists(chunk.key))) await stores.objects.put(chunk.key, bytes, { contentType: 'application/vnd.apache.parquet' });
  const receivedAt = (options.now?.() ?? new Date()).toISOString();
  const provenance = JSON.stringify({
    chunkSha256: sha256,
    receivedAt,
    collectedBy: request.actor ?? null,
    rows: incidents.map((inc) => ({ label: inc.label, source: inc.source, analyst: inc.analyst, observedAt: inc.observedAt ?? null })),
  });
  const provenanceKey = `datasets/${dataset}/provenance/${sha256Hex(provenance)}.json`;
  await stores.objects.put(provenanceKey, provenance, { contentType: 'application/json' });

  const batchLabels: Record<string, number> = {};
  for (const l of labels) batchLabels[l] = (batchLabels[l] ?? 0) + 1;
  const seen = new Set<string>();
  let batchDuplicates = 0;
  incidents.forEach((inc, i) => {
    const key = JSON.stringify([features.map((f) => inc.features[f.name]), labels[i]]);
    if (seen.has(key)) batchDuplicates++;
    else seen.add(key);
  });

  for (let attempt = 0; attempt < MAX_VERSION_ATTEMPTS; attempt++) {
    const previous = await findManifest(stores, { name: dataset });
    const batchRecord = { chunkSha256: chunk.sha256, rows: chunk.rows, provenanceKey, receivedAt, ...(request.actor ? { collectedBy: request.actor } : {}) };
    const chunks = await boundedChunks(
      stores,
      dataset,
      columns,
      [...(previous?.chunks ?? []), chunk],
      options.maxChunks ?? MAX_MANIFEST_CHUNKS,
      options.compactRows ?? DEFAULT_CHUNK_ROWS,
    );
    const lineage = await boundedLineage(stores, dataset, previous, batchRecord, options.maxLineageBatches ?? MAX_LINEAGE_BATCHES);
    const manifest = nextVersion(dataset, previous, target, incidents, { chunk, chunks, lineage, batchLabels, batchDuplicates, receivedAt, taxonomy });
    try {
      await stores.manifests.putIfAbsent(manifest as unknown as Item);
    } catch (err) {
      if (err instanceof ConditionFailedError) continue;
      throw err;
    }
    const since = await stores.manifests.increment(COUNTERS_KEY, COLLECTED_SINCE_TRAINING_ATTRIBUTE, n);
    return { dataset, version: manifest.version, accepted: n, chunk, rowCount: manifest.rowCount, collectedSinceLastTraining: since };
  }
  throw new IngestError(`could not allocate a version for dataset "${dataset}" after ${MAX_VERSION_ATTEMPTS} attempts`);
}

function nextVersion(
  dataset: string,
  previous: DatasetManifest | undefined,
  target: DatasetManifest,
  incidents: readonly Incident[],
  batch: {
    chunk: ChunkRef;
    chunks: readonly ChunkRef[];
    lineage: { batches: unknown[]; earlierBatches: string | null };
    batchLabels: Record<string, number>;
    batchDuplicates: number;
    receivedAt: string;
    taxonomy: Taxonomy;
  },
): DatasetManifest {
  const base = previous ?? target;
  const features: FeatureSpec[] = base.schema.features.map((f) => {
    if (f.kind !== 'categorical') return f;
    const vocabulary = new Set(previous === undefined ? [] : f.vocabulary);
    for (const inc of incidents) {
      const v = inc.features[f.name] as string;
      if (v.length > 0) vocabulary.add(v);
    }
    return { ...f, vocabulary: [...vocabulary].sort() };
  });
  const rowsPerLabel: Record<string, number> = { ...(previous?.rowsPerLabel ?? {}) };
  for (const [l, c] of Object.entries(batch.batchLabels)) rowsPerLabel[l] = (rowsPerLabel[l] ?? 0) + c;
  const sortedLabels: Record<string, number> = {};
  for (const l of Object.keys(rowsPerLabel).sort()) sortedLabels[l] = rowsPerLabel[l];
  const rowsPerClass: Record<string, number> = {};
  for (const [l, c] of Object.entries(sortedLabels)) {
    const cls = mapLabel(l, 'mini-xdr', batch.taxonomy);
    rowsPerClass[cls] = (rowsPerClass[cls] ?? 0) + c;
  }
  const chunks = [...batch.chunks];
  const schemaFrom = previous === undefined ? { name: target.name, version: target.version } : previous.lineage.schemaFrom;
  return {
    name: dataset,
    version: (previous?.version ?? 0) + 1,
    format: base.format,
    schema: { features },
    rowCount: (previous?.rowCount ?? 0) + batch.chunk.rows,
    rowsPerLabel: sortedLabels,
    rowsPerClass,
    rejectedCount: 0,
    rejected: [],
    rejectedReasons: {},
    skippedLines: { repeatedHeaders: 0, blankLines: 0 },
    duplicateCount: (previous?.duplicateCount ?? 0) + batch.batchDuplicates,
    sourceSha256: sha256Hex([...(previous ? [previous.sourceSha256] : []), batch.chunk.sha256].join('\n')),
    sourcePath: 'POST /api/ml/training-data',
    sourceBytes: 0,
    optionsSha256: sha256Hex('collector v1'),
    options: { collector: true },
    chunks,
    lineage: {
      collectedBy: 'mini-xdr-ml core/datasets/collector',
      schemaFrom,
      previousVersion: previous?.version ?? null,
      batches: batch.lineage.batches,
      earlierBatches: batch.lineage.earlierBatches,
    },
    synthetic: false,
    createdAt: batch.receivedAt,
  };
}

/**
 * The chunks a new version lists: as given while there are at most `maxChunks`, else all their rows
 * re-encoded, in order, into chunks of `compactRows` rows (content-addressed, written if absent).
 */
async function boundedChunks(
  stores: IngestStores,
  dataset: string,
  columns: readonly ColumnSpec[],
  chunks: readonly ChunkRef[],
  maxChunks: number,
  compactRows: number,
): Promise<readonly ChunkRef[]> {
  if (chunks.length <= maxChunks) return chunks;
  const numeric = columns.map((c) => c.kind === 'numeric');
  const values: (number | string)[][] = columns.map(() => []);
  const labels: string[] = [];
  for (const ref of chunks) {
    const decoded = await decodeChunk(await stores.objects.get(ref.key));
    if (decoded.columns.map((c) => c.name).join('\u0000') !== columns.map((c) => c.name).join('\u0000')) {
      throw new IngestError(`chunk ${ref.key} of dataset "${dataset}" does not have the dataset's columns; not compacting`);
    }
    for (let j = 0; j < columns.length; j++) for (let i = 0; i < decoded.rowCount; i++) values[j].push(decoded.values[j][i]);
    for (let i = 0; i < decoded.rowCount; i++) labels.push(decoded.labels[i]);
  }
  const out: ChunkRef[] = [];
  for (let start = 0; start < labels.length; start += compactRows) {
    const end = Math.min(labels.length, start + compactRows);
    const part: ColumnValues[] = values.map((v, j) => (numeric[j] ? Float64Array.from(v.slice(start, end) as number[]) : (v.slice(start, end) as string[])));
    const bytes = encodeChunk(columns, { rowCount: end - start, values: part, labels: labels.slice(start, end) });
    const sha256 = sha256Hex(bytes);
    const ref: ChunkRef = { key: chunkKey(dataset, sha256), sha256, rows: end - start };
    if (!(await stores.objects.exists(ref.key))) await stores.objects.put(ref.key, bytes, { contentType: 'application/vnd.apache.parquet' });
    out.push(ref);
  }
  return out;
}

/**
 * The batch records a new version keeps: the previous ones plus this batch, at most `maxBatches`;
 * when more, the older ones go to an immutable JSON object (`{ earlierBatches, batches }`) that the
 * new version's `earlierBatches` names.
 */
async function boundedLineage(
  stores: IngestStores,
  dataset: string,
  previous: DatasetManifest | undefined,
  record: Readonly<Record<string, unknown>>,
  maxBatches: number,
): Promise<{ batches: unknown[]; earlierBatches: string | null }> {
  const lineage = previous?.lineage ?? {};
  const batches = [...(Array.isArray(lineage.batches) ? (lineage.batches as unknown[]) : []), record];
  const earlier = typeof lineage.earlierBatches === 'string' ? lineage.earlierBatches : null;
  if (batches.length <= maxBatches) return { batches, earlierBatches: earlier };
  const keep = Math.max(1, Math.floor(maxBatches / 2));
  const moved = JSON.stringify({ dataset, earlierBatches: earlier, batches: batches.slice(0, batches.length - keep) });
  const key = `datasets/${dataset}/lineage/${sha256Hex(moved)}.json`;
  if (!(await stores.objects.exists(key))) await stores.objects.put(key, moved, { contentType: 'application/json' });
  return { batches: batches.slice(batches.length - keep), earlierBatches: key };
}

/** Labelled samples collected since the last training (0 when none). */
export async function collectedSinceLastTraining(tables: ItemTable): Promise<number> {
  const item = await tables.get(COUNTERS_KEY);
  const value = item?.[COLLECTED_SINCE_TRAINING_ATTRIBUTE];
  return typeof value === 'number' ? value : 0;
}

/**
 * Resets the collected-since-last-training counter after a training run. Subtracts the value it read
 * (atomic increment by −n), so samples collected concurrently are not lost. Returns the new count.
 */
export async function markTrained(tables: ItemTable): Promise<number> {
  const current = await collectedSinceLastTraining(tables);
  if (current === 0) return 0;
  return tables.increment(COUNTERS_KEY, COLLECTED_SINCE_TRAINING_ATTRIBUTE, -current);
}
