import { InvalidExperimentInputError } from './errors';
import { newcombeDifferenceInterval, twoProportionZTest, wilsonInterval } from './two-proportion-z-test';

// Reference values, computed independently in Python 3.11 + SciPy 1.10.1:
//   z = (pB - pA) / sqrt(p(1-p)(1/nA + 1/nB)) with pooled p; pValue = 2 * scipy.stats.norm.sf(|z|)
//   Wilson bounds: roots of the quadratic |p - P| = z * sqrt(P(1-P)/n), z = scipy.stats.norm.ppf(0.975)
// and the published examples of Newcombe (1998), Stat. Med. 17:857-872 / 873-890:
//   Wilson 81/263 → 0.2553 to 0.3662; difference 56/70 − 48/80 (method 10) → 0.0524 to 0.3339.

describe('twoProportionZTest', () => {
  it('matches the reference z and two-sided p-value', () => {
    const r = twoProportionZTest(200, 1000, 250, 1000);
    expect(r.z).toBeCloseTo(2.677397763008329, 12);
    expect(r.pValue).toBeCloseTo(0.007419649261025687, 14);
    expect(r.difference).toBeCloseTo(0.05, 15);

    const s = twoProportionZTest(1200, 10000, 1180, 10000);
    expect(s.z).toBeCloseTo(-0.4367707665202312, 12);
    expect(s.pValue).toBeCloseTo(0.6622776017947593, 12);
  });

  it('gives the Newcombe interval of the published example (56/70 vs 48/80)', () => {
    const r = twoProportionZTest(48, 80, 56, 70);
    expect(r.z).toBeCloseTo(2.6501719512585336, 12);
    expect(r.pValue).toBeCloseTo(0.00804508136819656, 14);
    expect(r.ciLow).toBeCloseTo(0.05243147240236515, 12);
    expect(r.ciHigh).toBeCloseTo(0.3338726540369059, 12);
    expect(r.ciLow.toFixed(4)).toBe('0.0524');
    expect(r.ciHigh.toFixed(4)).toBe('0.3339');
  });

  it('is antisymmetric in the arms and degenerate-safe', () => {
    const ab = twoProportionZTest(30, 100, 45, 100);
    const ba = twoProportionZTest(45, 100, 30, 100);
    expect(ba.z).toBeCloseTo(-ab.z, 14);
    expect(ba.pValue).toBeCloseTo(ab.pValue, 14);
    expect(ba.ciLow).toBeCloseTo(-ab.ciHigh, 14);
    const same = twoProportionZTest(0, 50, 0, 80);
    expect(same.z).toBe(0);
    expect(same.pValue).toBe(1);
    expect(same.ciLow).toBeLessThan(0);
    expect(same.ciHigh).toBeGreaterThan(0);
  });

  it('rejects impossible counts', () => {
    expect(() => twoProportionZTest(5, 4, 1, 10)).toThrow(InvalidExperimentInputError);
    expect(() => twoProportionZTest(0, 0, 1, 10)).toThrow(/nA/);
    expect(() => twoProportionZTest(1.5, 4, 1, 10)).toThrow(InvalidExperimentInputError);
  });
});

describe('wilsonInterval', () => {
  it('matches Newcombe 1998 and the quadratic-root reference', () => {
    const w = wilsonInterval(81, 263);
    expect(w.low).toBeCloseTo(0.2552885198782743, 12);
    expect(w.high).toBeCloseTo(0.3662095769828, 12);
    expect(wilsonInterval(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.2775327998628892, 12) });
    expect(wilsonInterval(10, 10)).toEqual({ low: expect.closeTo(0.7224672001371114, 12), high: 1 });
  });

  it('is the base of the Newcombe interval', () => {
    const d = newcombeDifferenceInterval(48, 80, 56, 70);
    expect(d.low).toBeCloseTo(0.0524, 4);
    expect(d.high).toBeCloseTo(0.3339, 4);
  });
});
