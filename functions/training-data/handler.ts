// POST /api/ml/training-data: analyst-labelled incidents appended to a collection dataset
// (validated against the target schema; 400 names each bad field). Only datasets declared for
// collection are written — by XDR_ML_COLLECTION_DATASETS or a lineage's spec — else 403; curated
// datasets change only through ingest. Naming a `model` collects them for that lineage: into its
// collection dataset, in its dataset's schema — its next retrain trains on them, and the
// data-volume trigger counts them. Each batch is attributed to its caller (the IAM principal on
// AWS, `local` locally) and audited (`dataset.collected`). Core: core/datasets/collector.ts,
// core/datasets/collection.ts.
import { assertCollectionDataset, type CollectionPolicy } from '../../core/datasets/collection';
import { collectIncidents, DEFAULT_COLLECTED_DATASET, type CollectResult } from '../../core/datasets/collector';
import { InvalidInputError, UnknownResourceError } from '../../core/errors';
import { collectedSinceTraining } from '../../core/retraining';
import { handlerPlatform } from '../../platform/lambda';
import { createHttpHandler, requestActor } from '../shared/http-handler';
import { TrainingDataBody } from './schema';

const { datasets: datasetStores, registry, audit, config } = handlerPlatform();
const policy: CollectionPolicy = { patterns: config.collectionDatasets, lineageDatasets: () => registry.collectionDatasets() };

/** The audit record of an accepted batch: who sent it, into which dataset version. */
async function audited(actor: string, collected: CollectResult, model: string | undefined): Promise<void> {
  await audit.append({
    actor,
    action: 'dataset.collected',
    subject: `dataset/${collected.dataset}/version/${collected.version}`,
    dataset: { name: collected.dataset, version: collected.version, chunkSha256: collected.chunk.sha256 },
    parameters: { accepted: collected.accepted, rowCount: collected.rowCount, model: model ?? null },
  });
}

export const handler = createHttpHandler({
  name: 'training-data',
  body: TrainingDataBody,
  handle: async ({ body, event }) => {
    const actor = requestActor(event);
    if (!body.model) {
      const dataset = body.dataset ?? DEFAULT_COLLECTED_DATASET;
      await assertCollectionDataset(dataset, policy);
      const collected = await collectIncidents(datasetStores, { dataset, schemaFrom: body.schemaFrom, incidents: body.incidents, actor });
      await audited(actor, collected, undefined);
      return { statusCode: 201, body: { ...collected, collectedBy: actor } };
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
      actor,
    });
    await audited(actor, collected, body.model);
    const sinceTraining = await collectedSinceTraining(datasetStores.manifests, spec);
    return { statusCode: 201, body: { ...collected, model: body.model, collectedSinceTraining: sinceTraining, collectedBy: actor } };
  },
});
