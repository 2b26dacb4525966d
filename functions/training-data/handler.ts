// POST /api/ml/training-data: analyst-labelled incidents appended to a collected-data dataset
// (validated against the target schema; 400 names each bad field). Naming a `model` collects them
// for that lineage: into its collection dataset, in its dataset's schema — its next retrain trains
// on them, and the data-volume trigger counts them. Core: core/datasets/collector.ts.
import { collectIncidents } from '../../core/datasets/collector';
import { InvalidInputError, UnknownResourceError } from '../../core/errors';
import { collectedSinceTraining } from '../../core/retraining';
import { handlerPlatform } from '../../platform/lambda';
import { createHttpHandler } from '../shared/http-handler';
import { TrainingDataBody } from './schema';

const { datasets: datasetStores, registry } = handlerPlatform();

export const handler = createHttpHandler({
  name: 'training-data',
  body: TrainingDataBody,
  handle: async ({ body }) => {
    if (!body.model) {
      return {
        statusCode: 201,
        body: await collectIncidents(datasetStores, { dataset: body.dataset ?? 'collected', schemaFrom: body.schemaFrom, incidents: body.incidents }),
      };
    }
    const spec = await registry.getSpec(body.model);
    if (!spec) throw new UnknownResourceError(`unknown model ${body.model}`, { details: [{ field: 'body.model', message: 'no such lineage' }] });
    if (body.dataset !== undefined && body.dataset !== spec.collection.dataset) {
      throw new InvalidInputError(`body.dataset: ${body.model} collects into ${spec.collection.dataset}, not ${body.dataset}`, {
        details: [{ field: 'body.dataset', message: `the lineage's collection dataset is ${spec.collection.dataset}` }],
      });
    }
    const collected = await collectIncidents(datasetStores, {
      dataset: spec.collection.dataset,
      schemaFrom: body.schemaFrom ?? { name: spec.dataset.name },
      incidents: body.incidents,
    });
    const sinceTraining = await collectedSinceTraining(datasetStores.manifests, spec);
    return { statusCode: 201, body: { ...collected, model: body.model, collectedSinceTraining: sinceTraining } };
  },
});
