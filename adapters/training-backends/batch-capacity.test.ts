// The AWS Batch capacity check against the SDK's real request shapes: the clients talk to a local
// HTTP server standing in for the account (adapters/testing/fake-aws.ts), which records each request
// and answers a stubbed queue, compute environments, job definition and Fargate quota.
import { BatchClient } from '@aws-sdk/client-batch';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { FAKE_CREDENTIALS, startFakeAws, type FakeAws, type FakeAwsAnswers } from '../testing/fake-aws';
import { batchTrainingCapacity, FARGATE_VCPU_QUOTAS } from './batch-capacity';
import { BatchTrainingBackend } from './batch-backend';

const QUEUE_ARN = 'arn:aws:batch:eu-west-1:123456789012:job-queue/xdr-ml-prod-training';
const CE_ARN = 'arn:aws:batch:eu-west-1:123456789012:compute-environment/training-fargate';
const CE2_ARN = 'arn:aws:batch:eu-west-1:123456789012:compute-environment/training-ec2';
const DEF_ARN = 'arn:aws:batch:eu-west-1:123456789012:job-definition/xdr-ml-prod-training:3';
const GiB = 1024 ** 3;

interface Ce {
  readonly arn: string;
  readonly type: 'FARGATE' | 'FARGATE_SPOT' | 'EC2' | 'SPOT';
  readonly maxvCpus: number;
  readonly instanceTypes?: string[];
  readonly state?: string;
  readonly status?: string;
}

/** The answers of a queue over `ces`, a job definition of `vcpus`/`memoryMib` (as CDK's EcsJobDefinition writes it) and a Fargate quota. */
function account(o: { ces: Ce[]; vcpus?: number; memoryMib?: number; fargateQuota?: number; queueState?: string }): FakeAwsAnswers {
  return {
    '/v1/describejobdefinitions': () => ({
      jobDefinitions: [
        {
          jobDefinitionName: 'xdr-ml-prod-training',
          jobDefinitionArn: DEF_ARN,
          revision: 3,
          status: 'ACTIVE',
          type: 'container',
          platformCapabilities: ['FARGATE'],
          containerProperties: {
            image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/xdr-ml-prod-training:latest',
            resourceRequirements: [
              { type: 'VCPU', value: String(o.vcpus ?? 2) },
              { type: 'MEMORY', value: String(o.memoryMib ?? 8192) },
            ],
          },
        },
      ],
    }),
    '/v1/describejobqueues': () => ({
      jobQueues: [
        {
          jobQueueName: 'xdr-ml-prod-training',
          jobQueueArn: QUEUE_ARN,
          state: o.queueState ?? 'ENABLED',
          status: 'VALID',
          priority: 1,
          computeEnvironmentOrder: o.ces.map((ce, i) => ({ order: i + 1, computeEnvironment: ce.arn })),
        },
      ],
    }),
    '/v1/describecomputeenvironments': () => ({
      computeEnvironments: o.ces.map((ce) => ({
        computeEnvironmentName: ce.arn.split('/')[1],
        computeEnvironmentArn: ce.arn,
        type: 'MANAGED',
        state: ce.state ?? 'ENABLED',
        status: ce.status ?? 'VALID',
        ...(ce.status === 'INVALID' ? { statusReason: 'CLIENT_ERROR - subnet not found' } : {}),
        computeResources: {
          type: ce.type,
          maxvCpus: ce.maxvCpus,
          subnets: ['subnet-1'],
          ...(ce.instanceTypes ? { instanceTypes: ce.instanceTypes, minvCpus: 0, instanceRole: 'ecsInstanceRole' } : {}),
        },
      })),
    }),
    'ServiceQuotasV20190624.ListServiceQuotas': (body) =>
      body.NextToken === undefined
        ? { Quotas: [{ QuotaName: 'Fargate Spot vCPU resource count', QuotaCode: FARGATE_VCPU_QUOTAS.FARGATE_SPOT.code, Value: 0 }], NextToken: 'p2' }
        : { Quotas: [{ QuotaName: FARGATE_VCPU_QUOTAS.FARGATE.name, QuotaCode: FARGATE_VCPU_QUOTAS.FARGATE.code, Value: o.fargateQuota ?? 6 }] },
  };
}

