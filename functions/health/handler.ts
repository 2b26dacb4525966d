// GET /api/ml/health: liveness of the API plus the deployment's identity.
import { handlerPlatform } from '../../platform';
import { createHttpHandler } from '../shared/http-handler';

const { config } = handlerPlatform();
const startedAt = new Date().toISOString();

export const handler = createHttpHandler({
  name: 'health',
  handle: async () => ({
    body: { status: 'ok', service: 'mini-xdr-ml', stage: config.stage, region: config.region, version: config.codeVersion, startedAt },
  }),
});
