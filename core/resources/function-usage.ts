// Serving and function usage, aggregated in a bounded way: never one item per invocation. Each
// process keeps, per function and hour, the invocation count, errors, a fixed log-scale histogram
// of durations (percentiles within one bucket's width, ~12 %), the total and longest duration and
// the peak memory seen; a flush merges that into one item per function per UTC day (hours inside),
// with a revision check. So a day of a function is one item of at most 24 small hour entries.
import { ConditionFailedError, type Item, type ItemTable } from '../ports';

/** Upper bounds (ms) of the duration histogram's buckets: 0.5 ms × 1.25^i, 64 buckets (to ~800 s); one more for anything longer. */
export const DURATION_BOUNDS_MS: readonly number[] = Array.from({ length: 64 }, (_, i) => Math.round(0.5 * 1.25 ** i * 1000) / 1000);

/**
 * The EMF metrics every invocation of a platform function emits (namespace MiniXdrMl, dimensions
 * service + operation = the catalogue id), which the telemetry route reads back on AWS. The three
 * limit counts are emitted only when they happen, with a service-only set too (the monitoring
 * stack's alarm): `Timeouts` (the chain gave up just before Lambda's timeout would have killed the
 * invocation), `NearTimeout` and `NearMemoryLimit` (an invocation that used NEAR_LIMIT_SHARE of its
 * function's timeout or memory).
 */
export const FUNCTION_METRICS = {
  latency: 'Latency',
  memoryUsed: 'MemoryUsed',
  serverErrors: 'ServerErrors',
  timeouts: 'Timeouts',
  nearTimeout: 'NearTimeout',
  nearMemoryLimit: 'NearMemoryLimit',
} as const;

/** The share of a function's timeout or memory at which an invocation is near its limit: 10 % from a kill. */
export const NEAR_LIMIT_SHARE = 0.9;

/**
 * Whether an invocation came near its function's limits (undefined limits: not near).
 * @example nearLimits({ ms: 28_000, memoryBytes: 200e6, timeoutMs: 30_000, memoryLimitBytes: 1024 ** 3 }) // { nearTimeout: true, nearMemoryLimit: false }
 */
export function nearLimits(inv: { readonly ms: number; readonly memoryBytes: number; readonly timeoutMs?: number; readonly memoryLimitBytes?: number }): {
  readonly nearTimeout: boolean;
  readonly nearMemoryLimit: boolean;
} {
  return {
    nearTimeout: inv.timeoutMs !== undefined && inv.timeoutMs > 0 && inv.ms >= NEAR_LIMIT_SHARE * inv.timeoutMs,
    nearMemoryLimit: inv.memoryLimitBytes !== undefined && inv.memoryLimitBytes > 0 && inv.memoryBytes >= NEAR_LIMIT_SHARE * inv.memoryLimitBytes,
  };
}

/** One function's usage in one hour. */
export interface HourUsage {
  readonly invocations: number;
  readonly errors: number;
  readonly totalMs: number;
  readonly maxMs: number;
  /** Peak memory seen at the end of an invocation (the process's RSS; locally every function shares one process). */
  readonly peakMemoryBytes: number;
  /** Counts per DURATION_BOUNDS_MS bucket (index = bucket; the last is "longer"), sparse: { "12": 3 }. */
  readonly histogram: Readonly<Record<string, number>>;
}

