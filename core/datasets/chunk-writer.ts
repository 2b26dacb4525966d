// The write path of ingestion: one streaming pass over a source that maps labels, rejects bad
// rows (counted by reason, the first ones kept with their line), drops exact duplicates, and writes
// a content-addressed Parquet chunk each time one fills. Sources with a bulk path (`blocks()`,
// the delimited-text loaders) are read in columnar blocks; the others row by row.
import type { FeatureSpec } from '../data/table';
import type { ObjectStore } from '../ports';
import { isCountingSource, type SkippedLineCounts } from './csv-source';
import { DatasetError, UnmappedLabelError } from './errors';
import type { IngestOptions } from './ingest-options';
import { chunkKey, MAX_REJECTED_KEPT, sha256Hex, type ChunkRef } from './manifest';
import { encodeChunk, type ColumnValues } from './parquet-chunk';
import { HashSet64, RowHasher } from './row-hash-set';
import type { DatasetSource, RejectedRow } from './source';
import { hasMapping, type Taxonomy } from './taxonomy';

export interface ChunkedBody {
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

export async function writeChunks(
  objects: ObjectStore,
  src: DatasetSource,
  options: IngestOptions,
  chunkRows: number,
  taxonomy: Taxonomy,
): Promise<ChunkedBody> {
  const columns = src.columns;
  const width = columns.length;
  const numeric = columns.map((c) => c.kind === 'numeric');
  const buffers: (Float64Array | string[])[] = columns.map((c) => (c.kind === 'numeric' ? new Float64Array(chunkRows) : new Array<string>(chunkRows)));
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

  // A chunk is encoded synchronously (its buffers are free again once encodeChunk returns); its
  // sha256, existence check and put overlap the parsing of the next chunk. At most one put is in
  // flight, so memory holds one encoded chunk beside the one filling.
  let pending: Promise<void> | undefined;
  const store = async (bytes: Uint8Array, rows: number): Promise<void> => {
    const sha256 = sha256Hex(bytes);
    const key = chunkKey(options.name, sha256);
    chunks.push({ key, sha256, rows });
    if (!(await objects.exists(key))) await objects.put(key, bytes, { contentType: 'application/vnd.apache.parquet' });
  };
  const flush = async (): Promise<void> => {
    if (fill === 0) return;
    const bytes = encodeChunk(columns, { rowCount: fill, values: buffers as ColumnValues[], labels });
    const rows = fill;
    fill = 0;
    await pending;
    pending = store(bytes, rows);
    // a failed put is raised by the next flush or at the end, not left unhandled
    pending.catch(() => undefined);
  };
  const rejectRow = (row: RejectedRow): void => {
    rejectedCount++;
    if (rejected.length < MAX_REJECTED_KEPT) rejected.push({ line: row.line, reason: row.reason });
    const kind = reasonKind(row.reason);
    rejectedReasons[kind] = (rejectedReasons[kind] ?? 0) + 1;
  };
  const countLabel = (label: string, line: number): void => {
    const count = labelCounts.get(label);
    if (count === undefined) {
      if (!options.allowUnmappedLabels && !hasMapping(label, 'mini-xdr', taxonomy)) {
        throw new UnmappedLabelError(label, 'mini-xdr', {
          cause: new DatasetError(`first seen on line ${line} of ${options.sourcePath}`),
        });
      }
      labelCounts.set(label, 1);
    } else {
      labelCounts.set(label, count + 1);
    }
  };
  const progress = (): void => options.onProgress?.({ rows: rowCount, bytesRead: src.bytesRead(), totalBytes: src.totalBytes });

  if (src.blocks !== undefined) {
    const numericBuffers = buffers.filter((b): b is Float64Array => b instanceof Float64Array);
    const stringBuffers = buffers.filter((b): b is string[] => !(b instanceof Float64Array));
    for await (const block of src.blocks()) {
      for (const r of block.rejected) rejectRow(r);
      let at = 0;
      while (at < block.rowCount) {
        const take = Math.min(chunkRows - fill, block.rowCount - at);
        for (let j = 0; j < width; j++) {
          const from = block.values[j];
          const to = buffers[j];
          if (to instanceof Float64Array) to.set((from as Float64Array).subarray(at, at + take), fill);
          else {
            const vocabulary = vocabularies[j];
            for (let k = 0; k < take; k++) {
              const v = (from as readonly string[])[at + k];
              to[fill + k] = v;
              if (v.length > 0) vocabulary?.add(v);
            }
          }
        }
        for (let k = 0; k < take; k++) {
          const i = fill + k;
          // numbers first, then strings: the order differs from the row path's, which is fine
          // because duplicates are counted within one ingest, read by one path
          hasher.reset();
          for (let c = 0; c < numericBuffers.length; c++) hasher.addNumber(numericBuffers[c][i]);
          for (let c = 0; c < stringBuffers.length; c++) hasher.addString(stringBuffers[c][i]);
          const label = block.labels[at + k];
          hasher.addString(label);
          if (!seen.add(hasher.hi(), hasher.lo())) duplicateCount++;
          countLabel(label, block.lines[at + k]);
          labels[i] = label;
        }
        fill += take;
        rowCount += take;
        at += take;
        if (fill === chunkRows) {
          await flush();
          progress();
        }
      }
    }
  } else {
    for await (const row of src.rows()) {
      if (row.kind === 'rejected') {
        rejectRow(row);
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
      countLabel(row.label, row.line);
      labels[fill] = row.label;
      fill++;
      rowCount++;
      if (fill === chunkRows) {
        await flush();
        progress();
      }
    }
  }
  await flush();
  await pending;
  progress();

  const features: FeatureSpec[] = columns.map((c, j) =>
    c.kind === 'numeric' ? { name: c.name, kind: 'numeric' } : { name: c.name, kind: 'categorical', vocabulary: [...(vocabularies[j] ?? [])].sort() },
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
