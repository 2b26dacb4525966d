// POST /api/ml/training-data: analyst-labelled incidents appended to a collected-data dataset
// (validated against the target schema; 400 names each bad field). Core: core/datasets/collector.ts.
import { z } from 'zod';
import { collectIncidents, MAX_INCIDENTS_PER_BATCH } from '../../core/datasets/collector';
import { DatasetName, DatasetRefText } from '../../core/names';
import { handlerPlatform } from '../../platform';
import { createHttpHandler } from '../shared/http-handler';

const { datasets: datasetStores } = handlerPlatform();

const Body = z
  .object({
    dataset: DatasetName.default('collected'),
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

export const handler = createHttpHandler({
  name: 'training-data',
  body: Body,
  handle: async ({ body }) => ({
    statusCode: 201,
    body: await collectIncidents(datasetStores, {
      dataset: body.dataset,
      schemaFrom: body.schemaFrom,
      incidents: body.incidents,
    }),
  }),
});
