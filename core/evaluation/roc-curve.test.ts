import { SeededRandom } from '../util/random';
import { rocAuc } from './metrics';
import { curveArea, rocCurve } from './roc-curve';

describe('rocCurve', () => {
  it('runs from (0, 0) to (1, 1) and its area is the ROC-AUC, ties included', () => {
    // Prepare: seeded scores rounded to two decimals (many ties), positives scoring higher
    const rnd = new SeededRandom(3);
    const n = 400;
    const positive = new Uint8Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      positive[i] = rnd.next() < 0.3 ? 1 : 0;
      scores[i] = Math.round((rnd.next() * 0.7 + positive[i] * 0.3) * 100) / 100;
    }
    // Act
    const full = rocCurve(positive, scores, 10_000);
    const thin = rocCurve(positive, scores, 20);
    // Assess
    expect(full).not.toBeNull();
    expect(curveArea(full!)).toBeCloseTo(rocAuc(positive, scores)!, 12);
    expect(thin!.fpr).toHaveLength(20);
    expect([thin!.fpr[0], thin!.tpr[0], thin!.fpr[19], thin!.tpr[19]]).toEqual([0, 0, 1, 1]);
    for (let i = 1; i < 20; i++) expect(thin!.fpr[i] >= thin!.fpr[i - 1] && thin!.tpr[i] >= thin!.tpr[i - 1]).toBe(true);
    expect(Math.abs(curveArea(thin!) - curveArea(full!))).toBeLessThan(0.02);
  });

  it('has no curve without a positive or a negative row, and refuses mismatched input', () => {
    expect(rocCurve(Uint8Array.from([1, 1]), Float64Array.from([0.2, 0.4]))).toBeNull();
    expect(rocCurve(Uint8Array.from([0, 1]), Float64Array.from([0.2, 0.9]))).toEqual({ fpr: [0, 0, 1], tpr: [0, 1, 1] });
    expect(() => rocCurve(Uint8Array.from([0]), Float64Array.from([0.1, 0.2]))).toThrow(/length/);
  });
});
