// A training job killed after uploading its artefacts leaves nothing that refers to them: the
// registry entry is written last, so the version never appears and production is untouched.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { AuditLog } from '../../core/audit/audit-log';
import { synthesizeDataset } from '../../core/datasets/synthetic/synthesize';
import { ModelRegistry } from '../../core/registry/model-registry';
import { InProcessEventBus } from '../../local/event-bus';
import { closeStores, testStores, uniqueId } from '../support/platform';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

describe('a training job killed after uploading its artefacts', () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));

  it('leaves no version that refers to them', async () => {
    const dataset = uniqueId('fault-ds');
    const model = uniqueId('fault');
    await synthesizeDataset(
      { objects: stores.buckets.datasets, manifests: stores.tables.datasets },
      { name: dataset, scenarios: ['benign', 'port-scan', 'syn-flood'], rows: 600, seed: 5 },
    );

    const died = await run(process.execPath, [path.join(ROOT, 'bin', 'run-ts.js'), 'test/support/train-then-die.ts', dataset, model], {
      cwd: ROOT,
      env: process.env,
    }).catch((e: { signal?: string; stdout?: string }) => e);
    expect(died).toMatchObject({ signal: 'SIGKILL', stdout: expect.stringContaining('artefacts uploaded') });

    const uploaded = await stores.buckets.artefacts.list(`models/${model}/`);
    expect(uploaded.map((k) => path.basename(k)).sort()).toEqual([
      'evaluation.parquet',
      'explanations.json',
      'model.json',
      'model.onnx',
      'reference_profile.json',
      'replay.parquet',
      'training_summary.json',
    ]);
    const registry = new ModelRegistry({ table: stores.tables.registry, audit: new AuditLog({ table: stores.tables.audit }), events: new InProcessEventBus() });
    expect(await registry.listVersions(model)).toEqual([]);
    expect(await registry.resolveAlias(model, 'production')).toBeUndefined();
    expect((await registry.listModels()).map((m) => m.model)).not.toContain(model);
  });
});
