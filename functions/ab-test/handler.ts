// The A/B-test control plane: create an experiment (ab, shadow or canary), list them, their
// results (per-arm metrics, p-values, SRM, recommendation) and stop one (optionally promoting the
// challenger through the gated deploy). One function, several routes; routing itself happens in
// the predict function.
import { z } from 'zod';
import { ExperimentId as ID, ModelName as NAME } from '../../core/names';
import { handlerPlatform } from '../../platform';
import { createHttpHandler, createHttpRouter, requestActor } from '../shared/http-handler';

const deps = handlerPlatform();
const experiments = deps.experiments;

const Params = z.object({ id: ID });
const share = z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]');

const CreateBody = z
  .object({
    model: NAME.optional(),
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

const create = createHttpHandler({
  name: 'ab-test-create',
  body: CreateBody,
  handle: async ({ body, event }) => {
    const experiment = await experiments.create({ ...body, model: body.model ?? deps.config.defaultModel, actor: requestActor(event) });
    return { statusCode: 201, body: { id: experiment.id, experiment } };
  },
});

const list = createHttpHandler({
  name: 'ab-test-list',
  query: z.object({ model: NAME.optional(), state: z.enum(['running', 'stopped', 'rolled-back']).optional() }),
  handle: async ({ query }) => ({ body: { experiments: await experiments.list(query) } }),
});

const describeOne = createHttpHandler({
  name: 'ab-test-describe',
  params: Params,
  handle: async ({ params }) => ({ body: await experiments.get(params.id) }),
});

const results = createHttpHandler({
  name: 'ab-test-results',
  params: Params,
  handle: async ({ params }) => ({ body: await experiments.results(params.id) }),
});

const stop = createHttpHandler({
  name: 'ab-test-stop',
  params: Params,
  body: z
    .object({ promote: z.boolean().optional(), force: z.boolean().optional(), reason: z.string().trim().min(1).max(1000).optional() })
    .strict()
    .default({}),
  handle: async ({ params, body, event }) => ({ body: await experiments.stop(params.id, { ...body, actor: requestActor(event) }) }),
});

export const handler = createHttpRouter({
  'POST /api/ml/ab-test': create,
  'GET /api/ml/ab-test': list,
  'GET /api/ml/ab-test/{id}': describeOne,
  'GET /api/ml/ab-test/{id}/results': results,
  'POST /api/ml/ab-test/{id}/stop': stop,
});
