// POST /api/ml/status/auto-retrain and POST /api/ml/retrain as they run on AWS: the API's retraining
// handler composed from the environment CDK synthesizes for it (the training backend's settings
// included: a function without them threw a ConfigError, a 500, before the capacity check could
// run), over the embedded cloud's tables and buckets (the stores are not the subject; their names
// are the account's in the template) and a local server standing in for SageMaker, Service Quotas
// and EventBridge (adapters/testing/fake-aws.ts: no real account here). It records the requests as
// the SDK shapes them and answers a stubbed quota and job list.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeAws, type FakeAws, type FakeAwsAnswers } from '../../adapters/testing/fake-aws';
import { trainingQuotaName } from '../../adapters/training-backends/sagemaker-capacity';
import { ENV_KEYS } from '../../config/config';
import { AuditLog } from '../../core/audit/audit-log';
import { ingestDataset } from '../../core/datasets';
import { ModelRegistry } from '../../core/registry/model-registry';
import { registrationInput } from '../../core/registry/testing/fixtures';
import { SeededRandom } from '../../core/util/random';
import { buildPlatformApp } from '../../infra/app-builder';
import type { HttpLambda } from '../../local/api-gateway-event';
import { invokeHttp } from '../../local/api-gateway-event';
import { InProcessEventBus } from '../../local/event-bus';
import { closeStores, testConfig, testStores, uniqueId } from '../support/platform';

type Json = Record<string, unknown>;

