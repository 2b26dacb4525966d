// Chooses and builds the training backend the configuration names: SageMaker or AWS Batch (their
// SDK clients loaded only here, on first use) or a child process of the local platform.
import path from 'node:path';
import { requireSetting, type PlatformConfig } from '../config/config';
import { childEnvironment } from '../config/environment';
import type { PlatformStores } from '../adapters/platform-stores';
import { LOCAL_LEASE_MS, LocalTrainingBackend } from '../adapters/training-backends/local-backend';
import { touchJob } from '../core/retraining/job-records';
import type { CompletionInput, TrainingBackend } from '../core/retraining/backend';

type BatchModule = typeof import('../adapters/training-backends/batch-backend');
type SageMakerModule = typeof import('../adapters/training-backends/sagemaker-backend');
type QuotasModule = typeof import('../adapters/training-backends/service-quotas');

/** The local backend's job directories, and how a finished job's completion reaches the completion handler. */
export interface LocalTrainingSetup {
  /** The state directory: job directories go to `<home>/training-jobs/`. Default config.local.home. */
  readonly home?: string;
  /** Delivers a completion (the local platform publishes it on its bus; alone, the handler is called). */
  readonly deliver: (completion: CompletionInput) => Promise<void>;
  readonly log?: (jobId: string, line: string) => void;
  /** Variables the job's process gets besides this process's (a federated participant: the store endpoints it submits to). */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * The training backend of a configuration.
 * @throws ConfigError naming the setting a cloud backend lacks (image, role, queue …)
 */
export function createTrainingBackend(
  config: PlatformConfig,
  stores: PlatformStores,
  local: LocalTrainingSetup,
  instrument: <C>(client: C) => C = (c) => c,
): TrainingBackend {
  const t = config.training;
  if (t.backend === 'local') {
    return new LocalTrainingBackend({
      home: path.resolve(local.home ?? config.local.home),
      datasets: stores.buckets.datasets,
      onCompletion: local.deliver,
      // a running job's lease is renewed while its process lives; a killed server stops the beats
      heartbeat: (jobId) => touchJob(stores.tables.jobs, jobId, new Date(), LOCAL_LEASE_MS),
      ...(local.log ? { log: local.log } : {}),
      ...(local.environment ? { environment: (extra: Record<string, string>) => childEnvironment({ ...local.environment, ...extra }) } : {}),
    });
  }
  if (t.backend === 'batch') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { BatchTrainingBackend, createBatchClient } = require('../adapters/training-backends/batch-backend') as BatchModule;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createServiceQuotasClient } = require('../adapters/training-backends/service-quotas') as QuotasModule;
    return new BatchTrainingBackend(instrument(createBatchClient(config)), {
      jobQueue: requireSetting(t.batchJobQueue, 'batchJobQueue', 'for the batch training backend'),
      jobDefinition: requireSetting(t.batchJobDefinition, 'batchJobDefinition', 'for the batch training backend'),
      tenantJobDefinitions: t.tenantRunners,
      datasetsBucket: config.buckets.datasets,
      artefactsBucket: config.buckets.artefacts,
      // the capacity check before automation trains: the queue, its compute environments, the Fargate vCPU quota
      capacity: { quotas: instrument(createServiceQuotasClient(config)), region: config.region },
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SageMakerTrainingBackend, createSageMakerClient } = require('../adapters/training-backends/sagemaker-backend') as SageMakerModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createServiceQuotasClient } = require('../adapters/training-backends/service-quotas') as QuotasModule;
  return new SageMakerTrainingBackend(instrument(createSageMakerClient(config)), {
    image: requireSetting(t.image, 'trainingImage', 'for the sagemaker training backend'),
    roleArn: requireSetting(t.roleArn, 'trainingRoleArn', 'for the sagemaker training backend'),
    tenantRoleArns: t.tenantRunners,
    datasetsBucket: config.buckets.datasets,
    artefactsBucket: config.buckets.artefacts,
    instanceType: t.instanceType,
    maxRuntimeSeconds: t.maxRuntimeSeconds,
    ...(t.spotMaxWaitSeconds ? { spot: { maxWaitSeconds: t.spotMaxWaitSeconds } } : {}),
    // the capacity check before automation trains: Service Quotas and our in-progress jobs of the region
    capacity: { quotas: instrument(createServiceQuotasClient(config)), region: config.region },
  });
}
