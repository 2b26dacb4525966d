// Bounded telemetry where the store has no lifecycle rules and no TTL (the embedded cloud: s3rver,
// dynalite). On AWS the telemetry bucket's lifecycle rule expires samples and DynamoDB's TTL
// removes expired inference records; locally this sweeper does both:
//   - telemetry objects (core/serving/telemetry.ts) whose newest row is older than the retention go, and past half the size bound the oldest go
//     until the bucket holds half of it (so the writes until the next sweep have room);
//   - inference items whose `expiresAt` (epoch seconds) has passed are deleted.
// A sweep runs when the samples written since the last one reach a quarter of the bound (so the
// bound holds under sustained load, whatever the sweep interval), and on a timer.
import type { Item, ItemTable, SizedObjectStore } from '../ports';
import { SAMPLES_PREFIX, telemetryKeyTimes } from './telemetry';

export interface TelemetryRetentionOptions {
  readonly telemetry: SizedObjectStore;
  /** The inference table, swept of expired items (dynalite has no TTL). */
  readonly inference?: ItemTable;
  /** The attribute holding an item's expiry in epoch seconds. @default 'expiresAt' */
  readonly ttlAttribute?: string;
  /** Bytes of samples the bucket may hold. */
  readonly maxBytes: number;
  /** How long a sample is kept, in ms. */
  readonly retentionMs: number;
  readonly clock?: () => Date;
  /** Where a failed background sweep is reported. */
  readonly onError?: (error: unknown) => void;
}

export interface RetentionSweep {
  readonly samplesDeleted: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly inferenceDeleted: number;
}

/** The newest row time in a telemetry key (`…/<first>_<last>_<id>.parquet`; a JSON sample of earlier releases `…/<iso>-<requestId>.json`), or ''. */
function sampleTime(key: string): string {
  return telemetryKeyTimes(key)[1];
}

/**
 * Keeps local telemetry within its bounds.
 *
 * @example
 * const retention = new TelemetryRetention({ telemetry, inference, maxBytes: 256 << 20, retentionMs: 30 * 86_400_000 });
 * const log = new PredictionLog({ inference, telemetry, onSample: (bytes) => retention.noteWritten(bytes) });
 */
export class TelemetryRetention {
  private written = 0;
  private running: Promise<RetentionSweep> | undefined;
  private again = false;
  private readonly clock: () => Date;

  constructor(private readonly options: TelemetryRetentionOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Counts a written sample; starts a sweep of the samples (in the background) once a quarter of the bound was written since the last. */
  noteWritten(bytes: number): void {
    this.written += bytes;
    if (this.written >= this.options.maxBytes / 4) {
      this.sweep({ inference: false }).catch((error: unknown) => this.options.onError?.(error));
    }
  }

  /**
   * One sweep: the samples, and (unless `inference: false`) the expired inference items. A sweep
   * asked for while one runs is run once after it.
   */
  sweep(options: { readonly inference?: boolean } = {}): Promise<RetentionSweep> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.written = 0;
    this.running = this.sweepOnce(options.inference ?? true).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.sweep({ inference: false }).catch((error: unknown) => this.options.onError?.(error));
      }
    });
    return this.running;
  }

  private async sweepOnce(inference: boolean): Promise<RetentionSweep> {
    const now = this.clock();
    const cutoff = new Date(now.getTime() - this.options.retentionMs).toISOString();
    const samples = (await this.options.telemetry.listObjects(SAMPLES_PREFIX))
      .map((o) => ({ ...o, at: sampleTime(o.key) }))
      .sort((a, b) => (a.at < b.at ? -1 : 1));
    const bytesBefore = samples.reduce((n, o) => n + o.size, 0);
    let bytes = bytesBefore;
    const target = this.options.maxBytes / 2;
    const overBound = bytesBefore > target;
    const doomed: string[] = [];
    for (const o of samples) {
      const expired = o.at !== '' && o.at < cutoff;
      // in age order: once a sample is young enough and the bucket small enough, so is the rest
      if (!expired && (!overBound || bytes <= target)) break;
      doomed.push(o.key);
      bytes -= o.size;
    }
    for (let i = 0; i < doomed.length; i += 16) await Promise.all(doomed.slice(i, i + 16).map((key) => this.options.telemetry.delete(key)));
    return { samplesDeleted: doomed.length, bytesBefore, bytesAfter: bytes, inferenceDeleted: inference ? await this.sweepInference(now) : 0 };
  }

  private async sweepInference(now: Date): Promise<number> {
    const table = this.options.inference;
    if (!table) return 0;
    const attribute = this.options.ttlAttribute ?? 'expiresAt';
    const epoch = Math.floor(now.getTime() / 1000);
    const expired = (await table.scan()).filter((item) => typeof item[attribute] === 'number' && (item[attribute] as number) < epoch);
    const keys: Item[] = expired.map((item) => ({ pk: item.pk, sk: item.sk })); // the inference table's keys (config/resources.ts)
    for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map((key) => table.delete(key)));
    return keys.length;
  }
}
