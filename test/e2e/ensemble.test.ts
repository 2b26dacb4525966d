// Ensemble optimisation on `npm start` (a child process, driven over HTTP, the local event bus and
// the CLI as a user would): an NSL-KDD lineage with a GBDT (v1, deployed) and an MLP (v2) trained on
// the same 4,000 rows of KDDTrain+ with one seed, so they share their held-out rows →
// POST /api/ml/ensemble/optimize → the local training backend runs the container in mode=ensemble →
// a candidate version (kind ensemble) with its members, weights and figures, awaiting approval;
// deployed through the gate it serves; the CLI and EnsembleRequested through the bus do the same;
// members in another class space are refused with the reason. A lineage with one version only gets
// its other members from `extraMembers` (trained by the job on that version's dataset and split),
// over HTTP and from the CLI.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KDD_FEATURE_NAMES } from '../../core/datasets/kdd';
import { datasetPath, datasetsDir, describeWithData } from '../support/datasets';
import { http, isolatedEnv, startServe, waitFor, xdrCli, type Json, type ServedPlatform } from '../support/serve';

const TRAIN_ROWS = 4000;
const CATEGORICAL = new Set(['protocol_type', 'service', 'flag']);

interface Member {
  model: string;
  version: number;
  weight: number;
  metrics: { macroF1: number; accuracy: number; logLoss: number };
}
interface EnsembleJob {
  jobId: string;
  state: string;
  version?: number;
  outcome?: string;
  failureReason?: string;
  requested: { members: string[]; method: string; extraMembers?: number };
  members?: Member[];
  metrics?: { macroF1: number; accuracy: number; logLoss: number };
  bestMember?: Member;
}

