import { curveArea } from '../evaluation/roc-curve';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../artefacts/bundle';
import { TmpDir } from '../datasets/testing/tmp-files';
import type { ReferenceProfile } from '../drift';
import { UnknownResourceError } from '../errors';
import type { ExplanationData } from '../families';
import { ingestToy, toyCsv, toyStores, type ToyStores } from './testing';
import { MULTI_OUTPUT_MIN_CLASSES, PIPELINE_PRESETS } from '../families';
import { gbdtSearch, GBDT_CANDIDATES } from '../families';
import { pipelineParams, pipelineSearch, runTrainingJob, type StoredTrainingSummary } from './train-job';
import type { RegisterVersionInput, TrainingJobRequest } from './types';

const FAST = { nRounds: 15, maxDepth: 3, learningRate: 0.3 };

describe('runTrainingJob', () => {
  const tmp = new TmpDir();
  let stores: ToyStores;
  afterAll(() => tmp.cleanup());
  beforeEach(async () => {
    stores = toyStores();
    await ingestToy(stores, tmp, 'toy', toyCsv());
  });
  const request = (extra: Partial<TrainingJobRequest> = {}): TrainingJobRequest => ({
    dataset: 'toy',
    model: 'toy-model',
    algorithm: 'gbdt',
    classes: 'fine',
    seed: 42,
    params: FAST,
    author: 'unit-test',
    ...extra,
  });

  it('stores every bundle file under its content-addressed key before it registers, and registers last', async () => {
    // Prepare
    const registered: RegisterVersionInput[] = [];
    let storedAtRegister: string[] = [];
    const register = async (input: RegisterVersionInput): Promise<{ version: number }> => {
      storedAtRegister = [...stores.artefactsBucket.objects.keys()];
      stores.log.push('register');
      registered.push(input);
      return { version: 7 };
    };
    // Act
    const result = await runTrainingJob({ ...stores, register }, request());
    // Assess
    expect(result.version).toBe(7);
    expect(stores.log[stores.log.length - 1]).toBe('register');
    const input = registered[0];
    expect(Object.keys(input.artefacts).sort()).toEqual(['evaluation', 'explanations', 'model', 'onnx', 'reference', 'replay', 'summary']);
    for (const ref of Object.values(input.artefacts)) {
      expect(storedAtRegister).toContain(ref.key);
      const body = await stores.artefactsBucket.get(ref.key);
      expect(sha256Hex(body)).toBe(ref.sha256);
      expect(ref.key).toBe(`models/toy-model/${ref.sha256}/${path.basename(ref.key)}`);
      expect(body.length).toBe(ref.bytes);
    }
    expect(input).toMatchObject({ model: 'toy-model', algorithm: 'gbdt', author: 'unit-test', classes: ['BENIGN', 'DoS Hulk', 'PortScan'] });
    expect(input.dataset).toEqual({ name: 'toy', version: 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(input.metrics.macroF1).toBeGreaterThan(0.9);
    expect(Object.keys(input.metrics.perClass)).toEqual(['BENIGN', 'DoS Hulk', 'PortScan']);
    // The registered model is the refit on training + validation rows: the early-stopped length,
    // scaled by the rows it adds.
    expect(input.hyperparameters).toMatchObject({ maxDepth: 3, earlyStoppingRounds: 0 });
    expect(Number.isInteger(input.hyperparameters.nRounds) && Number(input.hyperparameters.nRounds) > 0).toBe(true);
  });

  it('writes a summary with dataset identity, explanations from TreeSHAP and a drift profile with predictions', async () => {
    // Act
    const result = await runTrainingJob({ ...stores, codeVersion: '0.1.0+test', register: async () => ({ version: 1 }) }, request());
    // Assess
    const read = async <T>(key: string): Promise<T> => JSON.parse(Buffer.from(await stores.artefactsBucket.get(key)).toString('utf8')) as T;
    const summary = await read<StoredTrainingSummary>(result.artefacts.summary.key);
    expect(summary.dataset).toMatchObject({ name: 'toy', version: '1', manifestVersion: 1 });
    expect(summary.seed).toBe(42);
    expect(summary.thresholds).toHaveProperty('PortScan');
    expect(summary.jobTimings).toHaveProperty('train');
    // the job's phases in order, on one timeline, and the kept fit's training curve
    expect(summary.phases.map((p) => p.name)).toEqual(['load', 'train', 'export', 'explain', 'profile']);
    for (let i = 1; i < summary.phases.length; i++)
      expect(summary.phases[i].startMillis).toBeGreaterThanOrEqual(summary.phases[i - 1].startMillis + summary.phases[i - 1].millis);
    expect(summary.phases.find((p) => p.name === 'train')?.millis).toBe(summary.jobTimings.train);
    const history = summary.fit.history;
    expect(history?.iteration.length).toBeGreaterThan(1);
    expect(history?.iteration[history.iteration.length - 1]).toBe(summary.fit.iterations);
    expect(history?.validationLoss).toHaveLength(history?.iteration.length ?? -1);
    // a held-out ROC curve per class whose area is close to the class's ROC-AUC
    for (const [label, auc] of Object.entries(summary.metrics.rocAucOvr)) {
      const curve = summary.rocCurves[label];
      expect(curve.fpr[0]).toBe(0);
      expect(curve.tpr[curve.tpr.length - 1]).toBe(1);
      expect(Math.abs(curveArea(curve) - auc)).toBeLessThan(0.02);
    }
    expect(summary.codeVersion).toMatch(/^\d+\.\d+\.\d+/);
    const ex = await read<ExplanationData>(result.artefacts.explanations.key);
    expect(ex.method).toBe('tree-shap');
    // rate separates DoS Hulk; proto separates PortScan: they must lead the per-class rankings
    expect(ex.topFeaturesPerClass['DoS Hulk'][0].feature).toBe('rate');
    expect(ex.topFeaturesPerClass.PortScan[0].feature).toBe('proto');
    expect(ex.gain.reduce((s, g) => s + g.share, 0)).toBeCloseTo(1, 9);
    const profile = await read<ReferenceProfile>(result.artefacts.reference.key);
    expect(profile.rows).toBe(summary.rows.train);
    expect(profile.prediction?.counts.reduce((s, c) => s + c, 0)).toBe(summary.rows.train);
    expect(profile.features.map((f) => f.name)).toEqual(['proto', 'rate', 'count', 'noise']);
  });

  it('trains multi-output trees when the request asks for them, and records it in the registered hyperparameters', async () => {
    // Act
    let registered: RegisterVersionInput | undefined;
    const result = await runTrainingJob(
      { ...stores, register: async (input) => ((registered = input), { version: 1 }) },
      request({ params: { ...FAST, multiOutput: true } }),
    );
    // Assess
    expect(registered?.hyperparameters).toMatchObject({ multiOutput: true, sketchDims: 3, maxDepth: 3 });
    const doc = JSON.parse(Buffer.from(await stores.artefactsBucket.get(result.artefacts.model.key)).toString('utf8')) as { trees: { classIndex: number }[] };
    expect(doc.trees.length).toBeGreaterThan(0);
    expect(doc.trees.every((t) => t.classIndex === -1)).toBe(true);
    expect(result.metrics.macroF1).toBeGreaterThan(0.8);
  });

  it('refuses unknown or invalid learner parameters with a 400 that names them, and registers nothing', async () => {
    let registered = 0;
    const deps = { ...stores, register: async () => ({ version: ++registered }) };
    await expect(runTrainingJob(deps, request({ params: { maxDepht: 4 } }))).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/unknown GBDT parameter 'maxDepht'/),
    });
    await expect(runTrainingJob(deps, request({ params: { multiOutput: true, maxDepth: 20 } }))).rejects.toThrow(
      /invalid gbdt parameters: .*multiOutput trees need maxDepth <= 16/,
    );
    expect(registered).toBe(0);
  });

  it('leaves only unreferenced artefacts when registration fails', async () => {
    // Act
    const failing = runTrainingJob({ ...stores, register: async () => Promise.reject(new Error('registry down')) }, request());
    // Assess
    await expect(failing).rejects.toThrow('registry down');
    expect([...stores.artefactsBucket.objects.keys()]).toHaveLength(7);
  });

  it('mirrors the bundle to <mirrorDir>/<model>/<version>/ once the version is known', async () => {
    // Prepare
    const mirrorDir = path.join(tmp.dir, 'models');
    // Act
    const result = await runTrainingJob({ ...stores, mirrorDir, register: async () => ({ version: 3 }) }, request());
    // Assess
    expect(result.mirroredTo).toBe(path.join(mirrorDir, 'toy-model', '3'));
    expect(readdirSync(path.join(mirrorDir, 'toy-model'))).toEqual(['3']);
    const onnx = readFileSync(path.join(mirrorDir, 'toy-model', '3', 'model.onnx'));
    expect(sha256Hex(onnx)).toBe(result.artefacts.onnx.sha256);
    expect(existsSync(path.join(mirrorDir, 'toy-model', '3', 'training_summary.json'))).toBe(true);
  });

  it('trains on taxonomy classes and with the MLP', async () => {
    // Act
    const taxonomy = await runTrainingJob({ ...stores, register: async () => ({ version: 1 }) }, request({ classes: 'taxonomy' }));
    const mlp = await runTrainingJob(
      { ...stores, register: async () => ({ version: 2 }) },
      request({ algorithm: 'mlp', params: { maxEpochs: 5, hiddenLayers: [8] }, training: { hardExampleMining: false } }),
    );
    // Assess
    expect(taxonomy.summary.classes).toEqual(['Normal', 'DDoS/DoS', 'Reconnaissance']);
    expect(mlp.summary.algorithm).toBe('mlp');
    expect(mlp.document.format).toBe('mlp');
    const ex = JSON.parse(Buffer.from(await stores.artefactsBucket.get(mlp.artefacts.explanations.key)).toString('utf8')) as ExplanationData;
    expect(ex.method).toBe('none');
  });

  it('answers UnknownResourceError for an unknown dataset or version, and uses the latest version by default', async () => {
    const deps = { ...stores, register: async () => ({ version: 1 }) };
    await expect(runTrainingJob(deps, request({ dataset: 'nope' }))).rejects.toBeInstanceOf(UnknownResourceError);
    await expect(runTrainingJob(deps, request({ datasetVersion: 9 }))).rejects.toBeInstanceOf(UnknownResourceError);
    await ingestToy(stores, tmp, 'toy', toyCsv({ seed: 8 }));
    const latest = await runTrainingJob(deps, request());
    expect(latest.summary.dataset.manifestVersion).toBe(2);
  });
});

