// Dataset ingestion: streams a source, counts labels/classes/rejections/duplicates, writes
// content-addressed Parquet chunks to the datasets bucket (chunk-writer.ts) and, last, a numbered
// manifest to the datasets table (manifest.ts). Storage only through the ObjectStore / ItemTable
// ports. Reading a version back is dataset-reader.ts.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DATASET_NAME_PATTERN, DATASET_NAME_RULE, TENANT_ID_RULE, TenantId, tenantDatasetName } from '../names';
import { writeChunks } from './chunk-writer';
import { DatasetError, IngestError } from './errors';
import type { IngestOptions, IngestResult } from './ingest-options';
import { DEFAULT_CHUNK_ROWS, findIdentical, sha256Hex, writeManifest, type DatasetManifest, type IngestStores } from './manifest';
import { openDatasetSource, resolveFormat } from './open-dataset-source';
import { hasMapping, loadTaxonomy, mapLabel, parseLabelMap, withLabelMap } from './taxonomy';

export * from './manifest';
export * from './ingest-options';
export * from './dataset-reader';

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
  if (options.tenant !== undefined && !TenantId.safeParse(options.tenant).success) {
    throw new IngestError(`invalid tenant "${options.tenant}": ${TENANT_ID_RULE}`);
  }
  const storedName = options.tenant === undefined ? options.name : tenantDatasetName(options.tenant, options.name);
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new IngestError(`chunkRows must be a positive integer, got ${chunkRows}`);
  const labelMap = options.labelMap !== undefined ? parseLabelMap(options.labelMap) : undefined;
  const taxonomy = withLabelMap(options.taxonomy ?? loadTaxonomy(), labelMap);
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
    // only when given, so every version ingested before label maps keeps its options hash
    ...(labelMap !== undefined ? { labelMap } : {}),
  };
  const optionsSha256 = sha256Hex(JSON.stringify(loaderOptions));
  const source = identity !== undefined ? { sha256: identity.sha256, bytes: identity.bytes ?? 0 } : await sha256File(options.sourcePath);

  const existing = await findIdentical(stores.manifests, storedName, source.sha256, optionsSha256);
  if (existing !== undefined) return { manifest: existing, created: false };

  const open = options.open ?? openDatasetSource;
  const src = await open(options.sourcePath, {
    format,
    labelColumn: options.labelColumn,
    drop: options.drop,
    categorical: options.categorical,
  });
  const allowUnmappedLabels = options.allowUnmappedLabels ?? format === 'csv';
  const body = await writeChunks(stores.objects, src, { ...options, name: storedName, allowUnmappedLabels }, chunkRows, taxonomy);

  const rowsPerClass: Record<string, number> = {};
  for (const [label, n] of Object.entries(body.rowsPerLabel)) {
    if (!hasMapping(label, 'mini-xdr', taxonomy)) continue;
    const cls = mapLabel(label, 'mini-xdr', taxonomy);
    rowsPerClass[cls] = (rowsPerClass[cls] ?? 0) + n;
  }
  const labels = Object.keys(body.rowsPerLabel);
  const unmappedLabels = labels.filter((l) => !hasMapping(l, 'mini-xdr', taxonomy));
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
    name: storedName,
    ...(options.tenant !== undefined ? { tenant: options.tenant } : {}),
    format,
    schema: { features: body.features },
    rowCount: body.rowCount,
    rowsPerLabel: body.rowsPerLabel,
    rowsPerClass,
    ...(labelMap !== undefined ? { labelMap } : {}),
    ...(unmappedLabels.length > 0 ? { unmappedLabels } : {}),
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
