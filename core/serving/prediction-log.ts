// What serving remembers: every request's predictions (so feedback can be joined to them, for
// A/B outcomes and online accuracy), per-version request statistics, the feedback itself, and a
// sample of inputs and outputs written to the telemetry bucket for drift checks (as Parquet, see
// telemetry.ts).
//
// Durability: record() resolves once the request's record and its counters are stored (concurrent
// requests share one group commit: a BatchWriteItem of their records and one counter update per
// version), so a prediction id the caller holds is joinable by feedback at once. Telemetry is
// buffered up to telemetryFlushMs (0 on Lambda: written before record() resolves); flush() writes
// it (clean shutdown); a crash loses at most that window of telemetry samples.
//
// Items in the inference table (pk / sk):
//   REQ#<requestId>   / PRED            the batch's labels, confidences, version, arm
//   STATS#<model>     / V#<version>     counters: requests, flows, latencyMsSum, feedback, correct
//   FB#<model>        / <predictionId>  one feedback record (put-if-absent: recorded once)
import type { Item, ItemTable, ObjectStore } from '../ports';
import type { RawRow } from '../onnx/feeds';
import { ConditionFailedError } from '../ports';
import type { PredictResult } from './model-server';
import { TelemetryBuffer } from './telemetry';
import type { TelemetryEncoder } from './telemetry-encoder';

export interface PredictionContext {
  /** A/B arm that answered, when an experiment routed the request. */
  readonly arm?: string;
  readonly experimentId?: string;
  /** The caller's correlation id (not unique: stored beside the server's request id). */
  readonly correlationId?: string;
}

export interface FeedbackItem {
  readonly predictionId: string;
  readonly label: string;
}

export interface FeedbackRecord {
  readonly model: string;
  readonly version: number;
  readonly predictionId: string;
  readonly predicted: string;
  readonly actual: string;
  readonly correct: boolean;
  readonly arm?: string;
  readonly experimentId?: string;
  readonly latencyMs?: number;
  readonly at: string;
}

export interface FeedbackOutcome {
  readonly accepted: number;
  readonly rejected: readonly { predictionId: string; reason: string }[];
  readonly records: readonly FeedbackRecord[];
}

export interface VersionStats {
  readonly version: number;
  readonly requests: number;
  readonly flows: number;
  readonly meanLatencyMs: number | null;
  readonly feedback: number;
  readonly correct: number;
  /** correct / feedback, once feedback arrived. */
  readonly onlineAccuracy: number | null;
}

export interface PredictionLogOptions {
  readonly inference: ItemTable;
  readonly telemetry: ObjectStore;
  /** Share of requests whose inputs are kept as telemetry (0..1). @default 1 */
  readonly sampleRate?: number;
  /** Most flows of one request telemetry keeps (evenly spaced through larger batches). @default 100 */
  readonly maxSampleFlows?: number;
  /** Days a request's record and a feedback record are kept (`expiresAt`, epoch seconds: DynamoDB TTL; locally the sweeper). @default 90 */
  readonly retentionDays?: number;
  /**
   * Longest a telemetry row waits in the buffer before its Parquet object is written, in ms.
   * 0 (Lambda): record() writes the request's telemetry before it returns. @default 0
   */
  readonly telemetryFlushMs?: number;
  /** Telemetry rows buffered before an object is written. @default 2000 */
  readonly telemetryMaxRows?: number;
  /** Told the size of every telemetry object written (the local retention sweeper counts them). */
  readonly onSample?: (bytes: number) => void;
  /** Where a background telemetry flush reports its failure. */
  readonly onTelemetryError?: (error: unknown) => void;
  /** Encodes telemetry objects (a TelemetryEncoder moves large ones off this thread). @default in place */
  readonly telemetryEncoder?: Pick<TelemetryEncoder, 'encode'>;
  readonly random?: () => number;
  readonly clock?: () => Date;
}

/** The attribute of inference items that says when they expire (epoch seconds); DynamoDB's TTL attribute. */
export const INFERENCE_TTL_ATTRIBUTE = 'expiresAt';

/** Indices of at most `max` flows, evenly spaced through a batch of `n` (every index when it has no more). */
export function sampleIndices(n: number, max: number): readonly number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const step = n / max;
  return Array.from({ length: max }, (_, i) => Math.floor(i * step));
}

/** At most `max` flows, evenly spaced through the batch (every flow when it has no more). */
export function sampleFlows<T>(flows: readonly T[], max: number): readonly T[] {
  if (flows.length <= max) return flows;
  return sampleIndices(flows.length, max).map((i) => flows[i]);
}

