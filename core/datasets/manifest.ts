// A dataset version's manifest (schema, row and label counts, chunks, lineage) and how manifests
// are stored: one item per version in the datasets table, numbered 1, 2, 3 … by a conditional
// put; chunks are content-addressed objects in the datasets bucket.
import { createHash } from 'node:crypto';
import type { FeatureSpec } from '../data/table';
import { ConditionFailedError, type Item, type ItemTable, type ObjectStore } from '../ports';
import type { SkippedLineCounts } from './csv-source';
import { IngestError } from './errors';
import { parseTenantDatasetName, tenantDataPrefix } from '../names';
import type { DatasetFormat } from './source';

/** Default number of rows per Parquet chunk. */
export const DEFAULT_CHUNK_ROWS = 100_000;
/** Rejected rows kept (with line and reason) in the manifest; all are counted. */
export const MAX_REJECTED_KEPT = 100;
const MAX_VERSION_ATTEMPTS = 20;

/** One stored chunk of a dataset version. */
export interface ChunkRef {
  readonly key: string;
  readonly sha256: string;
  readonly rows: number;
}

/** The manifest item of one dataset version (table key: name + version). */
export interface DatasetManifest {
  /** The stored name: the dataset name, or `tenants/<tenant>/<dataset>` for a tenant's own. */
  readonly name: string;
  /** The owning tenant of a tenant dataset (its chunks lie under `tenants/<tenant>/`); absent for a shared dataset. */
  readonly tenant?: string;
  readonly version: number;
  readonly format: DatasetFormat;
  /** Feature names and kinds; categorical vocabularies (sorted; code = index). */
  readonly schema: { readonly features: readonly FeatureSpec[] };
  readonly rowCount: number;
  /** Rows per fine label. */
  readonly rowsPerLabel: Readonly<Record<string, number>>;
  /** Rows per Mini-XDR class. */
  readonly rowsPerClass: Readonly<Record<string, number>>;
  /** The dataset's own label map (fine label → Mini-XDR class), given at ingest; it extends the taxonomy for this dataset. */
  readonly labelMap?: Readonly<Record<string, string>>;
  /** Fine labels with no Mini-XDR class (neither in the taxonomy nor the label map): kept as fine labels; `--classes taxonomy` refuses them. */
  readonly unmappedLabels?: readonly string[];
  /** Rows per classic KDD category, when every label has one (KDD family only). */
  readonly rowsPerKddCategory?: Readonly<Record<string, number>>;
  readonly rejectedCount: number;
  /** The first rejected rows, with 1-based line number and reason. */
  readonly rejected: readonly { readonly line: number; readonly reason: string }[];
  /** Rejections per kind of reason (offending value removed). */
  readonly rejectedReasons: Readonly<Record<string, number>>;
  /** Lines skipped on purpose (repeated headers, blank lines). */
  readonly skippedLines: SkippedLineCounts;
  /** Rows whose values and label exactly repeat an earlier row (they are kept and counted). */
  readonly duplicateCount: number;
  readonly sourceSha256: string;
  readonly sourcePath: string;
  readonly sourceBytes: number;
  /** sha256 of the normalised loader options; same source + same options = same version. */
  readonly optionsSha256: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly chunks: readonly ChunkRef[];
  readonly lineage: Readonly<Record<string, unknown>>;
  readonly synthetic: boolean;
  readonly createdAt: string;
}

/** Where ingestion stores its output. */
export interface IngestStores {
  /** The datasets bucket. */
  readonly objects: ObjectStore;
  /** The datasets manifest table (key: { name, version }). */
  readonly manifests: ItemTable;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The manifest table key of a dataset version. */
export function manifestKey(name: string, version: number): Item {
  return { name, version };
}

/**
 * Key prefix of a dataset's chunks: `datasets/<name>/`, a tenant's dataset under its own prefix
 * (`tenants/<t>/datasets/<dataset>/`) so one IAM prefix holds all of a tenant's rows. The training
 * channel and every chunk key derive from this one rule.
 */
export function chunkPrefix(name: string): string {
  const owned = parseTenantDatasetName(name);
  if (owned !== undefined) return `${tenantDataPrefix(owned.tenant)}datasets/${owned.dataset}/`;
  return `datasets/${name}/`;
}

/** Object key of a chunk: content-addressed, immutable, below chunkPrefix(name). */
export function chunkKey(name: string, sha256: string): string {
  return `${chunkPrefix(name)}${sha256}.parquet`;
}

export async function listManifestVersions(manifests: ItemTable, name: string): Promise<DatasetManifest[]> {
  const items = await manifests.query({ name }, { descending: true });
  return items.map((item) => asManifest(item));
}

export async function findIdentical(manifests: ItemTable, name: string, sourceSha256: string, optionsSha256: string): Promise<DatasetManifest | undefined> {
  const versions = await listManifestVersions(manifests, name);
  return versions.find((m) => m.sourceSha256 === sourceSha256 && m.optionsSha256 === optionsSha256);
}

export async function writeManifest(manifests: ItemTable, draft: Omit<DatasetManifest, 'version'>): Promise<{ manifest: DatasetManifest; created: boolean }> {
  for (let attempt = 0; attempt < MAX_VERSION_ATTEMPTS; attempt++) {
    const versions = await listManifestVersions(manifests, draft.name);
    const same = versions.find((m) => m.sourceSha256 === draft.sourceSha256 && m.optionsSha256 === draft.optionsSha256);
    if (same !== undefined) return { manifest: same, created: false };
    const version = versions.reduce((max, m) => Math.max(max, m.version), 0) + 1;
    const manifest: DatasetManifest = { ...draft, version };
    try {
      await manifests.putIfAbsent(manifest as unknown as Item);
      return { manifest, created: true };
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
    }
  }
  throw new IngestError(`could not allocate a version for dataset "${draft.name}" after ${MAX_VERSION_ATTEMPTS} attempts`);
}

/** Reads a stored manifest item (throws IngestError when it is not one). */
export function asManifest(item: Item): DatasetManifest {
  const m = item as Partial<DatasetManifest>;
  if (
    typeof m.name !== 'string' ||
    typeof m.version !== 'number' ||
    typeof m.sourceSha256 !== 'string' ||
    !Array.isArray(m.chunks) ||
    typeof m.schema !== 'object' ||
    m.schema === null ||
    !Array.isArray(m.schema.features)
  ) {
    throw new IngestError(`stored item ${JSON.stringify({ name: item.name, version: item.version })} is not a dataset manifest`);
  }
  return m as DatasetManifest;
}
