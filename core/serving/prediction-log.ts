// What serving remembers: every request's predictions (so feedback can be joined to them, for
// A/B outcomes and online accuracy), per-version request statistics, the feedback itself, and a
// sample of inputs and outputs written to the telemetry bucket for drift checks.
//
// Items in the inference table (pk / sk):
//   REQ#<requestId>   / PRED            the batch's labels, confidences, version, arm
//   STATS#<model>     / V#<version>     counters: requests, flows, latencyMsSum, feedback, correct
//   FB#<model>        / <predictionId>  one feedback record (put-if-absent: recorded once)
import type { ItemTable, ObjectStore } from '../ports';
import type { RawRow } from '../onnx/feeds';
import { ConditionFailedError } from '../ports';
import type { PredictResult } from './model-server';

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

/** A telemetry sample object: the inputs and outputs of one sampled request. */
export interface InferenceSample {
  readonly model: string;
  readonly version: number;
  readonly at: string;
  readonly requestId: string;
  readonly flows: readonly RawRow[];
  readonly labels: readonly string[];
}

export interface PredictionLogOptions {
  readonly inference: ItemTable;
  readonly telemetry: ObjectStore;
  /** Share of requests whose inputs are written to telemetry (0..1). @default 1 */
  readonly sampleRate?: number;
  /** Most flows of one request a sample keeps (evenly spaced through larger batches). @default 100 */
  readonly maxSampleFlows?: number;
  /** Days a request's record and a feedback record are kept (`expiresAt`, epoch seconds: DynamoDB TTL; locally the sweeper). @default 90 */
  readonly retentionDays?: number;
  /** Told the size of every sample written (the local retention sweeper counts them). */
  readonly onSample?: (bytes: number) => void;
  readonly random?: () => number;
  readonly clock?: () => Date;
}

/** The attribute of inference items that says when they expire (epoch seconds); DynamoDB's TTL attribute. */
export const INFERENCE_TTL_ATTRIBUTE = 'expiresAt';

/** At most `max` flows, evenly spaced through the batch (every flow when it has no more). */
export function sampleFlows<T>(flows: readonly T[], max: number): readonly T[] {
  if (flows.length <= max) return flows;
  const step = flows.length / max;
  return Array.from({ length: max }, (_, i) => flows[Math.floor(i * step)]);
}

/** Telemetry key of a sample: partitioned by model and hour so drift checks list windows cheaply. */
export function sampleKey(model: string, at: Date, requestId: string): string {
  const iso = at.toISOString();
  return `samples/${model}/${iso.slice(0, 10)}/${iso.slice(11, 13)}/${iso}-${requestId}.json`;
}

export class PredictionLog {
  private readonly sampleRate: number;
  private readonly maxSampleFlows: number;
  private readonly retentionSeconds: number;
  private readonly random: () => number;
  private readonly clock: () => Date;

  constructor(private readonly options: PredictionLogOptions) {
    this.sampleRate = options.sampleRate ?? 1;
    this.maxSampleFlows = options.maxSampleFlows ?? 100;
    this.retentionSeconds = (options.retentionDays ?? 90) * 86_400;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Records a served batch: its predictions, the version's counters, and maybe a telemetry sample. */
  async record(result: PredictResult, flows: readonly RawRow[], context: PredictionContext = {}): Promise<void> {
    const at = this.clock();
    const labels = result.predictions.map((p) => p.label);
    const writes: Promise<unknown>[] = [
      // Written once: the request id is the server's (unique), so a record is never overwritten.
      this.options.inference.putIfAbsent({
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
        createdAt: at.toISOString(),
        [INFERENCE_TTL_ATTRIBUTE]: this.expiresAt(at),
      }),
      this.bump(result.model, result.modelVersion, { requests: 1, flows: flows.length, latencyMsSum: result.latencyMs }),
    ];
    if (this.sampleRate > 0 && this.random() < this.sampleRate) {
      const sample: InferenceSample = {
        model: result.model,
        version: result.modelVersion,
        at: at.toISOString(),
        requestId: result.requestId,
        flows: sampleFlows(flows, this.maxSampleFlows),
        labels: sampleFlows(labels, this.maxSampleFlows),
      };
      const body = JSON.stringify(sample);
      writes.push(
        this.options.telemetry
          .put(sampleKey(result.model, at, result.requestId), body, { contentType: 'application/json' })
          .then(() => this.options.onSample?.(Buffer.byteLength(body))),
      );
    }
    await Promise.all(writes);
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