/** The durable writes of served requests waiting for the next group commit. */
interface PendingCommit {
  readonly items: Item[];
  readonly counters: Map<string, { key: Item; deltas: Record<string, number> }>;
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function pendingCommit(): PendingCommit {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  done.catch(() => undefined);
  return { items: [], counters: new Map(), done, resolve, reject };
}

/** DynamoDB's BatchWriteItem takes at most 25 items. */
const BATCH_WRITE_MAX = 25;

export class PredictionLog {
  private readonly sampleRate: number;
  private readonly maxSampleFlows: number;
  private readonly retentionSeconds: number;
  private readonly random: () => number;
  private readonly clock: () => Date;
  private readonly flushEachRecord: boolean;
  /** The sampled telemetry rows, written as Parquet objects (see telemetry.ts). */
  readonly telemetry: TelemetryBuffer;
  private next: PendingCommit | undefined;
  private committing: Promise<void> | undefined;

  constructor(private readonly options: PredictionLogOptions) {
    this.sampleRate = options.sampleRate ?? 1;
    this.maxSampleFlows = options.maxSampleFlows ?? 100;
    this.retentionSeconds = (options.retentionDays ?? 90) * 86_400;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? (() => new Date());
    this.flushEachRecord = (options.telemetryFlushMs ?? 0) <= 0;
    this.telemetry = new TelemetryBuffer({
      store: options.telemetry,
      maxDelayMs: options.telemetryFlushMs ?? 0,
      ...(options.telemetryMaxRows !== undefined ? { maxRows: options.telemetryMaxRows } : {}),
      ...(options.onSample ? { onWritten: options.onSample } : {}),
      ...(options.onTelemetryError ? { onError: options.onTelemetryError } : {}),
      ...(options.telemetryEncoder ? { encoder: options.telemetryEncoder } : {}),
    });
  }

  /**
   * Records a served batch. Resolves once the request's record (the feedback join) and the
   * version's counters are stored: concurrent requests share one group commit (a BatchWriteItem
   * of their records, one counter update per version). The telemetry sample is buffered, and
   * written before this resolves when telemetryFlushMs is 0 (Lambda).
   */
  async record(result: PredictResult, flows: readonly RawRow[], context: PredictionContext = {}): Promise<void> {
    const at = this.clock();
    const atIso = at.toISOString();
    const labels = result.predictions.map((p) => p.label);
    const commit = (this.next ??= pendingCommit());
    commit.items.push({
      pk: `REQ#${result.requestId}`,
      sk: 'PRED',
      model: result.model,
      version: result.modelVersion,
      labels,
      confidences: result.predictions.map((p) => Math.round(p.confidence * 1e6) / 1e6),
      latencyMs: result.latencyMs,
      arm: context.arm,
      experimentId: context.experimentId,
      correlationId: context.correlationId,
      createdAt: atIso,
      [INFERENCE_TTL_ATTRIBUTE]: this.expiresAt(at),
    });
    this.addCounters(commit, result.model, result.modelVersion, { requests: 1, flows: flows.length, latencyMsSum: result.latencyMs });
    let sampled = false;
    if (this.sampleRate > 0 && this.random() < this.sampleRate) {
      sampled = true;
      this.telemetry.add(
        sampleIndices(flows.length, this.maxSampleFlows).map((i) => ({
          requestId: result.requestId,
          flowIndex: i,
          model: result.model,
          version: result.modelVersion,
          at: atIso,
          label: labels[i],
          confidence: result.predictions[i].confidence,
          flow: flows[i],
        })),
      );
    }
    this.startCommit();
    await Promise.all([commit.done, sampled && this.flushEachRecord ? this.telemetry.flush() : undefined]);
  }

  private addCounters(commit: PendingCommit, model: string, version: number, deltas: Record<string, number>): void {
    const key = { pk: `STATS#${model}`, sk: `V#${String(version).padStart(8, '0')}` };
    const id = `${key.pk}/${key.sk}`;
    const c = commit.counters.get(id);
    if (!c) commit.counters.set(id, { key, deltas: { ...deltas } });
    else for (const [k, v] of Object.entries(deltas)) c.deltas[k] = (c.deltas[k] ?? 0) + v;
  }

  /** Starts a commit of the waiting writes unless one runs (it starts the next when it ends). */
  private startCommit(): void {
    if (this.committing || !this.next) return;
    const commit = this.next;
    this.next = undefined;
    this.committing = this.write(commit)
      .then(commit.resolve, commit.reject)
      .finally(() => {
        this.committing = undefined;
        this.startCommit();
      });
  }

