// The retraining control plane over HTTP: POST /api/ml/retrain (the launcher queues the job and
// answers at once: 202 with its id, 404 for an unknown lineage, 409 with the reason — running,
// cooldown, another dataset's features; the launcher function then starts it), GET /api/ml/status
// (jobs, every trigger with what became of it, active versions, auto-retrain settings, next
// scheduled run), POST /api/ml/status/auto-retrain (the runtime switch), POST /api/ml/drift/check
// (an on-demand drift check) and GET /api/ml/drift/status (the latest drift report and history).
import { randomUUID } from 'node:crypto';
import { driftStatus } from '../../core/drift-check';
import { retrainingStatus, setAutoRetrain, type LaunchOutcome } from '../../core/retraining';
import { UnknownResourceError } from '../../core/errors';
import { handlerPlatform } from '../../platform/lambda';
import { createHttpHandler, createHttpRouter, requestActor, type Reply } from '../shared/http-handler';
import {
  AdaptBody,
  AutoRetrainBody,
  EnsembleOptimizeBody,
  EnsembleStatusQuery,
  DriftCheckBody,
  DriftStatusQuery,
  OnlineStatusQuery,
  RetrainBody,
  StatusQuery,
} from './schema';

const deps = handlerPlatform();

/** The HTTP answer to a queued trigger: 202 with the job, or the refusal's status and reason. */
function launchAnswer(outcome: LaunchOutcome, request: { readonly model: string; readonly requestId: string }, statusPath: string): Reply {
  const base = { model: request.model, requestId: request.requestId, status: `${statusPath}?model=${request.model}` };
  switch (outcome.outcome) {
    case 'queued':
    case 'started':
      return { statusCode: 202, body: { accepted: true, outcome: outcome.outcome, jobId: outcome.job.jobId, ...base } };
    case 'duplicate':
      // the same requestId again: the job it queued (still queued, running or done)
      return {
        statusCode: 202,
        body: { accepted: true, outcome: 'duplicate', jobId: outcome.jobId ?? null, firstOutcome: outcome.firstOutcome ?? null, ...base },
      };
    case 'refused':
      return { statusCode: outcome.status, body: { accepted: false, error: outcome.code, message: outcome.reason, ...base } };
    case 'running':
      return {
        statusCode: 409,
        body: {
          accepted: false,
          error: 'running',
          message: `job ${outcome.runningJobId} of ${request.model} is queued or running`,
          runningJobId: outcome.runningJobId,
          ...base,
        },
      };
    case 'cooldown':
      return {
        statusCode: 409,
        body: {
          accepted: false,
          error: 'cooldown',
          message: `${request.model} was trained recently; the next retrain is allowed at ${outcome.nextAllowedAt} (force: true overrides the cooldown, audited)`,
          nextAllowedAt: outcome.nextAllowedAt,
          ...base,
        },
      };
    default:
      return { statusCode: 409, body: { accepted: false, error: outcome.outcome, ...base } };
  }
}

const retrain = createHttpHandler({
  name: 'retrain',
  body: RetrainBody,
  handle: async ({ body, event }) => {
    const request = {
      type: 'ManualRetrain' as const,
      model: body.model ?? deps.config.defaultModel,
      // The same requestId sent twice starts one job (the launcher's idempotency key).
      requestId: body.requestId ?? randomUUID(),
      actor: requestActor(event),
      reason: body.reason ?? 'manual retrain request',
      ...(body.dataset ? { dataset: body.dataset } : {}),
      ...(body.datasetVersion ? { datasetVersion: body.datasetVersion } : {}),
      ...(body.force ? { force: true } : {}),
    };
    return launchAnswer(await deps.retraining.launcher.queue(request), request, '/api/ml/status');
  },
});

const status = createHttpHandler({
  name: 'status',
  query: StatusQuery,
  handle: async ({ query }) => {
    const models = query.model ? [query.model] : (await deps.registry.listModels()).map((m) => m.model);
    const result = await retrainingStatus(
      { jobs: deps.stores.tables.jobs, registry: deps.registry },
      { models: models.length ? models : [deps.config.defaultModel], autoRetrain: deps.config.autoRetrain, now: new Date() },
    );
    return { body: { stage: deps.config.stage, defaultModel: deps.config.defaultModel, promotionPolicy: deps.config.training.promotionPolicy, ...result } };
  },
});

