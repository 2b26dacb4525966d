import { TmpDir } from '../datasets/testing/tmp-files';
import { UnknownResourceError } from '../errors';
import { ArtefactIntegrityError, FeatureMismatchError } from './errors';
import { evaluateModel } from './evaluate-model';
import { ingestToy, toyCsv, toyStores, type ToyStores } from './testing';
import { runTrainingJob, type TrainingJobResult } from './train-job';

describe('evaluateModel', () => {
  const tmp = new TmpDir();
  let stores: ToyStores;
  let trained: TrainingJobResult;
  afterAll(() => tmp.cleanup());
  beforeAll(async () => {
    stores = toyStores();
    await ingestToy(stores, tmp, 'toy', toyCsv());
    trained = await runTrainingJob(
      { ...stores, register: async () => ({ version: 1 }) },
      {
        dataset: 'toy',
        model: 'toy-model',
        algorithm: 'gbdt',
        classes: 'fine',
        seed: 42,
        params: { nRounds: 15, maxDepth: 3, learningRate: 0.3 },
        author: 't',
      },
    );
  });

  it('scores a dataset whose columns come in another order exactly like the original order', async () => {
    // Prepare
    await ingestToy(stores, tmp, 'fresh', toyCsv({ seed: 99 }));
    await ingestToy(stores, tmp, 'shuffled', toyCsv({ seed: 99, columns: ['Label', 'noise', 'count', 'rate', 'proto'] }));
    // Act
    const a = await evaluateModel(stores, { artefacts: trained.artefacts, dataset: 'fresh' });
    const b = await evaluateModel(stores, { artefacts: trained.artefacts, dataset: 'shuffled' });
    // Assess
    expect(a.macroF1).toBeGreaterThan(0.9);
    expect(b).toEqual({ ...a, dataset: b.dataset });
    expect(a.perClass.PortScan.support).toBe(100);
    expect(a.confusion).toHaveLength(3);
    expect(a.unseenLabels).toEqual({});
  });

  it('names the model features the dataset lacks', async () => {
    await ingestToy(stores, tmp, 'partial', toyCsv({ columns: ['proto', 'count', 'Label'] }));
    const failure = evaluateModel(stores, { modelDocument: trained.document, dataset: 'partial' });
    await expect(failure).rejects.toBeInstanceOf(FeatureMismatchError);
    await expect(failure).rejects.toThrow('rate, noise');
  });

  it('scores never-seen categorical values as unknown and reports labels the model never saw', async () => {
    // Prepare: 'sctp' replaces 'udp' (the PortScan proto), and a label the model never learned
    await ingestToy(stores, tmp, 'novel', toyCsv({ protos: ['tcp', 'sctp', 'icmp'], labels: ['BENIGN', 'DoS Hulk', 'Bot'] }));
    // Act
    const e = await evaluateModel(stores, { modelDocument: trained.document, dataset: 'novel' });
    // Assess
    expect(e.unseenLabels).toEqual({ Bot: 100 });
    expect(e.rows).toBe(200);
    expect(e.unknownCategories).toEqual({ proto: expect.any(Number) });
    // macro-F1 averages over the classes present (BENIGN, DoS Hulk); PortScan has no support
    expect(e.perClass.PortScan.support).toBe(0);
    expect(e.macroF1).toBeCloseTo((e.perClass.BENIGN.f1 + e.perClass['DoS Hulk'].f1) / 2, 12);
  });

  it('maps fine labels into a taxonomy model’s classes', async () => {
    // Prepare
    const taxonomy = await runTrainingJob(
      { ...stores, register: async () => ({ version: 2 }) },
      { dataset: 'toy', model: 'toy-tax', algorithm: 'gbdt', classes: 'taxonomy', seed: 1, params: { nRounds: 10, maxDepth: 3 }, author: 't' },
    );
    // Act
    const e = await evaluateModel(stores, { modelDocument: taxonomy.document, dataset: 'fresh' });
    // Assess
    expect(e.labelScheme).toBe('mini-xdr');
    expect(e.rows).toBe(300);
    expect(Object.keys(e.perClass)).toEqual(['Normal', 'DDoS/DoS', 'Reconnaissance']);
  });

  it('refuses a corrupt model artefact and an unknown dataset', async () => {
    const ref = { ...trained.artefacts.model, sha256: '0'.repeat(64) };
    await expect(evaluateModel(stores, { artefacts: { model: ref }, dataset: 'toy' })).rejects.toBeInstanceOf(ArtefactIntegrityError);
    await expect(evaluateModel(stores, { modelDocument: trained.document, dataset: 'missing' })).rejects.toBeInstanceOf(UnknownResourceError);
  });
});
