// The training-completion handler on the SageMaker backend: SageMaker's "Training Job State Change"
// event carries the instance type but no BillableTimeInSeconds (EventBridge's schema of the event has
// none), so the completion asks DescribeTrainingJob — here a local server standing in for SageMaker
// (adapters/testing/fake-aws.ts), answering in the SDK's wire shape — and the job record holds the
// instance type, the instance count and the billable seconds beside the container's own figures; the
// lineage metrics (the monitoring stack's alarms read them) carry them. A description that fails
// leaves the billable seconds out and the registration goes on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FAKE_CREDENTIALS, startFakeAws, type FakeAws } from '../../adapters/testing/fake-aws';
import { RESOURCE_USAGE_FILE } from '../../core/resources/usage';
import { getJob, METRICS, RetrainLauncher, type TrainingBackend } from '../../core/retraining';
import { buildTestJobOutput } from '../../core/retraining/testing/job-output';
import { lambdaContext } from '../../local/api-gateway-event';
import { InProcessEventBus } from '../../local/event-bus';
import { composePlatform, installProcessPlatform } from '../../platform';
import { closeStores, testConfig, testStores, uniqueId } from '../../test/support/platform';

const CONTEXT = lambdaContext('training-completion', { timeoutSeconds: 60, memoryMb: 512 });
const MiB = 1024 * 1024;

// the lineage metrics are the subject here (test/global-setup.ts turns Powertools metrics off elsewhere)
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

