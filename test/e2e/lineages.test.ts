// Two lineages on one `npm start` (the local platform as a child process, driven over HTTP and the
// CLI as a user would): CICIDS2017 with fine labels (gbdt) and NSL-KDD with fine labels (mlp).
// Each lineage retrains on its own dataset, class space and family; the gate refuses a candidate
// with another feature schema unless forced with a reason; POST /retrain answers honestly; rows
// collected for a lineage reach the retrain the volume trigger starts; prediction ids are the
// server's; a corrupt production artefact on a fresh process is quarantined and the last healthy
// version serves.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KDD_FEATURE_NAMES } from '../../core/datasets/kdd';
import { loadDataset, loadManifest } from '../../core/pipeline';
import { SeededRandom } from '../../core/util/random';
import { flowOf } from '../../local/example-flows';
import { openPlatform } from '../../platform/open';
import { datasetPath, datasetsDir, describeWithData } from '../support/datasets';
import { http, isolatedEnv, startServe, waitFor, xdrCli, type Json, type ServedPlatform } from '../support/serve';

const NSL_ROWS = 4000;
const COLLECTED = 120;
const CATEGORICAL = new Set(['protocol_type', 'service', 'flag']);

interface JobJson {
  jobId: string;
  state: string;
  trigger: string;
  outcome?: string;
  registeredVersion?: number;
  training?: { dataset: string; algorithm: string; classes: string; extraDatasets?: { name: string; version: number }[] };
  collected?: { dataset: string; rows: number };
}
interface LineageStatus {
  model: string;
  production: number | null;
  jobs: JobJson[];
  triggers: { trigger: string; outcome: string; why: string }[];
}

