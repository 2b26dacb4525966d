// The registry's control plane: list and describe models (versions, aliases, history, the
// lineage's training spec, quarantined versions), deploy (through the promotion gate), roll back,
// change a lineage's spec (promotion policy, dataset version policy …; audited), and per-version
// serving performance. One function, several routes.
import { handlerPlatform } from '../../platform/lambda';
import { createHttpHandler, createHttpRouter, requestActor } from '../shared/http-handler';
import { paginate } from '../shared/pagination';
import { versionDetails } from '../../core/registry/version-details';
import { DeployBody, ListModelsQuery, ModelParams as Params, PerformanceQuery, RollbackBody, SpecBody, VersionParams } from './schema';

const deps = handlerPlatform();
const listModels = createHttpHandler({
  name: 'models-list',
  query: ListModelsQuery,
  handle: async ({ query }) => {
    const models = [...(await deps.registry.listModels())].sort((a, b) => a.model.localeCompare(b.model));
    const page = paginate(models, (m) => m.model, query);
    return { body: { models: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } };
  },
});

const describeModel = createHttpHandler({
  name: 'models-describe',
  params: Params,
  handle: async ({ params }) => ({ body: await deps.registry.describeModel(params.name) }),
});

const describeVersion = createHttpHandler({
  name: 'models-version',
  params: VersionParams,
  handle: async ({ params }) => ({ body: await versionDetails({ registry: deps.registry, artefacts: deps.stores.buckets.artefacts }, params.name, params.version) }),
});

const deploy = createHttpHandler({
  name: 'models-deploy',
  params: Params,
  body: DeployBody,
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
  body: RollbackBody,
  handle: async ({ params, body, event }) => {
    const result = await deps.registry.rollback(params.name, { alias: body.alias, toVersion: body.toVersion, reason: body.reason, actor: requestActor(event) });
    return { body: result };
  },
});

const performance = createHttpHandler({
  name: 'models-performance',
  query: PerformanceQuery,
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
              correct: s?.correct ?? 0,
              onlineAccuracy: s?.onlineAccuracy ?? null,
            };
          }),
      });
    }
    return { body: { models: out } };
  },
});

const spec = createHttpHandler({
  name: 'models-spec',
  params: Params,
  body: SpecBody,
  handle: async ({ params, body, event }) => {
    const { expectedRevision, reason, ...patch } = body;
    return { body: await deps.registry.updateSpec(params.name, patch, { actor: requestActor(event), reason, ...(expectedRevision ? { expectedRevision } : {}) }) };
  },
});

export const handler = createHttpRouter({
  'GET /api/ml/models': listModels,
  'GET /api/ml/models/performance': performance,
  'GET /api/ml/models/{name}': describeModel,
  'GET /api/ml/models/{name}/versions/{version}': describeVersion,
  'POST /api/ml/models/{name}/deploy': deploy,
  'POST /api/ml/models/{name}/rollback': rollback,
  'POST /api/ml/models/{name}/spec': spec,
});
