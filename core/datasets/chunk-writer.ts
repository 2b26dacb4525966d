// The write path of ingestion: one streaming pass over a source that maps labels, rejects bad
// rows (counted by reason, the first ones kept with their line), drops exact duplicates, and writes
// a content-addressed Parquet chunk each time one fills. Sources with a bulk path (`blocks()`,
// the delimited-text loaders) are read in columnar blocks; the others row by row.
import type { FeatureSpec } from '../data/table';
import type { ObjectStore } from '../ports';
import { isCountingSource, type SkippedLineCounts } from './csv-source';
import type { BlockRows, EncodedChunk } from './chunk-builder';
import { openChunkEncoder } from './chunk-encoder';
import { DatasetError, IngestError, UnmappedLabelError } from './errors';
import type { IngestOptions } from './ingest-options';
import { chunkKey, MAX_REJECTED_KEPT, type ChunkRef } from './manifest';
import type { ColumnSpec, DatasetSource, RejectedRow } from './source';
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

/** Rows gathered from a row-by-row source before they go to the encoder as one block. */
const ROW_BLOCK = 4096;

export async function writeChunks(
  objects: ObjectStore,
  src: DatasetSource,
  options: IngestOptions,
  chunkRows: number,
  taxonomy: Taxonomy,
): Promise<ChunkedBody> {
  const columns = src.columns;
  const width = columns.length;
  const labelCounts = new Map<string, number>();
  const chunks: ChunkRef[] = [];
  const rejected: { line: number; reason: string }[] = [];
  const rejectedReasons: Record<string, number> = {};
  let rejectedCount = 0;
  let rowCount = 0;
  let chunkedRows = 0;

  // Chunks are copied, hashed and encoded by the encoder (a worker thread for a large source);
  // this thread reads, parses, counts labels and stores. At most one put is in flight, so memory
  // holds the encoded chunk being stored beside the rows being encoded.
  const encoder = openChunkEncoder(columns, chunkRows, {
    sourceBytes: src.totalBytes,
    thread: options.encoderThread,
    exitOnBlock: options.encoderExitOnBlock,
  });
  let pending: Promise<void> | undefined;
  const storeOne = async (chunk: EncodedChunk): Promise<void> => {
    const key = chunkKey(options.name, chunk.sha256);
    chunks.push({ key, sha256: chunk.sha256, rows: chunk.rows });
    if (!(await objects.exists(key))) await objects.put(key, chunk.bytes, { contentType: 'application/vnd.apache.parquet' });
  };
  const store = async (done: readonly EncodedChunk[], report = true): Promise<void> => {
    for (const chunk of done) {
      await pending;
      pending = storeOne(chunk);
      // a failed put is raised by the next store or at the end, not left unhandled
      pending.catch(() => undefined);
      chunkedRows += chunk.rows;
      if (report) progress();
    }
  };
  const rejectRow = (row: RejectedRow): void => {
    rejectedCount++;
    if (rejected.length < MAX_REJECTED_KEPT) rejected.push({ line: row.line, reason: row.reason });
    const kind = reasonKind(row.reason);
    rejectedReasons[kind] = (rejectedReasons[kind] ?? 0) + 1;
  };
  // consecutive rows mostly share a label: the count is kept in a run and added when it changes
  let runLabel: string | undefined;
  let runLength = 0;
  const endRun = (): void => {
    if (runLabel !== undefined) labelCounts.set(runLabel, (labelCounts.get(runLabel) ?? 0) + runLength);
    runLabel = undefined;
    runLength = 0;
  };
  const countLabel = (label: string, line: number): void => {
    if (label === runLabel) {
      runLength++;
      return;
    }
    endRun();
    if (!labelCounts.has(label)) {
      if (!options.allowUnmappedLabels && !hasMapping(label, 'mini-xdr', taxonomy)) {
        throw new UnmappedLabelError(label, 'mini-xdr', {
          cause: new DatasetError(`first seen on line ${line} of ${options.sourcePath}`),
        });
      }
      labelCounts.set(label, 0);
    }
    runLabel = label;
    runLength = 1;
  };
  const progress = (): void => options.onProgress?.({ rows: chunkedRows, bytesRead: src.bytesRead(), totalBytes: src.totalBytes });

  try {
    if (src.blocks !== undefined) {
      for await (const block of src.blocks()) {
        for (const r of block.rejected) rejectRow(r);
        for (let k = 0; k < block.rowCount; k++) countLabel(block.labels[k], block.lines[k]);
        rowCount += block.rowCount;
        if (block.rowCount > 0) await store(await encoder.add(block));
      }
    } else {
      let values = newBlockColumns(columns);
      let labels: string[] = [];
      const hand = async (): Promise<void> => {
        const block: BlockRows = { rowCount: labels.length, values, labels };
        values = newBlockColumns(columns);
        labels = [];
        await store(await encoder.add(block));
      };
      for await (const row of src.rows()) {
        if (row.kind === 'rejected') {
          rejectRow(row);
          continue;
        }
        const at = labels.length;
        for (let j = 0; j < width; j++) {
          const v = row.values[j];
          const to = values[j];
          if (to instanceof Float64Array) to[at] = typeof v === 'number' ? v : NaN;
          else to[at] = typeof v === 'string' ? v : String(v);
        }
        countLabel(row.label, row.line);
        labels.push(row.label);
        rowCount++;
        if (labels.length === ROW_BLOCK) await hand();
      }
      if (labels.length > 0) await hand();
    }
    endRun();
    const { chunks: last, totals } = await encoder.finish();
    await store(last, false);
    await pending;
    if (chunkedRows !== rowCount) throw new IngestError(`the encoder stored ${chunkedRows} of ${rowCount} rows`);
    progress();

    const features: FeatureSpec[] = columns.map((c, j) =>
      c.kind === 'numeric' ? { name: c.name, kind: 'numeric' } : { name: c.name, kind: 'categorical', vocabulary: [...totals.vocabularies[j]].sort() },
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
      duplicateCount: totals.duplicateCount,
      chunks,
    };
  } finally {
    await encoder.close();
  }
}

/** Empty columns of one row-path block (ROW_BLOCK rows). */
function newBlockColumns(columns: readonly ColumnSpec[]): (Float64Array | string[])[] {
  return columns.map((c) => (c.kind === 'numeric' ? new Float64Array(ROW_BLOCK) : new Array<string>(ROW_BLOCK)));
}