describeWithData('ensemble optimisation on one local platform', ['nsl_kdd/KDDTrain+_20Percent.txt', 'nsl_kdd/KDDTest+.txt'], () => {
  jest.setTimeout(300_000);
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-ensemble-'));
  const env = isolatedEnv(home, { XDR_ML_STAGE: 'ensemble', DATASETS_DIR: datasetsDir(), XDR_ML_RETRAIN_COOLDOWN_HOURS: '0' });
  let platform: ServedPlatform;
  const trainFile = path.join(home, 'nsl-train-subset.txt');

  const api = (route: string, method = 'GET', body?: unknown) => http(`${platform.url}${route}`, method, body);
  const cli = async (...args: string[]) => {
    const run = await xdrCli(env, args);
    if (run.code !== 0) throw new Error(`xdr-ml ${args.join(' ')} exited ${run.code ?? run.signal}: ${run.stderr}${run.stdout}`);
    return run.stdout;
  };
  const ensembleJobs = async (): Promise<EnsembleJob[]> => (await api('/api/ml/ensemble/status?model=nsl')).body.jobs as EnsembleJob[];
  const finished = (jobId: string) =>
    waitFor(
      `ensemble job ${jobId}`,
      async () => (await ensembleJobs()).find((j) => j.jobId === jobId && (j.state === 'Completed' || j.state === 'Failed')),
      180_000,
    );
  /** KDDTest+ rows (another capture) as flows. */
  const flows = (count: number) =>
    readFileSync(datasetPath('nsl_kdd/KDDTest+.txt'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(0, count)
      .map((line) => {
        const fields = line.split(',');
        return Object.fromEntries(KDD_FEATURE_NAMES.map((name, j) => [name, CATEGORICAL.has(name) ? fields[j] : Number(fields[j])]));
      });

  beforeAll(async () => {
    const lines = readFileSync(datasetPath('nsl_kdd/KDDTrain+_20Percent.txt'), 'utf8').split('\n').filter(Boolean).slice(0, TRAIN_ROWS);
    writeFileSync(trainFile, `${lines.join('\n')}\n`);
    platform = await startServe(env);
    await cli('datasets', 'ingest', trainFile, '--name', 'nsl', '--format', 'nsl-kdd');
    await cli('train', '--dataset', 'nsl', '--model', 'nsl', '--classes', 'kdd-category', '--seed', '7');
    await cli('train', '--dataset', 'nsl', '--model', 'nsl', '--algorithm', 'mlp', '--classes', 'kdd-category', '--seed', '7');
    // the same rows in another class space (fine labels): it cannot join nsl's ensembles
    await cli('train', '--dataset', 'nsl', '--model', 'nslfine', '--classes', 'fine', '--seed', '7', '--param', 'nRounds=20');
    await cli('deploy', 'nsl', '1');
    // a lineage with one version: an ensemble needs extra members
    await cli('train', '--dataset', 'nsl', '--model', 'nslone', '--classes', 'kdd-category', '--seed', '7', '--param', 'nRounds=30');
    await cli('deploy', 'nslone', '1');
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses members in another class space, an unknown member and bad input, and says why', async () => {
    const mismatch = await api('/api/ml/ensemble/optimize', 'POST', {
      model: 'nsl',
      members: [
        { model: 'nsl', version: 1 },
        { model: 'nslfine', version: 1 },
      ],
    });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body).toMatchObject({ accepted: false, error: 'member-mismatch' });
    expect(mismatch.body.message).toMatch(/nslfine@1 answers in another class space than nsl@1/);
    const unknown = await api('/api/ml/ensemble/optimize', 'POST', {
      model: 'nsl',
      members: [
        { model: 'nsl', version: 1 },
        { model: 'nsl', version: 9 },
      ],
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/nsl@9 is not a registered version/);
    const bad = await api('/api/ml/ensemble/optimize', 'POST', { model: 'nsl', method: 'vote' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/method/);
    expect((await api('/api/ml/ensemble/status?model=nope')).status).toBe(404);
    expect(await ensembleJobs()).toEqual([]);
  });

  it('optimises production and its compatible versions over HTTP: a candidate with members, weights and figures; deployed through the gate, it serves', async () => {
    const queued = await api('/api/ml/ensemble/optimize', 'POST', { model: 'nsl', requestId: 'first', reason: 'combine the GBDT and the MLP' });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ accepted: true, model: 'nsl', requestId: 'first', status: '/api/ml/ensemble/status?model=nsl' });
    const job = await finished(queued.body.jobId as string);
    expect(job).toMatchObject({ state: 'Completed', version: 3, outcome: 'awaiting-approval', requested: { members: ['nsl@1', 'nsl@2'], method: 'auto' } });
    const weights = job.members!.map((m) => m.weight);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(job.members!.map((m) => `${m.model}@${m.version}`)).toEqual(['nsl@1', 'nsl@2']);
    expect(job.bestMember).toBeDefined();
    // never worse than the best member on the held-out rows it was optimised for; figures on the other half
    expect(job.metrics!.macroF1).toBeGreaterThan(0.5);
    expect(job.metrics!.logLoss).toBeGreaterThan(0);

    const model = await api('/api/ml/models/nsl');
    expect((model.body.versions as Json[]).find((v) => v.version === 3)).toMatchObject({ algorithm: 'ensemble', trainingKind: 'ensemble' });
    const deploy = await api('/api/ml/models/nsl/deploy', 'POST', { version: 3 });
    expect(deploy.status).toBe(200);
    const predict = await api('/api/ml/predict', 'POST', { model: 'nsl', flows: flows(20) });
    expect(predict.status).toBe(200);
    expect(predict.body).toMatchObject({ model: 'nsl', modelVersion: 3 });
    expect(predict.body.predictions as Json[]).toHaveLength(20);

    // production is now an ensemble: the default members cannot be built around it
    const refused = await api('/api/ml/ensemble/optimize', 'POST', { model: 'nsl', requestId: 'around-an-ensemble' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/nsl@3 \(production\) is itself an ensemble: name the members/);
  });

  it('from the CLI: `xdr-ml ensemble optimize --json` waits for the job and prints the candidate; usage errors exit 2, refusals 1', async () => {
    const usage = await xdrCli(env, ['ensemble', 'optimize', '--model', 'nsl', '--members', 'nsl@1']);
    expect({ code: usage.code, stderr: usage.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/--members needs at least two versions/) });
    const badMethod = await xdrCli(env, ['ensemble', 'optimize', '--model', 'nsl', '--method', 'vote']);
    expect(badMethod.code).toBe(2);
    const refused = await xdrCli(env, ['ensemble', 'optimize', '--model', 'nsl', '--members', 'nsl@1,nslfine@1', '--json']);
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({
      code: 1,
      stderr: expect.stringMatching(/refused \(member-mismatch\): .*nslfine@1 answers in another class space/),
    });

    const answer = JSON.parse(await cli('ensemble', 'optimize', '--model', 'nsl', '--members', 'nsl@1,nsl@2', '--method', 'weights', '--json')) as Json & {
      members: Member[];
      metrics: { macroF1: number; logLoss: number };
      bestMember: Member;
    };
    expect(answer).toMatchObject({ model: 'nsl', version: 4, outcome: 'awaiting-approval' });
    expect(answer.members.map((m) => [m.model, m.version])).toEqual([
      ['nsl', 1],
      ['nsl', 2],
    ]);
    expect(answer.members.reduce((a, m) => a + m.weight, 0)).toBeCloseTo(1, 6);
    expect(['weights', 'best-member']).toContain(answer.method);
    expect(answer.metrics.macroF1).toBeGreaterThan(0.5);
    expect(answer.bestMember).toMatchObject({ model: 'nsl' });
    expect(await cli('ensemble', 'status', '--model', 'nsl')).toMatch(/nsl: production v3; ensemble versions v3, v4/);
  });

  it('EnsembleRequested delivered through the bus as EventBridge would (twice: one job), audited with members and weights', async () => {
    const send = () =>
      api('/local/events', 'POST', {
        detailType: 'EnsembleRequested',
        detail: {
          model: 'nsl',
          requestId: 'bus',
          actor: 'analyst@example.com',
          members: [
            { model: 'nsl', version: 2 },
            { model: 'nsl', version: 1 },
          ],
          method: 'selection',
        },
      });
    for (let i = 0; i < 2; i++) expect((await send()).status).toBe(202);
    const job = await waitFor(
      'the bus job',
      async () => (await ensembleJobs()).find((j) => j.requested.members.join(',') === 'nsl@2,nsl@1' && (j.state === 'Completed' || j.state === 'Failed')),
      180_000,
    );
    expect(job).toMatchObject({ state: 'Completed', version: 5, requested: { method: 'selection' } });
    const status = (await api('/api/ml/ensemble/status?model=nsl')).body as Json & { requests: { outcome: string }[]; jobs: EnsembleJob[] };
    expect(status.jobs.filter((j) => j.requested.members.join(',') === 'nsl@2,nsl@1')).toHaveLength(1);
    expect(status.requests.map((r) => r.outcome)).toEqual(expect.arrayContaining(['duplicate', 'refused']));
    expect(JSON.parse(await cli('audit', 'verify', '--json'))).toMatchObject({ ok: true });
    // the job reads Completed just before its training.completed record is appended; `audit export` renders the log
    const completions = await waitFor(
      'three ensemble completion records',
      async () => {
        await cli('audit', 'export');
        const log = readFileSync(path.join(home, 'change-control', 'audit-log.md'), 'utf8');
        const sections = log.split(/\n(?=## )/).filter((section) => section.includes('training.completed') && section.includes('"ensemble"'));
        return sections.length >= 3 ? sections : undefined;
      },
      30_000,
    );
    for (const section of completions) for (const key of ['members', 'weight', 'bestMember', 'method']) expect(section).toContain(`"${key}"`);
  });
  it('extraMembers: a lineage with one version gets the other family (and a loss-guided GBDT) trained by the job, over HTTP and from the CLI', async () => {
    const jobsOf = async (model: string): Promise<EnsembleJob[]> => (await api(`/api/ml/ensemble/status?model=${model}`)).body.jobs as EnsembleJob[];
    const alone = await api('/api/ml/ensemble/optimize', 'POST', { model: 'nslone' });
    expect(alone.status).toBe(409);
    expect(alone.body).toMatchObject({ error: 'too-few-members' });
    const tooMany = await api('/api/ml/ensemble/optimize', 'POST', { model: 'nslone', extraMembers: 4 });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body)).toMatch(/extraMembers/);

    const queued = await api('/api/ml/ensemble/optimize', 'POST', { model: 'nslone', extraMembers: 1, requestId: 'extra-http' });
    expect(queued.status).toBe(202);
    const job = await waitFor(
      'the extra-members job',
      async () => (await jobsOf('nslone')).find((j) => j.jobId === queued.body.jobId && (j.state === 'Completed' || j.state === 'Failed')),
      180_000,
    );
    expect(job).toMatchObject({ state: 'Completed', version: 2, requested: { members: ['nslone@1'], extraMembers: 1 } });
    expect(job.members!.map((m) => `${m.model}@${m.version}`)).toEqual(['nslone@1', 'extra-mlp@0']);
    expect(job.members!.reduce((a, m) => a + m.weight, 0)).toBeCloseTo(1, 6);

    const usage = await xdrCli(env, ['ensemble', 'optimize', '--model', 'nslone', '--members', 'nslone@1', '--extra-members', '9']);
    expect({ code: usage.code, stderr: usage.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/--extra-members must be at most 3/) });
    const answer = JSON.parse(await cli('ensemble', 'optimize', '--model', 'nslone', '--members', 'nslone@1', '--extra-members', '2', '--json')) as Json & {
      members: Member[];
    };
    expect(answer).toMatchObject({ model: 'nslone', version: 3, outcome: 'awaiting-approval' });
    expect(answer.members.map((m) => `${m.model}@${m.version}`)).toEqual(['nslone@1', 'extra-mlp@0', 'extra-gbdt-lossguide@0']);
    expect(answer.members.reduce((a, m) => a + m.weight, 0)).toBeCloseTo(1, 6);
  });
});
