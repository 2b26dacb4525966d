// The A/B-test control plane's routes: request schemas (used by the handler) and contracts.
import { z } from 'zod';
import { ExperimentId, ModelName } from '../../core/names';
import { PageQuery } from '../shared/pagination';
import type { RouteSchemas } from '../shared/route-schema';

export const ExperimentParams = z.object({ id: ExperimentId });
const share = z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]');

export const CreateExperimentBody = z
  .object({
    model: ModelName.optional(),
    challengerVersion: z.number().int().min(1),
    championVersion: z.number().int().min(1).optional(),
    trafficSplit: share.optional(),
    mode: z.enum(['ab', 'shadow', 'canary']).default('ab'),
    routingKey: z.string().trim().min(1).max(200).optional(),
    minSamples: z.number().int().min(1).max(10_000_000).optional(),
    maxDurationHours: z
      .number()
      .positive()
      .max(24 * 365)
      .optional(),
    practicalSignificanceThreshold: share.optional(),
    maxLatencyIncrease: z.number().min(0).max(1000).optional(),
    latencyToleranceMs: z.number().min(0).max(3_600_000).optional(),
    canary: z
      .object({
        steps: z.array(z.number().gt(0).max(1)).min(1).max(20).optional(),
        maxErrorRate: share.optional(),
        maxLatencyMs: z.number().positive().max(3_600_000).optional(),
        stepAfterSamples: z.number().int().min(1).max(10_000_000).optional(),
      })
      .strict()
      .optional(),
    reason: z.string().trim().min(1).max(1000).optional(),
  })
  .strict()
  .refine((b) => b.mode === 'canary' || b.trafficSplit !== undefined, { message: 'is required unless mode is canary', path: ['trafficSplit'] })
  .refine((b) => b.mode === 'canary' || b.canary === undefined, { message: 'only applies to mode canary', path: ['canary'] });

export const ListExperimentsQuery = PageQuery.extend({ model: ModelName.optional(), state: z.enum(['running', 'stopped', 'rolled-back']).optional() });

export const StopExperimentBody = z
  .object({ promote: z.boolean().optional(), force: z.boolean().optional(), reason: z.string().trim().min(1).max(1000).optional() })
  .strict()
  .default({});

export const ROUTES: RouteSchemas = {
  'POST /api/ml/ab-test': {
    summary: 'Start an A/B, shadow or canary test of a challenger version against the champion',
    body: CreateExperimentBody,
    success: { status: 201, description: 'the experiment, running' },
    errors: { 404: 'unknown model or version', 409: 'the model already has a running test', 422: 'the challenger does not load' },
    example: { body: { model: 'general', challengerVersion: 4, trafficSplit: 0.1, mode: 'ab', routingKey: 'Source IP' } },
  },
  'GET /api/ml/ab-test': {
    summary: 'Experiments, newest first, a page at a time',
    query: ListExperimentsQuery,
    example: { query: { model: 'general', state: 'running', limit: '20' }, response: { experiments: [] } },
  },
  'GET /api/ml/ab-test/{id}': {
    summary: 'One experiment',
    params: ExperimentParams,
    errors: { 404: 'unknown experiment' },
    example: { params: { id: 'exp-20260101T100000-a1b2c3' } },
  },
  'GET /api/ml/ab-test/{id}/results': {
    summary: 'Per-arm metrics with intervals, z-test and always-valid mSPRT p-values, the sample-ratio check, the recommendation and the results history',
    description:
      "`history` is the experiment's results over time, oldest first: each computation of results while the test runs (this route, a stop, a canary guard run) is recorded as the point of its time bucket (XDR_ML_EXPERIMENT_HISTORY_MS, default 10 minutes: the latest figures of each bucket), at most 1,008 points (the oldest dropped). A point is `{ at, trafficSplit, championRouted, challengerRouted, championLabelled, challengerLabelled, championCorrect, challengerCorrect, pValue (always-valid mSPRT, null until both arms are labelled), effect, csLow, csHigh (the confidence-sequence bounds of the effect), srmPValue, srmMismatch }`; while the test runs, the last point is this answer.",
    params: ExperimentParams,
    errors: { 404: 'unknown experiment' },
    example: { params: { id: 'exp-20260101T100000-a1b2c3' } },
  },
  'POST /api/ml/ab-test/{id}/stop': {
    summary: 'End a test; promote deploys the challenger through the gate when the results justify it (force with a reason overrides)',
    params: ExperimentParams,
    body: StopExperimentBody,
    errors: { 404: 'unknown experiment', 409: 'not running, or the gate refused the promotion' },
    example: { params: { id: 'exp-20260101T100000-a1b2c3' }, body: { promote: true } },
  },
};