describe('runTrainingJob tuning (the validation search)', () => {
  const tmp = new TmpDir();
  let stores: ToyStores;
  afterAll(() => tmp.cleanup());
  beforeEach(async () => {
    stores = toyStores();
    await ingestToy(stores, tmp, 'toy', toyCsv());
  });
  const register = async (): Promise<{ version: number }> => ({ version: 1 });
  const base: TrainingJobRequest = { dataset: 'toy', model: 'toy-model', algorithm: 'gbdt', classes: 'fine', seed: 42, params: FAST, author: 'unit-test' };

  it("searches at 'fast', keeps the request's parameters in every candidate, and records the choice and trace", async () => {
    // Act
    const { summary } = await runTrainingJob({ ...stores, register }, { ...base, training: { tune: 'fast' } });
    // Assess
    const search = summary.search;
    expect(search?.level).toBe('fast');
    expect(search?.trials.length).toBeGreaterThan(1);
    expect(search?.chosen.params).toMatchObject(FAST);
    expect(summary.hyperparameters).toMatchObject({ maxDepth: FAST.maxDepth, learningRate: FAST.learningRate }); // nRounds: the refit's
    expect(summary.balancing.mode).toBe(search?.chosen.weighting);
    expect(summary.jobTimings.train).toBeGreaterThan(0);
  });

  it("uses the family's preset without a search when tune is 'off', and a fixed balancing is never searched over", async () => {
    const off = await runTrainingJob({ ...stores, register }, { ...base, training: { tune: 'off' } });
    expect(off.summary.search).toBeUndefined();
    expect(off.summary.timings.search).toBe(0);
    const fixed = await runTrainingJob({ ...stores, register }, { ...base, training: { tune: 'fast', balancing: { mode: 'sqrt' } } });
    expect(fixed.summary.search?.chosen.weighting).toBe('sqrt');
    expect(fixed.summary.balancing.mode).toBe('sqrt');
  });

  it('rejects an unknown tuning level before reading data', async () => {
    await expect(runTrainingJob({ ...stores, register }, { ...base, training: { tune: 'max' as never } })).rejects.toThrow(
      /tune must be one of off, fast, thorough/,
    );
  });
});

