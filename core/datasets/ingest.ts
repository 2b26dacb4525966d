// Dataset ingestion: streams a source, counts labels/classes/rejections/duplicates, writes
// content-addressed Parquet chunks to the datasets bucket and, last, a numbered manifest to the
// datasets table. Storage only through the ObjectStore / ItemTable ports.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DATASET_NAME_PATTERN, DATASET_NAME_RULE } from '../names';
import { ConditionFailedError, type Item, type ItemTable, type ObjectStore } from '../ports';
import type { FeatureSpec, LabelledData } from '../data/table';
import { isCountingSource, type SkippedLineCounts } from './csv-source';
import { DatasetError, IngestError, UnmappedLabelError } from './errors';
import { openDatasetSource, resolveFormat, type OpenDatasetOptions } from './open-dataset-source';
import { decodeChunk, encodeChunk, type ColumnValues } from './parquet-chunk';
import { HashSet64, RowHasher } from './row-hash-set';
import type { DatasetFormat, DatasetSource } from './source';
import { KDD_CATEGORIES, MINI_XDR_CLASSES, hasMapping, loadTaxonomy, mapLabel, type LabelScheme, type Taxonomy } from './taxonomy';

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
  readonly name: string;
  readonly version: number;
  readonly format: DatasetFormat;
  /** Feature names and kinds; categorical vocabularies (sorted; code = index). */
  readonly schema: { readonly features: readonly FeatureSpec[] };
  readonly rowCount: number;
  /** Rows per fine label. */
  readonly rowsPerLabel: Readonly<Record<string, number>>;
  /** Rows per Mini-XDR class. */
  readonly rowsPerClass: Readonly<Record<string, number>>;
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

/** Options of ingestDataset. */
export interface IngestOptions extends OpenDatasetOptions {
  /** Dataset name (the table's partition key), e.g. 'nsl-kdd-train'. */
  readonly name: string;
  /** The file to ingest; for a non-file source (sourceIdentity), a description shown as the source path. */
  readonly sourcePath: string;
  /**
   * Identity of a non-file source (e.g. a synthetic generator's options): its sha256 replaces the
   * file's, so identical inputs dedupe to one version. Requires a declared `format` (not 'auto') and
   * `open`; the path is never read.
   */
  readonly sourceIdentity?: { readonly sha256: string; readonly bytes?: number };
  /** Rows per Parquet chunk (default 100,000). */
  readonly chunkRows?: number;
  /** Extra lineage recorded in the manifest (origin URL, citation, parent datasets...). */
  readonly lineage?: Readonly<Record<string, unknown>>;
  /** True for generated data (synthetic scenarios). Default: format === 'synthetic'. */
  readonly synthetic?: boolean;
  /** When false (default), a label without a Mini-XDR mapping stops the ingest. */
  readonly allowUnmappedLabels?: boolean;
  readonly taxonomy?: Taxonomy;
  /** Opens the source; default openDatasetSource (tests inject sources here). */
  readonly open?: (path: string, options: OpenDatasetOptions) => Promise<DatasetSource>;
  readonly now?: () => Date;
  readonly onProgress?: (progress: { rows: number; bytesRead: number; totalBytes?: number }) => void;
}

