import type { LabelledData } from '../data/table';
import { takeLabels, takeRows } from '../data/table';
import { evaluate } from '../evaluation/metrics';
import { GbdtLearner } from '../learners/gbdt/gbdt-learner';
import type { FitOptions, Learner } from '../learners/learner';
import { SeededRandom } from '../util/random';
import { classCounts } from './balancing';
import { trainModel, type LearnerFactory, type TrainProgress, type TrainResult } from './train-model';

const CLASSES = ['normal', 'dos', 'recon', 'brute', 'apt'];
const PARAMS = { nRounds: 40, maxDepth: 3, learningRate: 0.3, maxBins: 32 };

/**
 * Seeded 5-class problem, 8000 rows: class shares 55/25/12/7/1 %. Four classes sit on the corners of
 * a square in (f0, f1); the rare "apt" class sits in the middle and is shifted on f2 only, so it is
 * learnable but easily swamped. f3-f5 are noise with 3 % NaN; ~5 % of rows are exact duplicates.
 */
function imbalancedData(seed: number, n = 8000): LabelledData {
  const rnd = new SeededRandom(seed);
  const shares = [0.55, 0.25, 0.12, 0.07, 0.01];
  const means = [
    [0, 0],
    [3, 0],
    [0, 3],
    [3, 3],
    [1.2, 1.2],
  ];
  const cols = 6;
  const data = new Float64Array(n * cols);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (i > 0 && rnd.next() < 0.05) {
      const src = rnd.int(i);
      data.copyWithin(i * cols, src * cols, src * cols + cols);
      y[i] = y[src];
      continue;
    }
    let u = rnd.next();
    let c = 0;
    while (c < 4 && u >= shares[c]) u -= shares[c++];
    y[i] = c;
    data[i * cols] = means[c][0] + rnd.normal();
    data[i * cols + 1] = means[c][1] + rnd.normal();
    data[i * cols + 2] = (c === 4 ? 2.5 : 0) + rnd.normal();
    for (let j = 3; j < cols; j++) data[i * cols + j] = rnd.next() < 0.03 ? NaN : rnd.normal();
  }
  return {
    X: { rows: n, cols, data },
    y,
    classes: CLASSES,
    schema: { features: Array.from({ length: cols }, (_, j) => ({ name: `f${j}`, kind: 'numeric' as const })) },
  };
}

interface RecordedFit {
  readonly rows: number;
  readonly weightSum: number;
}

/** GbdtLearner factory that records the size and total weight of every fit it is asked for. */
function recordingFactory(fits: RecordedFit[]): LearnerFactory {
  return (seed, params) => {
    const inner = new GbdtLearner({ seed, ...params });
    const learner: Learner = {
      algorithm: inner.algorithm,
      fit: (X, y, options: FitOptions) => {
        let weightSum = 0;
        if (options.sampleWeight) for (const w of options.sampleWeight) weightSum += w;
        fits.push({ rows: X.rows, weightSum });
        return inner.fit(X, y, options);
      },
      predictProba: (X) => inner.predictProba(X),
      predict: (X) => inner.predict(X),
      toJSON: () => inner.toJSON(),
    };
    return learner;
  };
}

const gbdt: LearnerFactory = (seed, params) => new GbdtLearner({ seed, ...params });

function rowKey(d: LabelledData, r: number): string {
  return Array.from(d.X.data.subarray(r * d.X.cols, (r + 1) * d.X.cols), String).join('|');
}

