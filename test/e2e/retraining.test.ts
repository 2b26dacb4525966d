// Event-driven retraining end to end over HTTP on the local platform: traffic from a different
// distribution than the training data raises DriftDetected within one check; the DriftDetected
// event delivered three times starts exactly one training job (local training container); it
// completes, registers v2, and the auto-promote policy deploys it — visible through
// /api/ml/status, /api/ml/drift/status and the audit log.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SeededRandom } from '../../core/util/random';
import { datasetsDir, describeWithData } from '../support/datasets';
import { http, isolatedEnv, ROOT, startServe, waitFor, type Json, type ServedPlatform } from '../support/serve';

const run = promisify(execFile);

describeWithData('retraining on drift, end to end', ['cicids2017/cic_ids2017_multiclass.csv.gz'], () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-retrain-'));
  // this loop promotes by itself (the default policy, manual, waits for a person)
  const env = isolatedEnv(home, { XDR_ML_STAGE: 'retrain', XDR_ML_BOOTSTRAP: 'true', DATASETS_DIR: datasetsDir(), XDR_ML_PROMOTION_POLICY: 'auto-promote' });
  let platform: ServedPlatform;

  beforeAll(async () => {
    platform = await startServe(env);
    await waitFor('the bootstrap', async () => (/ready: curl|bootstrap failed/.test(platform.output()) ? true : undefined), 240_000);
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('retrains once on drift and promotes the new version', async () => {
    // Traffic from another distribution: the bootstrap's example flow with every numeric feature
    // scaled by a seeded factor of 5-10.
    const example = JSON.parse(readFileSync(path.join(home, 'example-predict.json'), 'utf8')) as { flows: Record<string, unknown>[] };
    const rnd = new SeededRandom(11);
    const shifted = Array.from({ length: 400 }, () =>
      Object.fromEntries(Object.entries(example.flows[0]).map(([k, v]) => [k, typeof v === 'number' ? v * (5 + 5 * rnd.next()) + rnd.next() * 100 : v])),
    );
    for (let i = 0; i < shifted.length; i += 100) {
      expect((await http(`${platform.url}/api/ml/predict`, 'POST', { flows: shifted.slice(i, i + 100) })).status).toBe(200);
    }

    // One check raises DriftDetected.
    const check = await http(`${platform.url}/api/ml/drift/check`, 'POST', {});
    expect(check.status).toBe(200);
    const report = check.body.report as { verdict: string; datasetDrift: boolean; rows: number };
    expect(report).toMatchObject({ datasetDrift: true, rows: 400 });
    const events = check.body.events as { detailType: string; detail: Json }[];
    const drift = events.find((e) => e.detailType === 'DriftDetected');
    expect(drift).toBeDefined();

    // The same event delivered twice more (as EventBridge may): still one job.
    for (let i = 0; i < 2; i++) expect((await http(`${platform.url}/local/events`, 'POST', drift)).status).toBe(202);

    const job = await waitFor(
      'the training job to finish',
      async () => {
        const s = await http(`${platform.url}/api/ml/status`);
        const jobs = ((s.body.models as { model: string; jobs: { state: string }[] }[]).find((m) => m.model === 'general')?.jobs ?? []) as Json[];
        return jobs.length && jobs.every((j) => j.state === 'Completed' || j.state === 'Failed') ? jobs : undefined;
      },
      240_000,
    );
    expect(job).toHaveLength(1);
    expect(job[0]).toMatchObject({ state: 'Completed', trigger: 'DriftDetected', registeredVersion: 2 });

    const status = await http(`${platform.url}/api/ml/status`);
    const general = (status.body.models as Json[]).find((m) => m.model === 'general')!;
    expect(general.production).toBe(2);
    expect(status.body.autoRetrain).toMatchObject({ deployEnabled: false, schedule: 'rate(24 hours)' });

    const driftStatus = await http(`${platform.url}/api/ml/drift/status`);
    expect(driftStatus.body.latest).toMatchObject({ datasetDrift: true, events: expect.arrayContaining(['DriftDetected']) });

    const out = path.join(home, 'audit-log.md');
    await run(process.execPath, [path.join(ROOT, 'bin', 'xdr-ml.js'), 'audit', 'export', '--out', out], { cwd: home, env });
    const audit = readFileSync(out, 'utf8');
    expect(audit).toMatch(/DriftDetected/);
    expect(audit).toMatch(/model\.deploy/);
    expect(audit).toMatch(/training\.completed/);
    const verify = await run(process.execPath, [path.join(ROOT, 'bin', 'xdr-ml.js'), 'audit', 'verify', '--json'], { cwd: home, env });
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
  });
});
