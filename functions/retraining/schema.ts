// The retraining control plane's routes: request schemas (used by the handler) and contracts.
import { z } from 'zod';
import { MAX_EXTRA_MEMBERS } from '../../core/ensemble/extra-member-count';
import { DatasetName, ModelName, TenantId } from '../../core/names';
import type { RouteSchemas } from '../shared/route-schema';

export const RetrainBody = z
  .object({
    model: ModelName.optional(),
    dataset: DatasetName.optional(),
    datasetVersion: z.number().int().min(1).optional(),
    reason: z.string().trim().min(1).max(1000).optional(),
    force: z.boolean().optional(),
    requestId: z
      .string()
      .regex(/^[\w.:-]{1,128}$/, 'must be 1-128 letters, digits, . _ : -')
      .optional(),
  })
  .strict()
  .default({});

export const StatusQuery = z.object({ model: ModelName.optional() });

export const AutoRetrainBody = z.object({ enabled: z.boolean(), model: ModelName.optional() }).strict();

export const DriftStatusQuery = z.object({
  model: ModelName.optional(),
  limit: z
    .string()
    .regex(/^[1-9]\d{0,2}$/, 'must be 1-999')
    .optional(),
});

export const DriftCheckBody = z.object({ model: ModelName.optional() }).strict().default({});

export const AdaptBody = RetrainBody.unwrap()
  .extend({
    minSamples: z.number().int().min(1).max(10_000_000).optional(),
    /** A tenant variant: adapt production on this tenant's own dataset (`dataset`, default the federated run's); served at `tenant-<t>`. */
    tenant: TenantId.optional(),
  })
  .strict()
  .default({});

export const OnlineStatusQuery = z.object({ model: ModelName.optional() });

export const EnsembleOptimizeBody = z
  .object({
    model: ModelName,
    members: z
      .array(z.object({ model: ModelName, version: z.number().int().min(1) }).strict())
      .min(1, 'name at least one member')
      .max(32)
      .optional(),
    method: z.enum(['selection', 'weights', 'auto']).optional(),
    extraMembers: z.number().int().min(1).max(MAX_EXTRA_MEMBERS).optional(),
    reason: z.string().trim().min(1).max(1000).optional(),
    force: z.boolean().optional(),
    requestId: z
      .string()
      .regex(/^[\w.:-]{1,128}$/, 'must be 1-128 letters, digits, . _ : -')
      .optional(),
  })
  .strict()
  .refine((b) => !b.members || b.members.length + (b.extraMembers ?? 0) >= 2, {
    message: 'an ensemble needs at least two members: name another, or ask for extraMembers',
    path: ['members'],
  });

export const EnsembleStatusQuery = z.object({ model: ModelName });

