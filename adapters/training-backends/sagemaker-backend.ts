// TrainingBackend on Amazon SageMaker: one CreateTrainingJob per job, named after the job id, with
// the training image, the training role, two input channels (the dataset's chunk prefix and its
// staged manifest, both in the datasets bucket), the output path in the artefacts bucket, instance
// type/count, max runtime, optional managed spot training with checkpointing, the hyperparameters
// (strings) and metric definitions for the lines the entrypoint prints.
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, SageMakerClient, type CreateTrainingJobRequest } from '@aws-sdk/client-sagemaker';
import type { PlatformConfig } from '../../config/config';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { sageMakerUsage } from './state-change';
import { sageMakerTrainingCapacity } from './sagemaker-capacity';
import type { CapacityNeed, CapacityVerdict } from '../../core/resources/capacity';
import type { ResourceUsage } from '../../core/resources/usage';
import {
  METRIC_DEFINITIONS,
  tenantRunnerOf,
  TRAINING_OUTPUT_PREFIX,
  type JobInspection,
  type TrainingBackend,
  type TrainingJobSpec,
} from '../../core/retraining/backend';

export interface SageMakerBackendOptions {
  readonly image: string;
  readonly roleArn: string;
  /** Per tenant, its participant role: a tenant's job (hyperparameter `tenant`) runs under it, never under roleArn. @default {} */
  readonly tenantRoleArns?: Readonly<Record<string, string>>;
  readonly datasetsBucket: string;
  readonly artefactsBucket: string;
  /** @default 'ml.m5.xlarge' (our learners run on the CPU; see training-container/README.md) */
  readonly instanceType?: string;
  /** @default 1 */
  readonly instanceCount?: number;
  /** @default 30 */
  readonly volumeSizeGb?: number;
  /** @default 4 hours */
  readonly maxRuntimeSeconds?: number;
  /** Managed spot training; checkpoints go to `training-output/checkpoints/<jobId>/`. */
  readonly spot?: { readonly maxWaitSeconds: number };
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * The capacity check (sagemaker-capacity.ts): Service Quotas of the region, our in-progress jobs,
   * the instance type's memory. Without it the backend has no checkCapacity and launches unchecked.
   */
  readonly capacity?: { readonly quotas: ServiceQuotasClient; readonly region: string };
}

export const SAGEMAKER_DEFAULTS = { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeGb: 30, maxRuntimeSeconds: 4 * 3600 } as const;

/** The CreateTrainingJob request of a job (pure; tested without AWS). */
export function createTrainingJobRequest(job: TrainingJobSpec, o: SageMakerBackendOptions): CreateTrainingJobRequest {
  const maxRuntime = o.maxRuntimeSeconds ?? SAGEMAKER_DEFAULTS.maxRuntimeSeconds;
  if (o.spot && o.spot.maxWaitSeconds < maxRuntime)
    throw new RangeError(`spot.maxWaitSeconds (${o.spot.maxWaitSeconds}) must be >= maxRuntimeSeconds (${maxRuntime})`);
  const channel = (name: string, key: string) => ({
    ChannelName: name,
    DataSource: {
      S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: `s3://${o.datasetsBucket}/${key}`, S3DataDistributionType: 'FullyReplicated' as const },
    },
    InputMode: 'File' as const,
  });
  return {
    TrainingJobName: job.jobId,
    AlgorithmSpecification: {
      TrainingImage: o.image,
      TrainingInputMode: 'File',
      MetricDefinitions: METRIC_DEFINITIONS.map((m) => ({ Name: m.Name, Regex: m.Regex })),
    },
    RoleArn: tenantRunnerOf(job, o.tenantRoleArns, 'participant role') ?? o.roleArn,
    HyperParameters: { ...job.hyperparameters },
    InputDataConfig: [
      channel('training', job.dataset.chunkPrefix),
      channel('manifest', job.dataset.manifestKey),
      // further datasets (the lineage's collected incidents): a chunk channel and a manifest channel each
      ...(job.extraDatasets ?? []).flatMap((d, i) => [channel(`extra${i + 1}`, d.chunkPrefix), channel(`manifest-extra${i + 1}`, d.manifestKey)]),
      // an adaptation's parent version (its registry record and bundle files)
      ...(job.parent ? [channel('parent', job.parent.prefix)] : []),
    ],
    OutputDataConfig: { S3OutputPath: `s3://${o.artefactsBucket}/${TRAINING_OUTPUT_PREFIX}` },
    ResourceConfig: {
      InstanceType: (o.instanceType ?? SAGEMAKER_DEFAULTS.instanceType) as NonNullable<CreateTrainingJobRequest['ResourceConfig']>['InstanceType'],
      InstanceCount: o.instanceCount ?? SAGEMAKER_DEFAULTS.instanceCount,
      VolumeSizeInGB: o.volumeSizeGb ?? SAGEMAKER_DEFAULTS.volumeSizeGb,
    },
    StoppingCondition: { MaxRuntimeInSeconds: maxRuntime, ...(o.spot ? { MaxWaitTimeInSeconds: o.spot.maxWaitSeconds } : {}) },
    ...(o.spot
      ? { EnableManagedSpotTraining: true, CheckpointConfig: { S3Uri: `s3://${o.artefactsBucket}/${TRAINING_OUTPUT_PREFIX}checkpoints/${job.jobId}/` } }
      : {}),
    Tags: [
      { Key: 'xdr-ml:model', Value: job.model },
      { Key: 'xdr-ml:job', Value: job.jobId },
      ...Object.entries(o.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    ],
  };
}

