// The registry control plane's routes: request schemas (used by the handler) and contracts.
import { z } from 'zod';
import { AliasName, ModelName } from '../../core/names';
import { specPatchFields } from '../../core/registry';
import { PageQuery } from '../shared/pagination';
import type { RouteSchemas } from '../shared/route-schema';

export const ModelParams = z.object({ name: ModelName });

export const ListModelsQuery = PageQuery;

export const VersionParams = z.object({ name: ModelName, version: z.coerce.number().int().min(1) });

export const DeployBody = z
  .object({
    version: z.number().int().min(1),
    alias: AliasName.default('production'),
    force: z.boolean().optional(),
    reason: z.string().trim().min(1).max(1000).optional(),
  })
  .strict();

export const RollbackBody = z
  .object({ toVersion: z.number().int().min(1).optional(), alias: AliasName.default('production'), reason: z.string().trim().min(1).max(1000).optional() })
  .strict()
  .default({ alias: 'production' });

export const PerformanceQuery = z.object({ model: ModelName.optional() });

export const SpecBody = z
  .object({
    ...specPatchFields,
    expectedRevision: z.number().int().min(1).optional(),
    reason: z.string().trim().min(1).max(1000),
  })
  .strict();

export const ROUTES: RouteSchemas = {
  'GET /api/ml/models': {
    summary: 'Model lineages with their versions and aliases, a page at a time',
    query: ListModelsQuery,
    example: {
      query: { limit: '50' },
      response: { models: [{ model: 'general', versions: 3, latestVersion: 3, aliases: { production: { version: 2, revision: 4 } } }] },
    },
  },
  'GET /api/ml/models/performance': {
    summary: 'Per deployed version: offline metrics, requests, flows, mean latency, feedback, correct answers, online accuracy',
    query: PerformanceQuery,
    example: { query: { model: 'general' } },
  },
  'GET /api/ml/models/{name}': {
    summary: "A lineage: versions (metrics, dataset, artefacts), aliases, alias history, training spec, quarantined versions",
    params: ModelParams,
    errors: { 404: 'unknown model' },
    example: { params: { name: 'general' } },
  },
  'GET /api/ml/models/{name}/versions/{version}': {
    summary: 'One version in full: its record, the aliases at it, its training summary (metrics, thresholds, training curves, phases) and explanations',
    params: VersionParams,
    errors: { 404: 'unknown model or version', 422: 'a stored artefact does not match its sha256' },
    example: { params: { name: 'general', version: '2' } },
  },
  'POST /api/ml/models/{name}/deploy': {
    summary: 'Move an alias (default production) to a version through the promotion gate',
    params: ModelParams,
    body: DeployBody,
    errors: { 404: 'unknown model or version', 409: 'the gate refused (its checks in details) or a concurrent move won' },
    example: { params: { name: 'general' }, body: { version: 3, alias: 'production' } },
  },
  'POST /api/ml/models/{name}/rollback': {
    summary: 'Return an alias to its previous version, or to toVersion',
    params: ModelParams,
    body: RollbackBody,
    errors: { 404: 'unknown model', 409: 'a concurrent move won', 422: 'nothing to roll back to' },
    example: { params: { name: 'general' }, body: { reason: 'v3 alerts too often' } },
  },
  'POST /api/ml/models/{name}/spec': {
    summary: "Change a lineage's training spec (promotion policy, dataset version policy, parameters …); audited",
    params: ModelParams,
    body: SpecBody,
    errors: { 404: 'unknown model', 409: 'expectedRevision is stale' },
    example: { params: { name: 'general' }, body: { promotionPolicy: 'shadow', reason: 'watch retrains before promoting' } },
  },
};
