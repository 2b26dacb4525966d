// Telemetry as columnar objects: sampled predict inputs and outputs, buffered and flushed as
// Parquet objects partitioned Hive-style by model and date,
//
//   samples/model=<model>/date=<yyyy-mm-dd>/<first at>_<last at>_<id>.parquet
//
// so Athena (the Glue table in the data stack), any Parquet reader, the drift check and online
// learning read the same objects. One row per sampled flow:
//
//   request_id  STRING   the server's request id
//   flow_index  INT32    the flow's index in its request's batch: prediction id = <request_id>:<flow_index>
//   model       STRING   (also the partition)
//   version     INT32    the version that answered
//   at          STRING   ISO-8601 time of the prediction (UTC)
//   label       STRING   the predicted label
//   confidence  DOUBLE   its probability
//   feature:<name>       one column per input field: DOUBLE (missing = NaN) when every value is a
//                        number, STRING (missing = null) when some value is text
//
// readTelemetry is the one reader: it lists the date partitions of a window, skips objects
// outside it by the times in their names, reads only the columns asked for, and filters rows by
// `at`. telemetryFlows looks up the input flows of given prediction ids (the feedback join).
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parquetMetadata, parquetRead } from 'hyparquet';
import { XdrError } from '../errors';
import type { FeatureColumns, FeatureSchema } from '../data/table';
import { categoryValue, MISSING_CATEGORY, numericValue, type RawRow } from '../onnx/feeds';
import type { ObjectStore } from '../ports';
import { encodeTelemetryColumns, telemetryColumns, TelemetryEncoder } from './telemetry-encoder';
import { FEATURE_COLUMN_PREFIX, SAMPLES_PREFIX, TELEMETRY_COLUMNS, type TelemetryRow } from './telemetry-layout';

export { FEATURE_COLUMN_PREFIX, SAMPLES_PREFIX, TELEMETRY_COLUMNS, TELEMETRY_PARTITION_KEYS, type TelemetryRow } from './telemetry-layout';

/** A telemetry object cannot be read (not Parquet, or not written by this module). */
export class TelemetryFormatError extends XdrError {
  override readonly name: string = 'TelemetryFormatError';
}

/** A feature column as read: numbers (NaN = missing) or text (null = missing). */
export type TelemetryFeatureColumn = Float64Array | readonly (string | null)[];

/** Rows of telemetry, column by column (all arrays hold `rows` entries). */
export interface TelemetryColumns {
  readonly rows: number;
  readonly requestId: readonly string[];
  readonly flowIndex: Int32Array;
  readonly model: readonly string[];
  readonly version: Int32Array;
  readonly at: readonly string[];
  readonly label: readonly string[];
  readonly confidence: Float64Array;
  /** Input fields by name (only those asked for, when `features` was given). */
  readonly features: ReadonlyMap<string, TelemetryFeatureColumn>;
}

/** The partition prefix of one model and day (`yyyy-mm-dd`). */
export function telemetryPartition(model: string, date: string): string {
  return `${SAMPLES_PREFIX}model=${model}/date=${date}/`;
}

/** The key of a telemetry object holding rows from `first` to `last` (ISO times of one day). */
export function telemetryObjectKey(model: string, first: string, last: string, id: string = randomUUID()): string {
  return `${telemetryPartition(model, first.slice(0, 10))}${first}_${last}_${id}.parquet`;
}

// Doubles are written PLAIN and uncompressed: decoded straight into a Float64Array, about 10×
// faster than hyparquet's dictionary pages with JavaScript snappy and 2× faster than gzip (which
// also doubles the encode time on the serving path); 8 bytes a value, less than the JSON samples
// of earlier builds. Gzipped pages (another writer's) are read with Node's zlib.
const GUNZIP = { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) };

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;

/** The times in a telemetry key's name: [first, last] ('' when the name holds none). */
export function telemetryKeyTimes(key: string): readonly [string, string] {
  const found = key.slice(key.lastIndexOf('/') + 1).match(ISO) ?? [];
  return [found[0] ?? '', found[found.length - 1] ?? ''];
}

/**
 * Encodes rows of one model as a Parquet object (see the module header for the columns).
 * @example const bytes = encodeTelemetry([{ requestId: 'r1', flowIndex: 0, model: 'general', version: 1, at: new Date().toISOString(), label: 'BENIGN', confidence: 0.9, flow: { x: 1 } }]);
 */
