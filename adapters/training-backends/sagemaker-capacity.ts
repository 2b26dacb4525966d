// The capacity check of the SageMaker backend: before a job starts (and before auto-retrain turns
// on), the configured instance type must be a SageMaker training instance type, offered for
// training in the region (Service Quotas lists a "<type> for training job usage" quota there), and
// the account's quota less the instances our in-progress training jobs of that type hold must cover
// the job's instance count. When the instance type's memory is known (the m, c and r families),
// the job's need is held against it too. IAM: servicequotas:ListServiceQuotas,
// sagemaker:ListTrainingJobs and sagemaker:DescribeTrainingJob (infra/stacks/training-stack.ts).
import { DescribeTrainingJobCommand, ListTrainingJobsCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ListServiceQuotasCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { CapacityNeed, CapacityVerdict } from '../../core/resources/capacity';
import { instanceShape } from '../../core/resources/instance-shapes';
import { isSageMakerTrainingInstanceType } from '../../core/resources/sagemaker-instances';

/** Service Quotas' name of the training quota of an instance type. */
export const trainingQuotaName = (instanceType: string): string => `${instanceType} for training job usage`;

/** The memory of an ml.<family>.<size> instance when its family's shape is known. */
export function instanceMemoryBytes(instanceType: string): number | undefined {
  return instanceType.startsWith('ml.') ? instanceShape(instanceType)?.memoryBytes : undefined;
}

export interface SageMakerCapacityOptions {
  readonly quotas: ServiceQuotasClient;
  readonly sagemaker: SageMakerClient;
  readonly region: string;
  readonly instanceType: string;
  readonly instanceCount: number;
}

const mib = (bytes: number) => `${Math.round(bytes / 1048576).toLocaleString('en-US')} MiB`;

/**
 * Whether SageMaker can run a job of this need now.
 * @example await sageMakerTrainingCapacity({ quotas, sagemaker, region: 'eu-west-1', instanceType: 'ml.m5.xlarge', instanceCount: 1 }, need)
 */
export async function sageMakerTrainingCapacity(o: SageMakerCapacityOptions, need: CapacityNeed): Promise<CapacityVerdict> {
  const refuse = (reason: string, available: Record<string, string | number> = {}): CapacityVerdict => ({
    fits: false,
    reason,
    need,
    available: { instanceType: o.instanceType, region: o.region, ...available },
  });
  if (!isSageMakerTrainingInstanceType(o.instanceType)) {
    return refuse(`${o.instanceType} is not a SageMaker training instance type (trainingInstanceType; e.g. ml.m5.xlarge)`);
  }
  // the quota: offered in the region when Service Quotas names it there
  const name = trainingQuotaName(o.instanceType);
  let quota: number | undefined;
  let token: string | undefined;
  do {
    const page = await o.quotas.send(new ListServiceQuotasCommand({ ServiceCode: 'sagemaker', NextToken: token, MaxResults: 100 }));
    const found = page.Quotas?.find((q) => q.QuotaName === name);
    if (found) quota = found.Value ?? 0;
    token = found ? undefined : page.NextToken;
  } while (token);
  if (quota === undefined) return refuse(`${o.instanceType} is not offered for SageMaker training in ${o.region} (Service Quotas lists no "${name}")`);
  // what our in-progress training jobs of the type hold
  let inUse = 0;
  const running = await o.sagemaker.send(new ListTrainingJobsCommand({ StatusEquals: 'InProgress', MaxResults: 100 }));
  for (const summary of running.TrainingJobSummaries ?? []) {
    if (!summary.TrainingJobName) continue;
    const job = await o.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: summary.TrainingJobName }));
    if (job.ResourceConfig?.InstanceType === o.instanceType) inUse += job.ResourceConfig.InstanceCount ?? 1;
  }
  const free = quota - inUse;
  const available = { quota, inUse, free };
  if (free < o.instanceCount) {
    return refuse(
      `the account's quota "${name}" in ${o.region} is ${quota} and running training jobs hold ${inUse}: ${o.instanceCount} more would exceed it (ask Service Quotas for more, or wait)`,
      available,
    );
  }
  const memory = instanceMemoryBytes(o.instanceType);
  if (memory !== undefined && need.memoryBytes > memory) {
    return refuse(`the job needs about ${mib(need.memoryBytes)} of memory (${need.basis}); ${o.instanceType} has ${mib(memory)}`, {
      ...available,
      memoryBytes: memory,
    });
  }
  return {
    fits: true,
    need,
    available: { instanceType: o.instanceType, region: o.region, ...available, ...(memory !== undefined ? { memoryBytes: memory } : {}) },
    reason: `fits: ${o.instanceType} in ${o.region}, quota ${quota}, ${inUse} in use${memory !== undefined ? `, ${mib(memory)} for about ${mib(need.memoryBytes)} needed` : ''}`,
  };
}