describe('batchTrainingCapacity', () => {
  let aws: FakeAws;
  beforeAll(async () => {
    aws = await startFakeAws();
  });
  afterAll(() => aws.close());
  beforeEach(() => {
    aws.seen.length = 0;
  });

  const clients = () => ({
    batch: new BatchClient({ region: 'eu-west-1', endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS }),
    quotas: new ServiceQuotasClient({ region: 'eu-west-1', endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS }),
  });
  const options = () => ({ ...clients(), region: 'eu-west-1', jobQueue: QUEUE_ARN, jobDefinition: DEF_ARN });
  const need = { memoryBytes: 2 * GiB, cores: 1, basis: "job train-1's measured peak RSS (1,707 MiB) + 20 %" };
  const fargate: Ce = { arn: CE_ARN, type: 'FARGATE', maxvCpus: 16 };

  it('fits the platform queue (Fargate, 16 vCPUs, a 2 vCPU / 8 GiB job) within the Fargate quota, asking as the SDK does', async () => {
    aws.answers = account({ ces: [fargate] });
    const verdict = await batchTrainingCapacity(options(), need);
    expect(verdict).toMatchObject({ fits: true, available: { vcpus: 2, memoryBytes: 8 * GiB, computeEnvironment: 'training-fargate' } });
    expect(verdict.reason).toBe('fits: 2 vCPUs and 8,192 MiB for about 2,048 MiB needed, on training-fargate (max 16 vCPUs) of queue xdr-ml-prod-training');
    expect(aws.seen.map((s) => s.operation)).toEqual([
      '/v1/describejobdefinitions',
      '/v1/describejobqueues',
      '/v1/describecomputeenvironments',
      'ServiceQuotasV20190624.ListServiceQuotas',
      'ServiceQuotasV20190624.ListServiceQuotas',
    ]);
    expect(aws.seen[0].body).toEqual({ jobDefinitions: [DEF_ARN] });
    expect(aws.seen[1].body).toEqual({ jobQueues: [QUEUE_ARN] });
    expect(aws.seen[2].body).toEqual({ computeEnvironments: [CE_ARN] });
    expect(aws.seen[3].body).toEqual({ ServiceCode: 'fargate', MaxResults: 100 });
    expect(aws.seen[4].body).toEqual({ ServiceCode: 'fargate', MaxResults: 100, NextToken: 'p2' });
  });

  it("asks for a bare job definition name's active revisions and takes the newest", async () => {
    aws.answers = account({ ces: [fargate] });
    await batchTrainingCapacity({ ...options(), jobDefinition: 'xdr-ml-prod-training' }, need);
    expect(aws.seen[0].body).toEqual({ jobDefinitionName: 'xdr-ml-prod-training', status: 'ACTIVE', maxResults: 100 });
  });

  it("refuses a need above the container's memory, before asking about the queue", async () => {
    aws.answers = account({ ces: [fargate] });
    const verdict = await batchTrainingCapacity(options(), { ...need, memoryBytes: 10 * GiB });
    expect(verdict.fits).toBe(false);
    expect(verdict.reason).toBe(
      `the job needs about 10,240 MiB of memory (${need.basis}); the job definition xdr-ml-prod-training gives its container 8,192 MiB`,
    );
    expect(aws.seen.map((s) => s.operation)).toEqual(['/v1/describejobdefinitions']);
  });

  it("refuses a job whose vCPUs exceed the compute environment's max vCPUs (it would wait RUNNABLE forever)", async () => {
    aws.answers = account({ ces: [fargate] });
    const verdict = await batchTrainingCapacity({ ...options(), vcpus: 32 }, need);
    expect(verdict.reason).toBe(
      'no compute environment of job queue xdr-ml-prod-training can run the job: the job asks for 32 vCPUs and compute environment training-fargate allows at most 16',
    );
  });

  it("refuses a job above the account's Fargate vCPU quota", async () => {
    aws.answers = account({ ces: [fargate], fargateQuota: 1 });
    const verdict = await batchTrainingCapacity(options(), need);
    expect(verdict.reason).toBe(
      'no compute environment of job queue xdr-ml-prod-training can run the job: the job asks for 2 vCPUs and the account\'s quota "Fargate On-Demand vCPU resource count" in eu-west-1 is 1',
    );
  });

  it('on EC2, needs an instance type with the vCPUs and memory; families and "optimal" are not ruled out', async () => {
    const ec2 = (instanceTypes: string[]): Ce => ({ arn: CE2_ARN, type: 'EC2', maxvCpus: 64, instanceTypes });
    aws.answers = account({ ces: [ec2(['c5.large', 'c4.xlarge'])] });
    expect((await batchTrainingCapacity(options(), need)).reason).toBe(
      "no compute environment of job queue xdr-ml-prod-training can run the job: no instance type of compute environment training-ec2 (c5.large, c4.xlarge) has the job's 2 vCPUs and 8,192 MiB",
    );
    aws.answers = account({ ces: [ec2(['c5.large', 'm5.xlarge'])] });
    expect(await batchTrainingCapacity(options(), need)).toMatchObject({ fits: true, available: { computeEnvironment: 'training-ec2' } });
    aws.answers = account({ ces: [ec2(['optimal'])] });
    expect((await batchTrainingCapacity(options(), need)).fits).toBe(true);
  });

  it('refuses a disabled queue, and passes over an invalid compute environment to the next one', async () => {
    aws.answers = account({ ces: [fargate], queueState: 'DISABLED' });
    expect((await batchTrainingCapacity(options(), need)).reason).toBe('job queue xdr-ml-prod-training is DISABLED/VALID');
    aws.answers = account({ ces: [{ ...fargate, status: 'INVALID' }] });
    expect((await batchTrainingCapacity(options(), need)).reason).toBe(
      'no compute environment of job queue xdr-ml-prod-training can run the job: compute environment training-fargate is ENABLED/INVALID (CLIENT_ERROR - subnet not found)',
    );
    aws.answers = account({
      ces: [
        { ...fargate, status: 'INVALID' },
        { arn: CE2_ARN, type: 'EC2', maxvCpus: 8, instanceTypes: ['m5.xlarge'] },
      ],
    });
    expect(await batchTrainingCapacity(options(), need)).toMatchObject({ fits: true, available: { computeEnvironment: 'training-ec2' } });
  });

  it("is the Batch backend's checkCapacity once it has a Service Quotas client, with its overrides", async () => {
    const { batch, quotas } = clients();
    const base = { jobQueue: QUEUE_ARN, jobDefinition: DEF_ARN, datasetsBucket: 'd', artefactsBucket: 'a' };
    expect(new BatchTrainingBackend(batch, base).checkCapacity).toBeUndefined();
    aws.answers = account({ ces: [fargate] });
    const backend = new BatchTrainingBackend(batch, { ...base, memoryMib: 1024, capacity: { quotas, region: 'eu-west-1' } });
    const verdict = await backend.checkCapacity!(need);
    expect(verdict).toMatchObject({ fits: false, available: { jobQueue: QUEUE_ARN, memoryBytes: 1024 * 1024 * 1024 } });
    expect(verdict.reason).toContain('gives its container 1,024 MiB');
  });
});
