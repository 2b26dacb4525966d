// EventBridge target: DriftDetected, PerformanceDegraded, DataVolumeReached, ManualRetrain (bus
// events) and the ScheduledRetrain schedule (input built by the rule). Parses the event and hands
// it to the RetrainLauncher, which deduplicates, keeps the cooldown and one job per model, and
// starts the training job on SageMaker (or AWS Batch).
import { BatchClient } from '@aws-sdk/client-batch';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { BatchTrainingBackend, SageMakerTrainingBackend } from '../../adapters/training-backends';
import { autoRetrainEnabled, parseRetrainEvent, retrainSettings, RetrainLauncher, stageDatasetInput, type TrainingBackend } from '../../core/retraining';
import { handlerPlatform } from '../shared/platform';

const platform = handlerPlatform();
const settings = retrainSettings(process.env);
const { config, stores, registry, audit, events } = platform;

function backend(): TrainingBackend {
  if (settings.backend === 'local') throw new Error('Invalid configuration: XDR_ML_TRAINING_BACKEND=local runs in the local server (adapters/training-backends createLocalRetraining), not in Lambda');
  if (settings.backend === 'batch') {
    if (!settings.batchJobQueue || !settings.batchJobDefinition) throw new Error('Invalid configuration: XDR_ML_BATCH_JOB_QUEUE and XDR_ML_BATCH_JOB_DEFINITION are required for the batch backend');
    return new BatchTrainingBackend(new BatchClient({ region: config.region }), {
      jobQueue: settings.batchJobQueue,
      jobDefinition: settings.batchJobDefinition,
      datasetsBucket: config.buckets.datasets,
      artefactsBucket: config.buckets.artefacts,
    });
  }
  if (!settings.image || !settings.roleArn) throw new Error('Invalid configuration: XDR_ML_TRAINING_IMAGE and XDR_ML_TRAINING_ROLE_ARN are required for the sagemaker backend');
  return new SageMakerTrainingBackend(new SageMakerClient({ region: config.region }), {
    image: settings.image,
    roleArn: settings.roleArn,
    datasetsBucket: config.buckets.datasets,
    artefactsBucket: config.buckets.artefacts,
    instanceType: settings.instanceType,
    maxRuntimeSeconds: settings.maxRuntimeSeconds,
    ...(settings.spotMaxWaitSeconds ? { spot: { maxWaitSeconds: settings.spotMaxWaitSeconds } } : {}),
  });
}

const launcher = new RetrainLauncher({
  jobs: stores.tables.jobs,
  backend: backend(),
  resolveDataset: (name, version) => stageDatasetInput(stores.tables.datasets, stores.buckets.datasets, name, version),
  productionVersion: async (model) => (await registry.resolveAlias(model, 'production'))?.version,
  audit,
  events,
  config: {
    cooldownMs: settings.cooldownHours * 3600_000,
    training: { dataset: settings.dataset, algorithm: settings.algorithm, classes: settings.classes, seed: settings.seed },
    scheduleEnabled: (model) => autoRetrainEnabled(stores.tables.jobs, config.autoRetrain.enabled, model),
  },
});

interface BusEvent {
  readonly 'detail-type'?: string;
  readonly detail?: unknown;
}

export const handler = async (event: BusEvent & Record<string, unknown>) => {
  const trigger = event['detail-type'] !== undefined ? parseRetrainEvent(event.detail, event['detail-type']) : parseRetrainEvent(event);
  const outcome = await launcher.handle(trigger);
  console.log(JSON.stringify({ level: 'INFO', message: 'retrain trigger handled', trigger: trigger.type, model: trigger.model, outcome: outcome.outcome }));
  return outcome;
};
