// GET /api/ml/health: liveness of the API plus the deployment's identity; GET /api/ml/openapi.json:
// the API's OpenAPI 3.1 document, built once per instance from the catalogue and the schemas.
import { handlerPlatform } from '../../platform/lambda';
import { createHttpHandler, createHttpRouter } from '../shared/http-handler';
import { buildOpenApi } from '../shared/openapi';

const { config } = handlerPlatform();
const startedAt = new Date().toISOString();
let openApi: ReturnType<typeof buildOpenApi> | undefined;

const health = createHttpHandler({
  name: 'health',
  handle: async () => ({
    body: { status: 'ok', service: 'mini-xdr-ml', stage: config.stage, region: config.region, version: config.codeVersion, startedAt },
  }),
});

const openApiDocument = createHttpHandler({
  name: 'openapi',
  handle: async () => ({ body: (openApi ??= buildOpenApi({ version: config.codeVersion })) }),
});

export const handler = createHttpRouter({
  'GET /api/ml/health': health,
  'GET /api/ml/openapi.json': openApiDocument,
});
