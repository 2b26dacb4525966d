import type { LabelledData } from '../data/table';
import { GbdtLearner } from '../learners/gbdt/gbdt-learner';
import type { FitOptions, Learner } from '../learners/learner';
import { SeededRandom } from '../util/random';
import { classCounts } from './balancing';
import { bootstrapWinRate, searchOnValidation, stratifiedSample, wholeRungPays, type SearchCandidate, type SearchOptions } from './search';
import { trainModel, type LearnerFactory, type LearnerParams } from './train-model';

const CLASSES = ['a', 'b', 'c'];

/** Seeded 3-class problem whose classes differ by an interaction of f0 and f1 (deep trees help), plus noise columns. */
function xorData(seed: number, n = 3000): LabelledData {
  const rnd = new SeededRandom(seed);
  const cols = 4;
  const data = new Float64Array(n * cols);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rnd.next() * 4;
    const b = rnd.next() * 4;
    data[i * cols] = a;
    data[i * cols + 1] = b;
    data[i * cols + 2] = rnd.normal();
    data[i * cols + 3] = rnd.normal();
    const cell = (Math.floor(a) + Math.floor(b)) % 3;
    y[i] = rnd.next() < 0.05 ? rnd.int(3) : cell;
  }
  return {
    X: { rows: n, cols, data },
    y,
    classes: CLASSES,
    schema: { features: Array.from({ length: cols }, (_, j) => ({ name: `f${j}`, kind: 'numeric' as const })) },
  };
}

/** GbdtLearner factory that records every fit: its parameters, rows and whether it saw validation rows. */
function recordingFactory(fits: { params: LearnerParams; rows: number; validationRows: number }[]): LearnerFactory {
  return (seed, params) => {
    const learner = new GbdtLearner({ ...params, seed });
    const fit = learner.fit.bind(learner);
    (learner as Learner).fit = (X, y, options: FitOptions) => {
      fits.push({ params, rows: X.rows, validationRows: options.validation?.X.rows ?? 0 });
      return fit(X, y, options);
    };
    return learner;
  };
}

const SEARCH: SearchOptions = {
  level: 'test',
  candidates: [
    { name: 'stump', params: { maxDepth: 1, nRounds: 20, learningRate: 0.3, maxBins: 32 } },
    { name: 'deep', params: { maxDepth: 6, nRounds: 60, learningRate: 0.3, maxBins: 32 }, weighting: 'none' },
    { name: 'mid', params: { maxDepth: 3, nRounds: 20, learningRate: 0.3, maxBins: 32 } },
  ],
  rungs: [
    { rowFraction: 0.3, keep: 2 },
    { rowFraction: 1, keep: 1 },
  ],
};

