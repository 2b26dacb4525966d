// The middy chain every event-driven function uses (EventBridge rules, schedules): Powertools
// Tracer (the handler as a segment; the platform's SDK clients are captured in platform/lambda.ts),
// Logger (the Lambda context in every line) and Metrics (flushed once per invocation). Handlers
// stay thin: parse the event, one call into the platform. Each invocation is recorded in the
// function usage (duration, memory, error) where the platform records it (locally).
import middy from '@middy/core';
import { isEarlyTimeout, limitMetrics, MIDDY_PLUGIN } from './limits';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { METRIC_NAMESPACE, METRIC_SERVICE, type MetricName } from '../../core/retraining/metrics';
import { currentPlatform, logger, metrics, tracer } from '../../platform/lambda';
import { processRss } from './process-memory';

/**
 * Wraps an event handler in the Powertools chain.
 * @example export const handler = createEventHandler('maintenance', async () => platform.maintain());
 */
export function createEventHandler<E, R>(name: string, handle: (event: E, context: Context) => Promise<R>) {
  // per invocation (the local runtime runs several at once in one process)
  const started = new WeakMap<Context, number>();
  const record = (context: Context, failed: boolean, timedOut: boolean) => {
    // the bounded usage aggregates, as the HTTP functions' (the local platform records them;
    // core/resources/function-usage.ts): the invocation's duration, the process's RSS, whether it threw
    const ms = Date.now() - (started.get(context) ?? Date.now());
    const memoryBytes = processRss();
    currentPlatform()?.functionUsage?.recorder.record(name, { ms, memoryBytes, error: failed, at: new Date() });
    invocationMetrics(name, ms, memoryBytes, failed);
    limitMetrics(name, context, { ms, memoryBytes, timedOut });
  };
  return middy(async (event: E, context: Context, options?: { signal?: AbortSignal }): Promise<R> => {
    tracer.putAnnotation('operation', name);
    started.set(context, Date.now());
    let failed = true;
    try {
      const result = await handle(event, context);
      failed = false;
      return result;
    } finally {
      // an invocation middy gave up on (its timeout, recorded in onError) is not recorded twice
      if (!options?.signal?.aborted) record(context, failed, false);
    }
  }, MIDDY_PLUGIN)
    .use({
      onError: (request) => {
        if (isEarlyTimeout(request.error)) record(request.context, true, true);
      },
    })
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

/**
 * Emits a lineage's values now, as the monitoring stack reads them: per lineage (service, Model)
 * and across lineages (service alone). Non-finite values are left out.
 * @example lineageMetrics('general', { DriftShare: 0.4 });
 */
export function lineageMetrics(model: string, values: Partial<Record<MetricName, number | undefined>>): void {
  const entries = Object.entries(values).filter((e): e is [MetricName, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
  if (entries.length === 0) return;
  // its own instance, built on first use: published at once, apart from the invocation's buffer
  lineage ??= new Metrics({ namespace: METRIC_NAMESPACE, serviceName: METRIC_SERVICE });
  for (const [name, value] of entries) lineage.addMetric(name, MetricUnit.NoUnit, value);
  lineage.addDimensions({ Model: model });
  lineage.addDimensions({});
  lineage.publishStoredMetrics();
}

let lineage: Metrics | undefined;

/**
 * The invocation's EMF figures, as the HTTP functions emit theirs (Latency, MemoryUsed, ServerErrors
 * by service + operation; read back by adapters/cloudwatch-function-usage.ts). Their own instance,
 * published at once: the operation dimension must not reach the invocation's other metrics, which
 * the alarms read by service alone.
 */
function invocationMetrics(name: string, ms: number, memoryBytes: number, failed: boolean): void {
  usage ??= new Metrics({ namespace: METRIC_NAMESPACE, serviceName: METRIC_SERVICE });
  usage.addDimension('operation', name);
  usage.addMetric('Latency', MetricUnit.Milliseconds, ms);
  usage.addMetric('MemoryUsed', MetricUnit.Megabytes, Math.round(memoryBytes / 1048576));
  if (failed) usage.addMetric('ServerErrors', MetricUnit.Count, 1);
  usage.publishStoredMetrics();
}

let usage: Metrics | undefined;