export const ROUTES: RouteSchemas = {
  'POST /api/ml/online-learning/adapt': {
    summary:
      "Queue an online adaptation of a lineage's production version on its collected rows no version used yet (or every row of a named labelled dataset)",
    description:
      'The same requestId sent twice queues one job. Samples holding a class the lineage lacks queue a full retrain instead (training.overrides.fullRetrainInstead on the job). ' +
      "With `tenant`: a tenant variant — production (the global model, e.g. a federated version) adapted in the tenant's context on its own dataset `tenants/<tenant>/<dataset>` (`dataset` defaults to the federated run's), registered with the tenant and served at alias `tenant-<tenant>` to predict requests naming the tenant.",
    body: AdaptBody,
    success: { status: 202, description: 'queued (or the job an earlier request with the same requestId queued)' },
    errors: {
      404: 'unknown model, or the tenant has no such dataset',
      409: 'no production version, one without replay rows, too few new samples, a job queued or running, or the cooldown holds',
    },
    example: {
      body: { model: 'general', reason: 'a week of analyst labels', minSamples: 200, requestId: 'adapt-4711' },
      response: {
        accepted: true,
        outcome: 'queued',
        jobId: 'train-1a2b3c4d-5e6f-7a8b',
        model: 'general',
        requestId: 'adapt-4711',
        status: '/api/ml/online-learning/status?model=general',
      },
    },
  },
  'GET /api/ml/online-learning/status': {
    summary:
      "A lineage's online learning: whether production can be adapted, the samples waiting, the last adaptations with their figures and the last requests",
    query: OnlineStatusQuery,
    errors: { 404: 'unknown model' },
    example: { query: { model: 'general' } },
  },
  'POST /api/ml/ensemble/optimize': {
    summary:
      'Queue an ensemble job for a lineage: weights of registered versions found on their shared held-out rows, the result a candidate version through the gate and the lineage policy',
    description:
      "Members default to the lineage's production version and its other registered versions that read the same features, answer in the same class space and share the held-out rows. The same requestId sent twice queues one job.",
    body: EnsembleOptimizeBody,
    success: { status: 202, description: 'queued (or the job an earlier request with the same requestId queued)' },
    errors: {
      404: 'unknown model or member version',
      409: 'members read other features, answer in another class space or were tested on other rows (member-mismatch), no compatible member besides production (too-few-members), no production version (no-parent), a job queued or running, or the cooldown holds',
    },
    example: {
      body: {
        model: 'general',
        members: [
          { model: 'general', version: 1 },
          { model: 'general', version: 2 },
        ],
        method: 'auto',
        requestId: 'ens-4711',
      },
      response: {
        accepted: true,
        outcome: 'queued',
        jobId: 'train-1a2b3c4d-5e6f-7a8b',
        model: 'general',
        requestId: 'ens-4711',
        status: '/api/ml/ensemble/status?model=general',
      },
    },
  },
  'GET /api/ml/ensemble/status': {
    summary:
      "A lineage's last ensemble jobs: members asked for, the candidate version, members' weights and figures, the ensemble's figures, the best member; and the last requests",
    query: EnsembleStatusQuery,
    errors: { 404: 'unknown model' },
    example: { query: { model: 'general' } },
  },
  'POST /api/ml/retrain': {
    summary: "Queue a retrain of a lineage on its training spec (dataset and datasetVersion override the spec's; force skips the cooldown, audited)",
    description: 'The same requestId sent twice queues one job.',
    body: RetrainBody,
    success: { status: 202, description: 'queued (or the job an earlier request with the same requestId queued)' },
    errors: {
      404: 'unknown model',
      409: 'a job is queued or running, the cooldown holds, the dataset does not fit the lineage, or the backend lacks the capacity for the job (insufficient-capacity)',
    },
    example: {
      body: { model: 'general', dataset: 'cicids2017', reason: 'new labelled week', force: false, requestId: 'ticket-4711' },
      response: {
        accepted: true,
        outcome: 'queued',
        jobId: 'general-20260101T100000-1a2b',
        model: 'general',
        requestId: 'ticket-4711',
        status: '/api/ml/status?model=general',
      },
    },
  },
  'GET /api/ml/status': {
    summary: 'Jobs, every trigger with what became of it, active versions, auto-retrain settings and the next scheduled run',
    query: StatusQuery,
    example: { query: { model: 'general' } },
  },
  'POST /api/ml/status/auto-retrain': {
    summary: 'The runtime auto-retrain switch, for the platform or one lineage; audited',
    description:
      "Turning it on first checks capacity: the training backend must be able to run each lineage's next job (locally cores and available memory against the lineage's last measured peak RSS or an estimate; on SageMaker the instance type and the account's quota).",
    body: AutoRetrainBody,
    errors: {
      409: 'the backend cannot run the next job of a lineage (the reason names the need and what is available); TrainingCapacityInsufficient is published',
    },
    example: { body: { enabled: true, model: 'general' } },
  },
  'GET /api/ml/drift/status': {
    summary: "A lineage's latest drift report, its history (?limit= reports) and each feature's drift over that history",
    description:
      "`features` holds, oldest first, the checks' times (`checkedAt`) and one series per schema feature: its test (`method`), and per check its `scores`, `thresholds`, `drifted` flags and `psi` (null where a check had too few rows), with `driftedChecks`, how many checks found it drifted.",
    query: DriftStatusQuery,
    example: { query: { model: 'general', limit: '10' } },
  },
  'POST /api/ml/drift/check': {
    summary: 'Run a drift check now on recent traffic and feedback; answers the report, the events it published and the data-volume trigger',
    body: DriftCheckBody,
    example: { body: { model: 'general' } },
  },
};