describe('stratifiedSample', () => {
  it('keeps every class, at least minClassRows of each, and nests for one seed', () => {
    // Prepare
    const y = Int32Array.from({ length: 1000 }, (_, i) => (i < 990 ? 0 : 1));
    // Act
    const small = stratifiedSample(y, 2, 0.1, 0, 5, 7);
    const big = stratifiedSample(y, 2, 0.5, 0, 5, 7);
    const capped = stratifiedSample(y, 2, 0.5, 100, 5, 7);
    // Assess
    expect(
      classCounts(
        Int32Array.from(small, (i) => y[i]),
        2,
      ),
    ).toEqual(Float64Array.from([99, 5]));
    expect(new Set(big).size).toBe(big.length);
    for (const i of small) expect(big.includes(i)).toBe(true);
    expect(capped.length).toBeLessThanOrEqual(105);
    expect(stratifiedSample(y, 2, 1, 0, 5, 7)).toEqual(Int32Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('bootstrapWinRate', () => {
  it('is one half between equal predictions, near one for clearly better ones, and seeded', () => {
    const rnd = new SeededRandom(2);
    const y = Int32Array.from({ length: 500 }, () => rnd.int(3));
    const good = Int32Array.from(y, (c, i) => (i % 10 === 0 ? (c + 1) % 3 : c));
    const bad = Int32Array.from(y, (c, i) => (i % 3 === 0 ? (c + 1) % 3 : c));
    expect(bootstrapWinRate(y, good, good, 3, 1)).toBe(0.5);
    expect(bootstrapWinRate(y, good, bad, 3, 1)).toBeGreaterThan(0.99);
    expect(bootstrapWinRate(y, bad, good, 3, 1)).toBeLessThan(0.01);
    expect(bootstrapWinRate(y, good, bad, 3, 9)).toBe(bootstrapWinRate(y, good, bad, 3, 9));
  });
});

describe('searchOnValidation', () => {
  const data = xorData(3);
  const XVal = { rows: 1000, cols: data.X.cols, data: data.X.data.slice(2000 * data.X.cols) };
  const yVal = data.y.slice(2000);
  const X = { rows: 2000, cols: data.X.cols, data: data.X.data.slice(0, 2000 * data.X.cols) };
  const y = data.y.slice(0, 2000);
  const searchData = { X, y, rowWeight: null, XVal, yVal, schema: data.schema, classes: CLASSES };

  it('halves the candidates by validation macro-F1 and fits the survivors on more rows', () => {
    // Prepare
    const fits: { params: LearnerParams; rows: number; validationRows: number }[] = [];
    // Act
    const outcome = searchOnValidation(searchData, SEARCH, { factory: recordingFactory(fits), seed: 1, balancing: 'balanced' });
    // Assess
    const { trials } = outcome.report;
    expect(trials.filter((t) => t.rung === 0).map((t) => t.candidate)).toEqual(['stump', 'deep', 'mid']);
    expect(trials.filter((t) => t.rung === 1)).toHaveLength(2);
    expect(trials[0].rows).toBeLessThan(700);
    expect(trials[3].rows).toBe(2000);
    // early rungs score on a stratified share of the validation rows, the last on all of them
    expect(fits.slice(0, 3).every((f) => f.validationRows === trials[0].validationRows && f.validationRows < 1000)).toBe(true);
    expect(fits.slice(3).every((f) => f.validationRows === 1000)).toBe(true);
    // the interaction needs depth: the stump never survives rung 0, and the winner is the best of the last rung
    expect(trials.filter((t) => t.rung === 1).map((t) => t.candidate)).not.toContain('stump');
    const last = trials.filter((t) => t.rung === 1).sort((a, b) => b.validation.macroF1 - a.validation.macroF1)[0];
    expect(outcome.chosen.name).toBe(last.candidate);
    expect(outcome.report.chosen.weighting).toBe(outcome.chosen.name === 'deep' ? 'none' : 'balanced');
    // the last rung fitted every row: its fit comes back to be the pipeline's first fit
    expect(outcome.fullFit?.score.macroF1).toBe(last.validation.macroF1);
  });

  it('keeps the default (first) candidate against a challenger that is better only within the noise', () => {
    // the same learner twice: any difference is noise (here none), so the default must stay
    const twin: SearchOptions = {
      level: 'test',
      candidates: [SEARCH.candidates[2], { ...SEARCH.candidates[2], name: 'twin' }],
      rungs: [{ rowFraction: 1, keep: 1 }],
    };
    expect(searchOnValidation(searchData, twin, { factory: recordingFactory([]), seed: 1, balancing: 'balanced' }).chosen.name).toBe('mid');
    // a clearly better challenger wins, and the trace says how often it beat the default
    const outcome = searchOnValidation(
      searchData,
      { ...twin, candidates: [SEARCH.candidates[0], SEARCH.candidates[2]] },
      { factory: recordingFactory([]), seed: 1, balancing: 'balanced' },
    );
    expect(outcome.chosen.name).toBe('mid');
    expect(outcome.report.trials[1].winRate).toBeGreaterThanOrEqual(0.9);
  });

  it('fits every candidate once on every row when the rung floor leaves halving nothing to save, and reuses those fits', () => {
    // Prepare: the floor of 1,800 of 2,000 rows makes the first rung 90 % of the rows: 3 × 0.9 + 2 > 3 full fits
    const fits: { params: LearnerParams; rows: number; validationRows: number }[] = [];
    const floored: SearchOptions = { ...SEARCH, rungs: [{ rowFraction: 0.3, minRows: 1800, keep: 2 }, SEARCH.rungs[1]] };
    // Act
    const outcome = searchOnValidation(searchData, floored, { factory: recordingFactory(fits), seed: 1, balancing: 'balanced' });
    // Assess: three fits in all, each on every row and every validation row; the winner's fit is the first fit
    expect(fits.map((f) => [f.rows, f.validationRows])).toEqual([
      [2000, 1000],
      [2000, 1000],
      [2000, 1000],
    ]);
    expect(outcome.report.trials).toHaveLength(3);
    const best = outcome.report.trials.find((t) => t.candidate === outcome.chosen.name);
    expect(outcome.fullFit?.score.macroF1).toBe(best?.validation.macroF1);
    // the same choice as the halving on a 90 % sample would make here (the interaction needs depth)
    expect(outcome.chosen.name).not.toBe('stump');
  });

  it('runs a sampled rung at a share of each round cap, and a rung on every row at whole caps', () => {
    // Prepare: no early stopping, so every fit runs its cap
    const plain: SearchCandidate[] = SEARCH.candidates.map((c) => ({ ...c, params: { ...c.params, earlyStoppingRounds: 0 } }));
    const halved: SearchOptions = {
      ...SEARCH,
      candidates: plain,
      rungs: [{ ...SEARCH.rungs[0], roundFraction: 0.5 }, SEARCH.rungs[1]],
      roundsParam: 'nRounds',
    };
    // a floor of 1,800 rows: 3 × 0.9 × 0.5 + 2 = 3.35 ≥ 3 full fits, so every row at whole caps is cheaper
    const floored: SearchOptions = { ...halved, rungs: [{ ...halved.rungs[0], minRows: 1800 }, SEARCH.rungs[1]] };
    const sampledFits: { params: LearnerParams; rows: number; validationRows: number }[] = [];
    const wholeFits: { params: LearnerParams; rows: number; validationRows: number }[] = [];
    // Act
    const sampled = searchOnValidation(searchData, halved, { factory: recordingFactory(sampledFits), seed: 1, balancing: 'balanced' });
    const whole = searchOnValidation(searchData, floored, { factory: recordingFactory(wholeFits), seed: 1, balancing: 'balanced' });
    // Assess: the sample's fits run half their caps (20, 60, 20 rounds), the survivors' fits on every row their whole caps
    expect(sampledFits.slice(0, 3).map((f) => f.params.nRounds)).toEqual([10, 30, 10]);
    expect(sampled.report.trials.slice(0, 3).map((t) => [t.roundCap, t.iterations])).toEqual([
      [10, 10],
      [30, 30],
      [10, 10],
    ]);
    const survivors = sampled.report.trials.filter((t) => t.rung === 1);
    expect(survivors.every((t) => t.rows === 2000 && t.roundCap === undefined)).toBe(true);
    expect(survivors.map((t) => t.iterations)).toEqual(survivors.map((t) => Number(plain.find((c) => c.name === t.candidate)?.params.nRounds)));
    // on every row: one fit per candidate at its whole cap, reused as the winner's full fit
    expect(wholeFits.map((f) => [f.params.nRounds, f.rows])).toEqual([
      [20, 2000],
      [60, 2000],
      [20, 2000],
    ]);
    expect(whole.report.trials.every((t) => t.roundCap === undefined)).toBe(true);
    expect(whole.fullFit?.report.iterations).toBe(plain.find((c) => c.name === whole.chosen.name)?.params.nRounds);
  });

  it('weighs a rung sample against one full fit per candidate', () => {
    const fast = (share: number) => [
      { share, keep: 1 },
      { share: 1, keep: 1 },
    ];
    expect(wholeRungPays(4, fast(0.25))).toBe(false); // 2 full fits against 4
    expect(wholeRungPays(4, fast(0.75))).toBe(true); // 4 against 4: take every row and reuse the fits
    expect(wholeRungPays(4, fast(0.9))).toBe(true);
    expect(wholeRungPays(3, fast(1))).toBe(false); // already every row
    // three rungs: 11 × 0.674 + 4 × 0.5 + 2 = 11.4 ≥ 11; at a share of 0.6, 10.6 < 11
    const thorough = (share: number) => [
      { share, keep: 4 },
      { share: 0.5, keep: 2 },
      { share: 1, keep: 1 },
    ];
    expect(wholeRungPays(11, thorough(0.674))).toBe(true);
    expect(wholeRungPays(11, thorough(0.6))).toBe(false);
    // a sample at half the round caps costs half as much: 4 × 0.9 × 0.5 + 1 = 2.8 < 4, so the sample stays
    const halved = (share: number) => [
      { share, keep: 1, rounds: 0.5 },
      { share: 1, keep: 1 },
    ];
    expect(wholeRungPays(4, halved(0.9))).toBe(false);
    expect(
      wholeRungPays(2, [
        { share: 0.99, keep: 1, rounds: 0.6 },
        { share: 1, keep: 1 },
      ]),
    ).toBe(true); // 2 × 0.99 × 0.6 + 1 ≥ 2
  });

  it('is deterministic for a seed', () => {
    const run = () => searchOnValidation(searchData, SEARCH, { factory: recordingFactory([]), seed: 5, balancing: 'balanced' });
    const a = run().report;
    const b = run().report;
    expect(a.trials.map(({ millis: _m, ...t }) => t)).toEqual(b.trials.map(({ millis: _m, ...t }) => t));
    expect(a.chosen).toEqual(b.chosen);
  });

  it('rejects empty or malformed searches', () => {
    const factory = recordingFactory([]);
    expect(() => searchOnValidation(searchData, { ...SEARCH, candidates: [] }, { factory, seed: 1, balancing: 'none' })).toThrow(/at least one candidate/);
    expect(() => searchOnValidation(searchData, { ...SEARCH, rungs: [{ rowFraction: 0, keep: 1 }] }, { factory, seed: 1, balancing: 'none' })).toThrow(
      /rowFraction/,
    );
    expect(() =>
      searchOnValidation(searchData, { ...SEARCH, candidates: [SEARCH.candidates[0], SEARCH.candidates[0]] }, { factory, seed: 1, balancing: 'none' }),
    ).toThrow(/listed twice/);
    expect(() =>
      searchOnValidation(searchData, { ...SEARCH, rungs: [{ rowFraction: 1, keep: 1, roundFraction: 1.5 }] }, { factory, seed: 1, balancing: 'none' }),
    ).toThrow(/roundFraction/);
  });
});

describe('trainModel with a search', () => {
  it('never shows the test rows to the search, uses the chosen parameters and weighting, and reports the trace', () => {
    // Prepare
    const data = xorData(11, 4000);
    const fits: { params: LearnerParams; rows: number; validationRows: number }[] = [];
    // Act
    const result = trainModel(data, {
      learnerFactory: recordingFactory(fits),
      params: { maxDepth: 1, nRounds: 5 },
      seed: 42,
      search: SEARCH,
      refit: (best) => ({ nRounds: best + 1, earlyStoppingRounds: 0 }),
    });
    // Assess
    const { summary } = result;
    const search = summary.search;
    expect(search?.level).toBe('test');
    expect(search?.trials).toHaveLength(5);
    const trainRows = summary.rows.train;
    // every search fit saw at most the training rows, and validated on exactly the validation rows
    for (const f of fits.slice(0, 5)) {
      expect(f.rows).toBeLessThanOrEqual(trainRows);
      expect(f.validationRows).toBeLessThanOrEqual(summary.rows.validation);
    }
    expect(fits[4].validationRows).toBe(summary.rows.validation);
    // the last rung's winner is the first fit (no extra fit), the mining round and refit use its parameters
    const chosen = SEARCH.candidates.find((c) => c.name === search?.chosen.candidate);
    expect(fits.slice(5).every((f) => f.params.maxDepth === chosen?.params.maxDepth)).toBe(true);
    expect(summary.hyperparameters.maxDepth).toBe(chosen?.params.maxDepth);
    expect(summary.balancing.mode).toBe(search?.chosen.weighting);
    expect(summary.timings.search).toBeGreaterThan(0);
    expect(summary.metrics.macroF1).toBeGreaterThan(0.8);
    expect(JSON.parse(JSON.stringify(summary)).search.chosen.candidate).toBe(search?.chosen.candidate);
  });
});