/**
 * @example const backend = new SageMakerTrainingBackend(new SageMakerClient({}), { image, roleArn, datasetsBucket, artefactsBucket });
 */
export class SageMakerTrainingBackend implements TrainingBackend {
  readonly name = 'sagemaker';
  /** A job is trusted until its maximum runtime (plus spot waiting) and an hour have passed. */
  get leaseMs(): number {
    return (Math.max(this.options.maxRuntimeSeconds ?? SAGEMAKER_DEFAULTS.maxRuntimeSeconds, this.options.spot?.maxWaitSeconds ?? 0) + 3600) * 1000;
  }
  constructor(
    private readonly client: SageMakerClient,
    private readonly options: SageMakerBackendOptions,
  ) {
    const capacity = options.capacity;
    if (capacity) {
      this.checkCapacity = (need: CapacityNeed): Promise<CapacityVerdict> =>
        sageMakerTrainingCapacity(
          {
            quotas: capacity.quotas,
            sagemaker: this.client,
            region: capacity.region,
            instanceType: options.instanceType ?? SAGEMAKER_DEFAULTS.instanceType,
            instanceCount: options.instanceCount ?? SAGEMAKER_DEFAULTS.instanceCount,
          },
          need,
        );
    }
  }

  /** Whether the account can run a job of this need now (set when options.capacity is). */
  readonly checkCapacity?: (need: CapacityNeed) => Promise<CapacityVerdict>;

  async start(job: TrainingJobSpec): Promise<{ backendJobId: string }> {
    const out = await this.client.send(new CreateTrainingJobCommand(createTrainingJobRequest(job, this.options)));
    return { backendJobId: out.TrainingJobArn ?? job.jobId };
  }

  /** A job SageMaker finished while no completion event reached us (the sweep asks), or one still running. */
  async inspect(job: { readonly jobId: string; readonly backendJobId?: string }): Promise<JobInspection> {
    let out;
    try {
      out = await this.client.send(new DescribeTrainingJobCommand({ TrainingJobName: job.jobId }));
    } catch (error) {
      return { state: 'unknown', reason: `SageMaker does not describe ${job.jobId}: ${(error as Error).message}` };
    }
    const resources = sageMakerUsage(out);
    const usage = resources ? { resources } : {};
    switch (out.TrainingJobStatus) {
      case 'Completed':
        return {
          state: 'finished',
          completion: {
            jobId: job.jobId,
            state: 'Completed',
            ...(out.ModelArtifacts?.S3ModelArtifacts ? { outputLocation: out.ModelArtifacts.S3ModelArtifacts } : {}),
            ...usage,
          },
        };
      case 'Failed':
        return {
          state: 'finished',
          completion: { jobId: job.jobId, state: 'Failed', failureReason: out.FailureReason ?? 'SageMaker reported the job failed', ...usage },
        };
      case 'Stopped':
        return { state: 'finished', completion: { jobId: job.jobId, state: 'Failed', failureReason: 'the SageMaker training job was stopped', ...usage } };
      default:
        return { state: 'running' };
    }
  }

  /** The job description's instance type and count, billable seconds and wall time (the state-change event has no billable seconds). */
  async usage(job: { readonly jobId: string }): Promise<ResourceUsage | undefined> {
    return sageMakerUsage(await this.client.send(new DescribeTrainingJobCommand({ TrainingJobName: job.jobId })));
  }

  async describe(backendJobId: string): Promise<Readonly<Record<string, unknown>>> {
    const name = backendJobId.includes('/') ? backendJobId.slice(backendJobId.lastIndexOf('/') + 1) : backendJobId;
    const out = await this.client.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    return {
      status: out.TrainingJobStatus,
      secondaryStatus: out.SecondaryStatus,
      failureReason: out.FailureReason,
      modelArtifacts: out.ModelArtifacts?.S3ModelArtifacts,
      billableSeconds: out.BillableTimeInSeconds,
      instanceType: out.ResourceConfig?.InstanceType,
    };
  }
}

/** The SageMaker client of a configuration (the region). */
export function createSageMakerClient(config: PlatformConfig): SageMakerClient {
  return new SageMakerClient({ region: config.region });
}
