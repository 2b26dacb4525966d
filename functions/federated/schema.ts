// Request schemas of the federated routes: POST /api/federated/runs, GET /api/federated/status.
import { z } from 'zod';
import { DatasetName, ModelName, TenantId } from '../../core/names';
import type { RouteSchemas } from '../shared/route-schema';

export const FederatedRunBody = z
  .object({
    model: ModelName,
    dataset: DatasetName.describe('the dataset name each tenant ingested (`xdr-ml datasets ingest FILE --name D --tenant T`)'),
    tenants: z.array(TenantId).min(2, 'a federated run needs at least two tenants').max(64),
    algorithm: z.enum(['gbdt', 'mlp']),
    rounds: z.number().int().min(1).max(500).optional(),
    dp: z
      .object({ epsilon: z.number().positive().max(100), delta: z.number().positive().lt(1) })
      .strict()
      .optional()
      .describe('client-level differential privacy (algorithm mlp only): the (ε, δ) budget of the whole run'),
    minParticipants: z.number().int().min(2).optional(),
    seed: z.number().int().min(0).optional(),
  })
  .strict();

export const FederatedStatusQuery = z
  .object({ runId: z.string().min(1).max(128).optional(), limit: z.coerce.number().int().min(1).max(100).optional() })
  .strict();

export const ROUTES: RouteSchemas = {
  'POST /api/federated/runs': {
    summary:
      'Start a federated run across tenants: participants train on their own data, only securely aggregated sums leave them; the result is a candidate version',
    description:
      'Answers at once with the run id; the coordinator runs the rounds (each with a deadline and a minimum of participants) and registers the candidate through the gate and the lineage policy. Progress: GET /api/federated/status.',
    body: FederatedRunBody,
    success: { status: 202, description: 'accepted: the run and its job are recorded and FederatedRunStarted published' },
    errors: {
      400: 'fewer than two tenants, a tenant listed twice, dp asked of the GBDT, minParticipants out of range',
      404: 'a tenant has no dataset of that name',
      409: 'a federated run of the lineage is queued or running',
    },
    example: {
      body: { model: 'federated-ids', dataset: 'flows', tenants: ['acme', 'globex', 'initech'], algorithm: 'gbdt', rounds: 20 },
      response: {
        accepted: true,
        runId: 'fed-20261203-161500-1a2b3c4d',
        jobId: 'train-fed-20261203-161500-1a2b3c4d',
        status: '/api/federated/status?runId=fed-20261203-161500-1a2b3c4d',
      },
    },
  },
  'GET /api/federated/status': {
    summary: 'Federated runs, newest first: state, participants, dropouts, ε spent, registered version, and every round (deadline, who took part, who dropped)',
    query: FederatedStatusQuery,
    errors: { 404: 'unknown run id' },
    example: { query: { limit: '5' } },
  },
};
