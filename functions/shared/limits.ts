// How close an invocation came to its function's limits, as EMF counts (core/resources/function-usage.ts
// FUNCTION_METRICS): Timeouts, NearTimeout, NearMemoryLimit. A Lambda timeout or out-of-memory kill
// leaves no trace of its own in the function's metrics, so the chain gives up TIMEOUT_EARLY_MS before
// Lambda's deadline (middy's timeoutEarly: a TimeoutError through onError, a 500 for HTTP) and counts
// it; memory is the process's RSS against the function's configured memory.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { FUNCTION_METRICS, nearLimits } from '../../core/resources/function-usage';
import { METRIC_NAMESPACE, METRIC_SERVICE } from '../../core/retraining/metrics';

/** Time the chain keeps before Lambda's timeout to log the invocation and flush its metrics. */
export const TIMEOUT_EARLY_MS = 250;

/** middy's option: give up TIMEOUT_EARLY_MS before the deadline (a TimeoutError). */
export const MIDDY_PLUGIN = { timeoutEarlyInMillis: TIMEOUT_EARLY_MS } as const;

/** Whether an error is middy's early timeout. */
export const isEarlyTimeout = (error: unknown): boolean => error instanceof Error && error.name === 'TimeoutError';

/** The function's limits from its context: timeout (elapsed + remaining) and configured memory; undefined where the context has none. */
export function contextLimits(context: Partial<Context>, ms: number): { timeoutMs?: number; memoryLimitBytes?: number } {
  const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  const memoryMb = Number(context.memoryLimitInMB);
  return {
    ...(remaining !== undefined && Number.isFinite(remaining) ? { timeoutMs: ms + Math.max(0, remaining) } : {}),
    ...(Number.isFinite(memoryMb) && memoryMb > 0 ? { memoryLimitBytes: memoryMb * 1024 * 1024 } : {}),
  };
}

let limits: Metrics | undefined;

/**
 * Emits the invocation's limit counts, when any happened: per function (service + operation, what
 * the telemetry route reads) and across functions (service alone, what the alarm watches).
 * @example limitMetrics('predict', context, { ms: 2900, memoryBytes: rss, timedOut: false });
 */
export function limitMetrics(
  name: string,
  context: Partial<Context>,
  inv: { readonly ms: number; readonly memoryBytes: number; readonly timedOut: boolean },
): void {
  const near = nearLimits({ ms: inv.ms, memoryBytes: inv.memoryBytes, ...contextLimits(context, inv.ms) });
  const counts: [string, boolean][] = [
    [FUNCTION_METRICS.timeouts, inv.timedOut],
    [FUNCTION_METRICS.nearTimeout, near.nearTimeout || inv.timedOut],
    [FUNCTION_METRICS.nearMemoryLimit, near.nearMemoryLimit],
  ];
  if (!counts.some(([, happened]) => happened)) return;
  // its own instance, published at once: these dimension sets must not reach the invocation's other metrics
  limits ??= new Metrics({ namespace: METRIC_NAMESPACE, serviceName: METRIC_SERVICE });
  for (const [metric, happened] of counts) if (happened) limits.addMetric(metric, MetricUnit.Count, 1);
  limits.addDimensions({ operation: name });
  limits.addDimensions({});
  limits.publishStoredMetrics();
}