export function encodeTelemetry(rows: readonly TelemetryRow[]): Uint8Array {
  return encodeTelemetryColumns(telemetryColumns(rows));
}

/**
 * Decodes a telemetry object: the fixed columns and the feature columns named in `features`
 * (every one when omitted).
 * @example const columns = await decodeTelemetry(bytes, { features: ['Flow Duration'] });
 */
export async function decodeTelemetry(bytes: Uint8Array, options: { readonly features?: readonly string[] } = {}): Promise<TelemetryColumns> {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  const file = whole ? (bytes.buffer as ArrayBuffer) : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  let rows: number;
  let present: string[];
  try {
    const metadata = parquetMetadata(file);
    rows = Number(metadata.num_rows);
    present = metadata.schema.slice(1).map((s) => s.name);
  } catch (error) {
    throw new TelemetryFormatError(`not a telemetry object: ${(error as Error).message}`, { cause: error });
  }
  for (const c of TELEMETRY_COLUMNS) {
    if (!present.includes(c.name)) throw new TelemetryFormatError(`not a telemetry object: no "${c.name}" column`);
  }
  const wanted = options.features
    ? options.features.map((f) => FEATURE_COLUMN_PREFIX + f).filter((c) => present.includes(c))
    : present.filter((c) => c.startsWith(FEATURE_COLUMN_PREFIX));
  const columns = new Map<string, unknown[] | Float64Array | Int32Array>();
  const target = (name: string, sample: unknown): unknown[] | Float64Array | Int32Array => {
    let t = columns.get(name);
    if (!t) {
      const numeric = typeof sample === 'number' || sample instanceof Float64Array;
      t =
        name === 'flow_index' || name === 'version'
          ? new Int32Array(rows)
          : numeric && name !== 'request_id'
            ? new Float64Array(rows)
            : new Array<unknown>(rows);
      columns.set(name, t);
    }
    return t;
  };
  try {
    await parquetRead({
      file,
      columns: [...TELEMETRY_COLUMNS.map((c) => c.name), ...wanted],
      compressors: GUNZIP, // objects written gzipped by an earlier build, or by another writer
      onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
        const end = Math.min(rowEnd, rows);
        const t = target(columnName, columnData instanceof Float64Array ? columnData : columnData[0]);
        if (ArrayBuffer.isView(t) && ArrayBuffer.isView(columnData) && !(columnData instanceof DataView)) {
          (t as Float64Array).set((columnData as Float64Array).subarray(0, end - rowStart), rowStart);
        } else if (ArrayBuffer.isView(t)) {
          for (let i = rowStart; i < end; i++) (t as Float64Array)[i] = Number(columnData[i - rowStart]);
        } else {
          for (let i = rowStart; i < end; i++) t[i] = columnData[i - rowStart] ?? null;
        }
      },
    });
  } catch (error) {
    throw new TelemetryFormatError(`cannot decode telemetry object: ${(error as Error).message}`, { cause: error });
  }
  const features = new Map<string, TelemetryFeatureColumn>();
  for (const c of wanted) {
    const data = columns.get(c) ?? new Array<null>(rows).fill(null);
    features.set(c.slice(FEATURE_COLUMN_PREFIX.length), data instanceof Int32Array ? Float64Array.from(data) : (data as TelemetryFeatureColumn));
  }
  const strings = (name: string) => (columns.get(name) as string[] | undefined) ?? new Array<string>(rows).fill('');
  const ints = (name: string) => (columns.get(name) as Int32Array | undefined) ?? new Int32Array(rows);
  const confidence = columns.get('confidence');
  return {
    rows,
    requestId: strings('request_id'),
    flowIndex: ints('flow_index'),
    model: strings('model'),
    version: ints('version'),
    at: strings('at'),
    label: strings('label'),
    confidence: confidence instanceof Float64Array ? confidence : new Float64Array(rows),
    features,
  };
}

/** The rows of `columns` at `indices`, as columns. */
function selectRows(columns: TelemetryColumns, indices: readonly number[]): TelemetryColumns {
  const pick = <T>(a: readonly T[]) => indices.map((i) => a[i]);
  const features = new Map<string, TelemetryFeatureColumn>();
  for (const [name, c] of columns.features) features.set(name, c instanceof Float64Array ? Float64Array.from(indices, (i) => c[i]) : pick(c));
  return {
    rows: indices.length,
    requestId: pick(columns.requestId),
    flowIndex: Int32Array.from(indices, (i) => columns.flowIndex[i]),
    model: pick(columns.model),
    version: Int32Array.from(indices, (i) => columns.version[i]),
    at: pick(columns.at),
    label: pick(columns.label),
    confidence: Float64Array.from(indices, (i) => columns.confidence[i]),
    features,
  };
}

