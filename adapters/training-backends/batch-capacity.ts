// The capacity check of the AWS Batch backend: before a job is queued (and before auto-retrain turns
// on), the job queue must be enabled and valid, one of its compute environments must be enabled and
// valid and able to place the job (its vCPUs within the environment's max vCPUs; on EC2, an instance
// type of the environment with the job's vCPUs and memory; on Fargate, the account's Fargate vCPU
// quota), and the job's measured need must fit the memory the job definition (or the backend's
// override) gives the container. A job that fails these would wait RUNNABLE forever or die of
// memory: it is refused before it starts. IAM: batch:DescribeJobQueues,
// batch:DescribeComputeEnvironments, batch:DescribeJobDefinitions and servicequotas:ListServiceQuotas
// (infra/constructs/capacity-grant.ts).
import {
  DescribeComputeEnvironmentsCommand,
  DescribeJobDefinitionsCommand,
  DescribeJobQueuesCommand,
  type BatchClient,
  type ComputeEnvironmentDetail,
  type JobDefinition,
} from '@aws-sdk/client-batch';
import { ListServiceQuotasCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { CapacityNeed, CapacityVerdict } from '../../core/resources/capacity';
import { instanceShape } from '../../core/resources/instance-shapes';

/** Service Quotas' Fargate vCPU quotas (service code "fargate"), by the compute environment's type. */
export const FARGATE_VCPU_QUOTAS = {
  FARGATE: { code: 'L-3032A538', name: 'Fargate On-Demand vCPU resource count' },
  FARGATE_SPOT: { code: 'L-36FBB829', name: 'Fargate Spot vCPU resource count' },
} as const;

export interface BatchCapacityOptions {
  readonly batch: BatchClient;
  readonly quotas: ServiceQuotasClient;
  readonly region: string;
  /** The job queue's name or ARN. */
  readonly jobQueue: string;
  /** The job definition's name (its newest active revision), name:revision or ARN. */
  readonly jobDefinition: string;
  /** The backend's overrides of the job definition's resources. */
  readonly vcpus?: number;
  readonly memoryMib?: number;
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${Math.round(bytes / MiB).toLocaleString('en-US')} MiB`;

/** The vCPUs and memory (MiB) a job definition asks for: resourceRequirements, else the legacy vcpus/memory fields. */
export function jobDefinitionResources(d: JobDefinition): { readonly vcpus?: number; readonly memoryMib?: number } {
  const c = d.containerProperties ?? d.ecsProperties?.taskProperties?.[0]?.containers?.[0];
  const requirement = (type: 'VCPU' | 'MEMORY') => {
    const value = c?.resourceRequirements?.find((r) => r.type === type)?.value;
    return value !== undefined && Number.isFinite(Number(value)) ? Number(value) : undefined;
  };
  const legacy = d.containerProperties;
  const vcpus = requirement('VCPU') ?? legacy?.vcpus;
  const memoryMib = requirement('MEMORY') ?? legacy?.memory;
  return { ...(vcpus !== undefined ? { vcpus } : {}), ...(memoryMib !== undefined ? { memoryMib } : {}) };
}

/** The job definition a SubmitJob names: an ARN or name:revision exactly, a bare name its newest active revision. */
async function describeJobDefinition(batch: BatchClient, ref: string): Promise<JobDefinition | undefined> {
  const exact = ref.startsWith('arn:') || /:\d+$/.test(ref);
  const out = await batch.send(
    new DescribeJobDefinitionsCommand(exact ? { jobDefinitions: [ref] } : { jobDefinitionName: ref, status: 'ACTIVE', maxResults: 100 }),
  );
  return (out.jobDefinitions ?? []).filter((d) => d.status !== 'INACTIVE').sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
}

/** The account's Fargate vCPU quota of a compute environment type, when Service Quotas lists it. */
async function fargateVcpuQuota(quotas: ServiceQuotasClient, type: keyof typeof FARGATE_VCPU_QUOTAS): Promise<number | undefined> {
  const wanted = FARGATE_VCPU_QUOTAS[type];
  let token: string | undefined;
  do {
    const page = await quotas.send(new ListServiceQuotasCommand({ ServiceCode: 'fargate', NextToken: token, MaxResults: 100 }));
    const found = page.Quotas?.find((q) => q.QuotaCode === wanted.code || q.QuotaName === wanted.name);
    if (found) return found.Value;
    token = page.NextToken;
  } while (token);
  return undefined;
}

/**
 * Why a compute environment cannot place a job of these vCPUs and memory; undefined when it can (or
 * when nothing it says rules the job out: an EC2 environment of instance families or "optimal").
 */
async function placementProblem(
  o: BatchCapacityOptions,
  ce: ComputeEnvironmentDetail,
  job: { readonly vcpus: number; readonly memoryMib: number },
): Promise<string | undefined> {
  const name = ce.computeEnvironmentName ?? ce.computeEnvironmentArn ?? 'compute environment';
  if (ce.state !== 'ENABLED' || ce.status !== 'VALID')
    return `compute environment ${name} is ${ce.state ?? '?'}/${ce.status ?? '?'}${ce.statusReason ? ` (${ce.statusReason})` : ''}`;
  const r = ce.computeResources;
  if (!r) return undefined; // unmanaged: its capacity is whatever the owner registered
  if (r.maxvCpus !== undefined && job.vcpus > r.maxvCpus)
    return `the job asks for ${job.vcpus} vCPUs and compute environment ${name} allows at most ${r.maxvCpus}`;
  if (r.type === 'FARGATE' || r.type === 'FARGATE_SPOT') {
    const quota = await fargateVcpuQuota(o.quotas, r.type);
    if (quota !== undefined && job.vcpus > quota)
      return `the job asks for ${job.vcpus} vCPUs and the account's quota "${FARGATE_VCPU_QUOTAS[r.type].name}" in ${o.region} is ${quota}`;
    return undefined;
  }
  // EC2 / SPOT: some instance type must hold the job; families and "optimal" name no size, so they may
  const shapes = (r.instanceTypes ?? []).map((t) => ({ type: t, shape: instanceShape(t) }));
  if (shapes.length === 0 || shapes.some((s) => s.shape === undefined)) return undefined;
  const fits = shapes.some((s) => s.shape!.vcpus >= job.vcpus && s.shape!.memoryBytes >= job.memoryMib * MiB);
  return fits
    ? undefined
    : `no instance type of compute environment ${name} (${shapes.map((s) => s.type).join(', ')}) has the job's ${job.vcpus} vCPUs and ${mib(job.memoryMib * MiB)}`;
}

