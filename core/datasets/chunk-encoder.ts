// Where a ChunkBuilder runs during an ingest: on the ingesting thread, or on a worker thread so
// that copying, duplicate hashing, Parquet encoding and sha256 overlap the gunzip and parse of the
// next rows. Blocks go to the worker with their typed arrays transferred (no copy); each block is
// answered in order with the chunks it completed. A worker that fails or exits stops the ingest
// with an IngestError: the caller writes no manifest, so no version with missing rows exists.
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../worker-entry';
import { ChunkBuilder, type BlockRows, type BuilderTotals, type EncodedChunk } from './chunk-builder';
import { IngestError } from './errors';
import type { ColumnSpec } from './source';

/** Builds chunks from blocks, in order; `finish` encodes the last one and returns the counts. */
export interface ChunkEncoder {
  /** Whether the work runs on a worker thread. */
  readonly offThread: boolean;
  /** Hands a block over (its typed arrays may be transferred: do not reuse them); returns the chunks finished so far. */
  add(block: BlockRows): Promise<EncodedChunk[]>;
  finish(): Promise<{ chunks: EncodedChunk[]; totals: BuilderTotals }>;
  /** Stops the worker, if any (safe after finish and after a failure). */
  close(): Promise<void>;
}

/** The worker's start data, and the messages between it and the ingest. */
export interface EncodeWorkerData {
  readonly columns: readonly ColumnSpec[];
  readonly chunkRows: number;
  /** Tests only: the worker exits with code 1 on receiving this block (0-based), to check that a crash is reported. */
  readonly exitOnBlock?: number;
}
export type EncodeWorkerRequest = { readonly kind: 'block'; readonly block: BlockRows } | { readonly kind: 'finish' };
export type EncodeWorkerAnswer =
  { readonly kind: 'chunks'; readonly chunks: EncodedChunk[]; readonly totals?: BuilderTotals } | { readonly kind: 'error'; readonly message: string };

/** Where the builder runs: 'auto' = a worker when the source is large enough to pay for one. */
export type EncoderThread = 'auto' | 'worker' | 'inline';

/**
 * Source bytes from which 'auto' starts a worker. A worker costs tens of ms to start (more under the
 * TypeScript loader); below about one 100,000-row chunk of text there is little to overlap.
 */
export const WORKER_MIN_SOURCE_BYTES = 8 << 20;

/** Options of openChunkEncoder. */
export interface ChunkEncoderOptions {
  readonly thread?: EncoderThread;
  /** Size of the source in bytes, when known (for 'auto'). */
  readonly sourceBytes?: number;
  /** Tests only (see EncodeWorkerData.exitOnBlock). */
  readonly exitOnBlock?: number;
}

/**
 * A ChunkEncoder on a worker thread when asked or worth it and available (a bundle that inlined
 * this module has no worker file: the work then stays on this thread).
 */
export function openChunkEncoder(columns: readonly ColumnSpec[], chunkRows: number, options: ChunkEncoderOptions = {}): ChunkEncoder {
  const thread = options.thread ?? 'auto';
  const wanted = thread === 'worker' || (thread === 'auto' && (options.sourceBytes ?? 0) >= WORKER_MIN_SOURCE_BYTES);
  const entry = wanted ? workerEntry(__filename, 'chunk-encode-worker') : null;
  if (entry === null) return new InlineEncoder(columns, chunkRows);
  const data: EncodeWorkerData = { columns, chunkRows, ...(options.exitOnBlock !== undefined ? { exitOnBlock: options.exitOnBlock } : {}) };
  return new WorkerEncoder(new Worker(entry.file, { workerData: data, execArgv: entry.execArgv }), chunkRows);
}

class InlineEncoder implements ChunkEncoder {
  readonly offThread = false;
  private readonly builder: ChunkBuilder;

  constructor(columns: readonly ColumnSpec[], chunkRows: number) {
    this.builder = new ChunkBuilder(columns, chunkRows);
  }

  async add(block: BlockRows): Promise<EncodedChunk[]> {
    return this.builder.add(block);
  }

  async finish(): Promise<{ chunks: EncodedChunk[]; totals: BuilderTotals }> {
    const last = this.builder.flush();
    return { chunks: last === undefined ? [] : [last], totals: this.builder.totals() };
  }

  async close(): Promise<void> {}
}

class WorkerEncoder implements ChunkEncoder {
  readonly offThread = true;
  /** Rows of each message sent and not yet answered (answers come in order; `finish` counts 0). */
  private readonly inFlight: number[] = [];
  private rowsInFlight = 0;
  /** Chunks answered but not yet handed to the caller. */
  private ready: EncodedChunk[] = [];
  private totals: BuilderTotals | undefined;
  /** Woken at every answer and at a failure. */
  private wakers: (() => void)[] = [];
  private failure: IngestError | undefined;
  private blocks = 0;
  private closed = false;

  constructor(
    private readonly worker: Worker,
    /** Rows handed over but not yet answered, above which `add` waits: memory stays near one chunk's worth in flight. */
    private readonly maxRowsInFlight: number,
  ) {
    worker.on('message', (answer: EncodeWorkerAnswer) => {
      if (answer.kind === 'error') return this.fail(new IngestError(`the ingest worker could not encode a chunk: ${answer.message}`));
      this.rowsInFlight -= this.inFlight.shift() ?? 0;
      this.ready.push(...answer.chunks);
      if (answer.totals !== undefined) this.totals = answer.totals;
      this.wake();
    });
    worker.on('error', (err) => this.fail(new IngestError(`the ingest worker failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new IngestError(`the ingest worker stopped (exit code ${code}) after ${this.blocks} blocks; no version was written`));
    });
  }

  async add(block: BlockRows): Promise<EncodedChunk[]> {
    this.check();
    const transfer = [...new Set(block.values.flatMap((v) => (v instanceof Float64Array ? [v.buffer as ArrayBuffer] : [])))];
    this.send({ kind: 'block', block }, transfer, block.rowCount);
    this.blocks++;
    while (this.rowsInFlight > this.maxRowsInFlight) await this.next();
    return this.take();
  }

  async finish(): Promise<{ chunks: EncodedChunk[]; totals: BuilderTotals }> {
    this.check();
    this.send({ kind: 'finish' }, [], 0);
    while (this.totals === undefined) await this.next();
    return { chunks: this.take(), totals: this.totals };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }

  private send(message: EncodeWorkerRequest, transfer: ArrayBuffer[], rows: number): void {
    this.inFlight.push(rows);
    this.rowsInFlight += rows;
    this.worker.postMessage(message, transfer);
  }

  private take(): EncodedChunk[] {
    this.check();
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /** Resolves at the next answer or failure, then throws the failure if there is one. */
  private async next(): Promise<void> {
    await new Promise<void>((resolve) => this.wakers.push(resolve));
    this.check();
  }

  private wake(): void {
    for (const w of this.wakers.splice(0)) w();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private fail(error: IngestError): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.wake();
  }
}