  private async write(commit: PendingCommit): Promise<void> {
    const table = this.options.inference;
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < commit.items.length; i += BATCH_WRITE_MAX) writes.push(table.batchPut(commit.items.slice(i, i + BATCH_WRITE_MAX)));
    for (const { key, deltas } of commit.counters.values()) writes.push(table.add(key, deltas));
    await Promise.all(writes);
  }

  /** Waits until every recorded request is stored and writes the buffered telemetry (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.next || this.committing) {
      this.startCommit();
      await (this.committing ?? Promise.resolve()).catch(() => undefined);
    }
    await this.telemetry.flush();
  }

  /** When a record written at `at` expires, in epoch seconds. */
  private expiresAt(at: Date): number {
    return Math.floor(at.getTime() / 1000) + this.retentionSeconds;
  }

  private async bump(model: string, version: number, deltas: Record<string, number>): Promise<void> {
    const key = { pk: `STATS#${model}`, sk: `V#${String(version).padStart(8, '0')}` };
    await this.options.inference.add(key, deltas);
  }

  /** Joins ground-truth labels to served predictions; each prediction takes feedback once. */
  async feedback(items: readonly FeedbackItem[]): Promise<FeedbackOutcome> {
    const rejected: { predictionId: string; reason: string }[] = [];
    const records: FeedbackRecord[] = [];
    const requests = new Map<string, Promise<Record<string, unknown> | undefined>>();
    for (const item of items) {
      const m = /^(.+):(\d+)$/.exec(item.predictionId);
      if (!m) {
        rejected.push({ predictionId: item.predictionId, reason: 'not a prediction id (expected <requestId>:<index>)' });
        continue;
      }
      const [, requestId, indexText] = m;
      if (!requests.has(requestId)) requests.set(requestId, this.options.inference.get({ pk: `REQ#${requestId}`, sk: 'PRED' }));
      const req = await requests.get(requestId)!;
      const index = Number(indexText);
      const labels = req?.labels as string[] | undefined;
      if (!req || !labels) {
        rejected.push({ predictionId: item.predictionId, reason: 'unknown prediction id' });
        continue;
      }
      if (index >= labels.length) {
        rejected.push({ predictionId: item.predictionId, reason: `request ${requestId} has ${labels.length} predictions` });
        continue;
      }
      const record: FeedbackRecord = {
        model: String(req.model),
        version: Number(req.version),
        predictionId: item.predictionId,
        predicted: labels[index],
        actual: item.label,
        correct: labels[index] === item.label,
        arm: req.arm as string | undefined,
        experimentId: req.experimentId as string | undefined,
        latencyMs: req.latencyMs as number | undefined,
        at: this.clock().toISOString(),
      };
      try {
        await this.options.inference.putIfAbsent({
          pk: `FB#${record.model}`,
          sk: item.predictionId,
          ...record,
          [INFERENCE_TTL_ATTRIBUTE]: this.expiresAt(this.clock()),
        });
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        rejected.push({ predictionId: item.predictionId, reason: 'feedback for this prediction was already recorded' });
        continue;
      }
      await this.bump(record.model, record.version, { feedback: 1, correct: record.correct ? 1 : 0 });
      records.push(record);
    }
    return { accepted: records.length, rejected, records };
  }

  /** Every feedback record of a model (optionally only those after `sinceIso`). */
  async feedbackFor(model: string, sinceIso?: string): Promise<FeedbackRecord[]> {
    const items = await this.options.inference.query({ pk: `FB#${model}` });
    const records = items as unknown as FeedbackRecord[];
    return sinceIso ? records.filter((r) => r.at > sinceIso) : records;
  }

  /** Request and feedback counters per served version. */
  async versionStats(model: string): Promise<VersionStats[]> {
    const items = await this.options.inference.query({ pk: `STATS#${model}` });
    return items.map((i) => {
      const n = (k: string) => (typeof i[k] === 'number' ? (i[k] as number) : 0);
      return {
        version: Number(String(i.sk).slice(2)),
        requests: n('requests'),
        flows: n('flows'),
        meanLatencyMs: n('requests') ? n('latencyMsSum') / n('requests') : null,
        feedback: n('feedback'),
        correct: n('correct'),
        onlineAccuracy: n('feedback') ? n('correct') / n('feedback') : null,
      };
    });
  }
}
