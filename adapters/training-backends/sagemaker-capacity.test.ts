// The SageMaker capacity check against the SDK's real request shapes: the clients talk to a local
// HTTP server standing in for the account (the one place a stub is right: no AWS account here). It
// records each request (X-Amz-Target and JSON body, as the SDK serialises them) and answers a
// stubbed quota and job list.
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instanceMemoryBytes, sageMakerTrainingCapacity, trainingQuotaName } from './sagemaker-capacity';
import { SageMakerTrainingBackend } from './sagemaker-backend';
import { SAGEMAKER_TRAINING_INSTANCE_TYPES } from '../../core/resources/sagemaker-instances';
import { TrainingInstanceType } from '@aws-sdk/client-sagemaker';

interface Seen {
  readonly target: string;
  readonly body: Record<string, unknown>;
}

describe('sageMakerTrainingCapacity', () => {
  const seen: Seen[] = [];
  let answers: Record<string, (body: Record<string, unknown>) => unknown> = {};
  let server: Server;
  let endpoint: string;
  const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target']);
        const body = JSON.parse(text || '{}') as Record<string, unknown>;
        seen.push({ target, body });
        const answer = answers[target] as ((b: Record<string, unknown>) => unknown) | undefined;
        res.writeHead(answer ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(answer ? answer(body) : { __type: 'UnknownOperationException', message: target }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    seen.length = 0;
  });

  const clients = () => ({
    quotas: new ServiceQuotasClient({ region: 'eu-west-1', endpoint, credentials }),
    sagemaker: new SageMakerClient({ region: 'eu-west-1', endpoint, credentials }),
  });
  const need = { memoryBytes: 4 * 1024 ** 3, cores: 1, basis: "job train-1's measured peak RSS (3,413 MiB) + 20 %" };
  const quotaPages = (value: number) => ({
    'ServiceQuotasV20190624.ListServiceQuotas': (body: Record<string, unknown>) =>
      body.NextToken === undefined
        ? { Quotas: [{ QuotaName: trainingQuotaName('ml.p3.2xlarge'), Value: 0 }], NextToken: 'page-2' }
        : { Quotas: [{ QuotaName: trainingQuotaName('ml.m5.xlarge'), QuotaCode: 'L-8A1EA1D3', Value: value }] },
  });
  const running = (jobs: { name: string; type: string; count: number }[]) => ({
    'SageMaker.ListTrainingJobs': () => ({
      TrainingJobSummaries: jobs.map((j) => ({ TrainingJobName: j.name, TrainingJobStatus: 'InProgress', CreationTime: 1772358000 })),
    }),
    'SageMaker.DescribeTrainingJob': (body: Record<string, unknown>) => {
      const j = jobs.find((x) => x.name === body.TrainingJobName)!;
      return { TrainingJobName: j.name, TrainingJobStatus: 'InProgress', ResourceConfig: { InstanceType: j.type, InstanceCount: j.count, VolumeSizeInGB: 30 } };
    },
  });

  it('fits when the quota less the running jobs covers the instance count and the instance has the memory', async () => {
    answers = { ...quotaPages(2), ...running([{ name: 'train-other', type: 'ml.c5.xlarge', count: 1 }]) };
    const verdict = await sageMakerTrainingCapacity({ ...clients(), region: 'eu-west-1', instanceType: 'ml.m5.xlarge', instanceCount: 1 }, need);
    expect(verdict).toMatchObject({ fits: true, available: { quota: 2, inUse: 0, free: 2, memoryBytes: 16 * 1024 ** 3 } });
    // the requests as the SDK shapes them: the sagemaker quotas, paged with NextToken; our in-progress jobs, each described
    expect(seen.map((s) => s.target)).toEqual([
      'ServiceQuotasV20190624.ListServiceQuotas',
      'ServiceQuotasV20190624.ListServiceQuotas',
      'SageMaker.ListTrainingJobs',
      'SageMaker.DescribeTrainingJob',
    ]);
    expect(seen[0].body).toEqual({ ServiceCode: 'sagemaker', MaxResults: 100 });
    expect(seen[1].body).toEqual({ ServiceCode: 'sagemaker', MaxResults: 100, NextToken: 'page-2' });
    expect(seen[2].body).toEqual({ StatusEquals: 'InProgress', MaxResults: 100 });
    expect(seen[3].body).toEqual({ TrainingJobName: 'train-other' });
  });

  it('refuses when running jobs already hold the quota', async () => {
    answers = { ...quotaPages(1), ...running([{ name: 'train-a', type: 'ml.m5.xlarge', count: 1 }]) };
    const verdict = await sageMakerTrainingCapacity({ ...clients(), region: 'eu-west-1', instanceType: 'ml.m5.xlarge', instanceCount: 1 }, need);
    expect(verdict.fits).toBe(false);
    expect(verdict.reason).toBe(
      'the account\'s quota "ml.m5.xlarge for training job usage" in eu-west-1 is 1 and running training jobs hold 1: 1 more would exceed it (ask Service Quotas for more, or wait)',
    );
  });

  it('refuses an instance type not offered for training in the region, and one that is no training type at all, naming it', async () => {
    answers = { 'ServiceQuotasV20190624.ListServiceQuotas': () => ({ Quotas: [{ QuotaName: trainingQuotaName('ml.m5.xlarge'), Value: 4 }] }) };
    const absent = await sageMakerTrainingCapacity({ ...clients(), region: 'eu-west-1', instanceType: 'ml.p4d.24xlarge', instanceCount: 1 }, need);
    expect(absent).toMatchObject({
      fits: false,
      reason: 'ml.p4d.24xlarge is not offered for SageMaker training in eu-west-1 (Service Quotas lists no "ml.p4d.24xlarge for training job usage")',
    });
    seen.length = 0;
    const typo = await sageMakerTrainingCapacity({ ...clients(), region: 'eu-west-1', instanceType: 'ml.m5.xlarg', instanceCount: 1 }, need);
    expect(typo.reason).toBe('ml.m5.xlarg is not a SageMaker training instance type (trainingInstanceType; e.g. ml.m5.xlarge)');
    expect(seen).toHaveLength(0); // refused before any call
  });

  it("refuses a need above the instance type's memory", async () => {
    answers = { ...quotaPages(2), ...running([]) };
    const big = { ...need, memoryBytes: 20 * 1024 ** 3 };
    const verdict = await sageMakerTrainingCapacity({ ...clients(), region: 'eu-west-1', instanceType: 'ml.m5.xlarge', instanceCount: 1 }, big);
    expect(verdict.reason).toBe(`the job needs about 20,480 MiB of memory (${need.basis}); ml.m5.xlarge has 16,384 MiB`);
  });

  it("is the SageMaker backend's checkCapacity once the backend has a Service Quotas client, with its instance type and count", async () => {
    const { quotas, sagemaker } = clients();
    const options = { image: 'img', roleArn: 'arn:aws:iam::123456789012:role/t', datasetsBucket: 'd', artefactsBucket: 'a' };
    expect(new SageMakerTrainingBackend(sagemaker, options).checkCapacity).toBeUndefined();
    const backend = new SageMakerTrainingBackend(sagemaker, {
      ...options,
      instanceType: 'ml.m5.xlarge',
      instanceCount: 2,
      capacity: { quotas, region: 'eu-west-1' },
    });
    answers = { ...quotaPages(2), ...running([{ name: 'train-a', type: 'ml.m5.xlarge', count: 1 }]) };
    const verdict = await backend.checkCapacity!(need);
    expect(verdict).toMatchObject({ fits: false, available: { instanceType: 'ml.m5.xlarge', region: 'eu-west-1', quota: 2, inUse: 1, free: 1 } });
    expect(verdict.reason).toContain('running training jobs hold 1: 2 more would exceed it');
    expect(seen.map((s) => s.target)).toEqual([
      'ServiceQuotasV20190624.ListServiceQuotas',
      'ServiceQuotasV20190624.ListServiceQuotas',
      'SageMaker.ListTrainingJobs',
      'SageMaker.DescribeTrainingJob',
    ]);
    // the default instance type (ml.m5.xlarge) and count (1) fit the free instance
    seen.length = 0;
    const defaults = new SageMakerTrainingBackend(sagemaker, { ...options, capacity: { quotas, region: 'eu-west-1' } });
    expect(await defaults.checkCapacity!(need)).toMatchObject({ fits: true, available: { instanceType: 'ml.m5.xlarge', free: 1 } });
  });

  it("holds the shared list of training instance types equal to the SDK's", () => {
    expect([...SAGEMAKER_TRAINING_INSTANCE_TYPES].sort()).toEqual(Object.values(TrainingInstanceType).sort());
  });

  it('knows the memory of the m, c and r families only', () => {
    expect(instanceMemoryBytes('ml.m5.large')).toBe(8 * 1024 ** 3);
    expect(instanceMemoryBytes('ml.c5.2xlarge')).toBe(16 * 1024 ** 3);
    expect(instanceMemoryBytes('ml.g5.xlarge')).toBeUndefined();
  });
});