/** Result of ingestDataset: the manifest and whether a new version was written. */
export interface IngestResult {
  readonly manifest: DatasetManifest;
  readonly created: boolean;
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } catch (err) {
    throw new DatasetError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return { sha256: hash.digest('hex'), bytes };
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The manifest table key of a dataset version. */
export function manifestKey(name: string, version: number): Item {
  return { name, version };
}

/** Object key of a chunk: content-addressed, immutable. */
export function chunkKey(name: string, sha256: string): string {
  return `datasets/${name}/${sha256}.parquet`;
}

/**
 * Ingests a dataset file: one streaming pass, Parquet chunks as they fill, manifest written last
 * with the next free version (1, 2, 3…; putIfAbsent, retried on ConditionFailedError). Re-ingesting
 * the same bytes with the same options returns the existing version and writes nothing.
 *
 * @example
 * const { manifest, created } = await ingestDataset({ objects, manifests },
 *   { name: 'nsl-kdd-test', sourcePath: 'KDDTest+.txt' });
 */
export async function ingestDataset(stores: IngestStores, options: IngestOptions): Promise<IngestResult> {
  if (!DATASET_NAME_PATTERN.test(options.name)) {
    throw new IngestError(`invalid dataset name "${options.name}": ${DATASET_NAME_RULE}`);
  }
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new IngestError(`chunkRows must be a positive integer, got ${chunkRows}`);
  const taxonomy = options.taxonomy ?? loadTaxonomy();
  const identity = options.sourceIdentity;
  if (identity !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(identity.sha256)) throw new IngestError(`sourceIdentity.sha256 must be 64 hex digits, got "${identity.sha256}"`);
    if (options.format === undefined || options.format === 'auto') throw new IngestError('a sourceIdentity needs a declared format (not auto)');
    if (options.open === undefined) throw new IngestError('a sourceIdentity needs an `open` function that yields the rows');
  }
  const format = await resolveFormat(options.sourcePath, options);
  const loaderOptions: Record<string, unknown> = {
    format,
    labelColumn: options.labelColumn ?? null,
    drop: options.drop ?? null,
    categorical: options.categorical ?? null,
    chunkRows,
  };
  const optionsSha256 = sha256Hex(JSON.stringify(loaderOptions));
  const source = identity !== undefined ? { sha256: identity.sha256, bytes: identity.bytes ?? 0 } : await sha256File(options.sourcePath);

  const existing = await findIdentical(stores.manifests, options.name, source.sha256, optionsSha256);
  if (existing !== undefined) return { manifest: existing, created: false };

  const open = options.open ?? openDatasetSource;
  const src = await open(options.sourcePath, {
    format,
    labelColumn: options.labelColumn,
    drop: options.drop,
    categorical: options.categorical,
  });
  const body = await writeChunks(stores.objects, src, options, chunkRows, taxonomy);

  const rowsPerClass: Record<string, number> = {};
  for (const [label, n] of Object.entries(body.rowsPerLabel)) {
    if (!hasMapping(label, 'mini-xdr', taxonomy)) continue;
    const cls = mapLabel(label, 'mini-xdr', taxonomy);
    rowsPerClass[cls] = (rowsPerClass[cls] ?? 0) + n;
  }
  const labels = Object.keys(body.rowsPerLabel);
  let rowsPerKddCategory: Record<string, number> | undefined;
  if (labels.length > 0 && labels.every((l) => hasMapping(l, 'kdd-category', taxonomy))) {
    rowsPerKddCategory = {};
    for (const [label, n] of Object.entries(body.rowsPerLabel)) {
      const cat = mapLabel(label, 'kdd-category', taxonomy);
      rowsPerKddCategory[cat] = (rowsPerKddCategory[cat] ?? 0) + n;
    }
  }
  const createdAt = (options.now?.() ?? new Date()).toISOString();
  const synthetic = options.synthetic ?? format === 'synthetic';
  const draft: Omit<DatasetManifest, 'version'> = {
    name: options.name,
    format,
    schema: { features: body.features },
    rowCount: body.rowCount,
    rowsPerLabel: body.rowsPerLabel,
    rowsPerClass,
    ...(rowsPerKddCategory !== undefined ? { rowsPerKddCategory } : {}),
    rejectedCount: body.rejectedCount,
    rejected: body.rejected,
    rejectedReasons: body.rejectedReasons,
    skippedLines: body.skippedLines,
    duplicateCount: body.duplicateCount,
    sourceSha256: source.sha256,
    sourcePath: options.sourcePath,
    sourceBytes: source.bytes,
    optionsSha256,
    options: loaderOptions,
    chunks: body.chunks,
    lineage: {
      ...options.lineage,
      source: { path: options.sourcePath, sha256: source.sha256, bytes: source.bytes, format },
      loaderOptions,
      ingestedBy: 'mini-xdr-ml core/datasets/ingest',
    },
    synthetic,
    createdAt,
  };
  return writeManifest(stores.manifests, draft);
}

async function listVersions(manifests: ItemTable, name: string): Promise<DatasetManifest[]> {
  const items = await manifests.query({ name }, { descending: true });
  return items.map((item) => asManifest(item));
}

async function findIdentical(
  manifests: ItemTable,
  name: string,
  sourceSha256: string,
  optionsSha256: string,
): Promise<DatasetManifest | undefined> {
  const versions = await listVersions(manifests, name);
  return versions.find((m) => m.sourceSha256 === sourceSha256 && m.optionsSha256 === optionsSha256);
}

