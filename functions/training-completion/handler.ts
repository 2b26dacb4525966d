// EventBridge target: SageMaker "Training Job State Change" and Batch "Batch Job State Change".
// Parses the event and hands final states to the CompletionHandler (register, gate, policy, alert).
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { jobOutputReader, parseBatchStateChange, parseSageMakerStateChange } from '../../adapters/training-backends';
import { CompletionHandler, emfRecord, METRICS, resetDataVolumeAfter, retrainSettings } from '../../core/retraining';
import { handlerPlatform } from '../shared/platform';

const platform = handlerPlatform();
const settings = retrainSettings(process.env);
const { config, stores, registry, audit, events } = platform;

const completion = new CompletionHandler({
  jobs: stores.tables.jobs,
  registry,
  artefacts: stores.buckets.artefacts,
  audit,
  events,
  readOutput: jobOutputReader((bucket) => (bucket === config.buckets.artefacts ? stores.buckets.artefacts : new S3ObjectStore(stores.clients.s3, bucket))),
  thresholds: { minMacroF1: config.thresholds.minMacroF1, maxRecallDrop: config.thresholds.maxRecallDrop },
  policy: settings.policy,
  // When the job consumed the collected samples, restart the DataVolumeReached count.
  afterTraining: resetDataVolumeAfter(stores.tables.datasets),
});

export const handler = async (event: { readonly source?: string }) => {
  const input = event.source === 'aws.batch' ? parseBatchStateChange(event, { artefactsBucket: config.buckets.artefacts }) : parseSageMakerStateChange(event);
  if (!input) return { outcome: 'ignored' };
  const result = await completion.handle(input);
  const failed = result.outcome === 'failed';
  console.log(JSON.stringify(emfRecord(result.job.model, failed ? { [METRICS.trainingFailures]: 1 } : { [METRICS.trainingCompletions]: 1 }, new Date())));
  return { outcome: result.outcome, jobId: result.job.jobId };
};
