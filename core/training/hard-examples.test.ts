import { isBetter, mineHardExamples, resolveHardExampleOptions } from './hard-examples';

describe('mineHardExamples', () => {
  it('flags misclassified rows and rows whose true-class probability is below the threshold', () => {
    const y = Int32Array.from([0, 0, 1, 1, 2]);
    const proba = Float64Array.from([
      0.9,
      0.05,
      0.05, // easy
      0.6,
      0.3,
      0.1, //   right but unsure (0.6 < 0.7)
      0.5,
      0.4,
      0.1, //   wrong
      0.1,
      0.8,
      0.1, //   easy
      0.2,
      0.1,
      0.7, //   exactly at the threshold: not hard
    ]);
    const mined = mineHardExamples(y, proba, 3, 0.7);
    expect(Array.from(mined.mask)).toEqual([0, 1, 1, 0, 0]);
    expect(Array.from(mined.perClass)).toEqual([1, 1, 0]);
    expect(mined.total).toBe(2);
    expect(mined.misclassified).toBe(1);
  });

  it('counts a wrong row as hard even with a low threshold', () => {
    const mined = mineHardExamples(Int32Array.from([1]), Float64Array.from([0.55, 0.45]), 2, 0.1);
    expect(mined.total).toBe(1);
    expect(mined.misclassified).toBe(1);
  });
});

describe('resolveHardExampleOptions', () => {
  it('fills defaults (1 round, 0.7, factor 2, upweight) and turns off with false', () => {
    expect(resolveHardExampleOptions(undefined)).toEqual({ enabled: true, rounds: 1, probabilityThreshold: 0.7, factor: 2, strategy: 'upweight' });
    expect(resolveHardExampleOptions(false).enabled).toBe(false);
  });

  it('rejects unknown keys and bad values', () => {
    expect(() => resolveHardExampleOptions({ round: 2 } as never)).toThrow(/unknown hardExampleMining option "round"/);
    expect(() => resolveHardExampleOptions({ factor: 1 })).toThrow(/factor/);
    expect(() => resolveHardExampleOptions({ rounds: -1 })).toThrow(/rounds/);
  });
});

describe('isBetter', () => {
  it('prefers higher macro-F1, then lower log-loss on a tie', () => {
    expect(isBetter({ macroF1: 0.8, logLoss: 0.9 }, { macroF1: 0.7, logLoss: 0.1 })).toBe(true);
    expect(isBetter({ macroF1: 0.7, logLoss: 0.2 }, { macroF1: 0.7, logLoss: 0.3 })).toBe(true);
    expect(isBetter({ macroF1: 0.7, logLoss: 0.3 }, { macroF1: 0.7, logLoss: 0.3 })).toBe(false);
  });
});
