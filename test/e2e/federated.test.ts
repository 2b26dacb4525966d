// Federated learning on `npm start` (a child process, driven over HTTP and the CLI as a user would):
// three tenants each ingest their own NSL-KDD rows (every tenant a share of normal traffic, attack
// types dealt by name, so each sees different attacks) → POST /api/federated/runs → the server's
// coordinator starts one participant job per tenant on the local training backend (child processes
// of the training container, mode=federated) and runs the rounds over secure sums → a registered
// candidate (kind federated) → deployed → it serves. /api/federated/status shows every round;
// bad requests are refused with their reasons.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KDD_FEATURE_NAMES } from '../../core/datasets/kdd';
import { datasetPath, datasetsDir, describeWithData } from '../support/datasets';
import { http, isolatedEnv, startServe, waitFor, xdrCli, type ServedPlatform } from '../support/serve';

const ROWS = 4500;
const TENANTS = ['acme', 'globex', 'initech'];
const CATEGORICAL = new Set(['protocol_type', 'service', 'flag']);

interface RunStatus {
  runId: string;
  state: string;
  version?: number;
  failureReason?: string;
  participants: string[];
  roundsCompleted: number;
  rounds: { round: number; state: string; participants: string[]; dropouts: string[]; deadline: string; minParticipants: number }[];
}

