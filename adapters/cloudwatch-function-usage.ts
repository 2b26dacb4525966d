// The functions' usage on AWS, read back from CloudWatch: every invocation of a platform function
// emits EMF metrics (namespace MiniXdrMl, dimensions service + operation = the catalogue id):
// `Latency` (ms), `MemoryUsed` (MB) and `ServerErrors` (an HTTP 5xx, or an event function that
// threw), and — only when they happen — `Timeouts`, `NearTimeout` and `NearMemoryLimit`
// (functions/shared/limits.ts). One GetMetricData call (paged) asks, per function, for the
// latency's sample count (invocations), p50/p90/p99, average and maximum, the peak memory and the
// sums of the counts, each as one period spanning the whole window. IAM: cloudwatch:GetMetricData (infra/stacks/api-stack.ts).
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { PlatformConfig } from '../config/config';
import { FUNCTION_METRICS, type FunctionUsageSummary } from '../core/resources/function-usage';
import { METRIC_NAMESPACE, METRIC_SERVICE } from '../core/retraining/metrics';

export interface CloudWatchUsageOptions {
  readonly namespace: string;
  readonly service: string;
  /** The catalogue ids (the `operation` dimension). */
  readonly functions: readonly string[];
}

const STATS = { n: 'SampleCount', p50: 'p50', p90: 'p90', p99: 'p99', mean: 'Average', max: 'Maximum' } as const;
/** The counts read as sums: errors, and the limit counts (emitted only when they happen: absent is 0). */
const COUNTS = {
  err: FUNCTION_METRICS.serverErrors,
  to: FUNCTION_METRICS.timeouts,
  nt: FUNCTION_METRICS.nearTimeout,
  nm: FUNCTION_METRICS.nearMemoryLimit,
} as const;
const SUMMED = new Set(['n', ...Object.keys(COUNTS)]);

/** One period covering [from, to]: whole minutes, at least one. */
export const windowPeriodSeconds = (from: Date, to: Date): number => Math.max(60, Math.ceil((to.getTime() - from.getTime()) / 60_000) * 60);

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The usage of each function over [from, to]; functions without an invocation are left out.
 * @example await cloudWatchFunctionUsage(new CloudWatchClient({}), { namespace: 'MiniXdrMl', service: 'mini-xdr-ml', functions: ['predict'] }, from, to)
 */
export async function cloudWatchFunctionUsage(client: CloudWatchClient, o: CloudWatchUsageOptions, from: Date, to: Date): Promise<FunctionUsageSummary[]> {
  const Period = windowPeriodSeconds(from, to);
  const metric = (name: string, fn: string) => ({
    Namespace: o.namespace,
    MetricName: name,
    Dimensions: [
      { Name: 'service', Value: o.service },
      { Name: 'operation', Value: fn },
    ],
  });
  const queries: MetricDataQuery[] = o.functions.flatMap((fn, i) => [
    ...Object.entries(STATS).map(([key, Stat]) => ({
      Id: `f${i}_${key}`,
      MetricStat: { Metric: metric(FUNCTION_METRICS.latency, fn), Period, Stat },
      ReturnData: true,
    })),
    { Id: `f${i}_mem`, MetricStat: { Metric: metric(FUNCTION_METRICS.memoryUsed, fn), Period, Stat: 'Maximum' }, ReturnData: true },
    ...Object.entries(COUNTS).map(([key, name]) => ({ Id: `f${i}_${key}`, MetricStat: { Metric: metric(name, fn), Period, Stat: 'Sum' }, ReturnData: true })),
  ]);
  const values = new Map<string, number>();
  // GetMetricData takes at most 500 queries a call
  for (let start = 0; start < queries.length; start += 500) {
    let token: string | undefined;
    do {
      const page = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries.slice(start, start + 500),
          StartTime: from,
          EndTime: to,
          NextToken: token,
          ScanBy: 'TimestampDescending',
        }),
      );
      for (const r of page.MetricDataResults ?? []) {
        if (!r.Id || !r.Values?.length) continue;
        // one period spans the window; should CloudWatch split it (or page it), counts add and the rest take the largest
        const sum = SUMMED.has(r.Id.slice(r.Id.indexOf('_') + 1));
        const v = sum ? r.Values.reduce((a, b) => a + b, 0) : Math.max(...r.Values);
        values.set(r.Id, sum ? (values.get(r.Id) ?? 0) + v : Math.max(values.get(r.Id) ?? 0, v));
      }
      token = page.NextToken;
    } while (token);
  }
  const out: FunctionUsageSummary[] = [];
  o.functions.forEach((fn, i) => {
    const get = (key: string) => values.get(`f${i}_${key}`) ?? 0;
    const invocations = Math.round(get('n'));
    if (invocations === 0) return;
    out.push({
      function: fn,
      invocations,
      errors: Math.round(get('err')),
      p50Ms: round3(get('p50')),
      p90Ms: round3(get('p90')),
      p99Ms: round3(get('p99')),
      meanMs: round3(get('mean')),
      maxMs: round3(get('max')),
      peakMemoryBytes: Math.round(get('mem') * 1048576),
      timeouts: Math.round(get('to')),
      nearTimeout: Math.round(get('nt')),
      nearMemoryLimit: Math.round(get('nm')),
    });
  });
  return out;
}

/**
 * The reader of a configuration (its region; the platform's namespace and service), one client per process.
 * @example const read = cloudWatchUsageReader(config); await read(['predict'], from, to)
 */
export function cloudWatchUsageReader(config: PlatformConfig, instrument: <C>(client: C) => C = (c) => c) {
  const client = instrument(new CloudWatchClient({ region: config.region }));
  return (functions: readonly string[], from: Date, to: Date): Promise<FunctionUsageSummary[]> =>
    cloudWatchFunctionUsage(client, { namespace: METRIC_NAMESPACE, service: METRIC_SERVICE, functions }, from, to);
}
