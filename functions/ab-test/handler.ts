// The A/B-test control plane: create an experiment (ab, shadow or canary), list them, their
// results (per-arm metrics, p-values, SRM, recommendation) and stop one (optionally promoting the
// challenger through the gated deploy). One function, several routes; routing itself happens in
// the predict function.
import { handlerPlatform } from '../../platform/lambda';
import { createHttpHandler, createHttpRouter, requestActor } from '../shared/http-handler';
import { paginate } from '../shared/pagination';
import { CreateExperimentBody, ExperimentParams as Params, ListExperimentsQuery, StopExperimentBody } from './schema';

const deps = handlerPlatform();
const experiments = deps.experiments;

const create = createHttpHandler({
  name: 'ab-test-create',
  body: CreateExperimentBody,
  handle: async ({ body, event }) => {
    const experiment = await experiments.create({ ...body, model: body.model ?? deps.config.defaultModel, actor: requestActor(event) });
    return { statusCode: 201, body: { id: experiment.id, experiment } };
  },
});

const list = createHttpHandler({
  name: 'ab-test-list',
  query: ListExperimentsQuery,
  handle: async ({ query }) => {
    const { limit, cursor, ...filter } = query;
    const page = paginate(await experiments.list(filter), (e) => e.id, { limit, cursor });
    return { body: { experiments: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } };
  },
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
  body: StopExperimentBody,
  handle: async ({ params, body, event }) => ({ body: await experiments.stop(params.id, { ...body, actor: requestActor(event) }) }),
});

export const handler = createHttpRouter({
  'POST /api/ml/ab-test': create,
  'GET /api/ml/ab-test': list,
  'GET /api/ml/ab-test/{id}': describeOne,
  'GET /api/ml/ab-test/{id}/results': results,
  'POST /api/ml/ab-test/{id}/stop': stop,
});
