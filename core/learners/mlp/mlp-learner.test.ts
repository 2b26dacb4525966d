import type { FeatureMatrix, FeatureSchema } from '../../data/table';
import { SeededRandom } from '../../util/random';
import { conformanceData, describeLearnerConformance } from '../conformance';
import type { ModelDocument } from '../learner';
import { MlpLearner } from './mlp-learner';
import { MlpModelError, predictProbaFromMlpDocument } from './model-document';

describeLearnerConformance({
  name: 'MlpLearner',
  create: (seed) => new MlpLearner({ seed, hiddenLayers: [16], maxEpochs: 15, batchSize: 32, learningRate: 0.01 }),
  fromJSON: (doc: ModelDocument) => MlpLearner.fromJSON(doc),
});

/** Class = category (a/b/c) unless x > 1, then class 'hi'; numeric noise column with NaN/Inf. */
function categoricalData(seed: number, rows: number): { X: FeatureMatrix; y: Int32Array; schema: FeatureSchema; classes: string[] } {
  const rnd = new SeededRandom(seed);
  const schema: FeatureSchema = {
    features: [
      { name: 'x', kind: 'numeric' },
      { name: 'proto', kind: 'categorical', vocabulary: ['a', 'b', 'c'] },
      { name: 'noise', kind: 'numeric' },
    ],
  };
  const data = new Float64Array(rows * 3);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const x = rnd.normal();
    const cat = rnd.int(3);
    data[i * 3] = x;
    data[i * 3 + 1] = cat;
    const u = rnd.next();
    data[i * 3 + 2] = u < 0.03 ? NaN : u < 0.05 ? Infinity : u < 0.07 ? -Infinity : rnd.normal() * 1000;
    y[i] = x > 1 ? 3 : cat;
  }
  return { X: { rows, cols: 3, data }, y, schema, classes: ['a', 'b', 'c', 'hi'] };
}

function accuracy(pred: Int32Array, y: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / y.length;
}

