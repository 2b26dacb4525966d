// POST /api/ml/predict: scores flows with a model's production version (or a named version),
// `?explain=true` adds each flow's top contributing features. Batch limit: 1,000 flows. When the
// model has a running A/B, shadow or canary experiment, core/experiments' router assigns each
// flow (or request) an arm; each prediction then names its `arm` and `modelVersion`. A request naming
// a `tenant` is served by the tenant's variant (alias tenant-<t>) when one is deployed.
import { randomUUID } from 'node:crypto';
import type { RawRow } from '../../core/onnx/feeds';
import { handlerPlatform } from '../../platform/lambda';
import { createHttpHandler } from '../shared/http-handler';
import { PredictBody, PredictQuery } from './schema';

const deps = handlerPlatform();
const router = deps.experimentRouter;

export const handler = createHttpHandler({
  name: 'predict',
  body: PredictBody,
  query: PredictQuery,
  handle: async ({ body, query, correlationId }) => {
    const model = body.model ?? deps.config.defaultModel;
    const result = await router.predict({
      model,
      version: body.version,
      flows: body.flows as RawRow[],
      explain: query.explain === 'true',
      topFeatures: query.top ? Number(query.top) : undefined,
      // the server's id: unique per request, so prediction ids never collide; the caller's correlation id is stored beside it
      requestId: randomUUID(),
      correlationId,
      ...(body.tenant !== undefined ? { tenant: body.tenant } : {}),
    });
    return {
      body: {
        model: result.model,
        modelVersion: result.modelVersion,
        ...(result.alias ? { alias: result.alias } : {}),
        ...(body.tenant !== undefined ? { tenant: body.tenant } : {}),
        requestId: result.requestId,
        correlationId,
        predictions: result.predictions,
        ...(result.experiment ? { experiment: result.experiment } : {}),
        ...(result.warning ? { warning: result.warning } : {}),
      },
      headers: result.warning ? { warning: '199 - fallback version served' } : undefined,
    };
  },
});
