// POST /api/ml/training-data: the request schema (used by the handler) and the route's contract.
import { z } from 'zod';
import { MAX_INCIDENTS_PER_BATCH } from '../../core/datasets/collector';
import { DatasetName, DatasetRefText, ModelName } from '../../core/names';
import type { RouteSchemas } from '../shared/route-schema';

export const TrainingDataBody = z
  .object({
    model: ModelName.optional(),
    dataset: DatasetName.optional(),
    schemaFrom: DatasetRefText.optional(),
    incidents: z
      .array(
        z.object({
          features: z.record(z.string(), z.unknown()),
          label: z.string().min(1),
          source: z.string().min(1),
          analyst: z.string().min(1),
          observedAt: z.iso.datetime({ offset: true }).optional(),
        }),
      )
      .min(1)
      .max(MAX_INCIDENTS_PER_BATCH),
  })
  .strict();

export const ROUTES: RouteSchemas = {
  'POST /api/ml/training-data': {
    summary: "Append analyst-labelled incidents to a collected-data dataset (a lineage's, when `model` is named)",
    body: TrainingDataBody,
    success: { status: 201, description: 'the incidents were written as a new dataset version' },
    errors: { 404: 'unknown model' },
    example: {
      body: {
        model: 'general',
        incidents: [
          {
            features: { 'Destination Port': 22, 'Flow Duration': 5000 },
            label: 'SSH-Patator',
            source: 'soc-ticket-1234',
            analyst: 'alice',
            observedAt: '2026-01-01T10:00:00Z',
          },
        ],
      },
    },
  },
};
