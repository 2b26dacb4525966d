import { InvalidDriftInputError } from './errors';
import { jensenShannonDistance, kolmogorovSurvival, ksTwoSample, psi, wasserstein1 } from './distances';

// Reference values computed independently with Python 3.11, NumPy and SciPy 1.10.1 (Debian packages):
//   PSI: numpy, e = max(e/Σe, 1e-4), a = max(a/Σa, 1e-4), Σ (a − e) ln(a/e)
//   JS:  scipy.spatial.distance.jensenshannon(p, q, base=2)
//   Q:   scipy.special.kolmogorov(λ)
//   KS:  scipy.stats.ks_2samp(x, y).statistic; p = scipy.special.kolmogorov((√ne + 0.12 + 0.11/√ne)·D)
//   W1:  scipy.stats.wasserstein_distance(x, y)

const sorted = (values: number[]): Float64Array => Float64Array.from(values).sort();

describe('psi', () => {
  it('matches the reference values', () => {
    // Hand check of the first: (0.4-0.5)ln(0.8) + (0.6-0.5)ln(1.2) = 0.1 · ln(1.5) = 0.0405465...
    expect(psi([0.5, 0.5], [0.4, 0.6])).toBeCloseTo(0.04054651081081642, 14);
    expect(psi([10, 20, 30, 40], [40, 30, 20, 10])).toBeCloseTo(0.9128696382935673, 13);
    // an empty reference bin is floored at ε = 1e-4
    expect(psi([0.25, 0.25, 0.5, 0], [0.2, 0.3, 0.3, 0.2])).toBeCloseTo(1.6418587818210688, 13);
  });

  it('is 0 for identical distributions and rejects bad input', () => {
    expect(psi([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(() => psi([1, 2], [1])).toThrow(InvalidDriftInputError);
    expect(() => psi([0, 0], [1, 1])).toThrow(/positive total/);
    expect(() => psi([1, -1], [1, 1])).toThrow(/>= 0/);
  });
});

describe('jensenShannonDistance', () => {
  it('matches scipy.spatial.distance.jensenshannon(base=2)', () => {
    expect(jensenShannonDistance([0.5, 0.5], [0.4, 0.6])).toBeCloseTo(0.0854351026245885, 14);
    expect(jensenShannonDistance([10, 20, 30, 40], [40, 30, 20, 10])).toBeCloseTo(0.3918681606471551, 14);
    expect(jensenShannonDistance([0.25, 0.25, 0.5, 0], [0.2, 0.3, 0.3, 0.2])).toBeCloseTo(0.3491074006810096, 14);
  });

  it('is bounded by [0, 1]', () => {
    expect(jensenShannonDistance([1, 0], [0, 1])).toBe(1);
    expect(jensenShannonDistance([3, 1], [3, 1])).toBe(0);
  });
});

describe('kolmogorovSurvival', () => {
  it.each([
    [0.2, 0.999999999999495],
    [0.5, 0.9639452436648751],
    [0.8, 0.5441424115741981],
    [1.0, 0.26999967167735456],
    [1.1799, 0.12351204971188676],
    [1.18, 0.1234538094297657],
    [1.3580986393225505, 0.050000000000000024],
    [2.0, 0.0006709252557796953],
    [3.0, 3.045995948942526e-8],
  ])('Q(%p) matches scipy.special.kolmogorov', (lambda, expected) => {
    expect(Math.abs(kolmogorovSurvival(lambda) - expected) / expected).toBeLessThan(1e-12);
  });

  it('is 1 at and below 0', () => {
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(kolmogorovSurvival(-1)).toBe(1);
  });
});

describe('ksTwoSample and wasserstein1', () => {
  const a = sorted([
    0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64, -0.82, 0.37, 1.77, 1.09, -1.28, 2.36, 1.31, 1.05, -0.32, -0.4, 1.06,
    -2.47,
  ]);
  const b = sorted([
    2.2, 1.66, 1.38, 0.2, 0.36, 0, 0.96, 1.56, 0.44, 1.5, -0.3, 0.66, 2.31, 3.29, -0.27, -0.37, -0.38, -0.7, 0.07, -0.57, -0.91, -0.44, 1.22, 0.95, 0.37, 0.56,
    1.18,
  ]);

  it('match scipy on two 25/27-value samples', () => {
    const r = ksTwoSample(a, b);
    expect(r.statistic).toBeCloseTo(0.17333333333333334, 14);
    expect(r.pValue).toBeCloseTo(0.7910958258185897, 12);
    expect(wasserstein1(a, b)).toBeCloseTo(0.4109333333333334, 12);
  });

  it('match scipy on disjoint and tied samples', () => {
    const disjoint = ksTwoSample(sorted([1, 2, 3]), sorted([4, 5, 6]));
    expect(disjoint.statistic).toBe(1);
    expect(disjoint.pValue).toBeCloseTo(0.03262165165202116, 12);
    expect(wasserstein1(sorted([1, 2, 3]), sorted([4, 5, 6]))).toBeCloseTo(3, 12);
    const ties = ksTwoSample(sorted([1, 2, 2, 3, 3, 3]), sorted([2, 3, 3, 4]));
    expect(ties.statistic).toBeCloseTo(0.25, 14);
    expect(ties.pValue).toBeCloseTo(0.9914944530751846, 12);
    expect(wasserstein1(sorted([1, 2, 2, 3, 3, 3]), sorted([2, 3, 3, 4]))).toBeCloseTo(0.6666666666666666, 12);
    // hand calculation: every unit of mass moves 5 → 5
    expect(wasserstein1(sorted([0, 1, 3]), sorted([5, 6, 8]))).toBe(5);
  });

  it('are symmetric and zero for identical samples; empty samples give no evidence', () => {
    expect(ksTwoSample(b, a)).toEqual(ksTwoSample(a, b));
    expect(wasserstein1(b, a)).toBeCloseTo(wasserstein1(a, b), 14);
    expect(ksTwoSample(a, a).statistic).toBe(0);
    expect(wasserstein1(a, a)).toBe(0);
    expect(ksTwoSample(a, new Float64Array(0))).toEqual({ statistic: 0, pValue: 1 });
  });
});
