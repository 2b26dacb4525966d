import { InvalidExperimentInputError } from './errors';
import { sampleRatioMismatch } from './sample-ratio-mismatch';

// Reference values: scipy.stats.chisquare([oA, oB], [N(1-s), Ns]) (SciPy 1.10.1), statistic and pvalue.
const REFERENCE: readonly (readonly [number, number, number, number, number, boolean])[] = [
  [5000, 5200, 0.5, 3.9215686274509802, 0.0476703806561615, false],
  [5000, 5400, 0.5, 15.384615384615385, 8.769942375590228e-5, true],
  [9000, 1100, 0.1, 8.910891089108912, 0.002834749080259389, false],
  [7021, 2979, 0.3, 0.21, 0.6467674040054683, false],
];

describe('sampleRatioMismatch', () => {
  it.each(REFERENCE)('(%p, %p, split %p) matches scipy.stats.chisquare', (a, b, split, chi2, p, mismatch) => {
    const r = sampleRatioMismatch(a, b, split);
    expect(r.chiSquared).toBeCloseTo(chi2, 10);
    expect(Math.abs(r.pValue - p) / p).toBeLessThan(1e-10);
    expect(r.mismatch).toBe(mismatch);
  });

  it('expects the challenger share in arm B', () => {
    const r = sampleRatioMismatch(900, 100, 0.1);
    expect(r.expectedA).toBe(900);
    expect(r.expectedB).toBe(100);
    expect(r.chiSquared).toBe(0);
    expect(r.pValue).toBe(1);
  });

  it('handles an empty experiment and rejects bad splits', () => {
    expect(sampleRatioMismatch(0, 0, 0.5).mismatch).toBe(false);
    expect(() => sampleRatioMismatch(10, 10, 1)).toThrow(InvalidExperimentInputError);
    expect(() => sampleRatioMismatch(-1, 10, 0.5)).toThrow(/observedA/);
  });
});