describe('training-completion on SageMaker: instance type and billable seconds from the job description', () => {
  const stores = testStores();
  const bus = new InProcessEventBus();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tc-usage-'));
  const saved = { ...process.env };
  let aws: FakeAws;

  beforeAll(async () => {
    aws = await startFakeAws();
    Object.assign(process.env, { AWS_ENDPOINT_URL_SAGEMAKER: aws.endpoint, AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: 'secret' });
    const config = testConfig();
    // the completion function's settings on AWS (the training stack gives every event function the runner's)
    installProcessPlatform(
      composePlatform(
        { ...config, training: { ...config.training, backend: 'sagemaker', image: 'img:latest', roleArn: 'arn:aws:iam::123456789012:role/training' } },
        { events: bus },
      ),
    );
  });
  afterAll(async () => {
    installProcessPlatform(undefined);
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    await aws.close();
    closeStores(stores);
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A started job sized at 200 MiB whose model.tar.gz (with the container's resource-usage.json) is in the artefacts bucket. */
  async function finishedJob(model: string): Promise<{ jobId: string; s3: string }> {
    const backend: TrainingBackend = {
      name: 'sagemaker',
      start: async (spec) => ({ backendJobId: `arn:aws:sagemaker:eu-west-1:123456789012:training-job/${spec.jobId}` }),
    };
    const launcher = new RetrainLauncher({
      jobs: stores.tables.jobs,
      backend,
      resolveDataset: async (name) => ({ name, version: 1, chunkPrefix: `datasets/${name}/`, manifestKey: `manifests/${name}/v1.json` }),
      capacityNeed: async () => ({ memoryBytes: 200 * MiB, cores: 1, basis: 'estimate: test' }),
      config: { training: { dataset: 'd', algorithm: 'gbdt', classes: 'fine', seed: 1 } },
    });
    const out = await launcher.handle({ type: 'ManualRetrain', model, requestId: uniqueId('r'), actor: 'test' });
    if (out.outcome !== 'started') throw new Error(out.outcome);
    const jobId = out.job.jobId;
    const dir = path.join(tmp, jobId);
    const files = new Map(buildTestJobOutput(model, { jobId }).files);
    files.set(
      RESOURCE_USAGE_FILE,
      Buffer.from(JSON.stringify({ wallSeconds: 31.5, cpuSeconds: 25.5, peakRssBytes: 300 * MiB, threads: 9, source: 'process' })),
    );
    for (const [key, body] of files) {
      mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
      writeFileSync(path.join(dir, key), body);
    }
    execFileSync('tar', ['-czf', `${dir}.tar.gz`, '-C', dir, '.']);
    const key = `training-output/${jobId}/output/model.tar.gz`;
    await stores.buckets.artefacts.put(key, readFileSync(`${dir}.tar.gz`));
    return { jobId, s3: `s3://${testConfig().buckets.artefacts}/${key}` };
  }

  /** The event as EventBridge delivers it: the job description's fields, times in epoch milliseconds, no billable seconds. */
  const completed = (jobId: string, s3: string) => ({
    version: '0',
    id: 'b1c3a5c0-8a8e-2a5f-0e1c-6f3f3d7e9a10',
    'detail-type': 'SageMaker Training Job State Change',
    source: 'aws.sagemaker',
    account: '123456789012',
    time: '2026-03-01T10:02:12Z',
    region: 'eu-west-1',
    resources: [`arn:aws:sagemaker:eu-west-1:123456789012:training-job/${jobId}`],
    detail: {
      TrainingJobName: jobId,
      TrainingJobArn: `arn:aws:sagemaker:eu-west-1:123456789012:training-job/${jobId}`,
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
      CreationTime: 1772359200000,
      TrainingStartTime: 1772359320000,
      TrainingEndTime: 1772361732000,
      LastModifiedTime: 1772361800000,
      ModelArtifacts: { S3ModelArtifacts: s3 },
    },
  });

  async function complete(event: unknown): Promise<{ out: unknown; emf: Record<string, unknown>[] }> {
    const { handler } = await import('./handler');
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(
      (chunk: string | Uint8Array) => (
        lines.push(
          ...String(chunk)
            .split('\n')
            .filter((l) => l.startsWith('{')),
        ),
        true
      ),
    );
    try {
      const out = await handler(event as never, CONTEXT);
      return { out, emf: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
    } finally {
      spy.mockRestore();
    }
  }

  it('records the billable seconds DescribeTrainingJob answers beside the instance type and the container figures, and emits them', async () => {
    const model = uniqueId('m').toLowerCase();
    const { jobId, s3 } = await finishedJob(model);
    aws.seen.length = 0;
    aws.answers = {
      // the wire shape: JSON, timestamps in epoch seconds
      'SageMaker.DescribeTrainingJob': (body) => ({
        TrainingJobName: body.TrainingJobName,
        TrainingJobStatus: 'Completed',
        ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
        TrainingStartTime: 1772359320,
        TrainingEndTime: 1772361732,
        BillableTimeInSeconds: 2412,
        ModelArtifacts: { S3ModelArtifacts: s3 },
      }),
    };
    const { out, emf } = await complete(completed(jobId, s3));
    expect(out).toMatchObject({ jobId });
    expect(aws.seen).toEqual([{ operation: 'SageMaker.DescribeTrainingJob', body: { TrainingJobName: jobId } }]);
    const job = await getJob(stores.tables.jobs, jobId);
    expect(job).toMatchObject({
      state: 'Completed',
      expectedResources: { memoryBytes: 200 * MiB },
      resources: { instanceType: 'ml.m5.xlarge', instanceCount: 1, billableSeconds: 2412, peakRssBytes: 300 * MiB, cpuSeconds: 25.5, wallSeconds: 31.5 },
    });
    // the completion's lineage metrics: billable seconds, and a peak 1.5 × what the job was sized for (the overrun alarm's > 1)
    expect(emf).toContainEqual(
      expect.objectContaining({ Model: model, [METRICS.trainingBillableSeconds]: 2412, [METRICS.trainingMemoryRatio]: 1.5, [METRICS.trainingPeakMemory]: 300 }),
    );
  });

  it('registers the job without billable seconds when SageMaker does not describe it', async () => {
    const model = uniqueId('m').toLowerCase();
    const { jobId, s3 } = await finishedJob(model);
    aws.answers = {}; // every call answers 400
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const { out } = await complete(completed(jobId, s3));
      expect(out).toMatchObject({ jobId });
    } finally {
      warn.mockRestore();
    }
    const job = await getJob(stores.tables.jobs, jobId);
    expect(job?.state).toBe('Completed');
    expect(job?.resources).toMatchObject({ instanceType: 'ml.m5.xlarge', instanceCount: 1, peakRssBytes: 300 * MiB });
    expect(job?.resources?.billableSeconds).toBeUndefined();
  });
});
