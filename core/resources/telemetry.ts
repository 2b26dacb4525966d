// Resource usage over a time window, by job, by model and by function: what GET /api/ml/telemetry
// and `xdr-ml telemetry` answer. Jobs come from the jobs table (each model's, newest first, created
// in the window), models are their sums, functions the bounded usage items (function-usage.ts).
import { InvalidInputError } from '../errors';
import type { ItemTable } from '../ports';
import { listJobs, type TrainingJobRecord } from '../retraining/job-records';
import { functionUsage, type FunctionUsageSummary } from './function-usage';
import { round, type ResourceUsage } from './usage';

/** One job's usage as listed. */
export interface JobUsageView {
  readonly jobId: string;
  readonly model: string;
  readonly trigger: string;
  readonly kind: 'training' | 'adaptation';
  readonly state: string;
  readonly backend: string;
  readonly createdAt: string;
  readonly finishedAt?: string;
  readonly registeredVersion?: number;
  /** Absent while the job runs, or for a job that finished before it was measured. */
  readonly resources?: ResourceUsage;
}

/** A model's jobs in the window, summed. */
export interface ModelUsageView {
  readonly model: string;
  readonly jobs: number;
  /** Jobs with resource figures (the sums are over these). */
  readonly measuredJobs: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly billableSeconds: number;
  readonly rows: number;
  /** The largest peak RSS of its jobs (what the next job is sized by). */
  readonly peakRssBytes: number;
}

export interface ResourceTelemetry {
  readonly window: { readonly from: string; readonly to: string };
  readonly jobs: readonly JobUsageView[];
  readonly models: readonly ModelUsageView[];
  readonly functions: readonly FunctionUsageSummary[];
}

/** The longest window one request reads. */
export const MAX_WINDOW_HOURS = 90 * 24;

/** The most jobs per model the window reads. */
export const JOBS_PER_MODEL = 500;

/**
 * Usage over [from, to], optionally of one model.
 * @example await resourceTelemetry({ jobs, models: async () => ['general'], functions: ['predict'] }, { from, to })
 */
export async function resourceTelemetry(
  deps: {
    readonly jobs: ItemTable;
    readonly models: () => Promise<readonly string[]>;
    readonly functions: readonly string[];
    /** Where the functions' figures come from instead of the stored usage items (on AWS: CloudWatch). */
    readonly functionSummaries?: (functions: readonly string[], from: Date, to: Date) => Promise<FunctionUsageSummary[]>;
  },
  query: { readonly from: Date; readonly to: Date; readonly model?: string },
): Promise<ResourceTelemetry> {
  const from = query.from.toISOString();
  const to = query.to.toISOString();
  const models = query.model ? [query.model] : [...(await deps.models())].sort();
  const jobs: JobUsageView[] = [];
  const byModel: ModelUsageView[] = [];
  for (const model of models) {
    const mine = (await listJobs(deps.jobs, model, JOBS_PER_MODEL)).filter((j) => j.createdAt >= from && j.createdAt <= to).map(jobView);
    jobs.push(...mine);
    if (mine.length) byModel.push(sumModel(model, mine));
  }
  jobs.sort((a, b) => (a.createdAt === b.createdAt ? a.jobId.localeCompare(b.jobId) : b.createdAt.localeCompare(a.createdAt)));
  return {
    window: { from, to },
    jobs,
    models: byModel,
    functions: await (deps.functionSummaries ?? ((fns, f, t) => functionUsage(deps.jobs, fns, f, t)))(deps.functions, query.from, query.to),
  };
}

function jobView(j: TrainingJobRecord): JobUsageView {
  return {
    jobId: j.jobId,
    model: j.model,
    trigger: j.trigger,
    kind: j.training?.adaptation ? 'adaptation' : 'training',
    state: j.state,
    backend: j.backend,
    createdAt: j.createdAt,
    ...(j.finishedAt ? { finishedAt: j.finishedAt } : {}),
    ...(j.registeredVersion !== undefined ? { registeredVersion: j.registeredVersion } : {}),
    ...(j.resources ? { resources: j.resources } : {}),
  };
}

function sumModel(model: string, jobs: readonly JobUsageView[]): ModelUsageView {
  const measured = jobs.filter((j) => j.resources);
  const sum = (pick: (r: ResourceUsage) => number | undefined) => round(measured.reduce((s, j) => s + (pick(j.resources as ResourceUsage) ?? 0), 0));
  return {
    model,
    jobs: jobs.length,
    measuredJobs: measured.length,
    cpuSeconds: sum((r) => r.cpuSeconds),
    wallSeconds: sum((r) => r.wallSeconds),
    billableSeconds: sum((r) => r.billableSeconds),
    rows: sum((r) => r.rows),
    peakRssBytes: Math.max(0, ...measured.map((j) => j.resources?.peakRssBytes ?? 0)),
  };
}

/**
 * [from, to] of a query: `from`/`to`, or `window` (24h, 7d) back from `to` (default: 24 h back from
 * now). Throws InvalidInputError naming the field for a malformed or inverted window, or one over 90 days.
 * @example telemetryWindow({ window: '7d' }) // the last seven days
 */
export function telemetryWindow(query: { readonly window?: string; readonly from?: string; readonly to?: string }, now = new Date()): { from: Date; to: Date } {
  const bad = (field: string, message: string) => new InvalidInputError(`${field} ${message}`, { details: [{ field: `query.${field}`, message }] });
  const date = (field: 'from' | 'to', text: string) => {
    const d = new Date(text);
    if (Number.isNaN(d.getTime())) throw bad(field, `must be an ISO-8601 date-time (got ${JSON.stringify(text.slice(0, 40))})`);
    return d;
  };
  const to = query.to ? date('to', query.to) : now;
  let from: Date;
  if (query.from) {
    if (query.window) throw bad('window', 'conflicts with from: give one of them');
    from = date('from', query.from);
  } else {
    const m = /^([1-9]\d{0,3})([hd])$/.exec(query.window ?? '24h');
    if (!m) throw bad('window', `must be hours or days, e.g. 24h or 7d (got ${JSON.stringify((query.window ?? '').slice(0, 40))})`);
    from = new Date(to.getTime() - Number(m[1]) * (m[2] === 'd' ? 24 : 1) * 3_600_000);
  }
  if (from.getTime() > to.getTime()) throw bad('from', 'is after to');
  if (to.getTime() - from.getTime() > MAX_WINDOW_HOURS * 3_600_000) throw bad('window', `is longer than ${MAX_WINDOW_HOURS / 24} days`);
  return { from, to };
}
