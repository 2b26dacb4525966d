// POST /api/ml/training-data: analyst-labelled incidents appended to a collected-data dataset
// (validated against the target schema; 400 names each bad field). Core: core/datasets/collector.ts.
import { z } from 'zod';
import { loadConfig } from '../../config/config';
import { createPlatformStores } from '../../adapters/platform-stores';
import { collectIncidents, MAX_INCIDENTS_PER_BATCH } from '../../core/datasets/collector';
import { parseDatasetRef } from '../../core/datasets/synthetic/synthesize';
import { createHttpHandler } from '../shared/http-handler';

const config = loadConfig();
const stores = createPlatformStores(config);
const datasetStores = { objects: stores.buckets.datasets, manifests: stores.tables.datasets };

const Body = z
  .object({
    dataset: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be a dataset name').default('collected'),
    schemaFrom: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(@[1-9]\d*)?$/, 'must be <dataset> or <dataset>@<version>').optional(),
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
      schemaFrom: body.schemaFrom === undefined ? undefined : parseDatasetRef(body.schemaFrom),
      incidents: body.incidents,
    }),
  }),
});