/** Concatenates decoded parts; a feature some part lacks is missing (NaN or null) there. */
export function concatTelemetry(parts: readonly TelemetryColumns[]): TelemetryColumns {
  if (parts.length === 1) return parts[0];
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const names: string[] = [];
  const text = new Set<string>();
  for (const p of parts) {
    for (const [name, c] of p.features) {
      if (!names.includes(name)) names.push(name);
      if (!(c instanceof Float64Array)) text.add(name);
    }
  }
  const features = new Map<string, TelemetryFeatureColumn>();
  for (const name of names) {
    if (text.has(name)) {
      const out: (string | null)[] = [];
      for (const p of parts) {
        const c = p.features.get(name);
        for (let i = 0; i < p.rows; i++) out.push(c === undefined ? null : c instanceof Float64Array ? (Number.isNaN(c[i]) ? null : String(c[i])) : c[i]);
      }
      features.set(name, out);
    } else {
      const out = new Float64Array(rows);
      let at = 0;
      for (const p of parts) {
        const c = p.features.get(name) as Float64Array | undefined;
        if (c) out.set(c, at);
        else out.fill(NaN, at, at + p.rows);
        at += p.rows;
      }
      features.set(name, out);
    }
  }
  const cat = <T>(get: (p: TelemetryColumns) => readonly T[]) => parts.flatMap((p) => get(p) as T[]);
  const typed = <A extends Int32Array | Float64Array>(make: (n: number) => A, get: (p: TelemetryColumns) => A): A => {
    const out = make(rows);
    let at = 0;
    for (const p of parts) {
      out.set(get(p), at);
      at += p.rows;
    }
    return out;
  };
  return {
    rows,
    requestId: cat((p) => p.requestId),
    flowIndex: typed(
      (n) => new Int32Array(n),
      (p) => p.flowIndex,
    ),
    model: cat((p) => p.model),
    version: typed(
      (n) => new Int32Array(n),
      (p) => p.version,
    ),
    at: cat((p) => p.at),
    label: cat((p) => p.label),
    confidence: typed(
      (n) => new Float64Array(n),
      (p) => p.confidence,
    ),
    features,
  };
}

export interface TelemetryWindow {
  readonly model: string;
  /** Rows with `at` after this instant (exclusive). */
  readonly from: Date | string;
  /** Rows with `at` up to this instant (inclusive). */
  readonly to: Date | string;
  /** Feature columns to read (default: every one). */
  readonly features?: readonly string[];
  /** How many objects are fetched and decoded at once. @default 8 */
  readonly concurrency?: number;
}

const iso = (t: Date | string) => (typeof t === 'string' ? new Date(t).toISOString() : t.toISOString());
const DAY = 86_400_000;

/** Keys of a model's telemetry objects that may hold rows in (from, to], in time order. */
export async function telemetryKeys(store: ObjectStore, model: string, from: Date | string, to: Date | string): Promise<string[]> {
  const lo = iso(from);
  const hi = iso(to);
  const keys: string[] = [];
  for (let t = Date.parse(lo.slice(0, 10)); t <= Date.parse(hi); t += DAY) {
    for (const key of await store.list(telemetryPartition(model, new Date(t).toISOString().slice(0, 10)))) {
      if (!key.endsWith('.parquet')) continue;
      const [first, last] = telemetryKeyTimes(key);
      if (last > lo && first <= hi) keys.push(key);
    }
  }
  return keys;
}

/**
 * The one telemetry reader: every sampled row of a model in (from, to], column by column.
 * @example
 * const t = await readTelemetry(stores.buckets.telemetry, { model: 'general', from: hourAgo, to: new Date(), features: ['Flow Duration'] });
 * console.log(t.rows, t.features.get('Flow Duration'));
 */
