// GET /api/ml/telemetry: resource usage over a time window, by job, by model and by function.
import { z } from 'zod';
import { ModelName } from '../../core/names';
import { PageQuery } from '../shared/pagination';
import type { RouteSchemas } from '../shared/route-schema';

export const TelemetryQuery = PageQuery.extend({
  window: z
    .string()
    .regex(/^[1-9]\d{0,3}[hd]$/, 'must be hours or days, e.g. 24h or 7d')
    .optional(),
  from: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time' }).optional(),
  to: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time' }).optional(),
  model: ModelName.optional(),
  by: z.enum(['job', 'model', 'function']).optional(),
});

export const ROUTES: RouteSchemas = {
  'GET /api/ml/telemetry': {
    summary: 'Resource usage over a time window: each training or adaptation job, each model summed, each function (invocations, duration percentiles, memory)',
    description:
      "Window: `window` (24h, 7d; default 24h, at most 90d) back from `to` (default now), or `from`/`to`. `by` keeps one section. Jobs are paged with limit/cursor (newest first). Job figures are the job process's own (wall and CPU seconds, peak RSS, threads, rows/s, GPUs only when nvidia-smi answered) plus, on SageMaker/Batch, instance type and billable seconds. Function figures: locally, recorded by the server's handlers; on AWS, read from the CloudWatch metrics every function emits (invocations, errors, duration percentiles, peak memory, and `timeouts`, `nearTimeout`, `nearMemoryLimit` — invocations that gave up before Lambda's deadline or used 90 % of their timeout or memory; AWS only).",
    query: TelemetryQuery,
    errors: { 400: 'a malformed window, from after to, or a window longer than 90 days' },
    example: {
      query: { window: '24h', model: 'general', limit: '20' },
      response: {
        window: { from: '2026-12-02T12:00:00.000Z', to: '2026-12-03T12:00:00.000Z' },
        jobs: [
          {
            jobId: 'train-1a2b3c4d-5e6f-7a8',
            model: 'general',
            trigger: 'ManualRetrain',
            kind: 'training',
            state: 'Completed',
            backend: 'local',
            createdAt: '2026-12-03T11:02:00.000Z',
            resources: { wallSeconds: 5.2, cpuSeconds: 7.9, peakRssBytes: 412000000, threads: 11, rows: 22544, rowsPerSecond: 4335.4, source: 'process' },
          },
        ],
        models: [{ model: 'general', jobs: 1, measuredJobs: 1, cpuSeconds: 7.9, wallSeconds: 5.2, billableSeconds: 0, rows: 22544, peakRssBytes: 412000000 }],
        functions: [
          { function: 'predict', invocations: 120, errors: 0, p50Ms: 9.3, p90Ms: 14.6, p99Ms: 22.7, meanMs: 10.1, maxMs: 24, peakMemoryBytes: 380000000 },
        ],
      },
    },
  },
};