/** The bucket of a duration. */
export function durationBucket(ms: number): number {
  let lo = 0;
  let hi = DURATION_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= DURATION_BOUNDS_MS[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Adds two hours' usage. */
export function mergeHourUsage(a: HourUsage | undefined, b: HourUsage): HourUsage {
  if (!a) return b;
  const histogram: Record<string, number> = { ...a.histogram };
  for (const [k, v] of Object.entries(b.histogram)) histogram[k] = (histogram[k] ?? 0) + v;
  return {
    invocations: a.invocations + b.invocations,
    errors: a.errors + b.errors,
    totalMs: a.totalMs + b.totalMs,
    maxMs: Math.max(a.maxMs, b.maxMs),
    peakMemoryBytes: Math.max(a.peakMemoryBytes, b.peakMemoryBytes),
    histogram,
  };
}

/**
 * A percentile from a histogram: the upper bound of the bucket holding it (capped by the longest duration seen).
 * @example percentileMs(usage.histogram, 0.99, usage.maxMs)
 */
export function percentileMs(histogram: Readonly<Record<string, number>>, p: number, maxMs: number): number {
  const entries = Object.entries(histogram)
    .map(([k, v]) => [Number(k), v] as const)
    .sort((x, y) => x[0] - y[0]);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  if (total === 0) return 0;
  const rank = Math.ceil(p * total);
  let seen = 0;
  for (const [bucket, count] of entries) {
    seen += count;
    if (seen >= rank) return Math.min(DURATION_BOUNDS_MS[bucket] ?? maxMs, maxMs);
  }
  return maxMs;
}

/**
 * Collects invocations in this process; `drain` hands over what was collected and starts afresh.
 * Bounded by functions × hours between two drains.
 *
 * @example
 * recorder.record('predict', { ms: 9.2, memoryBytes: process.memoryUsage().rss, error: false, at: new Date() });
 */
export class FunctionUsageRecorder {
  private pending = new Map<string, { fn: string; hour: string; usage: HourUsage }>();

  record(fn: string, invocation: { readonly ms: number; readonly memoryBytes: number; readonly error: boolean; readonly at: Date }): void {
    const hour = invocation.at.toISOString().slice(0, 13); // 2026-12-03T11
    const key = `${fn} ${hour}`;
    const bucket = durationBucket(invocation.ms);
    const one: HourUsage = {
      invocations: 1,
      errors: invocation.error ? 1 : 0,
      totalMs: invocation.ms,
      maxMs: invocation.ms,
      peakMemoryBytes: invocation.memoryBytes,
      histogram: { [bucket]: 1 },
    };
    const seen = this.pending.get(key);
    this.pending.set(key, { fn, hour, usage: mergeHourUsage(seen?.usage, one) });
  }

  /** Whether anything waits to be flushed. */
  get size(): number {
    return this.pending.size;
  }

  /** What was collected since the last drain. */
  drain(): { fn: string; hour: string; usage: HourUsage }[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    return out;
  }
}

const usageKey = (fn: string, day: string): Item => ({ jobId: `USAGE#${fn}#${day}` });

/**
 * Merges drained usage into the store: one item per function per UTC day, revision-checked
 * (a concurrent flush of another process is retried, never lost).
 */
export async function flushFunctionUsage(table: ItemTable, drained: readonly { fn: string; hour: string; usage: HourUsage }[]): Promise<void> {
  const byItem = new Map<string, { fn: string; day: string; hours: Map<string, HourUsage> }>();
  for (const d of drained) {
    const day = d.hour.slice(0, 10);
    const k = `${d.fn} ${day}`;
    const entry = byItem.get(k) ?? { fn: d.fn, day, hours: new Map() };
    entry.hours.set(d.hour.slice(11, 13), mergeHourUsage(entry.hours.get(d.hour.slice(11, 13)), d.usage));
    byItem.set(k, entry);
  }
  for (const { fn, day, hours } of byItem.values()) {
    for (let attempt = 0; ; attempt++) {
      const item = await table.get(usageKey(fn, day));
      const revision = typeof item?.revision === 'number' ? item.revision : undefined;
      const stored = (item?.hours ?? {}) as Record<string, HourUsage>;
      const merged: Record<string, HourUsage> = { ...stored };
      for (const [h, u] of hours) merged[h] = mergeHourUsage(stored[h], u);
      try {
        await table.putIfRevision({ ...usageKey(fn, day), usageOf: fn, day, hours: merged, revision: (revision ?? 0) + 1 }, 'revision', revision);
        break;
      } catch (error) {
        if (!(error instanceof ConditionFailedError) || attempt >= 9) throw error;
      }
    }
  }
}

/** One function's usage over a window. */
export interface FunctionUsageSummary {
  readonly function: string;
  readonly invocations: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly peakMemoryBytes: number;
  /** On AWS (FUNCTION_METRICS): invocations that timed out, and those near the timeout or the memory limit. */
  readonly timeouts?: number;
  readonly nearTimeout?: number;
  readonly nearMemoryLimit?: number;
}

/**
 * The usage of each function over [from, to] (whole hours), from the stored items.
 * @example await functionUsage(jobs, ['predict', 'models'], new Date(Date.now() - 86_400_000), new Date())
 */
export async function functionUsage(table: ItemTable, functions: readonly string[], from: Date, to: Date): Promise<FunctionUsageSummary[]> {
  const days: string[] = [];
  for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); t <= to.getTime(); t += 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  const fromHour = from.toISOString().slice(0, 13);
  const toHour = to.toISOString().slice(0, 13);
  const out: FunctionUsageSummary[] = [];
  for (const fn of functions) {
    let total: HourUsage | undefined;
    for (const day of days) {
      const item = await table.get(usageKey(fn, day));
      for (const [h, u] of Object.entries((item?.hours ?? {}) as Record<string, HourUsage>)) {
        const hour = `${day}T${h}`;
        if (hour >= fromHour && hour <= toHour) total = mergeHourUsage(total, u);
      }
    }
    if (!total || total.invocations === 0) continue;
    out.push({
      function: fn,
      invocations: total.invocations,
      errors: total.errors,
      p50Ms: percentileMs(total.histogram, 0.5, total.maxMs),
      p90Ms: percentileMs(total.histogram, 0.9, total.maxMs),
      p99Ms: percentileMs(total.histogram, 0.99, total.maxMs),
      meanMs: Math.round((total.totalMs / total.invocations) * 1000) / 1000,
      maxMs: Math.round(total.maxMs * 1000) / 1000,
      peakMemoryBytes: total.peakMemoryBytes,
    });
  }
  return out;
}
