// What a retrain trains is the lineage's spec — whatever fired it — plus the rows collected for it;
// an unknown lineage and a dataset with other features are refused, a request's override recorded.
import type { Item } from '../ports';
import { MemoryItemTable } from '../datasets/testing/memory-stores';
import type { LineageSpec } from '../registry/lineage-spec';
import { resolveLineageTraining } from './lineage-training';
import { TrainingRefusedError } from './launcher';

const FEATURES = [
  { name: 'duration', kind: 'numeric' as const },
  { name: 'protocol_type', kind: 'categorical' as const },
];

function spec(overrides: Partial<LineageSpec> = {}): LineageSpec {
  return {
    model: 'nsl',
    dataset: { name: 'nsl-kdd', versionPolicy: 'latest' },
    classSpace: 'fine',
    classes: ['normal', 'neptune', 'smurf'],
    algorithm: 'mlp',
    params: { hiddenLayers: '32,16', maxEpochs: 5 },
    seed: 7,
    features: FEATURES,
    collection: { dataset: 'nsl-collected', rowsUsed: 0 },
    revision: 1,
    updatedAt: '2026-03-01T00:00:00.000Z',
    updatedBy: 'alice',
    ...overrides,
  };
}

const manifest = (name: string, version: number, rowCount: number, features: readonly { name: string; kind: string }[] = FEATURES): Item => ({
  name,
  version,
  sourceSha256: 's'.repeat(64),
  rowCount,
  chunks: [],
  schema: { features: features.map((f) => (f.kind === 'categorical' ? { ...f, vocabulary: ['tcp'] } : f)) },
});

async function setup(lineage: LineageSpec | undefined) {
  const manifests = new MemoryItemTable('datasets', 'name', 'version');
  await manifests.put(manifest('nsl-kdd', 1, 1000));
  await manifests.put(manifest('nsl-kdd', 2, 1200));
  await manifests.put(manifest('cicids2017', 1, 900, [{ name: 'Flow Duration', kind: 'numeric' }]));
  return { manifests, specOf: async (model: string) => (model === 'nsl' ? lineage : undefined) };
}

const drift = { type: 'DriftDetected' as const, model: 'nsl', windowEnd: '2026-03-01T10:00:00Z' };

describe('resolveLineageTraining', () => {
  it('trains what the spec says: its dataset (latest version), class space, family, parameters and seed', async () => {
    const deps = await setup(spec());

    const t = await resolveLineageTraining(deps, 'nsl', drift);

    expect(t).toEqual({ dataset: 'nsl-kdd', datasetVersion: 2, algorithm: 'mlp', classes: 'fine', seed: 7, params: { hiddenLayers: '32,16', maxEpochs: '5' } });
  });

  it('keeps to a pinned dataset version', async () => {
    const deps = await setup(spec({ dataset: { name: 'nsl-kdd', versionPolicy: 'pinned', version: 1 } }));
    expect(await resolveLineageTraining(deps, 'nsl', drift)).toMatchObject({ dataset: 'nsl-kdd', datasetVersion: 1 });
  });

  it('refuses a lineage that does not exist (404): retrains never create lineages', async () => {
    const deps = await setup(undefined);
    const refused = await resolveLineageTraining(deps, 'ghost', drift).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TrainingRefusedError);
    expect(refused).toMatchObject({ code: 'unknown-model', status: 404 });
    expect((refused as Error).message).toMatch(/unknown model ghost: a lineage is created by training it on a dataset/);
  });

  it("records a request's dataset override, and refuses a dataset with other features naming them", async () => {
    const deps = await setup(spec());
    const manual = { type: 'ManualRetrain' as const, model: 'nsl', requestId: 'r1', actor: 'alice' };

    expect(await resolveLineageTraining(deps, 'nsl', { ...manual, datasetVersion: 1 })).toMatchObject({ datasetVersion: 1, overrides: { datasetVersion: 1 } });
    const refused = await resolveLineageTraining(deps, 'nsl', { ...manual, dataset: 'cicids2017' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'schema-mismatch', status: 409 });
    expect((refused as Error).message).toMatch(
      /cicids2017 v1 does not have the features of nsl \(2 feature\(s\) dropped: duration, protocol_type; 1 feature\(s\) added: Flow Duration\)/,
    );
    expect(await resolveLineageTraining(deps, 'nsl', { ...manual, dataset: 'nope' }).catch((e: unknown) => e)).toMatchObject({ code: 'unknown-dataset' });
  });

  it('adds every row collected for the lineage, and says how many the job consumes', async () => {
    const deps = await setup(spec({ collection: { dataset: 'nsl-collected', rowsUsed: 40 } }));
    await deps.manifests.put(manifest('nsl-collected', 3, 65));

    const t = await resolveLineageTraining(deps, 'nsl', { type: 'DataVolumeReached', model: 'nsl', collected: 25, threshold: 20, at: '2026-03-01T10:00:00Z' });

    expect(t).toMatchObject({ extraDatasets: [{ name: 'nsl-collected', version: 3 }], collected: { dataset: 'nsl-collected', version: 3, rows: 65 } });
  });
});
