// Serving against the embedded cloud with real ONNX sessions: alias cache, sha256 verification,
// a refused (corrupt) version while the previous one keeps serving, input validation, explanations,
// and the prediction log (request records, feedback join, per-version statistics, telemetry).
import { CorruptArtefactError, ModelServer, PredictionLog, readTelemetry, telemetryFlows, type ServableVersion } from '../../core/serving';
import { createOnnxSession } from '../../core/serving/onnx-session';
import { InvalidInputError } from '../../core/errors';
import { closeStores, testStores, uniqueId } from '../support/platform';
import { uploadTestBundle } from '../support/model-bundles';

describe('ModelServer on the embedded cloud', () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));

  const model = uniqueId('serve');
  const versions = new Map<number, ServableVersion>();
  let production = 1;
  let now = 1_000_000;
  const registry = {
    resolveAlias: async (_m: string, alias: string) => (alias === 'production' ? { version: production } : undefined),
    getVersion: async (_m: string, v: number) => versions.get(v)!,
  };
  const server = new ModelServer({ registry, artefacts: stores.buckets.artefacts, sessions: createOnnxSession, aliasTtlMs: 5000, clock: () => now });
  const flow = (a: number, b: number, noise: number | null = 0) => ({ a, b, noise });

  beforeAll(async () => {
    const v1 = await uploadTestBundle(stores.buckets.artefacts, model, { rounds: 20 });
    const v3 = await uploadTestBundle(stores.buckets.artefacts, model, { rounds: 30 });
    versions.set(1, { model, version: 1, algorithm: 'gbdt', classes: v1.classes, artefacts: v1.refs });
    // v2's registry entry names an onnx sha256 that the stored bytes do not have (corrupt/replaced).
    versions.set(2, {
      model,
      version: 2,
      algorithm: 'gbdt',
      classes: v1.classes,
      artefacts: { ...v1.refs, onnx: { ...v1.refs.onnx, sha256: 'f'.repeat(64) } },
    });
    versions.set(3, { model, version: 3, algorithm: 'gbdt', classes: v3.classes, artefacts: v3.refs });
  });

  it('scores a batch with labels, probabilities, confidence and alerts', async () => {
    const result = await server.predict({ model, flows: [flow(0, -1), flow(2, 3), flow(4, -1, null)] });
    expect(result.modelVersion).toBe(1);
    expect(result.predictions.map((p) => p.label)).toEqual(['x', 'y', 'z']);
    for (const p of result.predictions) {
      const sum = Object.values(p.probabilities).reduce((s, v) => s + v, 0);
      expect(sum).toBeCloseTo(1, 5);
      expect(p.confidence).toBe(p.probabilities[p.label]);
      expect(p.alert).toBe(p.confidence >= { x: 0.5, y: 0.4, z: 0.6 }[p.label as 'x' | 'y' | 'z']);
      expect(p.predictionId).toMatch(new RegExp(`^${result.requestId}:\\d$`));
    }
  });

  it('explains a prediction with the features that pushed it most', async () => {
    const result = await server.predict({ model, flows: [flow(2, 3)], explain: true, topFeatures: 2 });
    const e = result.predictions[0].explanation!;
    expect(e.topFeatures).toHaveLength(2);
    expect(e.topFeatures.map((c) => c.feature)).not.toContain('noise');
    expect(Math.abs(e.topFeatures[0].contribution)).toBeGreaterThanOrEqual(Math.abs(e.topFeatures[1].contribution));
  });

  it('answers 400 naming missing, unknown and non-numeric features', async () => {
    const error = await server.predict({ model, flows: [{ a: 1, b: 'lots', extra: 1 }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).details).toEqual(
      expect.arrayContaining([
        { field: 'flows.0.noise', message: 'missing feature' },
        { field: 'flows.0.b', message: 'must be a number (got "lots")' },
        { field: 'flows.0.extra', message: 'unknown feature: the model does not use it' },
      ]),
    );
  });

  it('refuses a corrupt version while the previous version keeps serving', async () => {
    production = 2;
    now += 6000; // past the alias cache
    const result = await server.predict({ model, flows: [flow(0, -1)] });
    expect(result.modelVersion).toBe(1);
    expect(result.warning).toMatch(/version 2 was refused .*corrupt or was replaced.*version 1 keeps serving/);
    await expect(server.predict({ model, version: 2, flows: [flow(0, -1)] })).rejects.toBeInstanceOf(CorruptArtefactError);
  });

  it("a fresh instance reads a quarantined version's entry alongside the flag but never opens it", async () => {
    const opened: number[] = [];
    const fresh = new ModelServer({
      registry: {
        ...registry,
        resolveAlias: async () => ({ version: 3 }),
        isQuarantined: async (_m: string, v: number) => v === 3,
        servingFallbacks: async () => [3, 1],
        quarantine: async () => true,
      },
      artefacts: stores.buckets.artefacts,
      sessions: async (bytes, schema) => {
        opened.push(bytes.length);
        return createOnnxSession(bytes, schema);
      },
    });
    const result = await fresh.predict({ model, flows: [flow(0, -1)] });
    expect(result.modelVersion).toBe(1);
    expect(result.warning).toMatch(/version 3 was refused .*quarantined.*version 1 keeps serving/);
    expect(opened).toHaveLength(1); // v1 only
  });

  it('follows a deploy once the alias cache expires', async () => {
    production = 3;
    now += 1000;
    expect((await server.predict({ model, flows: [flow(0, -1)] })).modelVersion).toBe(1); // cached alias still says 2 → fallback 1
    now += 5000;
    expect((await server.predict({ model, flows: [flow(0, -1)] })).modelVersion).toBe(3);
  });

  it('logs predictions, joins feedback once, counts per version and samples telemetry', async () => {
    const log = new PredictionLog({ inference: stores.tables.inference, telemetry: stores.buckets.telemetry, sampleRate: 1 });
    const flows = [flow(0, -1), flow(2, 3)];
    const result = await server.predict({ model, flows });
    await log.record(result, flows);
    const outcome = await log.feedback([
      { predictionId: result.predictions[0].predictionId, label: 'x' },
      { predictionId: result.predictions[1].predictionId, label: 'z' },
      { predictionId: result.predictions[1].predictionId, label: 'y' },
      { predictionId: `${result.requestId}:9`, label: 'x' },
      { predictionId: 'nonsense', label: 'x' },
    ]);
    expect(outcome.accepted).toBe(2);
    expect(outcome.rejected.map((r) => r.reason)).toEqual([
      'feedback for this prediction was already recorded',
      `request ${result.requestId} has 2 predictions`,
      'not a prediction id (expected <requestId>:<index>)',
    ]);
    const stats = (await log.versionStats(model)).find((s) => s.version === 3)!;
    expect(stats).toMatchObject({ requests: 1, flows: 2, feedback: 2, correct: 1, onlineAccuracy: 0.5 });
    const window = { model, from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 1000) };
    const sample = await readTelemetry(stores.buckets.telemetry, window);
    expect(sample).toMatchObject({ objects: 1, rows: 2, model: [model, model], requestId: [result.requestId, result.requestId] });
    expect([...sample.version]).toEqual([3, 3]);
    expect(sample.label).toEqual(result.predictions.map((p) => p.label));
    // the feedback join: a prediction id's input flow, as the client sent it
    const joined = await telemetryFlows(stores.buckets.telemetry, { ...window, predictionIds: [result.predictions[1].predictionId, 'other:0'] });
    expect([...joined.keys()]).toEqual([result.predictions[1].predictionId]);
    expect(joined.get(result.predictions[1].predictionId)).toMatchObject({ version: 3, label: result.predictions[1].label, flow: flows[1] });
  });
});
