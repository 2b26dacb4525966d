import { SeededRandom } from '../util/random';
import { evaluate } from './metrics';
import { applyThresholds, predictWithThresholds, tuneThresholds } from './thresholds';

describe('tuneThresholds', () => {
  it('picks the cutoff with the best one-vs-rest F1 (hand-computed case)', () => {
    // Class 1 scores, sorted: 0.9+ 0.8+ 0.7+ 0.6- 0.4+ 0.3- 0.2- 0.1- (P = 4).
    // F1 = 2tp / (tp + fp + P) at each cutoff: .4 .667 .857 .75 [.889 at 0.4] .8 .727 .667
    // -> best alerts down to 0.4; the cutoff sits halfway to the next score: (0.4 + 0.3) / 2.
    // Class 0 (1 - p1) has the mirrored structure, best down to 0.4 -> (0.4 + 0.3) / 2 as well.
    const y = Int32Array.from([1, 1, 1, 0, 1, 0, 0, 0]);
    const p1 = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1];
    const proba = Float64Array.from(p1.flatMap((p) => [1 - p, p]));
    const t = tuneThresholds(y, proba, ['normal', 'attack'], { minPositives: 1 });
    expect(t[1]).toBeCloseTo(0.35, 12);
    expect(t[0]).toBeCloseTo(0.35, 12);
  });

  it('uses 0.5 for a class absent from the validation labels and keeps all cutoffs in (0, 1)', () => {
    // every row scores [1, 0, 0]; class "b" has positives (rows 1, 2) that all score 0, so its best
    // F1 (4/5) alerts every row: cutoff (0 + 0) / 2 = 0, clamped to 1e-6. Class "c" is absent.
    const y = Int32Array.from([0, 1, 1]);
    const proba = Float64Array.from([1, 0, 0, 1, 0, 0, 1, 0, 0]);
    const t = tuneThresholds(y, proba, ['a', 'b', 'c'], { minPositives: 1 });
    expect(t[2]).toBe(0.5);
    for (const v of t) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(1);
    }
    expect(t[1]).toBeCloseTo(1e-6, 12);
  });

  it('keeps the fallback for a class with fewer than minPositives (default 5) validation positives', () => {
    // same data as the hand-computed case: class 1 has 4 positives
    const y = Int32Array.from([1, 1, 1, 0, 1, 0, 0, 0]);
    const proba = Float64Array.from([0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1].flatMap((p) => [1 - p, p]));
    expect(tuneThresholds(y, proba, ['normal', 'attack'])).toEqual([0.5, 0.5]);
    expect(tuneThresholds(y, proba, ['normal', 'attack'], { minPositives: 4 })[1]).toBeCloseTo(0.35, 12);
    expect(() => tuneThresholds(y, proba, ['normal', 'attack'], { minPositives: 0 })).toThrow(/minPositives/);
  });

  it('raises minority-class F1 over argmax when the model under-scores that class', () => {
    // 3 classes; class 2 is rare and its probability is systematically squashed
    const rnd = new SeededRandom(4);
    const n = 3000;
    const y = new Int32Array(n);
    const proba = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const c = rnd.next() < 0.05 ? 2 : rnd.int(2);
      y[i] = c;
      const s = [rnd.next(), rnd.next(), rnd.next() * 0.3];
      s[c] += 0.5;
      s[2] *= 0.4;
      const sum = s[0] + s[1] + s[2];
      for (let k = 0; k < 3; k++) proba[i * 3 + k] = s[k] / sum;
    }
    const classes = ['x', 'y', 'rare'];
    const t = tuneThresholds(y, proba, classes);
    const base = evaluate(y, proba, classes);
    const tuned = evaluate(y, proba, classes, { predicted: predictWithThresholds(proba, t) });
    expect(tuned.perClass.rare.f1).toBeGreaterThan(base.perClass.rare.f1 + 0.1);
  });
});

describe('applyThresholds / predictWithThresholds', () => {
  const proba = Float64Array.from([0.6, 0.3, 0.1, 0.45, 0.45, 0.1, 0.5, 0.2, 0.3]);
  const thresholds = [0.7, 0.3, 0.3];

  it('alerts when p[c] >= threshold[c] (equality alerts)', () => {
    expect(Array.from(applyThresholds(proba, thresholds))).toEqual([0, 1, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('picks the alerting class with the largest p / threshold, else argmax', () => {
    // row 0: only b alerts (0.3/0.3); row 1: b alerts (1.5); row 2: c alerts (1.0)
    expect(Array.from(predictWithThresholds(proba, thresholds))).toEqual([1, 1, 2]);
    // nothing alerts -> argmax
    expect(Array.from(predictWithThresholds(Float64Array.from([0.2, 0.5, 0.3]), [0.9, 0.9, 0.9]))).toEqual([1]);
  });
});