/**
 * Whether the Batch queue can run a job of this need now.
 * @example await batchTrainingCapacity({ batch, quotas, region: 'eu-west-1', jobQueue: 'xdr-ml-prod-training', jobDefinition: 'xdr-ml-prod-training' }, need)
 */
export async function batchTrainingCapacity(o: BatchCapacityOptions, need: CapacityNeed): Promise<CapacityVerdict> {
  const base = { jobQueue: o.jobQueue, region: o.region };
  const refuse = (reason: string, available: Record<string, string | number> = {}): CapacityVerdict => ({
    fits: false,
    reason,
    need,
    available: { ...base, ...available },
  });
  const definition = await describeJobDefinition(o.batch, o.jobDefinition);
  if (!definition) return refuse(`Batch describes no active job definition ${o.jobDefinition} (batchJobDefinition)`);
  const declared = jobDefinitionResources(definition);
  const vcpus = o.vcpus ?? declared.vcpus;
  const memoryMib = o.memoryMib ?? declared.memoryMib;
  if (vcpus === undefined || memoryMib === undefined) return refuse(`job definition ${o.jobDefinition} names no vCPUs or memory for its container`);
  const job = { vcpus, memoryMib };
  const available = { vcpus, memoryBytes: memoryMib * MiB };
  if (need.memoryBytes > memoryMib * MiB) {
    return refuse(
      `the job needs about ${mib(need.memoryBytes)} of memory (${need.basis}); the job definition ${definition.jobDefinitionName ?? o.jobDefinition} gives its container ${mib(memoryMib * MiB)}`,
      available,
    );
  }
  if (need.cores > vcpus) return refuse(`the job needs ${need.cores} cores; the job definition gives its container ${vcpus} vCPUs`, available);

  const queue = (await o.batch.send(new DescribeJobQueuesCommand({ jobQueues: [o.jobQueue] }))).jobQueues?.[0];
  if (!queue) return refuse(`Batch describes no job queue ${o.jobQueue} in ${o.region} (batchJobQueue)`, available);
  if (queue.state !== 'ENABLED' || queue.status !== 'VALID')
    return refuse(`job queue ${queue.jobQueueName} is ${queue.state}/${queue.status}${queue.statusReason ? ` (${queue.statusReason})` : ''}`, available);
  const order = [...(queue.computeEnvironmentOrder ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0)).map((c) => c.computeEnvironment!);
  if (order.length === 0) return refuse(`job queue ${queue.jobQueueName} has no compute environment`, available);
  const environments = (await o.batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: order }))).computeEnvironments ?? [];
  const problems: string[] = [];
  for (const arn of order) {
    const ce = environments.find((e) => e.computeEnvironmentArn === arn || e.computeEnvironmentName === arn);
    const problem = ce ? await placementProblem(o, ce, job) : `Batch describes no compute environment ${arn}`;
    if (problem === undefined) {
      return {
        fits: true,
        need,
        available: { ...base, ...available, computeEnvironment: ce!.computeEnvironmentName ?? arn },
        reason: `fits: ${vcpus} vCPUs and ${mib(memoryMib * MiB)} for about ${mib(need.memoryBytes)} needed, on ${ce!.computeEnvironmentName ?? arn} (max ${ce!.computeResources?.maxvCpus ?? '?'} vCPUs) of queue ${queue.jobQueueName}`,
      };
    }
    problems.push(problem);
  }
  return refuse(`no compute environment of job queue ${queue.jobQueueName} can run the job: ${problems.join('; ')}`, available);
}
