// `xdr-ml datasets ingest FILE --name D --tenant T` as a child process against the embedded cloud:
// a tenant's dataset is stored as tenants/<T>/<D>, its chunks under the tenant's own prefix (which
// only that tenant's participant role may read on AWS), and a shared dataset of the same name is a
// different dataset. Bad tenant ids are usage errors naming the flag.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DatasetManifest } from '../../core/datasets';
import { stageDatasetInput } from '../../core/retraining/dataset-input';
import { stageInputsFromS3 } from '../../training-container/s3-staging';
import { contractPaths } from '../../training-container/sagemaker-contract';
import { datasetPath, describeWithData } from '../support/datasets';
import { closeStores, testStores, uniqueId } from '../support/platform';

const ROOT = path.resolve(__dirname, '..', '..');
const FILE = 'cicids2017/cic_ids2017_multiclass.csv.gz';

function xdr(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/xdr-ml.js', ...args], { cwd: ROOT, env: process.env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

async function json<T>(args: readonly string[]): Promise<T> {
  const run = await xdr([...args, '--json']);
  if (run.code !== 0) throw new Error(`xdr-ml ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

describeWithData('xdr-ml datasets ingest --tenant on real CICIDS2017 rows', [FILE], () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));
  const name = uniqueId('flows');
  const tenant = uniqueId('acme');

  it("stores a tenant's dataset under its own prefix, apart from a shared dataset of the same name", async () => {
    const owned = await json<DatasetManifest>(['datasets', 'ingest', datasetPath(FILE), '--name', name, '--tenant', tenant]);
    expect(owned).toMatchObject({ name: `tenants/${tenant}/${name}`, tenant, version: 1, rowCount: 9971 });
    expect(owned.chunks.length).toBeGreaterThan(0);
    for (const chunk of owned.chunks) {
      expect(chunk.key).toMatch(new RegExp(`^tenants/${tenant}/datasets/${name}/[0-9a-f]{64}\\.parquet$`));
      expect(await stores.buckets.datasets.exists(chunk.key)).toBe(true);
    }
    expect(await stores.buckets.datasets.list(`datasets/${name}/`)).toEqual([]);

    const shown = await json<DatasetManifest>(['datasets', 'show', name, '--tenant', tenant]);
    expect(shown).toEqual(owned);
    const shown404 = await xdr(['datasets', 'show', name]);
    expect(shown404.code).not.toBe(0);
    expect(shown404.stderr).toContain(`unknown dataset "${name}"`);

    const shared = await json<DatasetManifest>(['datasets', 'ingest', datasetPath(FILE), '--name', name]);
    expect(shared).toMatchObject({ name, version: 1 });
    expect(shared.tenant).toBeUndefined();
    expect(shared.chunks.every((c) => c.key.startsWith(`datasets/${name}/`))).toBe(true);
  });

  it("stages a tenant's dataset for its job under the tenant's own prefixes, and the container (AWS Batch staging) reads every chunk", async () => {
    const stored = `tenants/${tenant}/${name}`;
    const input = await stageDatasetInput(stores.tables.datasets, stores.buckets.datasets, stored);
    // the training channel is where the chunks are (the participant role reads tenants/<t>/* only)
    expect(input.chunkPrefix).toBe(`tenants/${tenant}/datasets/${name}/`);
    expect(input.manifestKey).toBe(`manifests/tenants/${tenant}/${name}/v1.json`);
    const manifest = JSON.parse(Buffer.from(await stores.buckets.datasets.get(input.manifestKey)).toString('utf8')) as DatasetManifest;
    expect(manifest.chunks.every((c) => c.key.startsWith(input.chunkPrefix))).toBe(true);

    // the channels exactly as the Batch backend hands them to the container
    const base = await mkdtemp(path.join(os.tmpdir(), 'xdr-tenant-stage-'));
    try {
      const staged = await stageInputsFromS3(
        {
          hyperparameters: JSON.stringify({ tenant }),
          trainingChannel: `s3://datasets/${input.chunkPrefix}`,
          manifestChannel: `s3://datasets/${input.manifestKey}`,
          outputUri: `s3://artefacts/training-output/job-1/`,
        },
        base,
        () => stores.buckets.datasets,
      );
      expect(staged).toEqual({ outputUri: 's3://artefacts/training-output/job-1/' });
      const files = await readdir(contractPaths(base).training);
      expect(files.sort()).toEqual(manifest.chunks.map((c) => path.posix.basename(c.key)).sort());
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('refuses a tenant id that breaks the rule, naming the flag', async () => {
    const run = await xdr(['datasets', 'ingest', datasetPath(FILE), '--name', name, '--tenant', 'Bad_Tenant']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--tenant "Bad_Tenant" must be a tenant id');
  });
});
