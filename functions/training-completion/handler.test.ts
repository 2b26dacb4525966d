// The training-completion Lambda handler against the embedded cloud: a SageMaker "Training Job
// State Change" (Completed) whose model.tar.gz (a real tar.gz of the container's /opt/ml/model) is
// in the artefacts bucket registers the version and applies the policy; Failed marks the job failed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getJob, RetrainLauncher, type TrainingBackend } from '../../core/retraining';
import { buildTestJobOutput } from '../../core/retraining/testing/job-output';
import { InProcessEventBus } from '../../local/event-bus';
import { closeStores, testConfig, testStores, uniqueId } from '../../test/support/platform';
import { composePlatform, installProcessPlatform } from '../../platform';
import { lambdaContext } from '../../local/api-gateway-event';

const CONTEXT = lambdaContext('training-completion', { timeoutSeconds: 60, memoryMb: 512 });

const stateChange = (jobName: string, status: string, extra: Record<string, unknown>) => ({
  version: '0',
  id: '844e2571-85d4-695f-b930-0153b71dcb42',
  'detail-type': 'SageMaker Training Job State Change',
  source: 'aws.sagemaker',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [`arn:aws:sagemaker:us-east-1:123456789012:training-job/${jobName}`],
  detail: { TrainingJobName: jobName, TrainingJobStatus: status, SecondaryStatus: status, ...extra },
});

// the lineage metrics are the subject here (test/global-setup.ts turns Powertools metrics off elsewhere)
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

describe('training-completion handler', () => {
  const stores = testStores();
  const bus = new InProcessEventBus();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tc-'));
  process.env.XDR_ML_PROMOTION_POLICY = 'auto-promote';
  installProcessPlatform(composePlatform(testConfig(), { events: bus }));
  afterAll(() => {
    installProcessPlatform(undefined);
    delete process.env.XDR_ML_PROMOTION_POLICY;
    closeStores(stores);
    rmSync(tmp, { recursive: true, force: true });
  });

  async function startJob(model: string): Promise<string> {
    const backend: TrainingBackend = {
      name: 'sagemaker',
      start: async (spec) => ({ backendJobId: `arn:aws:sagemaker:us-east-1:123456789012:training-job/${spec.jobId}` }),
    };
    const launcher = new RetrainLauncher({
      jobs: stores.tables.jobs,
      backend,
      resolveDataset: async (name) => ({ name, version: 1, chunkPrefix: `datasets/${name}/`, manifestKey: `manifests/${name}/v1.json` }),
      config: { training: { dataset: 'd', algorithm: 'gbdt', classes: 'fine', seed: 1 } },
    });
    const out = await launcher.handle({ type: 'ManualRetrain', model, requestId: uniqueId('r'), actor: 'test' });
    if (out.outcome !== 'started') throw new Error(out.outcome);
    return out.job.jobId;
  }

  it('registers and promotes the version in model.tar.gz of a Completed training job', async () => {
    const model = uniqueId('m').toLowerCase();
    const jobId = await startJob(model);
    const modelDir = path.join(tmp, jobId);
    for (const [key, body] of buildTestJobOutput(model, { jobId }).files) {
      mkdirSync(path.dirname(path.join(modelDir, key)), { recursive: true });
      writeFileSync(path.join(modelDir, key), body);
    }
    execFileSync('tar', ['-czf', `${modelDir}.tar.gz`, '-C', modelDir, '.']);
    const key = `training-output/${jobId}/output/model.tar.gz`;
    await stores.buckets.artefacts.put(key, readFileSync(`${modelDir}.tar.gz`));
    const { handler } = await import('./handler');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const out = await handler(
        stateChange(jobId, 'Completed', { ModelArtifacts: { S3ModelArtifacts: `s3://${testConfig().buckets.artefacts}/${key}` } }),
        CONTEXT,
      );
      expect(out).toEqual({ outcome: 'promoted', jobId });
      expect(await getJob(stores.tables.jobs, jobId)).toMatchObject({ state: 'Completed', registeredVersion: 1, outcome: 'promoted' });
      expect(await handler(stateChange(jobId, 'InProgress', {}), CONTEXT)).toEqual({ outcome: 'ignored' });
    } finally {
      log.mockRestore();
    }
  });

  it("marks a Failed training job failed with SageMaker's reason and alerts", async () => {
    const model = uniqueId('m').toLowerCase();
    const jobId = await startJob(model);
    const { handler } = await import('./handler');
    const lines: string[] = [];
    // Powertools Metrics writes its EMF lines to stdout
    const log = jest.spyOn(process.stdout, 'write').mockImplementation(
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
      expect(await handler(stateChange(jobId, 'Failed', { FailureReason: 'AlgorithmError: hyperparameter "seed" must be an integer' }), CONTEXT)).toEqual({
        outcome: 'failed',
        jobId,
      });
    } finally {
      log.mockRestore();
    }
    await bus.drain();
    expect(await getJob(stores.tables.jobs, jobId)).toMatchObject({
      state: 'Failed',
      failureReason: 'AlgorithmError: hyperparameter "seed" must be an integer',
    });
    expect(bus.published.filter((e) => e.detailType === 'TrainingFailed').map((e) => e.detail.jobId)).toContain(jobId);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(expect.objectContaining({ Model: model, TrainingJobsFailed: 1 }));
  });
});
