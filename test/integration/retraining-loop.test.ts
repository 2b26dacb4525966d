// The acceptance loop on the embedded cloud, wired as `npm start` wires it (composeLocalPlatform:
// the handler modules behind the in-process bus's rules): v1 trained by a manual retrain; traffic from a shifted distribution makes
// the drift check raise DriftDetected; the event, delivered three times, starts one job; the job
// (a child process running the training container) completes and v2 is registered and promoted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ingestDataset } from '../../core/datasets';
import { listJobs } from '../../core/retraining';
import { telemetryRowsOf, writeTelemetry, type RequestSample } from '../../core/serving/telemetry';
import { SeededRandom } from '../../core/util/random';
import { composeLocalPlatform, installProcessPlatform } from '../../platform';
import { closeStores, testConfig, testStores, uniqueId } from '../support/platform';

const LABELS = ['BENIGN', 'DoS Hulk', 'PortScan'];

function toyRow(rnd: SeededRandom, c: number, shift: number) {
  return { proto: ['tcp', 'udp'][Math.floor(rnd.next() * 2)], rate: c * 5 + rnd.next() * 4 + shift, count: Math.floor(c * 10 + rnd.next() * 8) + shift * 20 };
}

describe('retraining loop on the local platform wiring', () => {
  const stores = testStores();
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-loop-'));
  afterAll(() => {
    closeStores(stores);
    rmSync(home, { recursive: true, force: true });
  });

  it('drift in traffic → one job for a thrice-delivered DriftDetected → v2 registered and promoted', async () => {
    const dataset = uniqueId('toy').toLowerCase();
    const model = uniqueId('m').toLowerCase();
    const rnd = new SeededRandom(21);
    const csv = ['proto,rate,count,Label'];
    for (let i = 0; i < 450; i++) {
      const r = toyRow(rnd, i % 3, 0);
      csv.push(`${r.proto},${r.rate.toFixed(3)},${r.count},${LABELS[i % 3]}`);
    }
    writeFileSync(path.join(home, 'toy.csv'), csv.join('\n'));
    await ingestDataset(
      { objects: stores.buckets.datasets, manifests: stores.tables.datasets },
      { name: dataset, sourcePath: path.join(home, 'toy.csv'), format: 'csv', labelColumn: 'Label', categorical: ['proto'] },
    );
    const base = testConfig();
    // this loop promotes by itself (the default policy, manual, waits for a person)
    const config = { ...base, defaultModel: model, training: { ...base.training, cooldownHours: 0, promotionPolicy: 'auto-promote' as const } };
    const local = composeLocalPlatform({
      config,
      home,
      auditStream: uniqueId('audit'),
      trainingDefaults: { dataset, algorithm: 'gbdt', classes: 'fine', seed: 3, params: { nRounds: '10', maxDepth: '3' } },
    });
    const { bus, platform } = local;
    const { registry, audit } = platform;
    try {
      // v1 by a manual retrain.
      expect(
        (await platform.retraining.launcher.handle({ type: 'ManualRetrain', model, requestId: 'first', actor: 'alice', reason: 'initial model' })).outcome,
      ).toBe('started');
      await local.whenIdle();
      expect(await registry.resolveAlias(model, 'production')).toMatchObject({ version: 1 });

      // Traffic from a shifted distribution, logged where serving logs it.
      const now = Date.now();
      for (let b = 0; b < 4; b++) {
        const flows = Array.from({ length: 50 }, (_, i) => toyRow(rnd, i % 3, 30));
        const at = new Date(now - 30 * 60_000 + b * 60_000);
        const sample: RequestSample = { model, version: 1, at: at.toISOString(), requestId: `q${b}`, flows, labels: flows.map(() => 'PortScan') };
        await writeTelemetry(stores.buckets.telemetry, telemetryRowsOf(sample));
      }

      const { result: check } = await platform.retraining.checkDrift(model);
      expect(check.report.verdict).toBe('drift');
      const drift = bus.published.find((e) => e.detailType === 'DriftDetected');
      expect(drift?.detail).toMatchObject({ model, reportId: check.report.reportId });
      // EventBridge delivers at least once: the same event twice more.
      await bus.publish('DriftDetected', drift!.detail);
      await bus.publish('DriftDetected', drift!.detail);
      await local.whenIdle();

      const jobs = await listJobs(stores.tables.jobs, model);
      expect(jobs.map((j) => [j.trigger, j.state, j.registeredVersion, j.outcome])).toEqual([
        ['DriftDetected', 'Completed', 2, 'promoted'],
        ['ManualRetrain', 'Completed', 1, 'promoted'],
      ]);
      expect(await registry.resolveAlias(model, 'production')).toMatchObject({ version: 2 });
      expect((await registry.getVersion(model, 2)).parentVersion).toBe(1);
      const actions = (await audit.records()).map((r) => r.action);
      expect(actions.filter((a) => a === 'training.start')).toHaveLength(2);
      expect(actions.filter((a) => a === 'model.deploy')).toHaveLength(2);
    } finally {
      local.stop();
      installProcessPlatform(undefined);
      platform.close();
    }
  }, 180_000);
});
