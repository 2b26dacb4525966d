import { describeLearnerConformance, conformanceData } from '../conformance';
import type { FitProgress, FitReport, ModelDocument } from '../learner';
import { helperTesting } from './helper-thread';
import { SeededRandom } from '../../util/random';
import { DEFAULT_GBDT_PARAMS, GbdtError, GbdtLearner } from './gbdt-learner';
import { predictProbaFromDocument, predictRawScores } from './predict';

describeLearnerConformance({
  name: 'GbdtLearner',
  create: (seed) => new GbdtLearner({ seed, nRounds: 20, maxDepth: 4, subsample: 0.8, colsampleByTree: 0.7 }),
  fromJSON: (doc: ModelDocument) => GbdtLearner.fromJSON(doc),
});

describeLearnerConformance({
  name: 'GbdtLearner (multi-output trees)',
  create: (seed) => new GbdtLearner({ seed, nRounds: 20, maxDepth: 4, subsample: 0.8, colsampleByTree: 0.7, multiOutput: true, sketchDims: 2 }),
  fromJSON: (doc: ModelDocument) => GbdtLearner.fromJSON(doc),
});

/** Two well-separated noisy blobs per class along feature 0, plus noise features. */
function blobs(seed: number, rows: number, k: number) {
  const rnd = new SeededRandom(seed);
  const cols = 4;
  const data = new Float64Array(rows * cols);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % k;
    y[i] = c;
    data[i * cols] = c + 0.6 * rnd.normal();
    data[i * cols + 1] = (c % 2) + 0.8 * rnd.normal();
    data[i * cols + 2] = rnd.normal();
    data[i * cols + 3] = rnd.next() < 0.1 ? NaN : rnd.normal();
  }
  const schema = { features: ['a', 'b', 'n1', 'n2'].map((name) => ({ name, kind: 'numeric' as const })) };
  return { X: { rows, cols, data }, y, schema, classes: Array.from({ length: k }, (_, c) => `c${c}`) };
}