describeWithData('federated learning across three tenants on one local platform', ['nsl_kdd/KDDTrain+_20Percent.txt', 'nsl_kdd/KDDTest+.txt'], () => {
  jest.setTimeout(600_000);
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-federated-'));
  // a 3-round federated GBDT on fine NSL-KDD labels: the gate's floor is lowered so the candidate can deploy
  const env = isolatedEnv(home, { XDR_ML_STAGE: 'federated', DATASETS_DIR: datasetsDir(), XDR_ML_MIN_MACRO_F1: '0.1' });
  let platform: ServedPlatform;
  const api = (route: string, method = 'GET', body?: unknown) => http(`${platform.url}${route}`, method, body);
  const cli = async (...args: string[]) => {
    const run = await xdrCli(env, args);
    if (run.code !== 0) throw new Error(`xdr-ml ${args.join(' ')} exited ${run.code ?? run.signal}: ${run.stderr}${run.stdout}`);
    return run.stdout;
  };
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
    const lines = readFileSync(datasetPath('nsl_kdd/KDDTrain+_20Percent.txt'), 'utf8').split('\n').filter(Boolean).slice(0, ROWS);
    const parts: string[][] = TENANTS.map(() => []);
    let normal = 0;
    for (const line of lines) {
      const label = line.split(',')[41];
      // normal traffic dealt evenly; each attack type to one tenant (by its name's first letter)
      const t = label === 'normal' ? normal++ % TENANTS.length : label.charCodeAt(0) % TENANTS.length;
      parts[t].push(line);
    }
    platform = await startServe(env);
    for (const [i, tenant] of TENANTS.entries()) {
      const file = path.join(home, `${tenant}.txt`);
      writeFileSync(file, `${parts[i].join('\n')}\n`);
      await cli('datasets', 'ingest', file, '--name', 'flows', '--format', 'nsl-kdd', '--tenant', tenant);
    }
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    if (process.env.KEEP_E2E_HOME !== '1') rmSync(home, { recursive: true, force: true });
  });

  it('refuses bad runs with their reasons', async () => {
    const one = await api('/api/federated/runs', 'POST', { model: 'fed', dataset: 'flows', tenants: ['acme'], algorithm: 'gbdt' });
    expect(one.status).toBe(400);
    expect(JSON.stringify(one.body)).toContain('at least two tenants');
    const unknown = await api('/api/federated/runs', 'POST', { model: 'fed', dataset: 'flows', tenants: ['acme', 'umbrella'], algorithm: 'gbdt' });
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain('umbrella');
    const dp = await api('/api/federated/runs', 'POST', {
      model: 'fed',
      dataset: 'flows',
      tenants: TENANTS,
      algorithm: 'gbdt',
      dp: { epsilon: 8, delta: 1e-5 },
    });
    expect(dp.status).toBe(400);
    expect(JSON.stringify(dp.body)).toContain('mlp');
  });

  it('runs three tenants over HTTP to a registered candidate that deploys and serves; the status shows every round', async () => {
    // Act
    const started = await api('/api/federated/runs', 'POST', { model: 'fed', dataset: 'flows', tenants: TENANTS, algorithm: 'gbdt', rounds: 3 });
    expect(started.status).toBe(202);
    const runId = started.body.runId as string;
    const again = await api('/api/federated/runs', 'POST', { model: 'fed', dataset: 'flows', tenants: TENANTS, algorithm: 'gbdt', rounds: 3 });
    expect(again.status).toBe(409);
    const run = await waitFor(
      `federated run ${runId}`,
      async () => {
        const [r] = (await api(`/api/federated/status?runId=${runId}`)).body.runs as unknown as RunStatus[];
        return r.state === 'completed' || r.state === 'failed' ? r : undefined;
      },
      480_000,
    );
    // Assess: every round recorded with every tenant, none dropped
    expect(run.failureReason).toBeUndefined();
    expect(run.state).toBe('completed');
    expect(run.roundsCompleted).toBe(3);
    expect(run.rounds.map((r) => [r.round, r.state, r.participants, r.dropouts])).toEqual([0, 1, 2].map((r) => [r, 'closed', [...TENANTS].sort(), []]));
    expect(run.rounds.every((r) => r.minParticipants === 2 && !Number.isNaN(Date.parse(r.deadline)))).toBe(true);
    // a registered candidate of the lineage, with its spec and figures from the tenants' held-out rows
    const version = run.version as number;
    expect(version).toBe(1);
    const registered = await api(`/api/ml/models/fed/versions/${version}`);
    expect(registered.status).toBe(200);
    expect(JSON.stringify(registered.body)).toContain('"trainingKind":"federated"');
    // deployed through the gate, it serves
    await cli('deploy', 'fed', String(version));
    const predict = await api('/api/ml/predict', 'POST', { model: 'fed', flows: flows(10) });
    expect(predict.status).toBe(200);
    expect(predict.body).toMatchObject({ model: 'fed', modelVersion: version });
    // the CLI's status shows the run
    const status = JSON.parse(await cli('federated', 'status', '--json')) as { runs: RunStatus[] };
    expect(status.runs.map((r) => r.runId)).toContain(runId);
  });

  it("adapts the deployed federated model into a tenant's variant that answers that tenant's requests; others get the global model", async () => {
    // Prepare: the federated candidate of the previous test serves production
    const production = (await api('/api/ml/predict', 'POST', { model: 'fed', flows: flows(1) })).body.modelVersion as number;
    expect(production).toBe(1);
    // refusals name what is wrong: a malformed tenant id (400), a tenant without the dataset (404)
    const malformed = await api('/api/ml/online-learning/adapt', 'POST', { model: 'fed', tenant: 'Acme!' });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toContain('tenant');
    const unknown = await api('/api/ml/online-learning/adapt', 'POST', { model: 'fed', tenant: 'umbrella' });
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain('umbrella');

    // Act: over HTTP, a tenant variant for acme, adapted in acme's context on its own rows
    const queued = await api('/api/ml/online-learning/adapt', 'POST', { model: 'fed', tenant: 'acme', requestId: 'variant-acme-1', reason: 'acme traffic' });
    expect(queued.status).toBe(202);
    const jobId = queued.body.jobId as string;
    const job = await waitFor(
      `variant job ${jobId}`,
      async () => {
        const status = (await api('/api/ml/status?model=fed')).body as unknown as {
          models: { jobs: { jobId: string; state: string; registeredVersion?: number; failureReason?: string }[] }[];
        };
        const j = status.models[0].jobs.find((x) => x.jobId === jobId);
        return j && (j.state === 'Completed' || j.state === 'Failed') ? j : undefined;
      },
      300_000,
    );
    expect(job.failureReason).toBeUndefined();
    const variant = job.registeredVersion as number;
    expect(variant).toBe(production + 1);
    const { record } = (await api(`/api/ml/models/fed/versions/${variant}`)).body as unknown as {
      record: { parentVersion?: number; trainingKind?: string; tenant?: string; artefacts: Record<string, unknown> };
    };
    expect(record).toMatchObject({ parentVersion: production, trainingKind: 'online-adaptation', tenant: 'acme' });
    // no tenant row left acme's prefix: the variant's bundle holds neither replay nor evaluation rows
    expect(record.artefacts.replay).toBeUndefined();
    expect(record.artefacts.evaluation).toBeUndefined();

    // a variant never serves production; it deploys (through the gate, against its parent on acme's held-out rows) to tenant-acme
    const wrong = await api('/api/ml/models/fed/deploy', 'POST', { version: variant });
    expect(wrong.status).toBe(409);
    expect(JSON.stringify(wrong.body)).toContain('tenant-acme');
    const deployed = JSON.parse(await cli('deploy', 'fed', String(variant), '--alias', 'tenant-acme', '--json')) as {
      gate: { passed: boolean; checks: { name: string; detail: string }[] };
    };
    expect(deployed.gate.passed).toBe(true);
    expect(deployed.gate.checks.find((c) => c.name === 'max-recall-drop')?.detail).toContain("tenant acme's");

    // Assess: acme's requests are answered by its variant, everyone else's by the global model
    const mine = await api('/api/ml/predict', 'POST', { model: 'fed', tenant: 'acme', flows: flows(5) });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ model: 'fed', modelVersion: variant, alias: 'tenant-acme', tenant: 'acme' });
    const global = await api('/api/ml/predict', 'POST', { model: 'fed', flows: flows(5) });
    expect(global.body).toMatchObject({ modelVersion: production, alias: 'production' });
    const other = await api('/api/ml/predict', 'POST', { model: 'fed', tenant: 'globex', flows: flows(5) });
    expect(other.body).toMatchObject({ modelVersion: production, alias: 'production', tenant: 'globex' });
    const bad = await api('/api/ml/predict', 'POST', { model: 'fed', tenant: 'not a tenant', flows: flows(1) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('tenant');
  });

  it('runs FedAvg from the CLI (the server coordinates) and prints the candidate with its rounds and participants', async () => {
    const answer = JSON.parse(
      await cli('federated', 'run', '--model', 'fedmlp', '--dataset', 'flows', '--tenants', TENANTS.join(','), '--algorithm', 'mlp', '--rounds', '2', '--json'),
    ) as { model: string; version: number; rounds: number; participants: string[]; metrics: { macroF1: number; rows: number }; privacy: unknown };
    expect(answer).toMatchObject({ model: 'fedmlp', version: 1, rounds: 2, participants: TENANTS, privacy: null });
    expect(answer.metrics.rows).toBeGreaterThan(0);
    expect(answer.metrics.macroF1).toBeGreaterThan(0);
  });
});
