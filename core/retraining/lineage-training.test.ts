// What a retrain trains is the lineage's spec — whatever fired it — plus the rows collected for it;
// an unknown lineage and a dataset with other features are refused, a request's override recorded.
import type { Item } from '../ports';
import { MemoryItemTable } from '../datasets/testing/memory-stores';
import type { LineageSpec } from '../registry/lineage-spec';
import type { ModelVersion } from '../registry/types';
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

  it("runs the spec's validation search level when it records one", async () => {
    const deps = await setup(spec({ tune: 'thorough' }));
    expect(await resolveLineageTraining(deps, 'nsl', drift)).toMatchObject({ tune: 'thorough' });
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

describe('resolveLineageTraining: online adaptation', () => {
  const collection = (rowCount: number, rowsPerLabel: Record<string, number>): Item => ({ ...manifest('nsl-collected', 1, rowCount), rowsPerLabel });
  async function adaptSetup(lineage: LineageSpec, production: { version: number; adaptable: boolean } | undefined, collected?: Item) {
    const deps = await setup(lineage);
    if (collected) await deps.manifests.put(collected);
    return { ...deps, production: async () => production };
  }
  const request = { type: 'AdaptationRequested' as const, model: 'nsl', requestId: 'r1', actor: 'alice' };

  it('continues production on the collected rows no version used yet', async () => {
    const deps = await adaptSetup(
      spec({ collection: { dataset: 'nsl-collected', rowsUsed: 120 } }),
      { version: 3, adaptable: true },
      collection(400, { neptune: 300, normal: 100 }),
    );
    const t = await resolveLineageTraining(deps, 'nsl', request);
    expect(t).toEqual({
      dataset: 'nsl-collected',
      datasetVersion: 1,
      algorithm: 'mlp',
      classes: 'fine',
      seed: 7,
      params: {},
      adaptation: { parentVersion: 3, fromRow: 120, toRow: 400 },
      collected: { dataset: 'nsl-collected', version: 1, rows: 400 },
    });
  });

  it('refuses with the reason: no production version, one without replay rows, too few new rows, nothing collected', async () => {
    const refusal = async (deps: Awaited<ReturnType<typeof adaptSetup>>, event: object = request) =>
      resolveLineageTraining(deps, 'nsl', event as typeof request).then(
        () => undefined,
        (e: TrainingRefusedError) => `${e.code}: ${e.message}`,
      );
    const rows = collection(400, { neptune: 400 });
    expect(await refusal(await adaptSetup(spec(), undefined, rows))).toMatch(/^no-parent: nsl has no production version to adapt/);
    expect(await refusal(await adaptSetup(spec(), { version: 1, adaptable: false }, rows))).toMatch(/^not-adaptable: nsl v1 has no replay rows/);
    expect(await refusal(await adaptSetup(spec({ collection: { dataset: 'nsl-collected', rowsUsed: 380 } }), { version: 1, adaptable: true }, rows))).toBe(
      'too-few-samples: 20 new labelled samples for nsl in nsl-collected v1 (rows 380–400); an adaptation needs at least 50',
    );
    expect(await refusal(await adaptSetup(spec(), { version: 1, adaptable: true }, rows), { ...request, minSamples: 500 })).toMatch(/needs at least 500$/);
    expect(await refusal(await adaptSetup(spec(), { version: 1, adaptable: true }))).toMatch(/^too-few-samples: no labelled samples collected for nsl yet/);
  });

  it('raises a full retrain instead when the samples hold a class the lineage does not have', async () => {
    const deps = await adaptSetup(spec(), { version: 1, adaptable: true }, collection(400, { neptune: 300, mscan: 100 }));
    const t = await resolveLineageTraining(deps, 'nsl', request);
    expect(t.adaptation).toBeUndefined();
    expect(t).toMatchObject({ dataset: 'nsl-kdd', datasetVersion: 2, extraDatasets: [{ name: 'nsl-collected', version: 1 }] });
    expect(t.overrides?.fullRetrainInstead).toBe('nsl-collected holds classes nsl does not have (mscan): a full retrain instead of an adaptation');
  });

  it('maps fine labels into the lineage class space before comparing', async () => {
    const lineage = spec({ classSpace: 'kdd-category', classes: ['normal', 'DoS', 'Probe', 'R2L', 'U2R'] });
    const deps = await adaptSetup(lineage, { version: 1, adaptable: true }, collection(400, { neptune: 300, mscan: 100 }));
    expect((await resolveLineageTraining(deps, 'nsl', request)).adaptation).toEqual({ parentVersion: 1, fromRow: 0, toRow: 400 });
  });

  it('with dataVolumeAction adapt, the volume trigger adapts, and retrains in full when it cannot', async () => {
    const volume = { type: 'DataVolumeReached' as const, model: 'nsl', collected: 400, threshold: 100, at: '2026-03-01T10:00:00Z' };
    const adaptable = await adaptSetup(spec(), { version: 2, adaptable: true }, collection(400, { neptune: 400 }));
    expect((await resolveLineageTraining({ ...adaptable, dataVolumeAction: 'adapt' }, 'nsl', volume)).adaptation).toEqual({
      parentVersion: 2,
      fromRow: 0,
      toRow: 400,
    });
    expect((await resolveLineageTraining(adaptable, 'nsl', volume)).adaptation).toBeUndefined(); // the default action retrains
    // a lineage's own action overrides the platform's, both ways
    const ownAdapt = await adaptSetup(spec({ online: { action: 'adapt' } }), { version: 2, adaptable: true }, collection(400, { neptune: 400 }));
    expect((await resolveLineageTraining(ownAdapt, 'nsl', volume)).adaptation).toMatchObject({ parentVersion: 2 });
    const ownRetrain = await adaptSetup(spec({ online: { action: 'retrain' } }), { version: 2, adaptable: true }, collection(400, { neptune: 400 }));
    expect((await resolveLineageTraining({ ...ownRetrain, dataVolumeAction: 'adapt' }, 'nsl', volume)).adaptation).toBeUndefined();
    const noParent = await adaptSetup(spec(), undefined, collection(400, { neptune: 400 }));
    const t = await resolveLineageTraining({ ...noParent, dataVolumeAction: 'adapt' }, 'nsl', volume);
    expect(t).toMatchObject({ dataset: 'nsl-kdd', overrides: { fullRetrainInstead: 'nsl has no production version to adapt: deploy one first' } });
  });
});

describe('resolveLineageTraining for EnsembleRequested', () => {
  const ref = (sha: string) => ({ key: `k/${sha}`, sha256: sha.repeat(64).slice(0, 64), bytes: 1 });
  const version = (model: string, v: number, extra: Partial<ModelVersion> = {}): ModelVersion => ({
    model,
    version: v,
    createdAt: '2026-03-01T00:00:00.000Z',
    algorithm: 'gbdt',
    artefacts: { onnx: ref('a'), model: ref('b'), summary: ref('c'), explanations: ref('d'), reference: ref('e'), evaluation: ref('f') },
    dataset: { name: 'nsl-kdd', version: 2, sha256: 's'.repeat(64) },
    metrics: { macroF1: 0.9 },
    classes: ['normal', 'neptune', 'smurf'],
    hyperparameters: {},
    author: 'alice',
    features: FEATURES,
    ...extra,
  });
  const request = (extra: Record<string, unknown> = {}) => ({ type: 'EnsembleRequested' as const, model: 'nsl', requestId: 'r1', actor: 'alice', ...extra });
  async function ensembleSetup(versions: Record<string, ModelVersion[]>, production?: number) {
    return {
      ...(await setup(spec())),
      versionsOf: async (model: string) => versions[model] ?? [],
      production: async () => (production === undefined ? undefined : { version: production, adaptable: true }),
    };
  }
  const refusal = async (p: Promise<unknown>) => {
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TrainingRefusedError);
    return error as TrainingRefusedError;
  };

  it('defaults to production and the versions that share its features, classes and held-out rows, on the members dataset', async () => {
    const deps = await ensembleSetup(
      {
        nsl: [
          version('nsl', 1),
          version('nsl', 2, { algorithm: 'mlp' }),
          version('nsl', 3, { classes: ['normal', 'neptune'] }),
          version('nsl', 4, { artefacts: { ...version('nsl', 4).artefacts, evaluation: ref('9') } }),
          version('nsl', 5, { algorithm: 'ensemble' }),
        ],
      },
      1,
    );

    const t = await resolveLineageTraining(deps, 'nsl', request({ method: 'weights' }));

    expect(t).toMatchObject({
      dataset: 'nsl-kdd',
      datasetVersion: 2,
      algorithm: 'ensemble',
      ensemble: {
        members: [
          { model: 'nsl', version: 1 },
          { model: 'nsl', version: 2 },
        ],
        method: 'weights',
      },
    });
  });

  it('refuses named members with another feature schema or class space, naming the member and what differs; an unknown member is 404', async () => {
    const deps = await ensembleSetup({
      nsl: [version('nsl', 1)],
      cic: [version('cic', 1, { features: [{ name: 'Flow Duration', kind: 'numeric' }] })],
      coarse: [version('coarse', 1, { classes: ['normal', 'attack'] })],
    });
    const pair = (model: string, v = 1) =>
      request({
        members: [
          { model: 'nsl', version: 1 },
          { model, version: v },
        ],
      });

    const schema = await refusal(resolveLineageTraining(deps, 'nsl', pair('cic')));
    const classes = await refusal(resolveLineageTraining(deps, 'nsl', pair('coarse')));
    const unknown = await refusal(resolveLineageTraining(deps, 'nsl', pair('nsl', 7)));

    expect([schema.code, schema.status]).toEqual(['member-mismatch', 409]);
    expect(schema.message).toMatch(/cic@1 reads other features than nsl@1 \(.*Flow Duration/);
    expect(classes.message).toMatch(/coarse@1 answers in another class space than nsl@1 \(normal, attack against normal, neptune, smurf\)/);
    expect([unknown.code, unknown.status, unknown.message]).toEqual(['unknown-member', 404, 'member nsl@7 is not a registered version']);
  });

  it('refuses without production, and when no other version can join it', async () => {
    const none = await refusal(resolveLineageTraining(await ensembleSetup({ nsl: [version('nsl', 1)] }), 'nsl', request()));
    const alone = await refusal(
      resolveLineageTraining(await ensembleSetup({ nsl: [version('nsl', 1), version('nsl', 2, { classes: ['normal'] })] }, 1), 'nsl', request()),
    );

    expect([none.code, none.status]).toEqual(['no-parent', 409]);
    expect(alone.code).toBe('too-few-members');
    expect(alone.message).toMatch(/no other registered version that can join nsl@1 in an ensemble: nsl@2 answers in another class space/);
  });
});
