// Encodes telemetry rows as Parquet without blocking the serving thread. The rows are turned into
// columns here (one pass over the flows, a few ms for 2,000 rows of 80 features); the Parquet
// encoding itself (about 10 ms per 1,000 such rows on an idle core, several times that on a busy
// one) runs on a worker thread, so requests keep being answered while a buffer of samples is
// written. Small objects (a Lambda request's sample) are encoded in place: below
// INLINE_MAX_CELLS the hop to the worker costs more than the encoding. Where the worker cannot
// start or fails, the rows are encoded in place: nothing buffered is lost to the worker.
import { Worker } from 'node:worker_threads';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { workerEntry } from '../worker-entry';
import { FEATURE_COLUMN_PREFIX, type TelemetryRow } from './telemetry-layout';

/**
 * Cells (rows × columns) below which an object is encoded on the calling thread: about 1 ms of
 * encoding, the order of a worker round trip (structured clone, wake-up, transfer back).
 */
export const INLINE_MAX_CELLS = 10_000;

/** The Parquet columns of telemetry rows (see telemetry.ts for the layout). */
export function telemetryColumns(rows: readonly TelemetryRow[]): ColumnSource[] {
  const n = rows.length;
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const name in r.flow) {
      if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
      }
    }
  }
  const features: ColumnSource[] = names.map((name) => {
    let text = false;
    for (let i = 0; i < n && !text; i++) text = typeof rows[i].flow[name] === 'string';
    if (!text) {
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i].flow[name];
        data[i] = typeof v === 'number' ? v : NaN;
      }
      return { name: FEATURE_COLUMN_PREFIX + name, data, type: 'DOUBLE', nullable: false, encoding: 'PLAIN' };
    }
    const data = rows.map((r) => {
      const v = r.flow[name];
      return v === null || v === undefined ? null : String(v);
    });
    return { name: FEATURE_COLUMN_PREFIX + name, data, type: 'STRING', nullable: true };
  });
  const flowIndex = new Int32Array(n);
  const version = new Int32Array(n);
  const confidence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    flowIndex[i] = rows[i].flowIndex;
    version[i] = rows[i].version;
    confidence[i] = rows[i].confidence;
  }
  return [
    { name: 'request_id', data: rows.map((r) => r.requestId), type: 'STRING', nullable: false },
    { name: 'flow_index', data: flowIndex, type: 'INT32', nullable: false },
    { name: 'model', data: rows.map((r) => r.model), type: 'STRING', nullable: false },
    { name: 'version', data: version, type: 'INT32', nullable: false },
    { name: 'at', data: rows.map((r) => r.at), type: 'STRING', nullable: false },
    { name: 'label', data: rows.map((r) => r.label), type: 'STRING', nullable: false },
    { name: 'confidence', data: confidence, type: 'DOUBLE', nullable: false, encoding: 'PLAIN' },
    ...features,
  ];
}

/** Parquet bytes of telemetry columns (one row group). */
export function encodeTelemetryColumns(columnData: ColumnSource[]): Uint8Array {
  const rows = columnData.length ? columnData[0].data.length : 0;
  return new Uint8Array(
    parquetWriteBuffer({ columnData, statistics: false, rowGroupSize: Math.max(1, rows), codec: 'UNCOMPRESSED', createdBy: 'mini-xdr-ml telemetry' }),
  );
}

/** A message to the encoding worker, and its answer. */
export interface EncodeRequest {
  readonly id: number;
  readonly columns: ColumnSource[];
}
export type EncodeAnswer = { readonly id: number; readonly bytes: Uint8Array } | { readonly id: number; readonly error: string };

interface Job {
  readonly rows: readonly TelemetryRow[];
  resolve(bytes: Uint8Array): void;
}

/**
 * Encodes telemetry objects, large ones on one worker thread (started on first use; it does not
 * keep the process alive while idle).
 * @example
 * const encoder = new TelemetryEncoder();
 * const bytes = await encoder.encode(rows);
 */
export class TelemetryEncoder {
  private worker: Worker | undefined;
  private unavailable = false;
  private nextId = 0;
  private readonly jobs = new Map<number, Job>();

  constructor(private readonly options: { readonly inlineMaxCells?: number } = {}) {}

  /** Jobs waiting for the worker. */
  get pending(): number {
    return this.jobs.size;
  }

  /** Whether the worker thread is started. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Whether objects above the inline bound go to a worker thread (false once it could not start). */
  get offThread(): boolean {
    return !this.unavailable;
  }

  async encode(rows: readonly TelemetryRow[]): Promise<Uint8Array> {
    const columns = telemetryColumns(rows);
    const cells = rows.length * columns.length;
    const worker = cells < (this.options.inlineMaxCells ?? INLINE_MAX_CELLS) ? undefined : this.start();
    if (!worker) return encodeTelemetryColumns(columns);
    const id = this.nextId++;
    const bytes = new Promise<Uint8Array>((resolve) => this.jobs.set(id, { rows, resolve }));
    if (this.jobs.size === 1) worker.ref(); // an encoding under way keeps the process up (a flush awaits it)
    const transfer = columns.flatMap((c) => (ArrayBuffer.isView(c.data) ? [c.data.buffer as ArrayBuffer] : []));
    worker.postMessage({ id, columns } satisfies EncodeRequest, transfer);
    return bytes;
  }

  /**
   * Starts the worker ahead of the first large object (a server, once listening): its start (a
   * thread, and under tsx the TypeScript loader) took about a second of CPU, which otherwise lands
   * on the first burst of requests.
   */
  warmUp(): void {
    this.start();
  }

  /** Stops the worker; jobs still waiting are encoded here. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.unavailable = true;
    this.settleHere();
    if (worker) await worker.terminate();
  }

  private start(): Worker | undefined {
    if (this.worker || this.unavailable) return this.worker;
    const entry = workerEntry(__filename, 'telemetry-encode-worker');
    if (!entry) {
      this.unavailable = true;
      return undefined;
    }
    let worker: Worker;
    try {
      worker = new Worker(entry.file, { execArgv: entry.execArgv });
    } catch {
      this.unavailable = true;
      return undefined;
    }
    worker.unref();
    worker.on('message', (answer: EncodeAnswer) => {
      const job = this.jobs.get(answer.id);
      if (!job) return;
      this.jobs.delete(answer.id);
      if (this.jobs.size === 0) worker.unref();
      job.resolve('bytes' in answer ? answer.bytes : encodeTelemetryColumns(telemetryColumns(job.rows)));
    });
    const fail = () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.unavailable = true;
      this.settleHere();
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    this.worker = worker;
    return worker;
  }

  /** Encodes every waiting job on this thread (the worker is gone). */
  private settleHere(): void {
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of jobs) job.resolve(encodeTelemetryColumns(telemetryColumns(job.rows)));
  }
}