const autoRetrain = createHttpHandler({
  name: 'auto-retrain',
  body: AutoRetrainBody,
  handle: async ({ body, event }) => {
    const actor = requestActor(event);
    // turning automation on first checks that the backend can run the job (409 with the reason, and an alert, when not)
    const capacity = body.enabled ? await deps.retraining.assertCapacity(body.model) : [];
    await setAutoRetrain(deps.stores.tables.jobs, body.enabled, actor, new Date(), body.model);
    await deps.audit.append({
      actor,
      action: 'retrain.auto-switch',
      subject: body.model ? `model/${body.model}` : 'platform',
      after: { enabled: body.enabled },
    });
    return {
      body: {
        enabled: body.enabled,
        model: body.model ?? null,
        deployEnabled: deps.config.autoRetrain.enabled,
        capacity: capacity.map(({ model, verdict }) => ({ model, fits: verdict.fits, reason: verdict.reason })),
        note: deps.config.autoRetrain.enabled
          ? undefined
          : 'auto-retrain is off at deploy time (XDR_ML_AUTO_RETRAIN / -c autoRetrain): the schedule rule does not exist, so the switch has no effect until it is deployed on',
      },
    };
  },
});

const drift = createHttpHandler({
  name: 'drift-status',
  query: DriftStatusQuery,
  handle: async ({ query }) => ({
    body: await driftStatus(deps.stores.tables.drift, query.model ?? deps.config.defaultModel, query.limit ? Number(query.limit) : undefined),
  }),
});

const driftCheck = createHttpHandler({
  name: 'drift-check',
  body: DriftCheckBody,
  handle: async ({ body }) => {
    const { result, volume } = await deps.retraining.checkDrift(body.model ?? deps.config.defaultModel);
    // every event the check published: the drift check's, then the data-volume trigger's
    const volumeEvents = volume.event ? [{ detailType: volume.event.type, detail: { ...volume.event, type: undefined } }] : [];
    return { body: { report: result.report, events: [...result.events, ...volumeEvents], dataVolume: volume } };
  },
});

const adapt = createHttpHandler({
  name: 'online-adapt',
  body: AdaptBody,
  handle: async ({ body, event }) => {
    const request = {
      type: 'AdaptationRequested' as const,
      model: body.model ?? deps.config.defaultModel,
      requestId: body.requestId ?? randomUUID(),
      actor: requestActor(event),
      reason: body.reason ?? 'online adaptation request',
      ...(body.dataset ? { dataset: body.dataset } : {}),
      ...(body.datasetVersion ? { datasetVersion: body.datasetVersion } : {}),
      ...(body.minSamples ? { minSamples: body.minSamples } : {}),
      ...(body.force ? { force: true } : {}),
      ...(body.tenant ? { tenant: body.tenant } : {}),
    };
    return launchAnswer(await deps.retraining.launcher.queue(request), request, '/api/ml/online-learning/status');
  },
});

const onlineStatus = createHttpHandler({
  name: 'online-status',
  query: OnlineStatusQuery,
  handle: async ({ query }) => {
    const model = query.model ?? deps.config.defaultModel;
    const status = await deps.retraining.onlineStatus(model);
    if (!status) throw new UnknownResourceError(`unknown model ${model}`, { details: [{ field: 'query.model', message: 'no such lineage' }] });
    return { body: status };
  },
});

const ensembleOptimize = createHttpHandler({
  name: 'ensemble-optimize',
  body: EnsembleOptimizeBody,
  handle: async ({ body, event }) => {
    const request = {
      type: 'EnsembleRequested' as const,
      model: body.model,
      requestId: body.requestId ?? randomUUID(),
      actor: requestActor(event),
      reason: body.reason ?? 'ensemble optimisation request',
      ...(body.members ? { members: body.members } : {}),
      ...(body.method ? { method: body.method } : {}),
      ...(body.extraMembers !== undefined ? { extraMembers: body.extraMembers } : {}),
      ...(body.force ? { force: true } : {}),
    };
    return launchAnswer(await deps.retraining.launcher.queue(request), request, '/api/ml/ensemble/status');
  },
});

const ensembleStatusRoute = createHttpHandler({
  name: 'ensemble-status',
  query: EnsembleStatusQuery,
  handle: async ({ query }) => {
    const status = await deps.retraining.ensembleStatus(query.model);
    if (!status) throw new UnknownResourceError(`unknown model ${query.model}`, { details: [{ field: 'query.model', message: 'no registered version' }] });
    return { body: status };
  },
});

export const handler = createHttpRouter({
  'POST /api/ml/ensemble/optimize': ensembleOptimize,
  'GET /api/ml/ensemble/status': ensembleStatusRoute,
  'POST /api/ml/online-learning/adapt': adapt,
  'GET /api/ml/online-learning/status': onlineStatus,
  'POST /api/ml/drift/check': driftCheck,
  'POST /api/ml/retrain': retrain,
  'GET /api/ml/status': status,
  'POST /api/ml/status/auto-retrain': autoRetrain,
  'GET /api/ml/drift/status': drift,
});
