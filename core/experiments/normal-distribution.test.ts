import { chiSquared1Sf, erf, erfc, normalCdf, normalQuantile, normalSf, twoSidedNormalPValue } from './normal-distribution';

// Reference values computed independently with SciPy 1.10.1 (Debian python3-scipy):
//   scipy.special.erfc(x), scipy.stats.norm.ppf(p), scipy.stats.norm.sf / cdf, scipy.stats.chi2.sf(x, 1)
// printed with repr() and pasted here.
const ERFC_REFERENCE: readonly (readonly [number, number])[] = [
  [-3.5, 1.9999992569016276],
  [-2, 1.9953222650189528],
  [-1.3, 1.9340079449406524],
  [-0.5, 1.5204998778130465],
  [0.001, 0.9988716212090307],
  [0.3, 0.6713732405408726],
  [1, 0.15729920705028516],
  [1.5, 0.03389485352468927],
  [1.999, 0.0046984433486294865],
  [2, 0.004677734981047266],
  [2.5, 0.00040695201744495886],
  [3, 2.2090496998585445e-5],
  [4, 1.541725790028002e-8],
  [6, 2.1519736712498913e-17],
  [10, 2.0884875837625446e-45],
  [26, 5.663192408856145e-296],
];

const QUANTILE_REFERENCE: readonly (readonly [number, number])[] = [
  [1e-10, -6.361340902404056],
  [0.001, -3.090232306167813],
  [0.025, -1.9599639845400545],
  [0.3, -0.5244005127080409],
  [0.5, 0],
  [0.8, 0.8416212335729143],
  [0.975, 1.959963984540054],
  [0.999999, 4.753424308817087],
];

function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
}

describe('erfc / erf', () => {
  it.each(ERFC_REFERENCE)('erfc(%p) matches SciPy to 1e-12 relative', (x, expected) => {
    expect(relErr(erfc(x), expected)).toBeLessThan(1e-12);
  });

  it('erf is odd, erf + erfc = 1, and handles infinities and NaN', () => {
    for (const x of [0.1, 0.7, 1.9, 2.1, 3.3]) {
      expect(erf(-x)).toBeCloseTo(-erf(x), 15);
      expect(erf(x) + erfc(x)).toBeCloseTo(1, 15);
    }
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expect(erf(0)).toBe(0);
    expect(Number.isNaN(erfc(NaN))).toBe(true);
  });
});

describe('normal distribution', () => {
  it('cdf, sf and two-sided p-values match SciPy', () => {
    expect(relErr(normalCdf(1.96), 0.9750021048517795)).toBeLessThan(1e-13);
    expect(relErr(normalSf(5), 2.866515718791933e-7)).toBeLessThan(1e-12);
    expect(twoSidedNormalPValue(1.959963984540054)).toBeCloseTo(0.05, 13);
    expect(twoSidedNormalPValue(-1.959963984540054)).toBeCloseTo(0.05, 13);
  });

  it.each(QUANTILE_REFERENCE)('quantile(%p) matches scipy.stats.norm.ppf', (p, expected) => {
    expect(Math.abs(normalQuantile(p) - expected)).toBeLessThan(1e-12);
  });

  it('quantile edge cases', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(Number.isNaN(normalQuantile(1.5))).toBe(true);
  });
});

describe('chi-squared (df = 1) survival', () => {
  it('matches scipy.stats.chi2.sf(x, 1)', () => {
    expect(chiSquared1Sf(3.841458820694124)).toBeCloseTo(0.05, 13);
    expect(relErr(chiSquared1Sf(12.5), 0.00040695201744495946)).toBeLessThan(1e-12);
    expect(relErr(chiSquared1Sf(40), 2.5396285894708634e-10)).toBeLessThan(1e-12);
    expect(chiSquared1Sf(0)).toBe(1);
  });
});