describe('pipelineSearch', () => {
  it('puts the class-count preset first, lays the request over every candidate and drops duplicates', () => {
    const few = pipelineSearch('gbdt', 5, {}, 'fast') ?? { candidates: [] };
    const many = pipelineSearch('gbdt', 16, {}, 'fast') ?? { candidates: [] };
    expect(few.candidates[0]).toMatchObject({ name: 'per-class-shallow', params: PIPELINE_PRESETS.gbdtPerClass });
    expect(many.candidates[0]).toMatchObject({ name: 'multi-output', params: PIPELINE_PRESETS.gbdtMultiOutput });
    expect(few.candidates).toHaveLength(GBDT_CANDIDATES.fast.length);
    // every searched parameter fixed by the request: the candidates differ only in weighting
    const fixed = gbdtSearch('fast', 5, {
      ...PIPELINE_PRESETS.gbdtMultiOutput,
      maxDepth: 5,
      lambda: 1,
      minChildWeight: 1,
      learningRate: 0.2,
      nRounds: 50,
      splitPenalty: 0,
    });
    expect(fixed.candidates.every((c) => c.params.maxDepth === 5 && c.params.learningRate === 0.2)).toBe(true);
    expect(new Set(fixed.candidates.map((c) => c.weighting)).size).toBe(fixed.candidates.length);
    expect(gbdtSearch('fast', 5, {}, 'none').candidates.every((c) => c.weighting === 'none')).toBe(true);
    expect((pipelineSearch('gbdt', 5, {}, 'thorough')?.candidates.length ?? 0) > few.candidates.length).toBe(true);
    expect(gbdtSearch('fast', 5, { multiOutput: true }).candidates.map((c) => c.name)).toEqual(['multi-output', 'multi-output-deep']);
    expect(gbdtSearch('fast', 16, { multiOutput: false }).candidates.map((c) => c.name)).toEqual(['per-class-shallow', 'xgboost-like']);
    expect(pipelineSearch('gbdt', 5, {}, 'off')).toBeUndefined();
    expect(pipelineSearch('mlp', 5, {}, 'fast')).toBeUndefined();
  });
});

describe('pipelineParams', () => {
  it('picks multi-output trees from 8 classes, per-class trees below, and lets the request decide', () => {
    expect(pipelineParams('gbdt', MULTI_OUTPUT_MIN_CLASSES - 1)).toEqual(PIPELINE_PRESETS.gbdtPerClass);
    expect(pipelineParams('gbdt', MULTI_OUTPUT_MIN_CLASSES)).toEqual(PIPELINE_PRESETS.gbdtMultiOutput);
    // an explicit kind brings its own preset; other request params go on top
    expect(pipelineParams('gbdt', 16, { multiOutput: false })).toEqual({ ...PIPELINE_PRESETS.gbdtPerClass, multiOutput: false });
    expect(pipelineParams('gbdt', 3, { multiOutput: true, maxDepth: 5 })).toEqual({ ...PIPELINE_PRESETS.gbdtMultiOutput, maxDepth: 5 });
    expect(pipelineParams('mlp', 16, { hidden: '32' })).toEqual({ hidden: '32' });
  });
});
