// GET /api/ml/health: liveness of the API plus the deployment's identity.
import { loadConfig } from '../../config/config';
import { createHttpHandler } from '../shared/http-handler';
import { CODE_VERSION } from '../shared/version';

const config = loadConfig();
const startedAt = new Date().toISOString();

export const handler = createHttpHandler({
  name: 'health',
  handle: async () => ({
    body: { status: 'ok', service: 'mini-xdr-ml', stage: config.stage, region: config.region, version: CODE_VERSION, startedAt },
  }),
});