async function writeManifest(manifests: ItemTable, draft: Omit<DatasetManifest, 'version'>): Promise<IngestResult> {
  for (let attempt = 0; attempt < MAX_VERSION_ATTEMPTS; attempt++) {
    const versions = await listVersions(manifests, draft.name);
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

interface ChunkedBody {
  features: FeatureSpec[];
  rowCount: number;
  rowsPerLabel: Record<string, number>;
  rejectedCount: number;
  rejected: { line: number; reason: string }[];
  rejectedReasons: Record<string, number>;
  skippedLines: SkippedLineCounts;
  duplicateCount: number;
  chunks: ChunkRef[];
}

function reasonKind(reason: string): string {
  return reason.replace(/value "(?:[^"\\]|\\.)*"/, 'value').replace(/got \d+$/, 'got other');
}

async function writeChunks(
  objects: ObjectStore,
  src: DatasetSource,
  options: IngestOptions,
  chunkRows: number,
  taxonomy: Taxonomy,
): Promise<ChunkedBody> {
  const columns = src.columns;
  const width = columns.length;
  const numeric = columns.map((c) => c.kind === 'numeric');
  const buffers: (Float64Array | string[])[] = columns.map((c) =>
    c.kind === 'numeric' ? new Float64Array(chunkRows) : new Array<string>(chunkRows),
  );
  const vocabularies: (Set<string> | undefined)[] = columns.map((c) => (c.kind === 'categorical' ? new Set<string>() : undefined));
  const labels = new Array<string>(chunkRows);
  const labelCounts = new Map<string, number>();
  const seen = new HashSet64();
  const hasher = new RowHasher();
  const chunks: ChunkRef[] = [];
  const rejected: { line: number; reason: string }[] = [];
  const rejectedReasons: Record<string, number> = {};
  let rejectedCount = 0;
  let duplicateCount = 0;
  let rowCount = 0;
  let fill = 0;

  const flush = async (): Promise<void> => {
    if (fill === 0) return;
    const bytes = encodeChunk(columns, { rowCount: fill, values: buffers as ColumnValues[], labels });
    const sha256 = sha256Hex(bytes);
    const key = chunkKey(options.name, sha256);
    if (!(await objects.exists(key))) await objects.put(key, bytes, { contentType: 'application/vnd.apache.parquet' });
    chunks.push({ key, sha256, rows: fill });
    fill = 0;
  };

  for await (const row of src.rows()) {
    if (row.kind === 'rejected') {
      rejectedCount++;
      if (rejected.length < MAX_REJECTED_KEPT) rejected.push({ line: row.line, reason: row.reason });
      const kind = reasonKind(row.reason);
      rejectedReasons[kind] = (rejectedReasons[kind] ?? 0) + 1;
      continue;
    }
    const values = row.values;
    hasher.reset();
    for (let j = 0; j < width; j++) {
      const v = values[j];
      if (numeric[j]) {
        const x = typeof v === 'number' ? v : NaN;
        (buffers[j] as Float64Array)[fill] = x;
        hasher.addNumber(x);
      } else {
        const s = typeof v === 'string' ? v : String(v);
        (buffers[j] as string[])[fill] = s;
        if (s.length > 0) vocabularies[j]?.add(s);
        hasher.addString(s);
      }
    }
    hasher.addString(row.label);
    if (!seen.add(hasher.hi(), hasher.lo())) duplicateCount++;
    const count = labelCounts.get(row.label);
    if (count === undefined) {
      if (!options.allowUnmappedLabels && !hasMapping(row.label, 'mini-xdr', taxonomy)) {
        throw new UnmappedLabelError(row.label, 'mini-xdr', {
          cause: new DatasetError(`first seen on line ${row.line} of ${options.sourcePath}`),
        });
      }
      labelCounts.set(row.label, 1);
    } else {
      labelCounts.set(row.label, count + 1);
    }
    labels[fill] = row.label;
    fill++;
    rowCount++;
    if (fill === chunkRows) {
      await flush();
      options.onProgress?.({ rows: rowCount, bytesRead: src.bytesRead(), totalBytes: src.totalBytes });
    }
  }
  await flush();
  options.onProgress?.({ rows: rowCount, bytesRead: src.bytesRead(), totalBytes: src.totalBytes });

  const features: FeatureSpec[] = columns.map((c, j) =>
    c.kind === 'numeric'
      ? { name: c.name, kind: 'numeric' }
      : { name: c.name, kind: 'categorical', vocabulary: [...(vocabularies[j] ?? [])].sort() },
  );
  const rowsPerLabel: Record<string, number> = {};
  for (const label of [...labelCounts.keys()].sort()) rowsPerLabel[label] = labelCounts.get(label) ?? 0;
  return {
    features,
    rowCount,
    rowsPerLabel,
    rejectedCount,
    rejected,
    rejectedReasons,
    skippedLines: isCountingSource(src) ? src.skipped() : { repeatedHeaders: 0, blankLines: 0 },
    duplicateCount,
    chunks,
  };
}

/** A dataset version loaded for training: features + labels in the chosen scheme, and fine labels. */
export interface LoadedDataset {
  /** y / classes follow the chosen label scheme. */
  readonly data: LabelledData;
  /** Fine label per row, as an index into fine.classes (sorted). */
  readonly fine: { readonly y: Int32Array; readonly classes: readonly string[] };
}

/** Options of readDataset. */
export interface ReadDatasetOptions {
  /** Class space of `data.y`: 'fine' (default), 'mini-xdr' or 'kdd-category'. */
  readonly labels?: 'fine' | LabelScheme;
  readonly taxonomy?: Taxonomy;
}

/**
 * Loads every chunk of a dataset version (sha256 verified) into one LabelledData: numeric values
 * as read (NaN/±Infinity kept), categorical values as codes into the manifest vocabularies
 * (-1 = unknown, NaN = empty).
 *
 * @example const { data, fine } = await readDataset(manifest, objects, { labels: 'mini-xdr' });
 */
export async function readDataset(
  manifest: DatasetManifest,
  objects: ObjectStore,
  options: ReadDatasetOptions = {},
): Promise<LoadedDataset> {
  const features = manifest.schema.features;
  const cols = features.length;
  const rows = manifest.rowCount;
  const X = new Float64Array(rows * cols);
  const fineClasses = Object.keys(manifest.rowsPerLabel).sort();
  const fineIndex = new Map(fineClasses.map((c, i) => [c, i]));
  const fineY = new Int32Array(rows);
  const codeMaps = features.map((f) => (f.kind === 'categorical' ? new Map(f.vocabulary.map((v, i) => [v, i])) : undefined));
  let offset = 0;
  for (const ref of manifest.chunks) {
    const bytes = await objects.get(ref.key);
    const actual = sha256Hex(bytes);
    if (actual !== ref.sha256) {
      throw new IngestError(`chunk ${ref.key} of ${manifest.name} v${manifest.version} is corrupt (sha256 ${actual}, expected ${ref.sha256})`);
    }
    const chunk = await decodeChunk(bytes);
    if (chunk.rowCount !== ref.rows || offset + chunk.rowCount > rows || chunk.columns.length !== cols) {
      throw new IngestError(`chunk ${ref.key} does not match the manifest of ${manifest.name} v${manifest.version}`);
    }
    for (let j = 0; j < cols; j++) {
      const values = chunk.values[j];
      const codes = codeMaps[j];
      if (codes === undefined) {
        const col = values as Float64Array;
        for (let i = 0; i < chunk.rowCount; i++) X[(offset + i) * cols + j] = col[i];
      } else {
        const col = values as readonly string[];
        for (let i = 0; i < chunk.rowCount; i++) {
          const s = col[i];
          X[(offset + i) * cols + j] = s.length === 0 ? NaN : (codes.get(s) ?? -1);
        }
      }
    }
    for (let i = 0; i < chunk.rowCount; i++) {
      const code = fineIndex.get(chunk.labels[i]);
      if (code === undefined) throw new IngestError(`chunk ${ref.key} holds label "${chunk.labels[i]}" missing from the manifest`);
      fineY[offset + i] = code;
    }
    offset += chunk.rowCount;
  }
  if (offset !== rows) throw new IngestError(`${manifest.name} v${manifest.version}: chunks hold ${offset} rows, manifest says ${rows}`);

  const scheme = options.labels ?? 'fine';
  let classes: readonly string[] = fineClasses;
  let y = fineY;
  if (scheme !== 'fine') {
    const taxonomy = options.taxonomy ?? loadTaxonomy();
    const canonical: readonly string[] = scheme === 'mini-xdr' ? MINI_XDR_CLASSES : KDD_CATEGORIES;
    const mapped = fineClasses.map((l) => mapLabel(l, scheme, taxonomy));
    classes = canonical.filter((c) => mapped.includes(c));
    const fineToClass = Int32Array.from(mapped, (c) => classes.indexOf(c));
    y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) y[i] = fineToClass[fineY[i]];
  }
  return {
    data: { schema: { features }, X: { rows, cols, data: X }, y, classes },
    fine: { y: fineY, classes: fineClasses },
  };
}