describe('trainModel on a seeded imbalanced 5-class problem (GbdtLearner)', () => {
  const data = imbalancedData(1);
  const fits: RecordedFit[] = [];
  const events: TrainProgress[] = [];
  let unbalanced: TrainResult;
  let balanced: TrainResult;

  beforeAll(() => {
    unbalanced = trainModel(data, { learnerFactory: gbdt, params: PARAMS, seed: 3, balancing: { mode: 'none' }, hardExampleMining: false });
    balanced = trainModel(data, {
      learnerFactory: recordingFactory(fits),
      params: PARAMS,
      seed: 3,
      balancing: { mode: 'balanced' },
      hardExampleMining: { rounds: 2 },
      onProgress: (e) => events.push(e),
      codeVersion: 'test',
    });
  });

  it('raises the 1 % class recall with balanced weights compared to no balancing', () => {
    const none = unbalanced.summary.metrics.perClass.apt;
    const bal = balanced.summary.metrics.perClass.apt;
    // measured: recall 0.22 (5/23, none) -> 0.48 (11/23, balanced) on the held-out "apt" rows
    expect(none.support).toBeGreaterThanOrEqual(20);
    expect(bal.recall).toBeGreaterThanOrEqual(none.recall + 0.15);
    // the common classes still work
    expect(balanced.summary.metrics.perClass.normal.recall).toBeGreaterThan(0.75);
    expect(balanced.summary.metrics.accuracy).toBeGreaterThan(0.8);
  });

  it('splits without leakage and the row counts add up', () => {
    const { rows } = balanced.summary;
    const { train, validation, test } = balanced.split;
    expect(rows.train + rows.validation + rows.test).toBe(rows.total);
    expect([train.length, validation.length, test.length]).toEqual([rows.train, rows.validation, rows.test]);
    expect(rows.duplicateRows).toBeGreaterThan(300);
    const counts = classCounts(data.y, 5);
    CLASSES.forEach((label, c) => {
      const pc = rows.perClass[label];
      expect(pc.train + pc.validation + pc.test).toBe(counts[c]);
      expect(pc.test).toBe(classCounts(takeLabels(data.y, test), 5)[c]);
    });
    expect(Math.abs(rows.test / rows.total - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(rows.validation / (rows.train + rows.validation) - 0.15)).toBeLessThan(0.02);
    const seen = new Map<string, string>();
    for (const [side, idx] of Object.entries(balanced.split)) {
      for (const r of idx) {
        const other = seen.get(rowKey(data, r));
        if (other !== undefined) expect(other).toBe(side);
        seen.set(rowKey(data, r), side);
      }
    }
    expect(rows.fitted).toBeGreaterThanOrEqual(rows.train);
  });

  it('reports hard examples per class per round and fits exactly what it reports', () => {
    const he = balanced.summary.hardExamples;
    expect(he.enabled).toBe(true);
    expect(he.rounds.length).toBe(2);
    expect(fits.length).toBe(3); // first fit + 2 mining rounds
    const w = balanced.summary.balancing.classWeights;
    he.rounds.forEach((round, r) => {
      expect(Object.keys(round.minedPerClass)).toEqual(CLASSES);
      const perClassTotal = Object.values(round.minedPerClass).reduce((a, b) => a + b, 0);
      expect(perClassTotal).toBe(round.mined);
      expect(round.mined).toBeGreaterThan(0);
      expect(round.misclassified).toBeLessThanOrEqual(round.mined);
      // upweight: same rows; the total weight grows by the mined rows' weight × (factor - 1) × earlier multiplier
      expect(fits[r + 1].rows).toBe(fits[0].rows);
      expect(fits[r + 1].weightSum).toBeGreaterThan(fits[r].weightSum);
    });
    // round 1 multiplies fresh rows by 2: the added weight is Σ_c mined_c · w_c exactly
    const added = CLASSES.reduce((s, label) => s + he.rounds[0].minedPerClass[label] * w[label], 0);
    expect(fits[1].weightSum - fits[0].weightSum).toBeCloseTo(added, 6);
  });

  it('keeps the model that is best on validation and returns that very model', () => {
    const he = balanced.summary.hardExamples;
    const candidates = [he.before, ...he.rounds.map((r) => r.validation)];
    const bestF1 = Math.max(...candidates.map((c) => c.macroF1));
    expect(he.after.macroF1).toBe(bestF1);
    expect(candidates[he.keptRound]).toEqual(he.after);
    expect(he.kept).toMatch(he.keptRound === 0 ? /^first fit/ : new RegExp(`^round ${he.keptRound}:`));
    // the returned learner scores exactly the reported validation numbers
    const { validation } = balanced.split;
    const again = evaluate(takeLabels(data.y, validation), balanced.learner.predictProba(takeRows(data.X, validation)), CLASSES);
    expect(again.macroF1).toBeCloseTo(he.after.macroF1, 12);
    expect(again.logLoss).toBeCloseTo(he.after.logLoss, 12);
    expect(balanced.summary.validation).toEqual(he.after);
  });

  it('tunes thresholds in (0, 1) and evaluates the held-out split with them', () => {
    expect(balanced.thresholds).toHaveLength(5);
    for (const t of balanced.thresholds) {
      expect(t).toBeGreaterThan(0);
      expect(t).toBeLessThan(1);
    }
    expect(Object.values(balanced.summary.thresholds)).toEqual(balanced.thresholds);
    expect(balanced.summary.thresholdedMetrics.rows).toBe(balanced.split.test.length);
    expect(balanced.testProba.length).toBe(balanced.split.test.length * 5);
    const direct = evaluate(takeLabels(data.y, balanced.split.test), balanced.testProba, CLASSES);
    expect(balanced.summary.metrics).toEqual(direct);
  });

  it('writes a complete, JSON-safe summary', () => {
    const s = balanced.summary;
    expect(s.algorithm).toBe('gbdt');
    expect(s.classes).toEqual(CLASSES);
    expect(s.seed).toBe(3);
    expect(s.codeVersion).toBe('test');
    expect(s.hyperparameters).toMatchObject(PARAMS);
    expect(s.balancing.mode).toBe('balanced');
    expect(s.fit.iterations).toBeGreaterThan(0);
    expect(s.metrics.rocAucMacro).toBeGreaterThan(0.9);
    expect(s.dataset).toBeUndefined();
    for (const v of Object.values(s.timings)) expect(v).toBeGreaterThanOrEqual(0);
    expect(s.timings.total).toBeGreaterThanOrEqual(s.timings.fit + s.timings.hardExampleMining);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(balanced.document.classes).toEqual(CLASSES);
  });

  it('reports progress through every phase in order', () => {
    const phases = events.map((e) => e.phase).filter((p, i, a) => p !== a[i - 1]);
    expect(phases).toEqual(['split', 'balancing', 'fit', 'hard-example-mining', 'fit', 'hard-example-mining', 'fit', 'thresholds', 'evaluation', 'done']);
    expect(events.some((e) => e.phase === 'fit' && e.fit !== undefined && e.round === 2)).toBe(true);
  });
});

describe('trainModel options', () => {
  const small = imbalancedData(2, 2000);

  it('replays hard rows as extra copies and oversamples rare classes', () => {
    const fits: RecordedFit[] = [];
    const r = trainModel(small, {
      learnerFactory: recordingFactory(fits),
      params: { ...PARAMS, nRounds: 10 },
      seed: 5,
      balancing: { mode: 'sqrt', oversample: { targetFraction: 0.1, maxFactor: 4 } },
      hardExampleMining: { strategy: 'replay', rounds: 1, factor: 2 },
    });
    const { balancing, rows, hardExamples } = r.summary;
    const extra = Object.values(balancing.oversampledRows).reduce((a, b) => a + b, 0);
    expect(balancing.oversampledRows.apt).toBeGreaterThan(0);
    expect(balancing.oversampledRows.apt).toBeLessThanOrEqual(3 * rows.perClass.apt.train);
    expect(balancing.oversampledRows.normal).toBe(0);
    expect(fits[0].rows).toBe(rows.train + extra);
    // factor 2 replays each mined row once more — and once more per oversampled copy of it
    expect(fits[1].rows).toBeGreaterThanOrEqual(fits[0].rows + hardExamples.rounds[0].mined);
    expect(rows.fitted).toBe(hardExamples.keptRound === 0 ? fits[0].rows : fits[1].rows);
  });

  it('refits on training + validation rows at the early-stopped length when asked', () => {
    const lengths: number[] = [];
    const r = trainModel(small, {
      learnerFactory: gbdt,
      params: { ...PARAMS, nRounds: 40 },
      seed: 8,
      hardExampleMining: false,
      refit: (best) => {
        lengths.push(best);
        return { nRounds: best + 1, earlyStoppingRounds: 0 };
      },
    });
    expect(lengths).toEqual([r.summary.fit.bestIteration]);
    expect(r.summary.refit).toMatchObject({ rows: r.split.train.length + r.split.validation.length, iterations: r.summary.fit.bestIteration + 1 });
    expect((r.document as unknown as { params: { nRounds: number } }).params.nRounds).toBe(r.summary.fit.bestIteration + 1);
    expect(r.summary.timings.refit).toBeGreaterThan(0);
    const plain = trainModel(small, { learnerFactory: gbdt, params: { ...PARAMS, nRounds: 40 }, seed: 8, hardExampleMining: false });
    expect(plain.summary.refit).toBeNull();
  });

  it('continues the model before a mining round instead of refitting it, and refits at the total length', () => {
    const fits: RecordedFit[] = [];
    const asked: number[] = [];
    const refitLengths: number[] = [];
    const r = trainModel(small, {
      learnerFactory: recordingFactory(fits),
      params: { ...PARAMS, nRounds: 24 },
      seed: 8,
      hardExampleMining: { rounds: 1, probabilityThreshold: 0.99 },
      continuation: (best) => {
        asked.push(best);
        return { nRounds: 6 };
      },
      refit: (best) => {
        refitLengths.push(best);
        return { nRounds: best + 1, earlyStoppingRounds: 0 };
      },
    });
    const round = r.summary.hardExamples.rounds[0];
    expect(round.mined).toBeGreaterThan(0);
    expect(asked).toHaveLength(1);
    expect(round.fitIterations).toBeLessThanOrEqual(6);
    const doc = r.document as unknown as { trees: unknown[]; params: { nRounds: number } };
    if (r.summary.hardExamples.keptRound === 1) {
      // the kept model is the first fit's kept rounds plus the continued ones
      expect(r.summary.fit.bestIteration).toBeGreaterThan(asked[0]);
      expect(r.summary.fit.bestIteration).toBeLessThanOrEqual(asked[0] + 6);
    } else {
      expect(r.summary.fit.bestIteration).toBe(asked[0]);
    }
    expect(refitLengths).toEqual([r.summary.fit.bestIteration]);
    expect(doc.params.nRounds).toBe(r.summary.fit.bestIteration + 1);
    expect(doc.trees).toHaveLength((r.summary.fit.bestIteration + 1) * small.classes.length);
  });

  it('is deterministic for a seed', () => {
    const run = (): TrainResult => trainModel(small, { learnerFactory: gbdt, params: { ...PARAMS, nRounds: 10 }, seed: 8 });
    const a = run();
    const b = run();
    expect(Array.from(a.testProba)).toEqual(Array.from(b.testProba));
    expect(Array.from(a.split.test)).toEqual(Array.from(b.split.test));
    expect(a.thresholds).toEqual(b.thresholds);
  });

  it('stops mining early, and says so, when the first fit has no hard training rows', () => {
    // two well separated classes: every training row ends up right with p >= 0.7
    const n = 400;
    const data = new Float64Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      data[i * 2] = y[i] * 10 + (i % 7) * 0.1;
      data[i * 2 + 1] = i;
    }
    const easy: LabelledData = {
      X: { rows: n, cols: 2, data },
      y,
      classes: ['a', 'b'],
      schema: {
        features: [
          { name: 'x', kind: 'numeric' },
          { name: 'id', kind: 'numeric' },
        ],
      },
    };
    const r = trainModel(easy, { learnerFactory: gbdt, params: { ...PARAMS, nRounds: 20 }, seed: 1 });
    expect(r.summary.hardExamples.rounds).toEqual([]);
    expect(r.summary.hardExamples.stoppedEarly).toMatch(/^round 1 found no hard training rows/);
    expect(r.summary.hardExamples.kept).toMatch(/^first fit \(round 1 found no hard/);
    expect(r.summary.metrics.accuracy).toBe(1);
  });

  it('rejects unknown or out-of-range options', () => {
    const base = { learnerFactory: gbdt, seed: 1 };
    expect(() => trainModel(small, { ...base, testFraction: 1 })).toThrow(/testFraction/);
    expect(() => trainModel(small, { ...base, validationFraction: 0 })).toThrow(/validationFraction/);
    expect(() => trainModel(small, { ...base, balancing: { mode: 'inverse' as never } })).toThrow(/balancing.mode/);
    expect(() => trainModel(small, { ...base, testFracton: 0.2 } as never)).toThrow(/unknown training option "testFracton"/);
  });

  it('wraps learner failures with the phase', () => {
    const broken: LearnerFactory = () => ({
      algorithm: 'broken',
      fit: () => {
        throw new Error('boom');
      },
      predictProba: () => new Float64Array(0),
      predict: () => new Int32Array(0),
      toJSON: () => ({ format: 'broken', formatVersion: 1, schema: small.schema, classes: small.classes }),
    });
    expect(() => trainModel(small, { learnerFactory: broken, seed: 1 })).toThrow(/learner failed during fit: boom/);
  });
});
