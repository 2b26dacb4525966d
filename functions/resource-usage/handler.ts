// GET /api/ml/telemetry: resource usage by job, by model and by function over a time window
// (core/resources/telemetry.ts), jobs paged like the other list routes.
import { telemetryWindow } from '../../core/resources/telemetry';
import { handlerPlatform } from '../../platform/lambda';
import { createHttpHandler, createHttpRouter } from '../shared/http-handler';
import { paginate } from '../shared/pagination';
import { TelemetryQuery } from './schema';

const deps = handlerPlatform();

const telemetry = createHttpHandler({
  name: 'telemetry',
  query: TelemetryQuery,
  handle: async ({ query }) => {
    const window = telemetryWindow(query);
    const usage = await deps.resourceTelemetry({ ...window, ...(query.model ? { model: query.model } : {}) });
    const page = paginate(usage.jobs, (j) => j.jobId, query);
    const show = (section: 'job' | 'model' | 'function') => !query.by || query.by === section;
    return {
      body: {
        window: usage.window,
        ...(show('job') ? { jobs: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } : {}),
        ...(show('model') ? { models: usage.models } : {}),
        ...(show('function') ? { functions: usage.functions } : {}),
      },
    };
  },
});

export const handler = createHttpRouter({ 'GET /api/ml/telemetry': telemetry });