describe('GbdtLearner', () => {
  const d = conformanceData(3, 900);
  const fitOpts = { schema: d.schema, classes: d.classes };

  it('predicts exactly what the document predicts (learner and predict.ts agree)', () => {
    const learner = new GbdtLearner({ seed: 5, nRounds: 15, maxDepth: 5 });
    learner.fit(d.X, d.y, fitOpts);
    const doc = learner.toJSON();
    // the training rows' scores come from the fit itself; a copy of the rows is predicted afresh
    const copy = { ...d.X, data: d.X.data.slice() };
    expect(Array.from(learner.predictProba(d.X))).toEqual(Array.from(predictProbaFromDocument(doc, d.X)));
    expect(Array.from(learner.predictProba(copy))).toEqual(Array.from(predictProbaFromDocument(doc, d.X)));
    expect(Array.from(learner.predictProba(d.X))).toEqual(Array.from(predictProbaFromDocument(doc, d.X)));
  });

  it('trains raw scores that match the binned training-time scores (float32 threshold parity)', () => {
    // the training loop tracks scores through bins; the document walks float32 thresholds: the
    // train log-loss reported in the last progress call must equal the one recomputed from the doc
    let last: FitProgress | undefined;
    const learner = new GbdtLearner({ seed: 2, nRounds: 10, maxDepth: 6 });
    learner.fit(d.X, d.y, { ...fitOpts, onProgress: (p) => (last = p) });
    const raw = predictRawScores(learner.toJSON(), d.X);
    let loss = 0;
    for (let i = 0; i < d.X.rows; i++) {
      const off = i * 3;
      const m = Math.max(raw[off], raw[off + 1], raw[off + 2]);
      const lse = m + Math.log(Math.exp(raw[off] - m) + Math.exp(raw[off + 1] - m) + Math.exp(raw[off + 2] - m));
      loss -= raw[off + d.y[i]] - lse;
    }
    expect(last?.trainLoss).toBeCloseTo(loss / d.X.rows, 12);
  });

  it('splits adjacent float32 values exactly, even with float64 jitter above a threshold', () => {
    // Prepare: x = float32 values 1 + k * 2^-23 (adjacent), plus float64 jitter of +0.4 ulp that
    // float32 rounding removes; class = k >= 50. A float64 compare against the float32 edge
    // would send the jittered k = 49 rows to the wrong side.
    const ulp = 2 ** -23;
    const rows = 400;
    const data = new Float64Array(rows);
    const y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const kk = i % 100;
      data[i] = 1 + kk * ulp + (i % 2 === 0 ? 0.4 * ulp : 0);
      y[i] = kk >= 50 ? 1 : 0;
    }
    const X = { rows, cols: 1, data };
    const learner = new GbdtLearner({ seed: 1, nRounds: 5, maxDepth: 1 });
    // Act
    learner.fit(X, y, { schema: { features: [{ name: 'x', kind: 'numeric' }] }, classes: ['lo', 'hi'] });
    // Assess: every row (jittered or not) on its side, and the threshold is a float32 value
    expect(Array.from(learner.predict(X))).toEqual(Array.from(y));
    const t = learner.toJSON().trees[0];
    expect(Math.fround(t.threshold[0])).toBe(t.threshold[0]);
    expect(Math.fround(1 + 49.4 * ulp) <= t.threshold[0]).toBe(true);
    expect(1 + 49.4 * ulp > t.threshold[0]).toBe(true);
  });

  it('stores float32 thresholds, learning-rate-scaled leaves and covers in the document', () => {
    const learner = new GbdtLearner({ seed: 1, nRounds: 3, maxDepth: 3, learningRate: 0.3 });
    learner.fit(d.X, d.y, fitOpts);
    const doc = learner.toJSON();
    expect(doc.trees).toHaveLength(9);
    for (const t of doc.trees) {
      for (let i = 0; i < t.left.length; i++) {
        expect(Math.fround(t.threshold[i])).toBe(t.threshold[i]);
        if (t.left[i] !== -1) expect(t.cover[i]).toBeCloseTo(t.cover[t.left[i]] + t.cover[t.right[i]], 9);
      }
    }
    expect(doc.params.learningRate).toBe(0.3);
    expect(doc.featureGain).toHaveLength(3);
    // informative features carry more gain than the noise feature
    expect(doc.featureGain[0]).toBeGreaterThan(doc.featureGain[2]);
    expect(doc.featureGain[1]).toBeGreaterThan(doc.featureGain[2]);
  });

  it('reports train and validation loss each round, and the train loss decreases', () => {
    const progress: FitProgress[] = [];
    const valid = conformanceData(11, 300);
    new GbdtLearner({ seed: 1, nRounds: 8, maxDepth: 3, earlyStoppingRounds: 0 }).fit(d.X, d.y, {
      ...fitOpts,
      validation: { X: valid.X, y: valid.y },
      onProgress: (p) => progress.push(p),
    });
    expect(progress.map((p) => p.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (let i = 1; i < progress.length; i++) expect(progress[i].trainLoss ?? NaN).toBeLessThan(progress[i - 1].trainLoss ?? NaN);
    expect(progress.every((p) => p.validationLoss !== undefined && p.maxIterations === 8)).toBe(true);
    // each round's train loss is that of the model after the round: a 3-round fit ends where round 3 was
    let last: FitProgress | undefined;
    new GbdtLearner({ seed: 1, nRounds: 3, maxDepth: 3, earlyStoppingRounds: 0 }).fit(d.X, d.y, { ...fitOpts, onProgress: (p) => (last = p) });
    expect(progress[2].trainLoss).toBeCloseTo(last?.trainLoss ?? NaN, 10);
  });

  it('records the training curve in its report, with or without a progress callback', () => {
    // Prepare
    const valid = conformanceData(11, 300);
    const progress: FitProgress[] = [];
    const params = { seed: 1, nRounds: 12, maxDepth: 3, earlyStoppingRounds: 0 };
    // Act
    const watched = new GbdtLearner(params).fit(d.X, d.y, { ...fitOpts, validation: { X: valid.X, y: valid.y }, onProgress: (p) => progress.push(p) });
    const quiet = new GbdtLearner(params).fit(d.X, d.y, { ...fitOpts, validation: { X: valid.X, y: valid.y } });
    // Assess: one point per round, the same losses the callback saw, falling train loss
    expect(watched.history?.iteration).toEqual(progress.map((p) => p.iteration));
    expect(watched.history?.trainLoss).toEqual(progress.map((p) => p.trainLoss));
    expect(watched.history?.validationLoss).toEqual(progress.map((p) => p.validationLoss));
    expect(quiet.history).toEqual(watched.history);
    const train = quiet.history?.trainLoss as number[];
    expect(train[train.length - 1]).toBeLessThan(train[0]);
    const noValidation = new GbdtLearner(params).fit(d.X, d.y, fitOpts);
    expect(noValidation.history?.validationLoss).toBeUndefined();
    expect(noValidation.history?.iteration).toHaveLength(12);
  });

  it('stops early when the validation loss stops improving and keeps the best rounds', () => {
    // Prepare: labels that are pure noise for validation, so the validation loss soon rises
    const train = blobs(1, 600, 3);
    const rnd = new SeededRandom(9);
    const valid = blobs(2, 300, 3);
    const noisyY = valid.y.map(() => rnd.int(3));
    const learner = new GbdtLearner({ seed: 1, nRounds: 200, maxDepth: 6, learningRate: 0.3, earlyStoppingRounds: 5 });
    const losses: number[] = [];
    // Act
    const report = learner.fit(train.X, train.y, {
      schema: train.schema,
      classes: train.classes,
      validation: { X: valid.X, y: noisyY },
      onProgress: (p) => losses.push(p.validationLoss ?? NaN),
    });
    // Assess
    expect(report.iterations).toBeLessThan(200);
    expect(report.iterations).toBe(report.bestIteration + 1 + 5);
    expect(report.bestValidationLoss).toBe(Math.min(...losses));
    expect(learner.toJSON().trees).toHaveLength((report.bestIteration + 1) * 3);
    // the training rows' scores kept from the best round are exactly what predicting them gives,
    // also after other rows were predicted in between
    const copy = { ...train.X, data: train.X.data.slice() };
    learner.predictProba(valid.X);
    expect(Array.from(learner.predictProba(train.X))).toEqual(Array.from(learner.predictProba(copy)));
    expect(Array.from(learner.predictProba(valid.X))).toEqual(Array.from(predictProbaFromDocument(learner.toJSON(), valid.X)));
  });

  it("remembers its validation rows' scores from the fit: predicting them gives exactly what the document gives, fresh or continued", () => {
    const train = blobs(3, 500, 3);
    const valid = blobs(4, 200, 3);
    const opts = { schema: train.schema, classes: train.classes, validation: { X: valid.X, y: valid.y } };
    const first = new GbdtLearner({ seed: 1, nRounds: 6, maxDepth: 4 });
    first.fit(train.X, train.y, opts);
    // continued from the first (an online adaptation early-stops on its held-out slice this way)
    const continued = new GbdtLearner({ seed: 1, nRounds: 5, maxDepth: 3, learningRate: 0.15 });
    continued.fit(train.X, train.y, { ...opts, init: first.toJSON() });
    for (const learner of [first, continued]) {
      const fresh = predictRawScores(learner.toJSON(), { ...valid.X, data: valid.X.data.slice() });
      expect(Array.from(learner.predictRaw(valid.X))).toEqual(Array.from(fresh));
    }
  });

  it('class weights shift predictions toward the up-weighted class', () => {
    // Prepare: overlapping classes; weight class 2 by 10
    const data = blobs(4, 900, 3);
    const w = new Float64Array(900).map((_, i) => (data.y[i] === 2 ? 10 : 1));
    const opts = { schema: data.schema, classes: data.classes };
    const count = (pred: Int32Array): number => pred.reduce((a, v) => a + (v === 2 ? 1 : 0), 0);
    // Act
    const plain = new GbdtLearner({ seed: 1, nRounds: 20, maxDepth: 3 });
    plain.fit(data.X, data.y, opts);
    const weighted = new GbdtLearner({ seed: 1, nRounds: 20, maxDepth: 3 });
    weighted.fit(data.X, data.y, { ...opts, sampleWeight: w });
    // Assess: many more rows predicted as class 2, and its base score is higher
    expect(count(weighted.predict(data.X))).toBeGreaterThan(count(plain.predict(data.X)) * 1.3);
    expect(weighted.toJSON().baseScore[2]).toBeGreaterThan(plain.toJSON().baseScore[2]);
  });

  it('grows loss-guided trees limited by maxLeaves', () => {
    const learner = new GbdtLearner({ seed: 1, nRounds: 5, growPolicy: 'lossguide', maxDepth: 0, maxLeaves: 6 });
    learner.fit(d.X, d.y, fitOpts);
    const leaves = learner.toJSON().trees.map((t) => t.left.filter((v) => v === -1).length);
    expect(Math.max(...leaves)).toBe(6);
    let correct = 0;
    const pred = learner.predict(d.X);
    for (let i = 0; i < pred.length; i++) if (pred[i] === d.y[i]) correct++;
    expect(correct / pred.length).toBeGreaterThan(0.8);
  });

  it('respects maxDepth in depth-wise growth', () => {
    const learner = new GbdtLearner({ seed: 1, nRounds: 3, maxDepth: 2, minChildWeight: 0 });
    learner.fit(d.X, d.y, fitOpts);
    for (const t of learner.toJSON().trees) expect(t.left.length).toBeLessThanOrEqual(7);
    expect(learner.toJSON().trees.some((t) => t.left.length === 7)).toBe(true);
  });

  it('rejects unknown or invalid parameters and bad labels', () => {
    expect(() => new GbdtLearner({ seed: 1, learningrate: 0.1 } as unknown as { seed: number })).toThrow(GbdtError);
    expect(() => new GbdtLearner({ seed: 1, subsample: 0 })).toThrow(/subsample/);
    expect(() => new GbdtLearner({ seed: 1, maxBins: 300 })).toThrow(/maxBins/);
    const bad = Int32Array.from(d.y);
    bad[0] = 7;
    expect(() => new GbdtLearner({ seed: 1 }).fit(d.X, bad, fitOpts)).toThrow(/label 7/);
    expect(() => new GbdtLearner({ seed: 1 }).toJSON()).toThrow(/not fitted/);
    expect(() => GbdtLearner.fromJSON({ format: 'mlp', formatVersion: 1, schema: d.schema, classes: d.classes })).toThrow(GbdtError);
  });

  it('records all parameters, with the defaults filled in', () => {
    const learner = new GbdtLearner({ seed: 4, nRounds: 2 });
    learner.fit(d.X, d.y, fitOpts);
    expect(learner.toJSON().params).toEqual({ ...DEFAULT_GBDT_PARAMS, nRounds: 2, seed: 4 });
  });

  it('grows the same model on helper threads as on one thread (class trees in parallel)', () => {
    const data = blobs(11, 3000, 5);
    const opts = { schema: data.schema, classes: data.classes };
    const params = { seed: 8, nRounds: 12, maxDepth: 5, subsample: 0.8, colsampleByTree: 0.75, skipGradientShare: 0.02 };
    const single = new GbdtLearner({ ...params, threads: 1 });
    single.fit(data.X, data.y, opts);
    const pooled = new GbdtLearner({ ...params, threads: 2 });
    helperTesting.waitForHelpers = true; // helpers join a fit once ready; here they must
    try {
      expect(pooled.fit(data.X, data.y, opts).threads).toBe(2);
    } finally {
      helperTesting.waitForHelpers = false;
    }
    const { params: p1, ...doc1 } = single.toJSON();
    const { params: p2, ...doc2 } = pooled.toJSON();
    expect(doc2).toEqual(doc1);
    expect({ ...p2, threads: 1 }).toEqual(p1);
  });

  it('skipping low-gradient rows (skipGradientShare) keeps the model close to the exact fit', () => {
    const train = blobs(21, 4000, 4);
    const test = blobs(22, 2000, 4);
    const opts = { schema: train.schema, classes: train.classes };
    const accuracy = (learner: GbdtLearner): number => {
      const pred = learner.predict(test.X);
      return pred.reduce((n, p, i) => n + (p === test.y[i] ? 1 : 0), 0) / test.y.length;
    };
    const exact = new GbdtLearner({ seed: 3, nRounds: 40, maxDepth: 4, learningRate: 0.2 });
    exact.fit(train.X, train.y, opts);
    const skipping = new GbdtLearner({ seed: 3, nRounds: 40, maxDepth: 4, learningRate: 0.2, skipGradientShare: 0.05 });
    skipping.fit(train.X, train.y, opts);
    expect(skipping.toJSON().trees).not.toEqual(exact.toJSON().trees);
    expect(Math.abs(accuracy(skipping) - accuracy(exact))).toBeLessThan(0.01);
    expect(() => new GbdtLearner({ seed: 1, skipGradientShare: 0.6 })).toThrow(/skipGradientShare must be in \[0, 0.5\]/);
    expect(() => new GbdtLearner({ seed: 1, threads: 1.5 })).toThrow(/threads must be an integer >= 0/);
  });

  it.each([
    ['class trees', {}],
    ['multi-output trees', { multiOutput: true, sketchDims: 2 }],
  ])('a split penalty (splitPenalty) makes test rows walk fewer levels at about the same accuracy: %s', (_kind, extra) => {
    const train = blobs(31, 4000, 4);
    const test = blobs(32, 2000, 4);
    const opts = { schema: train.schema, classes: train.classes };
    const params = { seed: 4, nRounds: 40, maxDepth: 5, learningRate: 0.2, earlyStoppingRounds: 0, ...extra };
    const accuracy = (learner: GbdtLearner): number => learner.predict(test.X).reduce((n, p, i) => n + (p === test.y[i] ? 1 : 0), 0) / test.y.length;
    // comparisons a row makes through every tree: the serving cost the penalty trades against gain
    const levelsPerRow = (learner: GbdtLearner): number => {
      let levels = 0;
      for (const t of learner.toJSON().trees) {
        for (let i = 0; i < test.X.rows; i++) {
          for (let n = 0; t.left[n] !== -1; levels++) {
            const v = test.X.data[i * test.X.cols + t.feature[n]];
            n = !(v > t.threshold[n]) ? t.left[n] : t.right[n]; // NaN goes left: only the count matters
          }
        }
      }
      return levels / test.X.rows;
    };
    const plain = new GbdtLearner(params);
    plain.fit(train.X, train.y, opts);
    const penalised = new GbdtLearner({ ...params, splitPenalty: 0.01 });
    penalised.fit(train.X, train.y, opts);
    expect(levelsPerRow(penalised)).toBeLessThan(0.6 * levelsPerRow(plain));
    expect(accuracy(penalised)).toBeGreaterThan(accuracy(plain) - 0.01);
    // late rounds carry small gradients: their trees shrink first
    const trees = penalised.toJSON().trees;
    const nodes = (from: number, to: number): number => trees.slice(from, to).reduce((sum, t) => sum + t.left.length, 0);
    expect(nodes(trees.length / 2, trees.length)).toBeLessThan(nodes(0, trees.length / 2));
    expect(() => new GbdtLearner({ seed: 1, splitPenalty: -1 })).toThrow(/splitPenalty must be >= 0, got -1/);
  });

  it('continues from an initial model (init): adds rounds on top of its trees, as if it had not stopped', () => {
    const whole = new GbdtLearner({ seed: 6, nRounds: 12, maxDepth: 4, learningRate: 0.2 });
    whole.fit(d.X, d.y, fitOpts);
    const first = new GbdtLearner({ seed: 6, nRounds: 7, maxDepth: 4, learningRate: 0.2 });
    first.fit(d.X, d.y, fitOpts);
    const rest = new GbdtLearner({ seed: 6, nRounds: 5, maxDepth: 4, learningRate: 0.2 });
    const report = rest.fit(d.X, d.y, { ...fitOpts, init: first.toJSON() });
    expect(report.iterations).toBe(5);
    const doc = rest.toJSON();
    expect(doc.trees).toHaveLength(12 * 3);
    expect(doc.trees.slice(0, 21)).toEqual(first.toJSON().trees);
    expect(doc.preprocessing).toEqual(first.toJSON().preprocessing);
    // same splits as the uninterrupted fit; leaf values agree to float rounding of the gradients
    const a = whole.predictProba(d.X);
    const b = rest.predictProba(d.X);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(1e-6);
    // after predicting the same rows the continuation reuses those scores, with the same result
    first.predictProba(d.X);
    const reused = new GbdtLearner({ seed: 6, nRounds: 5, maxDepth: 4, learningRate: 0.2 });
    reused.fit(d.X, d.y, { ...fitOpts, init: first.toJSON() });
    expect(reused.toJSON().trees).toEqual(doc.trees);
  });

  it("reuses a matrix's bins only under the same preprocessing (a model fitted elsewhere is continued on fresh bins)", () => {
    // fitted on the same rows shrunk fivefold: its clipping range cuts d.X's values short
    const shrunk = { ...d.X, data: d.X.data.map((v) => v * 0.2) };
    const elsewhere = new GbdtLearner({ seed: 2, nRounds: 3, maxDepth: 3 });
    elsewhere.fit(shrunk, d.y, fitOpts);
    const local = new GbdtLearner({ seed: 2, nRounds: 3, maxDepth: 3 });
    local.fit(d.X, d.y, fitOpts); // d.X's own bins are now known
    const continueOn = (X: typeof d.X, init: ModelDocument): unknown => {
      const next = new GbdtLearner({ seed: 2, nRounds: 2, maxDepth: 3 });
      next.fit(X, d.y, { ...fitOpts, init });
      return next.toJSON().trees;
    };
    const fresh = (): typeof d.X => ({ ...d.X, data: d.X.data.slice() });
    expect(continueOn(d.X, elsewhere.toJSON())).toEqual(continueOn(fresh(), elsewhere.toJSON()));
    expect(continueOn(d.X, elsewhere.toJSON())).not.toEqual(continueOn(d.X, local.toJSON()));
    expect(continueOn(d.X, local.toJSON())).toEqual(continueOn(fresh(), local.toJSON()));
    // a fresh fit after a continued one on the same matrix bins it under its own preprocessing again
    const again = new GbdtLearner({ seed: 2, nRounds: 3, maxDepth: 3 });
    again.fit(d.X, d.y, fitOpts);
    expect(again.toJSON()).toEqual(local.toJSON());
  });

  it('refuses an initial model over other classes or features, naming what differs', () => {
    const first = new GbdtLearner({ seed: 1, nRounds: 2 });
    first.fit(d.X, d.y, fitOpts);
    const next = new GbdtLearner({ seed: 1, nRounds: 2 });
    expect(() => next.fit(d.X, d.y, { ...fitOpts, classes: ['p', 'q', 'r'], init: first.toJSON() })).toThrow(/initial model has classes/);
    const renamed = { features: d.schema.features.map((f, j) => ({ ...f, name: `other${j}` })) };
    expect(() => next.fit(d.X, d.y, { ...fitOpts, schema: renamed, init: first.toJSON() })).toThrow(/different features/);
    expect(() => next.fit(d.X, d.y, { ...fitOpts, init: { ...first.toJSON(), format: 'mlp' } })).toThrow(/cannot continue from the initial model/);
  });

  describe('multi-output trees (multiOutput)', () => {
    const accuracy = (learner: GbdtLearner, test: { X: typeof d.X; y: Int32Array }): number =>
      learner.predict(test.X).reduce((n, p, i) => n + (p === test.y[i] ? 1 : 0), 0) / test.y.length;

    it('grows one tree per round with a value per class in each leaf, and predicts what the document predicts', () => {
      let last: FitProgress | undefined;
      const learner = new GbdtLearner({ seed: 2, nRounds: 10, maxDepth: 6, multiOutput: true, sketchDims: 2 });
      learner.fit(d.X, d.y, { ...fitOpts, onProgress: (p) => (last = p) });
      const doc = learner.toJSON();
      expect(doc.trees).toHaveLength(10);
      for (const tree of doc.trees) {
        expect(tree.classIndex).toBe(-1);
        expect(tree.values).toHaveLength(tree.left.length * 3);
        expect(tree.value.every((v) => v === 0)).toBe(true);
        // every class moves in some leaf: the values are Newton steps per class, not one shared step
        for (let c = 0; c < 3; c++) expect(tree.values?.some((v, i) => i % 3 === c && v !== 0)).toBe(true);
      }
      const copy = { ...d.X, data: d.X.data.slice() };
      expect(Array.from(learner.predictProba(copy))).toEqual(Array.from(predictProbaFromDocument(doc, d.X)));
      // the binned training scores and the document's float32 walk agree (train loss from both)
      const raw = predictRawScores(doc, d.X);
      let loss = 0;
      for (let i = 0; i < d.X.rows; i++) {
        const off = i * 3;
        const m = Math.max(raw[off], raw[off + 1], raw[off + 2]);
        loss -= raw[off + d.y[i]] - (m + Math.log(Math.exp(raw[off] - m) + Math.exp(raw[off + 1] - m) + Math.exp(raw[off + 2] - m)));
      }
      expect(last?.trainLoss).toBeCloseTo(loss / d.X.rows, 12);
    });

    it('learns as well as per-class trees on separable classes, with or without a sketch, and with row sampling', () => {
      const train = blobs(31, 4000, 6);
      const test = blobs(32, 2000, 6);
      const opts = { schema: train.schema, classes: train.classes };
      const perClass = new GbdtLearner({ seed: 3, nRounds: 40, maxDepth: 4, learningRate: 0.2 });
      perClass.fit(train.X, train.y, opts);
      const reference = accuracy(perClass, test);
      expect(reference).toBeGreaterThan(0.6);
      for (const params of [{ sketchDims: 0 }, { sketchDims: 2 }, { sketchDims: 2, subsample: 0.7 }]) {
        const multi = new GbdtLearner({ seed: 3, nRounds: 40, maxDepth: 5, learningRate: 0.2, multiOutput: true, ...params });
        multi.fit(train.X, train.y, opts);
        expect(multi.toJSON().trees).toHaveLength(40);
        expect(accuracy(multi, test)).toBeGreaterThan(reference - 0.02);
      }
    });

    it('grows the same model with the rows split over a helper thread as on one thread', () => {
      const data = blobs(12, 12000, 6); // big enough that nodes build their histograms in halves
      const valid = blobs(13, 3001, 6);
      const opts = { schema: data.schema, classes: data.classes, validation: { X: valid.X, y: valid.y } };
      const params = { seed: 8, nRounds: 8, maxDepth: 5, multiOutput: true, sketchDims: 2, earlyStoppingRounds: 0 };
      const single = new GbdtLearner({ ...params, threads: 1 });
      const one = single.fit(data.X, data.y, opts);
      const split = new GbdtLearner({ ...params, threads: 2 });
      helperTesting.waitForHelpers = true; // the helper joins a fit once it is ready; here it must
      let two: FitReport;
      try {
        two = split.fit(data.X, data.y, opts);
      } finally {
        helperTesting.waitForHelpers = false;
      }
      expect([one.threads, two.threads]).toEqual([1, 2]);
      expect(two.bestValidationLoss).toBe(one.bestValidationLoss);
      const { params: p1, ...doc1 } = single.toJSON();
      const { params: p2, ...doc2 } = split.toJSON();
      expect(doc2).toEqual(doc1);
      expect({ ...p2, threads: 1 }).toEqual(p1);
    });

    it('treats sketchDims >= classes as every class, and stops early like per-class trees', () => {
      const all = new GbdtLearner({ seed: 4, nRounds: 6, maxDepth: 4, multiOutput: true, sketchDims: 0 });
      all.fit(d.X, d.y, fitOpts);
      const wide = new GbdtLearner({ seed: 4, nRounds: 6, maxDepth: 4, multiOutput: true, sketchDims: 3 });
      wide.fit(d.X, d.y, fitOpts);
      expect(wide.toJSON().trees).toEqual(all.toJSON().trees);

      const train = blobs(41, 2000, 4);
      const valid = blobs(42, 800, 4);
      const learner = new GbdtLearner({ seed: 4, nRounds: 300, maxDepth: 6, learningRate: 0.5, earlyStoppingRounds: 5, multiOutput: true });
      const report = learner.fit(train.X, train.y, { schema: train.schema, classes: train.classes, validation: { X: valid.X, y: valid.y } });
      expect(report.iterations).toBeLessThan(300);
      expect(learner.toJSON().trees).toHaveLength(report.bestIteration + 1);
    });

    it('continues a per-class model with multi-output rounds (both kinds in one document)', () => {
      const first = new GbdtLearner({ seed: 6, nRounds: 5, maxDepth: 4, learningRate: 0.2 });
      first.fit(d.X, d.y, fitOpts);
      const rest = new GbdtLearner({ seed: 6, nRounds: 4, maxDepth: 4, learningRate: 0.2, multiOutput: true });
      rest.fit(d.X, d.y, { ...fitOpts, init: first.toJSON() });
      const doc = rest.toJSON();
      expect(doc.trees.map((t) => t.classIndex)).toEqual([...first.toJSON().trees.map((t) => t.classIndex), -1, -1, -1, -1]);
      const restored = GbdtLearner.fromJSON(JSON.parse(JSON.stringify(doc)) as ModelDocument);
      expect(Array.from(restored.predictProba({ ...d.X, data: d.X.data.slice() }))).toEqual(Array.from(predictProbaFromDocument(doc, d.X)));
    });

    it('rejects invalid multi-output parameters and malformed multi-output trees', () => {
      expect(() => new GbdtLearner({ seed: 1, sketchDims: -1 })).toThrow(/sketchDims must be an integer >= 0/);
      expect(() => new GbdtLearner({ seed: 1, multiOutput: 'yes' as unknown as boolean })).toThrow(/multiOutput must be true or false/);
      expect(() => new GbdtLearner({ seed: 1, multiOutput: true, maxDepth: 20 })).toThrow(/multiOutput trees need maxDepth <= 16/);
      const learner = new GbdtLearner({ seed: 1, nRounds: 2, multiOutput: true });
      learner.fit(d.X, d.y, fitOpts);
      const doc = learner.toJSON();
      expect(() => predictRawScores({ ...doc, trees: [{ ...doc.trees[0], classIndex: 0 }] }, d.X)).toThrow(/must have classIndex -1/);
      expect(() => predictRawScores({ ...doc, trees: [{ ...doc.trees[0], values: [0] }] }, d.X)).toThrow(/1 values for/);
    });
  });
});