describe('MlpLearner', () => {
  const small = { seed: 3, hiddenLayers: [16, 8], batchSize: 32, learningRate: 0.01 } as const;

  it('learns categorical (one-hot) and numeric signal and handles NaN / ±Infinity / unknown codes', () => {
    // Prepare
    const train = categoricalData(1, 1500);
    const test = categoricalData(2, 500);
    const mlp = new MlpLearner({ ...small, maxEpochs: 25 });
    // Act
    mlp.fit(train.X, train.y, { schema: train.schema, classes: train.classes });
    // Assess
    expect(accuracy(mlp.predict(test.X), test.y)).toBeGreaterThan(0.93);
    const odd: FeatureMatrix = { rows: 3, cols: 3, data: Float64Array.from([NaN, -1, Infinity, 5, NaN, -Infinity, 0, 2.5, 1e300]) };
    const p = mlp.predictProba(odd);
    for (const v of p) expect(Number.isFinite(v)).toBe(true);
    // ±Infinity behaves as the ends of the training range
    const doc = mlp.toJSON();
    const atMax: FeatureMatrix = { rows: 1, cols: 3, data: Float64Array.from([0, 0, doc.preprocessing.max[2]]) };
    const atInf: FeatureMatrix = { rows: 1, cols: 3, data: Float64Array.from([0, 0, Infinity]) };
    expect(Array.from(mlp.predictProba(atInf))).toEqual(Array.from(mlp.predictProba(atMax)));
  });

  it('stops early on the validation loss and keeps the best epoch', () => {
    const train = categoricalData(3, 800);
    const val = categoricalData(4, 300);
    const progress: number[] = [];
    const mlp = new MlpLearner({ ...small, maxEpochs: 300, earlyStoppingPatience: 3, learningRate: 0.05 });
    const report = mlp.fit(train.X, train.y, {
      schema: train.schema,
      classes: train.classes,
      validation: { X: val.X, y: val.y },
      onProgress: (p) => progress.push(p.validationLoss ?? NaN),
    });
    expect(report.iterations).toBeLessThan(300);
    expect(report.iterations).toBe(report.bestIteration + 3);
    expect(progress.length).toBe(report.iterations);
    expect(report.bestValidationLoss).toBeCloseTo(Math.min(...progress), 12);
    // the restored weights are the best epoch's
    const p = mlp.predictProba(val.X);
    let ce = 0;
    for (let i = 0; i < val.X.rows; i++) ce -= Math.log(Math.max(p[i * 4 + val.y[i]], 1e-15));
    expect(ce / val.X.rows).toBeCloseTo(report.bestValidationLoss as number, 12);
    // the report carries the curve: every epoch's validation loss, the best one among them
    expect(report.history?.iteration).toHaveLength(report.iterations);
    expect(report.history?.validationLoss).toEqual(progress);
    expect(report.history?.validationLoss?.[report.bestIteration - 1]).toBeCloseTo(report.bestValidationLoss as number, 12);
    expect(report.history?.trainLoss.every((v) => v !== null && v > 0)).toBe(true);
  });

  it('partialFit with a FedProx proximal term stays nearer its anchor, the more so the larger mu', () => {
    const d = conformanceData(11, 600);
    const start = new MlpLearner({ ...small, maxEpochs: 2 });
    start.fit(d.X, d.y, { schema: d.schema, classes: d.classes });
    const anchor = start.getWeights();
    const distance = (mu: number | undefined): number => {
      const local = MlpLearner.fromJSON(start.toJSON());
      local.partialFit(d.X, d.y, { epochs: 3, ...(mu === undefined ? {} : { proximal: { mu, anchor } }) });
      return Math.sqrt(local.getWeights().reduce((s, w, i) => s + w.reduce((t, v, j) => t + (v - anchor[i][j]) ** 2, 0), 0));
    };
    const free = distance(undefined);
    expect(distance(0)).toBeCloseTo(free, 12);
    expect(distance(1)).toBeLessThan(free);
    expect(distance(100)).toBeLessThan(distance(1));
    expect(() => start.partialFit(d.X, d.y, { proximal: { mu: 1, anchor: anchor.slice(1) } })).toThrow(/anchor shaped as getWeights/);
  });

  it('honours sampleWeight: rows with weight 0 do not count', () => {
    const d = conformanceData(9, 900);
    const w = new Float64Array(d.X.rows).fill(1);
    for (let i = 0; i < d.y.length; i++) if (d.y[i] === 2) w[i] = 0;
    const weighted = new MlpLearner({ ...small, maxEpochs: 10 });
    weighted.fit(d.X, d.y, { schema: d.schema, classes: d.classes, sampleWeight: w });
    const plain = new MlpLearner({ ...small, maxEpochs: 10 });
    plain.fit(d.X, d.y, { schema: d.schema, classes: d.classes });
    const share = (pred: Int32Array) => pred.filter((c) => c === 2).length / pred.length;
    expect(share(plain.predict(d.X))).toBeGreaterThan(0.25);
    expect(share(weighted.predict(d.X))).toBeLessThan(0.02);
    expect(() => weighted.fit(d.X, d.y, { schema: d.schema, classes: d.classes, sampleWeight: new Float64Array(3) })).toThrow(MlpModelError);
  });

  it('partialFit continues from the current weights and adapts to new data', () => {
    const d = conformanceData(5, 600);
    const mlp = new MlpLearner({ ...small, maxEpochs: 8 });
    expect(() => mlp.partialFit(d.X, d.y)).toThrow(MlpModelError);
    mlp.fit(d.X, d.y, { schema: d.schema, classes: d.classes });
    const before = accuracy(mlp.predict(d.X), d.y);
    // concept shift: labels rotated
    const shifted = Int32Array.from(d.y, (c) => (c + 1) % 3);
    mlp.partialFit(d.X, shifted, { epochs: 15 });
    expect(before).toBeGreaterThan(0.8);
    expect(accuracy(mlp.predict(d.X), shifted)).toBeGreaterThan(0.8);
  });

  it('fit with init starts from that model (weights and standardisation) instead of afresh', () => {
    const d = conformanceData(5, 600);
    const opts = { schema: d.schema, classes: d.classes };
    const first = new MlpLearner({ ...small, maxEpochs: 8 });
    first.fit(d.X, d.y, opts);
    const trained = accuracy(first.predict(d.X), d.y);
    // one more epoch from the trained weights stays trained; one epoch from scratch is not there yet
    const continued = new MlpLearner({ ...small, maxEpochs: 1 });
    continued.fit(d.X, d.y, { ...opts, init: first.toJSON() });
    const fresh = new MlpLearner({ ...small, maxEpochs: 1 });
    fresh.fit(d.X, d.y, opts);
    expect(trained).toBeGreaterThan(0.8);
    expect(accuracy(continued.predict(d.X), d.y)).toBeGreaterThan(trained - 0.05);
    expect(accuracy(continued.predict(d.X), d.y)).toBeGreaterThan(accuracy(fresh.predict(d.X), d.y));
    expect(continued.toJSON().preprocessing).toEqual(first.toJSON().preprocessing);
    expect(() => new MlpLearner({ ...small, maxEpochs: 1 }).fit(d.X, d.y, { ...opts, classes: ['p', 'q', 'r'], init: first.toJSON() })).toThrow(
      /initial model has classes/,
    );
  });

  it('getWeights / setWeights move parameters between learners (federated averaging)', () => {
    const d = conformanceData(6, 600);
    const a = new MlpLearner({ ...small, seed: 1, maxEpochs: 5 });
    const b = new MlpLearner({ ...small, seed: 2, maxEpochs: 5 });
    a.fit(d.X, d.y, { schema: d.schema, classes: d.classes });
    b.fit(d.X, d.y, { schema: d.schema, classes: d.classes });
    const wa = a.getWeights();
    const wb = b.getWeights();
    expect(wa.map((w) => w.length)).toEqual([3 * 16, 16, 16 * 8, 8, 8 * 3, 3]);
    b.setWeights(wa);
    // same preprocessing (same data) + same weights -> same predictions
    expect(Array.from(b.predictProba(d.X))).toEqual(Array.from(a.predictProba(d.X)));
    const avg = wa.map((w, i) => w.map((v, j) => (v + wb[i][j]) / 2));
    a.setWeights(avg);
    expect(Array.from(a.getWeights()[0])).toEqual(Array.from(avg[0]));
    expect(() => a.setWeights(avg.slice(1))).toThrow(MlpModelError);
    expect(() => a.setWeights([new Float64Array(2), ...avg.slice(1)])).toThrow(MlpModelError);
  });

  it('writes a self-describing document that the reference predictor reads identically', () => {
    const d = categoricalData(7, 400);
    const mlp = new MlpLearner({ ...small, maxEpochs: 3 });
    mlp.fit(d.X, d.y, { schema: d.schema, classes: d.classes });
    const doc = mlp.toJSON();
    expect(doc.format).toBe('mlp');
    expect(doc.layers.map((l) => [l.inputs, l.outputs])).toEqual([
      [2 + 3, 16],
      [16, 8],
      [8, 4],
    ]);
    expect(Array.from(predictProbaFromMlpDocument(doc, d.X))).toEqual(Array.from(mlp.predictProba(d.X)));
    expect(MlpLearner.fromJSON(JSON.parse(JSON.stringify(doc))).params.hiddenLayers).toEqual([16, 8]);
  });

  it('rejects unknown or invalid options and mismatched data', () => {
    expect(() => new MlpLearner({ hiddenLayer: [3] } as never)).toThrow(MlpModelError);
    expect(() => new MlpLearner({ batchSize: 0 })).toThrow(MlpModelError);
    const d = conformanceData(8, 60);
    expect(() => new MlpLearner().fit(d.X, d.y.subarray(1), { schema: d.schema, classes: d.classes })).toThrow(MlpModelError);
    expect(() => new MlpLearner().predictProba(d.X)).toThrow(MlpModelError);
  });

  it('DP-SGD bounds the influence of each row by the clip norm and adds noise of the stated scale', () => {
    // Prepare: plain SGD at learning rate 1, no L2, so one step moves the weights by the privatised gradient
    const train = categoricalData(5, 400);
    const params = { seed: 2, hiddenLayers: [8], optimizer: 'sgd', momentum: 0, learningRate: 1, l2: 0, batchSize: 400 } as const;
    const base = new MlpLearner({ ...params, maxEpochs: 1 });
    base.fit(train.X, train.y, { schema: train.schema, classes: train.classes });
    const moved = (dpSgd: { steps: number; samplingRate: number; clip: number; noiseMultiplier: number }): number => {
      const mlp = MlpLearner.fromJSON(base.toJSON());
      const before = mlp.getWeights();
      mlp.partialFit(train.X, train.y, { dpSgd });
      const after = mlp.getWeights();
      let ss = 0;
      before.forEach((w, i) => w.forEach((v, j) => (ss += (after[i][j] - v) ** 2)));
      return Math.sqrt(ss);
    };
    // Act + Assess: without noise the step is the mean of clipped gradients, so at most the clip norm
    expect(moved({ steps: 1, samplingRate: 1, clip: 0.01, noiseMultiplier: 0 })).toBeLessThanOrEqual(0.01 + 1e-12);
    expect(moved({ steps: 1, samplingRate: 1, clip: 0.01, noiseMultiplier: 0 })).toBeGreaterThan(0.001);
    // with noise: N(0, (σ·C)²) per parameter on the sum, divided by the expected batch (400 rows)
    const parameters = base.getWeights().reduce((n, w) => n + w.length, 0);
    const noisy = moved({ steps: 1, samplingRate: 1, clip: 1e-9, noiseMultiplier: 400 });
    expect(noisy / Math.sqrt(parameters) / 1e-9).toBeGreaterThan(0.8);
    expect(noisy / Math.sqrt(parameters) / 1e-9).toBeLessThan(1.2);
    expect(() =>
      MlpLearner.fromJSON(base.toJSON()).partialFit(train.X, train.y, { dpSgd: { steps: 1, samplingRate: 0, clip: 1, noiseMultiplier: 1 } }),
    ).toThrow(/samplingRate/);
  });
});
