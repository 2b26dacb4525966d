// The AWS Batch path on the embedded S3: the container environment that BatchTrainingBackend
// submits makes the entrypoint stage its inputs from S3 and upload /opt/ml/model; a "Batch Job
// State Change" SUCCEEDED event then leads the completion handler to that output, which it registers.
// The same for an ensemble job: its members, staged by the launcher under ensembles/<jobId>/ in the
// datasets bucket, reach the container through the parent channel's S3 listing (every file under it).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { submitJobRequest } from '../../adapters/training-backends';
import { ENV_KEYS } from '../../config/config';
import { ingestDataset } from '../../core/datasets';
import type { EnsembleModelDocument } from '../../core/ensemble';
import { runTrainingJob } from '../../core/pipeline';
import { toyCsv } from '../../core/pipeline/testing';
import { buildJobSpec, RetrainLauncher, stageDatasetInput, type TrainingBackend, type TrainingJobSpec } from '../../core/retraining';
import { stageEnsembleMembers, stagedMembersPrefix } from '../../core/retraining/parent-input';
import { SeededRandom } from '../../core/util/random';
import { InProcessEventBus } from '../../local/event-bus';
import { composePlatform } from '../../platform';
import { closeStores, testConfig, testStores, uniqueId } from '../support/platform';

const run = promisify(execFile);

