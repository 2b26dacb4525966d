// POST /api/ml/predict: the request schemas (used by the handler) and the route's contract.
import { z } from 'zod';
import { ModelName, TenantId } from '../../core/names';
import { MAX_FLOWS_PER_REQUEST } from '../../core/serving';
import type { RouteSchemas } from '../shared/route-schema';

/**
 * One flow: an object of feature name → value (the model's schema checks the values). A custom
 * check rather than z.record: the same contract and JSON Schema, without zod visiting every key of
 * every flow (36 ms for 1,000 flows of 80 features; core/serving/flows.ts checks each value anyway).
 */
const Flow = z
  .custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), {
    error: (issue) =>
      `must be an object of feature name → value (got ${Array.isArray(issue.input) ? 'an array' : issue.input === null ? 'null' : typeof issue.input})`,
  })
  .meta({ type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} });

export const PredictBody = z
  .object({
    model: ModelName.optional(),
    version: z.number().int().min(1).optional(),
    /** The caller's tenant: its variant (alias tenant-<t>) answers when deployed, the global model otherwise. */
    tenant: TenantId.optional(),
    flows: z.array(Flow).min(1, 'must hold at least one flow').max(MAX_FLOWS_PER_REQUEST, `at most ${MAX_FLOWS_PER_REQUEST} flows per request`),
  })
  .strict();

export const PredictQuery = z.object({
  explain: z.enum(['true', 'false']).optional(),
  top: z
    .string()
    .regex(/^[1-9]\d{0,2}$/, 'must be a positive integer')
    .optional(),
});

export const ROUTES: RouteSchemas = {
  'POST /api/ml/predict': {
    summary: "Score flows with a model's production version (or a named version)",
    description:
      'Every feature of the model must be present; null is a missing value; numeric features take numbers or numeric text as ingest reads it ("inf", "NaN"); `?explain=true` adds top contributing features. ' +
      "`tenant` (a tenant id) is served by that tenant's variant (alias `tenant-<tenant>`) when one is deployed, else by the global model (production, with its experiments); `alias` in the answer says which served. A malformed tenant id is a 400.",
    body: PredictBody,
    query: PredictQuery,
    errors: { 404: 'unknown model or version', 422: 'the version cannot serve (corrupt artefact)' },
    example: {
      body: { model: 'general', tenant: 'acme', flows: [{ 'Destination Port': 80, 'Flow Duration': 1203, 'Flow Bytes/s': 'inf' }] },
      query: { explain: 'true', top: '3' },
      response: {
        model: 'general',
        modelVersion: 3,
        alias: 'tenant-acme',
        tenant: 'acme',
        requestId: '3f0c6a1e-4d1b-4a8e-9b7a-2f0c6a1e4d1b',
        correlationId: 'c-1',
        predictions: [
          {
            predictionId: '3f0c6a1e-4d1b-4a8e-9b7a-2f0c6a1e4d1b:0',
            label: 'DDoS/DoS',
            confidence: 0.97,
            probabilities: { 'DDoS/DoS': 0.97, Normal: 0.03 },
            alert: true,
          },
        ],
      },
    },
  },
};
