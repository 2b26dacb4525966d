// The federated routes: POST /api/federated/runs (validated, recorded, FederatedRunStarted
// published: 202 with the run id; 400/404/409 with the reason) and GET /api/federated/status.
import type { FederatedRunRequest } from '../../core/federated/protocol/run-store';
import { handlerPlatform } from '../../platform/lambda';
import { createHttpHandler, createHttpRouter, requestActor } from '../shared/http-handler';
import { FederatedRunBody, FederatedStatusQuery } from './schema';

const deps = handlerPlatform();

const startRun = createHttpHandler({
  name: 'federated-run',
  body: FederatedRunBody,
  handle: async ({ body, event }) => {
    const { runId, jobId } = await deps.federated.start(body as FederatedRunRequest, requestActor(event));
    return { statusCode: 202, body: { accepted: true, runId, jobId, status: `/api/federated/status?runId=${runId}` } };
  },
});

const status = createHttpHandler({
  name: 'federated-status',
  query: FederatedStatusQuery,
  handle: async ({ query }) => ({
    body: await deps.federated.status({ ...(query.runId ? { runId: query.runId } : {}), ...(query.limit ? { limit: query.limit } : {}) }),
  }),
});

export const handler = createHttpRouter({
  'POST /api/federated/runs': startRun,
  'GET /api/federated/status': status,
});
