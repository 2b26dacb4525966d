// TrainingBackend on AWS Batch: SubmitJob on a job queue with a job definition that runs the
// training image, overriding the container environment with the job's hyperparameters and the S3
// locations of its inputs and output. The job definition's command must stage the inputs into the
// SageMaker directory layout and upload /opt/ml/model to XDR_ML_OUTPUT_URI (see the report/README:
// the entrypoint itself reads and writes local directories only).
import { BatchClient, DescribeJobsCommand, SubmitJobCommand, type SubmitJobRequest } from '@aws-sdk/client-batch';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { ENV_KEYS, type PlatformConfig } from '../../config/config';
import type { CapacityNeed, CapacityVerdict } from '../../core/resources/capacity';
import { batchTrainingCapacity } from './batch-capacity';
import { tenantRunnerOf, type JobInspection, type TrainingBackend, type TrainingJobSpec } from '../../core/retraining/backend';
import { batchOutputUri } from './state-change';

export interface BatchBackendOptions {
  readonly jobQueue: string;
  readonly jobDefinition: string;
  /** Per tenant, a job definition whose job role is its participant role: a tenant's job runs with it, never with jobDefinition. @default {} */
  readonly tenantJobDefinitions?: Readonly<Record<string, string>>;
  readonly datasetsBucket: string;
  readonly artefactsBucket: string;
  /** vCPU / memory overrides; the job definition's values when absent. */
  readonly vcpus?: number;
  readonly memoryMib?: number;
  /** @default 4 hours */
  readonly timeoutSeconds?: number;
  /**
   * The capacity check (batch-capacity.ts): the queue, its compute environments, the job
   * definition's resources and the Fargate vCPU quota. Without it the backend launches unchecked.
   */
  readonly capacity?: { readonly quotas: ServiceQuotasClient; readonly region: string };
}

/** The SubmitJob request of a job (pure; tested without AWS). */
export function submitJobRequest(job: TrainingJobSpec, o: BatchBackendOptions): SubmitJobRequest {
  const resources = [
    ...(o.vcpus !== undefined ? [{ type: 'VCPU' as const, value: String(o.vcpus) }] : []),
    ...(o.memoryMib !== undefined ? [{ type: 'MEMORY' as const, value: String(o.memoryMib) }] : []),
  ];
  return {
    jobName: job.jobId,
    jobQueue: o.jobQueue,
    jobDefinition: tenantRunnerOf(job, o.tenantJobDefinitions, 'job definition') ?? o.jobDefinition,
    containerOverrides: {
      environment: [
        { name: 'SM_BASE_DIR', value: '/opt/ml' },
        { name: 'XDR_ML_JOB_ID', value: job.jobId },
        { name: ENV_KEYS.containerHyperparameters, value: JSON.stringify(job.hyperparameters) },
        { name: ENV_KEYS.containerTrainingChannel, value: `s3://${o.datasetsBucket}/${job.dataset.chunkPrefix}` },
        { name: ENV_KEYS.containerManifestChannel, value: `s3://${o.datasetsBucket}/${job.dataset.manifestKey}` },
        { name: ENV_KEYS.containerOutputUri, value: batchOutputUri(o.artefactsBucket, job.jobId) },
        ...(job.extraDatasets?.length
          ? [
              {
                name: ENV_KEYS.containerExtraChannels,
                value: JSON.stringify(
                  job.extraDatasets.map((d) => ({
                    training: `s3://${o.datasetsBucket}/${d.chunkPrefix}`,
                    manifest: `s3://${o.datasetsBucket}/${d.manifestKey}`,
                  })),
                ),
              },
            ]
          : []),
        ...(job.parent ? [{ name: ENV_KEYS.containerParentChannel, value: `s3://${o.datasetsBucket}/${job.parent.prefix}` }] : []),
      ],
      ...(resources.length ? { resourceRequirements: resources } : {}),
    },
    timeout: { attemptDurationSeconds: o.timeoutSeconds ?? 4 * 3600 },
    tags: { 'xdr-ml:model': job.model, 'xdr-ml:job': job.jobId },
    propagateTags: true,
  };
}

export class BatchTrainingBackend implements TrainingBackend {
  readonly name = 'batch';
  /** A job is trusted until its attempt timeout and an hour have passed. */
  get leaseMs(): number {
    return ((this.options.timeoutSeconds ?? 4 * 3600) + 3600) * 1000;
  }
  constructor(
    private readonly client: BatchClient,
    private readonly options: BatchBackendOptions,
  ) {
    const capacity = options.capacity;
    if (capacity) {
      this.checkCapacity = (need: CapacityNeed): Promise<CapacityVerdict> =>
        batchTrainingCapacity(
          {
            batch: this.client,
            quotas: capacity.quotas,
            region: capacity.region,
            jobQueue: options.jobQueue,
            jobDefinition: options.jobDefinition,
            ...(options.vcpus !== undefined ? { vcpus: options.vcpus } : {}),
            ...(options.memoryMib !== undefined ? { memoryMib: options.memoryMib } : {}),
          },
          need,
        );
    }
  }

  /** Whether the queue can run a job of this need now (set when options.capacity is). */
  readonly checkCapacity?: (need: CapacityNeed) => Promise<CapacityVerdict>;

  async start(job: TrainingJobSpec): Promise<{ backendJobId: string }> {
    const out = await this.client.send(new SubmitJobCommand(submitJobRequest(job, this.options)));
    return { backendJobId: out.jobId ?? job.jobId };
  }

  /** A job Batch finished while no completion event reached us (the sweep asks), or one still running. */
  async inspect(job: { readonly jobId: string; readonly backendJobId?: string }): Promise<JobInspection> {
    if (!job.backendJobId) return { state: 'unknown', reason: 'the job has no Batch job id' };
    const out = await this.client.send(new DescribeJobsCommand({ jobs: [job.backendJobId] })).catch(() => undefined);
    const j = out?.jobs?.[0];
    if (!j) return { state: 'unknown', reason: `Batch does not describe ${job.backendJobId}` };
    if (j.status === 'SUCCEEDED')
      return {
        state: 'finished',
        completion: { jobId: job.jobId, state: 'Completed', outputLocation: batchOutputUri(this.options.artefactsBucket, job.jobId) },
      };
    if (j.status === 'FAILED')
      return { state: 'finished', completion: { jobId: job.jobId, state: 'Failed', failureReason: j.statusReason ?? 'AWS Batch reported the job failed' } };
    return { state: 'running' };
  }

  async describe(backendJobId: string): Promise<Readonly<Record<string, unknown>>> {
    const out = await this.client.send(new DescribeJobsCommand({ jobs: [backendJobId] }));
    const j = out.jobs?.[0];
    return { status: j?.status, statusReason: j?.statusReason, exitCode: j?.container?.exitCode };
  }
}

/** The Batch client of a configuration (the region; Batch has no local endpoint). */
export function createBatchClient(config: PlatformConfig): BatchClient {
  return new BatchClient({ region: config.region });
}
