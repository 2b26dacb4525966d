// The registry's control plane: list and describe models, deploy (through the promotion gate) and
// roll back, and per-version serving performance. One function, several routes.
import { z } from 'zod';
import { AliasName as ALIAS, ModelName as NAME } from '../../core/names';
import { handlerPlatform } from '../../platform';
import { createHttpHandler, createHttpRouter, requestActor } from '../shared/http-handler';

const deps = handlerPlatform();
const Params = z.object({ name: NAME });

const listModels = createHttpHandler({
  name: 'models-list',
  handle: async () => ({ body: { models: await deps.registry.listModels() } }),
});

const describeModel = createHttpHandler({
  name: 'models-describe',
  params: Params,
  handle: async ({ params }) => ({ body: await deps.registry.describeModel(params.name) }),
});

const deploy = createHttpHandler({
  name: 'models-deploy',
  params: Params,
  body: z
    .object({
      version: z.number().int().min(1),
      alias: ALIAS.default('production'),
      force: z.boolean().optional(),
      reason: z.string().trim().min(1).max(1000).optional(),
    })
    .strict(),
  handle: async ({ params, body, event }) => {
    const result = await deps.registry.deploy(params.name, body.version, {
      alias: body.alias,
      force: body.force,
      reason: body.reason,
      actor: requestActor(event),
      thresholds: deps.gate,
    });
    return { body: result };
  },
});

const rollback = createHttpHandler({
  name: 'models-rollback',
  params: Params,
  body: z
    .object({ toVersion: z.number().int().min(1).optional(), alias: ALIAS.default('production'), reason: z.string().trim().min(1).max(1000).optional() })
    .strict()
    .default({ alias: 'production' }),
  handle: async ({ params, body, event }) => {
    const result = await deps.registry.rollback(params.name, { alias: body.alias, toVersion: body.toVersion, reason: body.reason, actor: requestActor(event) });
    return { body: result };
  },
});

const performance = createHttpHandler({
  name: 'models-performance',
  query: z.object({ model: NAME.optional() }),
  handle: async ({ query }) => {
    const models = query.model ? [query.model] : (await deps.registry.listModels()).map((m) => m.model);
    const out = [];
    for (const model of models) {
      const [description, stats] = await Promise.all([deps.registry.describeModel(model), deps.predictionLog.versionStats(model)]);
      const deployed = new Set([...description.history.map((h) => h.version), ...stats.map((s) => s.version)]);
      const aliasesOf = (v: number) => Object.entries(description.aliases).filter(([, a]) => a.version === v).map(([alias]) => alias);
      out.push({
        model,
        versions: description.versions
          .filter((v) => deployed.has(v.version))
          .map((v) => {
            const s = stats.find((x) => x.version === v.version);
            return {
              version: v.version,
              aliases: aliasesOf(v.version),
              offline: { macroF1: v.metrics.macroF1, accuracy: v.metrics.accuracy, dataset: v.dataset },
              requests: s?.requests ?? 0,
              flows: s?.flows ?? 0,
              meanLatencyMs: s?.meanLatencyMs ?? null,
              feedback: s?.feedback ?? 0,
              onlineAccuracy: s?.onlineAccuracy ?? null,
            };
          }),
      });
    }
    return { body: { models: out } };
  },
});

export const handler = createHttpRouter({
  'GET /api/ml/models': listModels,
  'GET /api/ml/models/performance': performance,
  'GET /api/ml/models/{name}': describeModel,
  'POST /api/ml/models/{name}/deploy': deploy,
  'POST /api/ml/models/{name}/rollback': rollback,
});
