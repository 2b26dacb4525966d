// GET /api/ml/health and GET /api/ml/openapi.json: what they take (nothing) and answer.
import type { RouteSchemas } from '../shared/route-schema';

export const ROUTES: RouteSchemas = {
  'GET /api/ml/health': {
    summary: 'Liveness and the deployment identity',
    example: {
      response: { status: 'ok', service: 'mini-xdr-ml', stage: 'local', region: 'us-east-1', version: '0.1.0', startedAt: '2026-01-01T00:00:00.000Z' },
    },
  },
  'GET /api/ml/openapi.json': {
    summary: 'This API as an OpenAPI 3.1 document',
    description: "Generated from the route catalogue (config/functions.ts) and each function's schema.ts, the same zod schemas the handlers validate with.",
  },
};
