// The whole retraining loop on the embedded cloud with the local backend: a toy dataset ingested
// to the datasets bucket/table, a DriftDetected trigger delivered three times, one child process
// running the training container's entrypoint, its completion registering and promoting the version.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jobOutputReader, LocalTrainingBackend } from '../../adapters/training-backends';
import { AuditLog } from '../../core/audit/audit-log';
import { ingestDataset } from '../../core/datasets';
import { ModelRegistry } from '../../core/registry/model-registry';
import { CompletionHandler, RetrainLauncher, getJob, stageDatasetInput } from '../../core/retraining';
import { SeededRandom } from '../../core/util/random';
import { InProcessEventBus } from '../../local/event-bus';
import { closeStores, testStores, uniqueId } from '../support/platform';

function toyCsv(rows: number, seed: number): string {
  const rnd = new SeededRandom(seed);
  const labels = ['BENIGN', 'DoS Hulk', 'PortScan'];
  const lines = ['proto,rate,count,Label'];
  for (let i = 0; i < rows; i++) {
    const c = i % 3;
    lines.push(`${['tcp', 'udp'][Math.floor(rnd.next() * 2)]},${(c * 5 + rnd.next() * 4).toFixed(3)},${Math.floor(c * 10 + rnd.next() * 8)},${labels[c]}`);
  }
  return lines.join('\n');
}

describe('retraining with the local backend (embedded cloud)', () => {
  const stores = testStores();
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-home-'));
  afterAll(() => {
    closeStores(stores);
    rmSync(home, { recursive: true, force: true });
  });

  it('runs one training process for a thrice-delivered event and auto-promotes its version', async () => {
    const dataset = uniqueId('toy').toLowerCase();
    const model = uniqueId('m').toLowerCase();
    const csv = path.join(home, 'toy.csv');
    writeFileSync(csv, toyCsv(450, 3));
    await ingestDataset(
      { objects: stores.buckets.datasets, manifests: stores.tables.datasets },
      { name: dataset, sourcePath: csv, format: 'csv', labelColumn: 'Label', categorical: ['proto'], chunkRows: 200 },
    );
    const audit = new AuditLog({ table: stores.tables.audit, stream: uniqueId('audit') });
    const events = new InProcessEventBus();
    const registry = new ModelRegistry({ table: stores.tables.registry, audit, events });
    const completion = new CompletionHandler({
      jobs: stores.tables.jobs,
      registry,
      artefacts: stores.buckets.artefacts,
      audit,
      events,
      readOutput: jobOutputReader(() => stores.buckets.artefacts),
      thresholds: { minMacroF1: 0.5, maxRecallDrop: 0.05 },
      policy: 'auto-promote',
    });
    const backend = new LocalTrainingBackend({ home, datasets: stores.buckets.datasets, onCompletion: async (c) => void (await completion.handle(c)) });
    const launcher = new RetrainLauncher({
      jobs: stores.tables.jobs,
      backend,
      resolveDataset: (name, version) => stageDatasetInput(stores.tables.datasets, stores.buckets.datasets, name, version),
      audit,
      events,
      config: { training: { dataset, algorithm: 'gbdt', classes: 'fine', seed: 1, params: { nRounds: '10', maxDepth: '3' } } },
    });
    const event = { type: 'DriftDetected', model, windowEnd: '2026-03-01T10:00:00Z', driftShare: 0.75 } as const;

    const outcomes = [await launcher.handle(event), await launcher.handle(event), await launcher.handle(event)];
    await backend.whenIdle();

    expect(outcomes.map((o) => o.outcome)).toEqual(['started', 'duplicate', 'duplicate']);
    const jobId = outcomes[0].outcome === 'started' ? outcomes[0].job.jobId : '';
    const job = await getJob(stores.tables.jobs, jobId);
    expect(job).toMatchObject({ state: 'Completed', registeredVersion: 1, outcome: 'promoted', backend: 'local', dataset: { name: dataset, version: 1 } });
    expect(await registry.resolveAlias(model, 'production')).toMatchObject({ version: 1 });
    const v = await registry.getVersion(model, 1);
    expect(v).toMatchObject({ trainingJobId: jobId, dataset: { name: dataset, version: 1 }, classes: ['BENIGN', 'DoS Hulk', 'PortScan'] });
    expect(await stores.buckets.artefacts.exists(v.artefacts.reference.key)).toBe(true);
    expect(await stores.buckets.datasets.exists(`manifests/${dataset}/v1.json`)).toBe(true);
  }, 120_000);
});