describe('Batch backend contract on the embedded S3', () => {
  const stores = testStores();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'xdr-batch-'));
  afterAll(() => {
    closeStores(stores);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stages inputs from S3, uploads the output, and the SUCCEEDED event registers it', async () => {
    const config = testConfig();
    const dataset = uniqueId('toy').toLowerCase();
    const model = uniqueId('m').toLowerCase();
    const rnd = new SeededRandom(8);
    const labels = ['BENIGN', 'DoS Hulk', 'PortScan'];
    const lines = ['proto,rate,count,Label'];
    for (let i = 0; i < 300; i++)
      lines.push(
        `${rnd.next() < 0.5 ? 'tcp' : 'udp'},${((i % 3) * 5 + rnd.next() * 4).toFixed(3)},${(i % 3) * 10 + Math.floor(rnd.next() * 8)},${labels[i % 3]}`,
      );
    writeFileSync(path.join(tmp, 'toy.csv'), lines.join('\n'));
    await ingestDataset(
      { objects: stores.buckets.datasets, manifests: stores.tables.datasets },
      { name: dataset, sourcePath: path.join(tmp, 'toy.csv'), format: 'csv', labelColumn: 'Label', categorical: ['proto'], chunkRows: 120 },
    );

    // The launcher records the job; a backend captures the spec as Batch would receive it.
    let submitted: TrainingJobSpec | undefined;
    const capture: TrainingBackend = { name: 'batch', start: async (spec) => ((submitted = spec), { backendJobId: 'batch-123' }) };
    const launcher = new RetrainLauncher({
      jobs: stores.tables.jobs,
      backend: capture,
      resolveDataset: (name, version) => stageDatasetInput(stores.tables.datasets, stores.buckets.datasets, name, version),
      config: { training: { dataset, algorithm: 'gbdt', classes: 'fine', seed: 2, params: { nRounds: '8' } } },
    });
    const started = await launcher.handle({ type: 'ManualRetrain', model, requestId: 'b1', actor: 'bob' });
    expect(started.outcome).toBe('started');
    expect(submitted?.hyperparameters).toEqual(
      buildJobSpec(
        submitted!.jobId,
        model,
        submitted!.dataset,
        { dataset, algorithm: 'gbdt', classes: 'fine', seed: 2, params: { nRounds: '8' } },
        undefined,
        'bob',
      ).hyperparameters,
    );
    const request = submitJobRequest(submitted!, {
      jobQueue: 'q',
      jobDefinition: 'd',
      datasetsBucket: config.buckets.datasets,
      artefactsBucket: config.buckets.artefacts,
    });
    const containerEnv = Object.fromEntries((request.containerOverrides?.environment ?? []).map((e) => [e.name!, e.value!]));

    // The container, as Batch runs it (the embedded S3 endpoint comes from this test's environment).
    const base = path.join(tmp, 'opt-ml');
    await run(process.execPath, ['bin/run-ts.js', 'training-container/entrypoint.ts'], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, ...containerEnv, SM_BASE_DIR: base },
      timeout: 120_000,
    });

    const event = {
      version: '0',
      'detail-type': 'Batch Job State Change',
      source: 'aws.batch',
      detail: { jobName: submitted!.jobId, jobId: 'batch-123', status: 'SUCCEEDED', container: { exitCode: 0 } },
    };
    // The completion as the deployed function runs it: the platform's handler (policy manual on AWS).
    const platform = composePlatform(config, { events: new InProcessEventBus(), auditStream: uniqueId('audit') });
    const { registry } = platform;
    const out = await platform.retraining.complete(event);

    expect(out.outcome).toBe('awaiting-approval');
    const v = await registry.getVersion(model, 1);
    expect(v).toMatchObject({ trainingJobId: submitted!.jobId, author: 'bob', dataset: { name: dataset, version: 1 } });
    expect(await stores.buckets.artefacts.exists(v.artefacts.onnx.key)).toBe(true);
    platform.close();
  }, 120_000);

  it("stages an ensemble's members from S3 under the parent channel, and the SUCCEEDED event registers the ensemble", async () => {
    // Prepare: a GBDT and an MLP of one lineage, trained by the training job on one dataset and split
    const config = testConfig();
    const platform = composePlatform(config, { events: new InProcessEventBus(), auditStream: uniqueId('audit') });
    const { registry } = platform;
    const dataset = uniqueId('ens-toy').toLowerCase();
    const model = uniqueId('ens').toLowerCase();
    writeFileSync(path.join(tmp, 'ens.csv'), toyCsv({ rows: 900, seed: 5 }));
    await ingestDataset(platform.datasets, {
      name: dataset,
      sourcePath: path.join(tmp, 'ens.csv'),
      format: 'csv',
      labelColumn: 'Label',
      categorical: ['proto'],
    });
    const deps = platform.trainingJobDeps();
    const gbdt = await runTrainingJob(deps, {
      dataset,
      model,
      algorithm: 'gbdt',
      classes: 'fine',
      seed: 42,
      params: { nRounds: 12, maxDepth: 3 },
      author: 'bob',
    });
    const mlp = await runTrainingJob(deps, { dataset, model, algorithm: 'mlp', classes: 'fine', seed: 42, params: { maxEpochs: 6 }, author: 'bob' });
    const members = [
      { model, version: gbdt.version },
      { model, version: mlp.version },
    ];

    // Act: the launcher stages the members and hands Batch the job; the container runs with Batch's environment
    let submitted: TrainingJobSpec | undefined;
    const capture: TrainingBackend = { name: 'batch', start: async (spec) => ((submitted = spec), { backendJobId: 'batch-ens' }) };
    const launcher = new RetrainLauncher({
      jobs: stores.tables.jobs,
      backend: capture,
      resolveDataset: (name, version) => stageDatasetInput(stores.tables.datasets, stores.buckets.datasets, name, version),
      stageMembers: async (jobId, ms) =>
        stageEnsembleMembers(
          { artefacts: stores.buckets.artefacts, datasets: stores.buckets.datasets },
          jobId,
          await Promise.all(ms.map((m) => registry.getVersion(m.model, m.version))),
        ),
      config: { resolve: async () => ({ dataset, algorithm: 'ensemble', classes: 'fine', seed: 42, params: {}, ensemble: { members, method: 'weights' } }) },
    });
    const started = await launcher.handle({ type: 'EnsembleRequested', model, requestId: 'e1', actor: 'bob', members, method: 'weights' });
    expect(started.outcome).toBe('started');
    const request = submitJobRequest(submitted!, {
      jobQueue: 'q',
      jobDefinition: 'd',
      datasetsBucket: config.buckets.datasets,
      artefactsBucket: config.buckets.artefacts,
    });
    const containerEnv = Object.fromEntries((request.containerOverrides?.environment ?? []).map((e) => [e.name!, e.value!]));
    const base = path.join(tmp, 'opt-ml-ensemble');
    const { stdout } = await run(process.execPath, ['bin/run-ts.js', 'training-container/entrypoint.ts'], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, ...containerEnv, SM_BASE_DIR: base },
      timeout: 120_000,
    });
    const succeeded = {
      version: '0',
      'detail-type': 'Batch Job State Change',
      source: 'aws.batch',
      detail: { jobName: submitted!.jobId, jobId: 'batch-ens', status: 'SUCCEEDED', container: { exitCode: 0 } },
    };
    const out = await platform.retraining.complete(succeeded);

    // Assess: the members' files went through the parent channel's S3 prefix; the candidate is the ensemble of both
    expect(containerEnv[ENV_KEYS.containerParentChannel]).toBe(`s3://${config.buckets.datasets}/${stagedMembersPrefix(submitted!.jobId)}`);
    expect(stdout).toContain(`ensemble of ${model}@${gbdt.version},${model}@${mlp.version}`);
    expect(out.outcome).toBe('awaiting-approval');
    const v = await registry.getVersion(model, 3);
    expect(v).toMatchObject({ algorithm: 'ensemble', trainingKind: 'ensemble', trainingJobId: submitted!.jobId, author: 'bob' });
    // both members weighed (the method asked for reached the container), the weights on the simplex
    const summary = JSON.parse(Buffer.from(await stores.buckets.artefacts.get(v.artefacts.summary.key)).toString()) as {
      members: { model: string; version: number; weight: number }[];
      candidates: { name: string }[];
    };
    expect(summary.members.map((m) => `${m.model}@${m.version}`)).toEqual([`${model}@${gbdt.version}`, `${model}@${mlp.version}`]);
    expect(summary.candidates.map((c) => c.name)).toEqual(['best-member', 'weights']);
    expect(summary.members.reduce((a, m) => a + m.weight, 0)).toBeCloseTo(1, 9);
    const doc = JSON.parse(Buffer.from(await stores.buckets.artefacts.get(v.artefacts.model.key)).toString()) as EnsembleModelDocument;
    expect(doc.members.length).toBeGreaterThanOrEqual(1);
    platform.close();
  }, 180_000);
});