describeWithData('two lineages on one local platform', ['cicids2017/cic_ids2017_multiclass.csv.gz', 'nsl_kdd/KDDTrain+_20Percent.txt'], () => {
  jest.setTimeout(300_000);
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-lineages-'));
  const env = isolatedEnv(home, { XDR_ML_STAGE: 'lineages', DATASETS_DIR: datasetsDir(), XDR_ML_DATA_VOLUME_THRESHOLD: String(COLLECTED) });
  let platform: ServedPlatform;
  const nslLines = readFileSync(datasetPath('nsl_kdd/KDDTrain+_20Percent.txt'), 'utf8').split('\n').filter(Boolean).slice(0, NSL_ROWS);
  const nslFile = path.join(home, 'nsl-subset.txt');

  const api = (route: string, method = 'GET', body?: unknown, headers?: Record<string, string>) => http(`${platform.url}${route}`, method, body, headers);
  const cli = async (...args: string[]) => {
    const run = await xdrCli(env, args);
    if (run.code !== 0) throw new Error(`xdr-ml ${args.join(' ')} exited ${run.code ?? run.signal}: ${run.stderr}${run.stdout}`);
    return run.stdout;
  };
  const lineage = async (model: string): Promise<LineageStatus> => {
    const s = await api(`/api/ml/status?model=${model}`);
    return (s.body.models as LineageStatus[]).find((m) => m.model === model)!;
  };
  const settledJobs = (model: string, count: number) =>
    waitFor(
      `${count} finished job(s) of ${model}`,
      async () => {
        const jobs = (await lineage(model)).jobs;
        return jobs.length >= count && jobs.every((j) => j.state === 'Completed' || j.state === 'Failed') ? jobs : undefined;
      },
      180_000,
    );
  /** NSL-KDD rows as JSON flows (the 41 named features), numeric ones scaled by `scale`. */
  const nslFlows = (from: number, count: number, scale: () => number = () => 1) =>
    nslLines.slice(from, from + count).map((line) => {
      const fields = line.split(',');
      return Object.fromEntries(KDD_FEATURE_NAMES.map((name, j) => [name, CATEGORICAL.has(name) ? fields[j] : Number(fields[j]) * scale()]));
    });

  beforeAll(async () => {
    writeFileSync(nslFile, `${nslLines.join('\n')}\n`);
    platform = await startServe(env);
    await cli('datasets', 'ingest', datasetPath('cicids2017/cic_ids2017_multiclass.csv.gz'), '--name', 'cicids', '--format', 'cicids2017');
    await cli('datasets', 'ingest', nslFile, '--name', 'nsl', '--format', 'nsl-kdd');
    // trained with the validation search: the lineage's retrains run it too (spec → job → container hyperparameter)
    await cli('train', '--dataset', 'cicids', '--model', 'cicids', '--classes', 'fine', '--seed', '7', '--tune', 'fast');
    await cli('train', '--dataset', 'nsl', '--model', 'nsl', '--algorithm', 'mlp', '--classes', 'fine', '--seed', '7');
    await cli('deploy', 'cicids', '1');
    await cli('deploy', 'nsl', '1');
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('retrains the drifted NSL-KDD lineage on its own dataset, classes and family, and waits for a person', async () => {
    const rnd = new SeededRandom(5);
    const shifted = nslFlows(0, 400, () => 5 + 5 * rnd.next());
    for (let i = 0; i < shifted.length; i += 100) {
      const scored = await api('/api/ml/predict', 'POST', { model: 'nsl', flows: shifted.slice(i, i + 100) });
      expect(scored.status).toBe(200);
      expect(scored.body).toMatchObject({ model: 'nsl', modelVersion: 1 });
    }
    const check = await api('/api/ml/drift/check', 'POST', { model: 'nsl' });
    expect(check.status).toBe(200);
    expect((check.body.events as { detailType: string }[]).map((e) => e.detailType)).toContain('DriftDetected');

    const [job] = await settledJobs('nsl', 1);
    expect(job).toMatchObject({
      state: 'Completed',
      trigger: 'DriftDetected',
      outcome: 'awaiting-approval',
      registeredVersion: 2,
      training: { dataset: 'nsl', algorithm: 'mlp', classes: 'fine' },
    });
    const nsl = (await api('/api/ml/models/nsl')).body as { versions: Json[]; spec: Json };
    const [v1, v2] = nsl.versions as { algorithm: string; classes: string[]; dataset: { name: string } }[];
    expect(v2).toMatchObject({ algorithm: 'mlp', dataset: { name: 'nsl' } });
    expect(v2.classes).toEqual(v1.classes);
    expect(nsl.spec).toMatchObject({ dataset: { name: 'nsl', versionPolicy: 'latest' }, classSpace: 'fine', algorithm: 'mlp' });

    // the default policy is manual: production stays, and the other lineage was never touched
    expect((await lineage('nsl')).production).toBe(1);
    const cicids = await lineage('cicids');
    expect(cicids).toMatchObject({ production: 1, jobs: [] });
    expect((await api('/api/ml/status')).body.autoRetrain).toBeDefined();
  });

  it('answers POST /retrain honestly: 404 unknown, 409 in cooldown, 202 with a job id when forced', async () => {
    const unknown = await api('/api/ml/retrain', 'POST', { model: 'no-such-model' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ accepted: false });
    expect((await api('/api/ml/models')).body.models).toHaveLength(2); // no lineage was created

    const cooldown = await api('/api/ml/retrain', 'POST', { model: 'nsl', reason: 'try again' });
    expect(cooldown.status).toBe(409);
    expect(cooldown.body).toMatchObject({ accepted: false, error: 'cooldown' });
    expect(String(cooldown.body.message)).toMatch(/force: true overrides the cooldown/);

    const forced = await api('/api/ml/retrain', 'POST', { model: 'nsl', reason: 'analyst asked', force: true });
    expect(forced.status).toBe(202);
    const jobId = String(forced.body.jobId);
    expect((await lineage('nsl')).jobs.map((j) => j.jobId)).toContain(jobId);
    const jobs = await settledJobs('nsl', 2);
    expect(jobs.find((j) => j.jobId === jobId)).toMatchObject({ state: 'Completed', trigger: 'ManualRetrain', training: { dataset: 'nsl' } });
    // every trigger, accepted or refused, with why
    const outcomes = (await lineage('nsl')).triggers.map((t) => `${t.trigger}:${t.outcome}`);
    expect(outcomes).toEqual(expect.arrayContaining(['DriftDetected:queued', 'ManualRetrain:cooldown', 'ManualRetrain:queued']));
  });

  it('refuses to deploy a candidate trained on another dataset, unless forced with a reason (audited)', async () => {
    const trained = JSON.parse(await cli('train', '--dataset', 'cicids', '--model', 'nsl', '--classes', 'fine', '--json')) as { version: number };
    const refused = await api('/api/ml/models/nsl/deploy', 'POST', { version: trained.version });
    expect(refused.status).toBe(409);
    expect(String(refused.body.message)).toMatch(/features differ from version 1: 41 feature\(s\) dropped/);
    expect(String(refused.body.message)).toMatch(/class space differs from version 1/);
    expect((await api('/api/ml/models/nsl/deploy', 'POST', { version: trained.version, force: true })).status).toBe(400); // no reason
    const forced = await api('/api/ml/models/nsl/deploy', 'POST', { version: trained.version, force: true, reason: 'e2e: knowingly switching schema' });
    expect(forced.status).toBe(200);
    expect((await lineage('nsl')).production).toBe(trained.version);
    const audit = await cli('audit', 'export', '--out', path.join(home, 'audit.md'));
    expect(audit).toBeDefined();
    const log = readFileSync(path.join(home, 'audit.md'), 'utf8');
    expect(log).toMatch(/e2e: knowingly switching schema/);
    // put the lineage back on its own schema
    expect((await api('/api/ml/models/nsl/rollback', 'POST', { toVersion: 1, reason: 'back to NSL-KDD' })).status).toBe(200);
  });

  it('trains the volume-triggered retrain on the rows collected for the lineage', async () => {
    const session = await openPlatform({ env });
    let incidents: Json[];
    try {
      const { data } = await loadDataset(
        await loadManifest(session.platform.stores.tables.datasets, 'cicids'),
        session.platform.stores.buckets.datasets,
        'fine',
      );
      const rnd = new SeededRandom(9);
      incidents = Array.from({ length: COLLECTED }, () => {
        const i = Math.floor(rnd.next() * data.X.rows);
        return { features: flowOf(data, i), label: data.classes[data.y[i]], source: 'soc-ticket', analyst: 'e2e' };
      });
    } finally {
      await session.close();
    }
    const collected = await api('/api/ml/training-data', 'POST', { model: 'cicids', incidents });
    expect(collected.status).toBe(201);
    expect(collected.body).toMatchObject({ model: 'cicids', collectedSinceTraining: COLLECTED });

    const check = await api('/api/ml/drift/check', 'POST', { model: 'cicids' });
    expect((check.body.events as { detailType: string }[]).map((e) => e.detailType)).toContain('DataVolumeReached');
    const [job] = await settledJobs('cicids', 1);
    expect(job).toMatchObject({
      state: 'Completed',
      trigger: 'DataVolumeReached',
      training: { dataset: 'cicids', classes: 'fine', tune: 'fast', extraDatasets: [{ name: 'cicids-collected', version: 1 }] },
      collected: { dataset: 'cicids-collected', rows: COLLECTED },
    });
    // the lineage records what it used (before the job reads Completed), and no second trigger fires
    const described = (await api('/api/ml/models/cicids')).body as { spec: { tune?: string; collection: { rowsUsed: number } }; versions: { tune?: string }[] };
    expect(described.spec.collection.rowsUsed).toBe(COLLECTED);
    // `--tune fast` at the first training is the lineage's: the retrain's container ran the search and says so
    expect(described.spec.tune).toBe('fast');
    expect(described.versions.map((v) => v.tune)).toEqual(['fast', 'fast']);
    const again = await api('/api/ml/drift/check', 'POST', { model: 'cicids' });
    expect((again.body.events as { detailType: string }[]).map((e) => e.detailType)).not.toContain('DataVolumeReached');
  });

  it('keeps two predictions that share a correlation id apart, and joins feedback to the right one', async () => {
    const flows = nslFlows(1000, 2);
    const first = await api('/api/ml/predict', 'POST', { model: 'nsl', flows: [flows[0]] }, { 'x-correlation-id': 'ticket-42' });
    const second = await api('/api/ml/predict', 'POST', { model: 'nsl', flows: [flows[1]] }, { 'x-correlation-id': 'ticket-42' });
    expect(first.body.correlationId).toBe('ticket-42');
    expect(second.body.correlationId).toBe('ticket-42');
    expect(first.body.requestId).not.toBe(second.body.requestId);
    const [p1] = first.body.predictions as { predictionId: string; label: string }[];
    const [p2] = second.body.predictions as { predictionId: string; label: string }[];
    const before = await versionStats('nsl', 1);
    const fb = await api('/api/ml/feedback', 'POST', {
      feedback: [
        { predictionId: p1.predictionId, label: p1.label },
        { predictionId: p2.predictionId, label: p2.label },
      ],
    });
    expect(fb.body).toMatchObject({ accepted: 2, rejected: [] });
    const after = await versionStats('nsl', 1);
    expect(after.feedback - before.feedback).toBe(2);
    expect(after.correct - before.correct).toBe(2); // each label joined the prediction it was given for
  });

  async function versionStats(model: string, version: number): Promise<{ feedback: number; correct: number }> {
    const perf = await api(`/api/ml/models/performance?model=${model}`);
    const versions = (perf.body.models as { versions: { version: number; feedback: number; correct: number }[] }[])[0].versions;
    return versions.find((v) => v.version === version) ?? { feedback: 0, correct: 0 };
  }

  it('quarantines a corrupt production artefact on a fresh process and serves the last healthy version', async () => {
    expect((await api('/api/ml/models/cicids/deploy', 'POST', { version: 2, force: true, reason: 'e2e: take the collected rows' })).status).toBe(200);
    await platform.stop();
    // the stored ONNX of v2 no longer matches its registered sha256
    const session = await openPlatform({ env });
    try {
      const v2 = await session.platform.registry.getVersion('cicids', 2);
      await session.platform.stores.buckets.artefacts.put(v2.artefacts.onnx.key, Buffer.from('not an onnx model'));
    } finally {
      await session.close();
    }
    platform = await startServe(env);
    const session2 = await openPlatform({ env });
    let flow: Json;
    try {
      const { data } = await loadDataset(
        await loadManifest(session2.platform.stores.tables.datasets, 'cicids'),
        session2.platform.stores.buckets.datasets,
        'fine',
      );
      flow = flowOf(data, 0);
    } finally {
      await session2.close();
    }
    const scored = await api('/api/ml/predict', 'POST', { model: 'cicids', flows: [flow] });
    expect(scored.status).toBe(200);
    expect(scored.body.modelVersion).toBe(1);
    expect(String(scored.body.warning)).toMatch(/v2/);
    expect(scored.headers.get('warning')).toMatch(/fallback/);
    const described = (await api('/api/ml/models/cicids')).body as { quarantined: Record<string, { state: string; reason: string }> };
    expect(described.quarantined['2']).toMatchObject({ state: 'quarantined' });
    expect(described.quarantined['2'].reason).toMatch(/sha256|checksum|corrupt/i);
  });
});
