// Ensemble chaining by lineage policy on `npm start` (a child process, driven over HTTP as a user
// would): an NSL-KDD lineage (GBDT v1, deployed) whose spec is set to chainEnsemble after retrains
// (and to other learner parameters, so the retrain is another model) → POST /api/ml/retrain → the
// retrain's candidate v2 is registered → the completion raises EnsembleRequested over production v1
// and v2 → the ensemble job runs on the local backend → v3, an ensemble of nsl@1 and nsl@2, through
// the gate and the lineage's policy (manual: awaiting approval) and audited; and it does not loop:
// the ensemble's own candidate chains nothing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasetPath, datasetsDir, describeWithData } from '../support/datasets';
import { http, isolatedEnv, startServe, waitFor, xdrCli, type Json, type ServedPlatform } from '../support/serve';

const TRAIN_ROWS = 4000;

interface EnsembleJob {
  jobId: string;
  state: string;
  version?: number;
  outcome?: string;
  requested: { members: string[]; method: string };
  members?: { model: string; version: number; weight: number }[];
}

describeWithData('ensemble chained after a retrain by lineage policy', ['nsl_kdd/KDDTrain+_20Percent.txt'], () => {
  jest.setTimeout(300_000);
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-ensemble-chain-'));
  const env = isolatedEnv(home, { XDR_ML_STAGE: 'chain', DATASETS_DIR: datasetsDir(), XDR_ML_RETRAIN_COOLDOWN_HOURS: '0' });
  let platform: ServedPlatform;
  const trainFile = path.join(home, 'nsl-train-subset.txt');

  const api = (route: string, method = 'GET', body?: unknown) => http(`${platform.url}${route}`, method, body);
  const cli = async (...args: string[]) => {
    const run = await xdrCli(env, args);
    if (run.code !== 0) throw new Error(`xdr-ml ${args.join(' ')} exited ${run.code ?? run.signal}: ${run.stderr}${run.stdout}`);
    return run.stdout;
  };
  const ensembleStatus = async () => (await api('/api/ml/ensemble/status?model=nslchain')).body as Json & { jobs: EnsembleJob[]; requests: Json[] };
  const versions = async () => ((await api('/api/ml/models/nslchain')).body.versions as Json[]).map((v) => ({ version: v.version, algorithm: v.algorithm }));

  beforeAll(async () => {
    const lines = readFileSync(datasetPath('nsl_kdd/KDDTrain+_20Percent.txt'), 'utf8').split('\n').filter(Boolean).slice(0, TRAIN_ROWS);
    writeFileSync(trainFile, `${lines.join('\n')}\n`);
    platform = await startServe(env);
    await cli('datasets', 'ingest', trainFile, '--name', 'nsl', '--format', 'nsl-kdd');
    await cli('train', '--dataset', 'nsl', '--model', 'nslchain', '--classes', 'kdd-category', '--seed', '7', '--param', 'nRounds=30');
    await cli('deploy', 'nslchain', '1');
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses a chainEnsemble setting it cannot follow, naming the field', async () => {
    const bad = await api('/api/ml/models/nslchain/spec', 'POST', { chainEnsemble: { after: ['federated'] }, reason: 'try' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/chainEnsemble\.after/);
    const extra = await api('/api/ml/models/nslchain/spec', 'POST', { chainEnsemble: { after: ['retrain'], extraMembers: 9 }, reason: 'try' });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body)).toMatch(/chainEnsemble\.extraMembers/);
  });

  it('a retrain candidate starts one ensemble of production and the candidate, which goes through the gate and the policy, and chains nothing itself', async () => {
    const spec = await api('/api/ml/models/nslchain/spec', 'POST', {
      chainEnsemble: { after: ['retrain'], method: 'auto' },
      params: { nRounds: 60, maxDepth: 3 },
      reason: 'combine each retrain with production',
    });
    expect(spec.status).toBe(200);
    expect(spec.body).toMatchObject({ chainEnsemble: { after: ['retrain'], method: 'auto' } });

    const retrain = await api('/api/ml/retrain', 'POST', { model: 'nslchain', requestId: 'chain-r1', reason: 'new parameters' });
    expect(retrain.status).toBe(202);
    const job = await waitFor(
      'the chained ensemble job',
      async () => (await ensembleStatus()).jobs.find((j) => j.state === 'Completed' || j.state === 'Failed'),
      240_000,
    );
    expect(job).toMatchObject({
      state: 'Completed',
      version: 3,
      outcome: 'awaiting-approval',
      requested: { members: ['nslchain@1', 'nslchain@2'], method: 'auto' },
    });
    expect(job.members!.reduce((a, m) => a + m.weight, 0)).toBeCloseTo(1, 6);
    expect((await api('/api/ml/models/nslchain')).body.aliases).toMatchObject({ production: { version: 1 } });

    // no loop: the ensemble's completion raises nothing; after a while there is still one ensemble job and three versions
    await new Promise((r) => setTimeout(r, 5000));
    const status = await ensembleStatus();
    expect(status.jobs).toHaveLength(1);
    expect(status.requests).toHaveLength(1);
    expect(await versions()).toEqual([
      { version: 1, algorithm: 'gbdt' },
      { version: 2, algorithm: 'gbdt' },
      { version: 3, algorithm: 'ensemble' },
    ]);

    const log = await waitFor(
      'the chained record and the ensemble completion in the audit log',
      async () => {
        await cli('audit', 'export');
        const text = readFileSync(path.join(home, 'change-control', 'audit-log.md'), 'utf8');
        return text.includes('ensemble.chained') && /training\.completed[\s\S]*"ensemble"/.test(text) ? text : undefined;
      },
      30_000,
    );
    const chained = log.split(/\n(?=## )/).filter((s) => s.startsWith('## ') && s.includes('ensemble.chained'));
    expect(chained).toHaveLength(1);
    expect(chained[0]).toContain('nslchain@1,nslchain@2');
    expect(chained[0]).toContain('lineage policy chainEnsemble after retrain');
    expect(JSON.parse(await cli('audit', 'verify', '--json'))).toMatchObject({ ok: true });
  });
});