/** The retraining function's environment as synthesized; a cross-stack value (an import) becomes `resolve(key)`. */
function synthesizedEnvironment(resolve: (key: string) => string): Record<string, string> {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'cdk-'));
  try {
    const platform = buildPlatformApp(
      { context: { 'aws:cdk:bundling-stacks': [], stage: 'test' }, outdir },
      { CDK_DEFAULT_ACCOUNT: '123456789012', AWS_REGION: 'eu-west-1' },
    );
    const fn = platform.api.functions.retraining;
    const stack = Stack.of(fn);
    const id = stack.getLogicalId(fn.function.node.defaultChild as never);
    const resource = Template.fromStack(stack).toJSON().Resources[id] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    return Object.fromEntries(Object.entries(resource.Properties.Environment.Variables).map(([k, v]) => [k, typeof v === 'string' ? v : resolve(k)]));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('the auto-retrain switch and the retrain route on AWS (SageMaker backend)', () => {
  const stores = testStores();
  const saved = { ...process.env };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'xdr-auto-aws-'));
  const model = uniqueId('m').toLowerCase();
  let aws: FakeAws;
  let handler: HttpLambda;
  let environment: Record<string, string>;

  const quota = (value: number, running: { name: string; type: string; count: number }[] = []): FakeAwsAnswers => ({
    'ServiceQuotasV20190624.ListServiceQuotas': () => ({ Quotas: [{ QuotaName: trainingQuotaName('ml.m5.xlarge'), QuotaCode: 'L-8A1EA1D3', Value: value }] }),
    'SageMaker.ListTrainingJobs': () => ({
      TrainingJobSummaries: running.map((j) => ({ TrainingJobName: j.name, TrainingJobStatus: 'InProgress', CreationTime: 1772358000 })),
    }),
    'SageMaker.DescribeTrainingJob': (body) => {
      const j = running.find((r) => r.name === body.TrainingJobName)!;
      return { TrainingJobName: j.name, TrainingJobStatus: 'InProgress', ResourceConfig: { InstanceType: j.type, InstanceCount: j.count, VolumeSizeInGB: 30 } };
    },
    'AWSEvents.PutEvents': (body) => ({ FailedEntryCount: 0, Entries: (body.Entries as unknown[]).map((_, i) => ({ EventId: `e${i}` })) }),
  });
  const post = (routeKey: string, body: Json) => invokeHttp<Json>(handler, { method: 'POST', path: routeKey.split(' ')[1], routeKey, body });

  beforeAll(async () => {
    aws = await startFakeAws();
    // what the template says, the account's cross-stack values standing in for their imports
    environment = synthesizedEnvironment((key) =>
      key === ENV_KEYS.trainingImage
        ? '123456789012.dkr.ecr.eu-west-1.amazonaws.com/xdr-ml-test-training:latest'
        : key === ENV_KEYS.trainingRoleArn
          ? 'arn:aws:iam::123456789012:role/MiniXdrMl-test-Training-TrainingRole'
          : `imported:${key}`,
    );
    const embedded = testConfig();
    const storeNames = Object.fromEntries([
      ...Object.entries(embedded.tables).map(([id, name]) => [`XDR_ML_TABLE_${id.toUpperCase()}`, name]),
      ...Object.entries(embedded.buckets).map(([id, name]) => [`XDR_ML_BUCKET_${id.toUpperCase()}`, name]),
    ]);
    Object.assign(process.env, environment, storeNames, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_ENDPOINT_URL_SAGEMAKER: aws.endpoint,
      AWS_ENDPOINT_URL_SERVICE_QUOTAS: aws.endpoint,
      [ENV_KEYS.eventBridgeEndpoint]: aws.endpoint,
    });

    // a lineage trained on a small dataset: its next job is sized from the dataset's rows × features
    const rnd = new SeededRandom(24);
    const lines = ['Flow Duration,Protocol,Label'];
    for (let i = 0; i < 400; i++) lines.push(`${(rnd.next() * 1000).toFixed(2)},${i % 3 === 0 ? 'udp' : 'tcp'},${i % 2 ? 'BENIGN' : 'DoS Hulk'}`);
    writeFileSync(path.join(tmp, 'flows.csv'), lines.join('\n'));
    const dataset = uniqueId('flows').toLowerCase();
    await ingestDataset(
      { objects: stores.buckets.datasets, manifests: stores.tables.datasets },
      { name: dataset, sourcePath: path.join(tmp, 'flows.csv'), format: 'csv', labelColumn: 'Label', categorical: ['Protocol'], chunkRows: 200 },
    );
    const registry = new ModelRegistry({
      table: stores.tables.registry,
      audit: new AuditLog({ table: stores.tables.audit, stream: uniqueId('a') }),
      events: new InProcessEventBus(),
    });
    const input = registrationInput(model);
    await registry.registerVersion({ ...input, dataset: { ...input.dataset, name: dataset, version: 1 } });

    ({ handler } = (await import('../../functions/retraining/handler')) as unknown as { handler: HttpLambda });
  }, 120_000);
  afterAll(async () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await aws.close();
    closeStores(stores);
    rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    aws.seen.length = 0;
  });

  it('runs with the backend settings the template gives the function', () => {
    expect(environment[ENV_KEYS.trainingBackend]).toBe('sagemaker');
    expect(environment[ENV_KEYS.trainingInstanceType]).toBe('ml.m5.xlarge');
    expect(environment[ENV_KEYS.trainingImage]).toContain('xdr-ml-test-training');
    expect(environment[ENV_KEYS.trainingRoleArn]).toMatch(/^arn:aws:iam::/);
  });

  it("turns auto-retrain on once the account's quota has room, after asking Service Quotas and SageMaker", async () => {
    aws.answers = quota(2, [{ name: 'train-other', type: 'ml.c5.xlarge', count: 1 }]);
    const on = await post('POST /api/ml/status/auto-retrain', { enabled: true, model });
    expect(on.status).toBe(200);
    expect(on.body.capacity).toEqual([
      { model, fits: true, reason: expect.stringMatching(/^fits: ml\.m5\.xlarge in eu-west-1, quota 2, 0 in use, 16,384 MiB for about \d+ MiB needed$/) },
    ]);
    expect(aws.seen.map((s) => s.operation)).toEqual([
      'ServiceQuotasV20190624.ListServiceQuotas',
      'SageMaker.ListTrainingJobs',
      'SageMaker.DescribeTrainingJob',
    ]);
    expect(aws.seen[0].body).toEqual({ ServiceCode: 'sagemaker', MaxResults: 100 });
  });

  it('answers 409 with the reason, and publishes the alert, when running jobs hold the quota', async () => {
    aws.answers = quota(1, [{ name: 'train-a', type: 'ml.m5.xlarge', count: 1 }]);
    const on = await post('POST /api/ml/status/auto-retrain', { enabled: true, model });
    expect(on.status).toBe(409);
    expect(String(on.body.message)).toBe(
      `auto-retrain refused for ${model}: the sagemaker backend cannot run its job: the account's quota "ml.m5.xlarge for training job usage" in eu-west-1 is 1 and running training jobs hold 1: 1 more would exceed it (ask Service Quotas for more, or wait)`,
    );
    const put = aws.seen.find((s) => s.operation === 'AWSEvents.PutEvents');
    const entry = (put?.body.Entries as { DetailType: string; Detail: string; EventBusName: string }[])[0];
    expect(entry.DetailType).toBe('TrainingCapacityInsufficient');
    expect(entry.EventBusName).toBe(environment[ENV_KEYS.eventBusName]);
    expect(JSON.parse(entry.Detail)).toMatchObject({ model, trigger: 'auto-retrain-switch', backend: 'sagemaker' });
  });

  it('refuses a retrain that would not fit, and queues one that does without starting anything (the launcher starts)', async () => {
    aws.answers = quota(1, [{ name: 'train-a', type: 'ml.m5.xlarge', count: 1 }]);
    const refused = await post('POST /api/ml/retrain', { model, requestId: uniqueId('r') });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ accepted: false, error: 'insufficient-capacity' });
    aws.answers = quota(2);
    aws.seen.length = 0;
    const queued = await post('POST /api/ml/retrain', { model, requestId: uniqueId('r') });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ accepted: true, outcome: 'queued' });
    expect(aws.seen.map((s) => s.operation)).not.toContain('SageMaker.CreateTrainingJob');
    expect(aws.seen.map((s) => s.operation)).toContain('SageMaker.ListTrainingJobs');
  });
});