export async function readTelemetry(store: ObjectStore, window: TelemetryWindow): Promise<TelemetryColumns & { readonly objects: number }> {
  const lo = iso(window.from);
  const hi = iso(window.to);
  const keys = await telemetryKeys(store, window.model, lo, hi);
  const parts: TelemetryColumns[] = new Array<TelemetryColumns>(keys.length);
  const concurrency = Math.max(1, window.concurrency ?? 8);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const k = next++;
      const key = keys[k];
      let decoded: TelemetryColumns;
      try {
        decoded = await decodeTelemetry(await store.get(key), window.features ? { features: window.features } : {});
      } catch (error) {
        if (error instanceof TelemetryFormatError) throw new TelemetryFormatError(`${key}: ${error.message}`, { cause: error });
        throw error;
      }
      const [first, last] = telemetryKeyTimes(key);
      if (first > lo && last <= hi) parts[k] = decoded;
      else {
        const keep: number[] = [];
        for (let i = 0; i < decoded.rows; i++) if (decoded.at[i] > lo && decoded.at[i] <= hi) keep.push(i);
        parts[k] = keep.length === decoded.rows ? decoded : selectRows(decoded, keep);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
  const empty: TelemetryColumns = {
    rows: 0,
    requestId: [],
    flowIndex: new Int32Array(0),
    model: [],
    version: new Int32Array(0),
    at: [],
    label: [],
    confidence: new Float64Array(0),
    features: new Map(),
  };
  return { ...concatTelemetry(parts.length ? parts : [empty]), objects: keys.length };
}

/** A sampled flow found by its prediction id. */
export interface TelemetryFlow {
  readonly predictionId: string;
  readonly version: number;
  readonly at: string;
  readonly label: string;
  readonly flow: RawRow;
}

/**
 * The input flows of prediction ids (`<requestId>:<index>`) sampled in (from, to] — the join of
 * feedback records (FB#<model>) to what the model saw. Ids whose flow was not sampled are absent.
 * @example
 * const flows = await telemetryFlows(telemetry, { model: 'general', predictionIds: records.map((r) => r.predictionId), from, to });
 */
export async function telemetryFlows(
  store: ObjectStore,
  options: Omit<TelemetryWindow, 'features'> & { readonly predictionIds: readonly string[] },
): Promise<Map<string, TelemetryFlow>> {
  const wanted = new Set(options.predictionIds);
  const out = new Map<string, TelemetryFlow>();
  if (wanted.size === 0) return out;
  const t = await readTelemetry(store, options);
  const columns = [...t.features];
  for (let i = 0; i < t.rows; i++) {
    const id = `${t.requestId[i]}:${t.flowIndex[i]}`;
    if (!wanted.has(id)) continue;
    const flow: Record<string, number | string | null> = {};
    for (const [name, c] of columns) flow[name] = c[i];
    out.set(id, { predictionId: id, version: t.version[i], at: t.at[i], label: t.label[i], flow });
  }
  return out;
}

export interface TelemetryBufferOptions {
  readonly store: ObjectStore;
  /** Rows buffered before a flush starts (an object's encode blocks the event loop about 10 ms per 1,000 rows of 80 features). @default 2000 */
  readonly maxRows?: number;
  /** Longest a row waits in the buffer, in ms; 0 = the caller flushes (flush()). @default 1000 */
  readonly maxDelayMs?: number;
  /** Told the size of every object written (the local retention sweeper counts them). */
  readonly onWritten?: (bytes: number) => void;
  /** Where a flush started by the size or time bound reports its failure. */
  readonly onError?: (error: unknown) => void;
  /** Encodes the objects (a TelemetryEncoder puts large ones on a worker thread). @default in place */
  readonly encoder?: Pick<TelemetryEncoder, 'encode'>;
}

/**
 * Buffers telemetry rows and writes them as one Parquet object per model and day when the buffer
 * holds `maxRows`, after `maxDelayMs`, or on flush() (shutdown, the end of a Lambda invocation).
 * @example
 * const buffer = new TelemetryBuffer({ store: stores.buckets.telemetry, maxDelayMs: 1000 });
 * buffer.add(rows);
 * await buffer.flush();
 */
export class TelemetryBuffer {
  private pending: TelemetryRow[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly maxRows: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: TelemetryBufferOptions) {
    this.maxRows = options.maxRows ?? 2000;
    this.maxDelayMs = options.maxDelayMs ?? 1000;
  }

  /** Rows waiting for a flush. */
  get pendingRows(): number {
    return this.pending.length;
  }

  add(rows: readonly TelemetryRow[]): void {
    for (const r of rows) this.pending.push(r);
    if (this.pending.length >= this.maxRows) this.background();
    else if (this.timer === undefined && this.maxDelayMs > 0 && this.pending.length > 0) {
      this.timer = setTimeout(() => this.background(), this.maxDelayMs);
      this.timer.unref();
    }
  }

  private background(): void {
    this.flush().catch((error: unknown) => this.options.onError?.(error));
  }

  /** Writes every buffered row and waits for the writes already under way. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.pending;
    this.pending = [];
    const others = [...this.inFlight];
    if (rows.length > 0) {
      const write = this.write(rows);
      this.inFlight.add(write);
      void write.finally(() => this.inFlight.delete(write)).catch(() => undefined);
      others.push(write);
    }
    const results = await Promise.allSettled(others);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async write(rows: readonly TelemetryRow[]): Promise<void> {
    const groups = new Map<string, TelemetryRow[]>();
    for (const r of rows) {
      const key = `${r.model}\u0000${r.at.slice(0, 10)}`;
      const g = groups.get(key);
      if (g) g.push(r);
      else groups.set(key, [r]);
    }
    await Promise.all(
      [...groups.values()].map(async (g) => {
        let first = g[0].at;
        let last = g[0].at;
        for (const r of g) {
          if (r.at < first) first = r.at;
          if (r.at > last) last = r.at;
        }
        const body = this.options.encoder ? await this.options.encoder.encode(g) : encodeTelemetry(g);
        await this.options.store.put(telemetryObjectKey(g[0].model, first, last), body, { contentType: 'application/vnd.apache.parquet' });
        this.options.onWritten?.(body.byteLength);
      }),
    );
  }
}

/**
 * Telemetry columns as a model's feature columns, coded as rowsToFeatureMatrix codes raw rows
 * (numeric text parsed, categories coded by the schema's vocabulary: -1 unseen, NaN missing). A
 * numeric column read as numbers is passed through as it is, not copied.
 * @example const window = telemetryFeatureColumns(document.schema, await readTelemetry(store, { model, from, to }));
 */
export function telemetryFeatureColumns(schema: FeatureSchema, columns: TelemetryColumns): FeatureColumns {
  const rows = columns.rows;
  return {
    rows,
    columns: schema.features.map((f) => {
      const c = columns.features.get(f.name);
      if (f.kind === 'categorical') {
        const codes = new Map(f.vocabulary.map((v, k) => [v, k]));
        return Float64Array.from({ length: rows }, (_, i) => {
          const s = categoryValue(c === undefined ? null : c instanceof Float64Array ? (Number.isNaN(c[i]) ? null : c[i]) : c[i]);
          const code = codes.get(s);
          return code !== undefined ? code : s === MISSING_CATEGORY ? NaN : -1;
        });
      }
      if (c instanceof Float64Array) return c;
      return c === undefined ? new Float64Array(rows).fill(NaN) : Float64Array.from(c, numericValue);
    }),
  };
}

/**
 * Writes telemetry rows at once (one object per model and day): tests, benchmarks, imports.
 * @example await writeTelemetry(stores.buckets.telemetry, rows);
 */
export async function writeTelemetry(store: ObjectStore, rows: readonly TelemetryRow[]): Promise<void> {
  const buffer = new TelemetryBuffer({ store, maxDelayMs: 0, maxRows: Number.MAX_SAFE_INTEGER });
  buffer.add(rows);
  await buffer.flush();
}

/** One request's inputs and outputs (flow i answered labels[i]). */
export interface RequestSample {
  readonly model: string;
  readonly version: number;
  readonly at: string;
  readonly requestId: string;
  readonly flows: readonly RawRow[];
  readonly labels: readonly string[];
  readonly confidences?: readonly number[];
}

/**
 * A request's telemetry rows (flow index = position in the request).
 * @example await writeTelemetry(store, telemetryRowsOf({ model, version: 1, at, requestId: 'r1', flows, labels }));
 */
export function telemetryRowsOf(sample: RequestSample): TelemetryRow[] {
  return sample.flows.map((flow, i) => ({
    requestId: sample.requestId,
    flowIndex: i,
    model: sample.model,
    version: sample.version,
    at: sample.at,
    label: sample.labels[i],
    confidence: sample.confidences?.[i] ?? NaN,
    flow,
  }));
}
