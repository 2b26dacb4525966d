import { SeededRandom } from '../util/random';
import { ECE_BINS, evaluate, expectedCalibrationError, rocAuc } from './metrics';

// Reference values: computed with scikit-learn 1.2.1 (/usr/bin/python3, Debian python3-sklearn):
// accuracy_score, f1_score(average='macro'|'weighted'), precision_recall_fscore_support,
// confusion_matrix, roc_auc_score(y == c, P[:, c]), log_loss(y, P); the ECE with numpy using the
// same definition as the code (bins (b/15, (b+1)/15], |acc - conf| weighted by bin share).
const classes = ['a', 'b', 'c'];
const y = Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2, 0, 1]);
const P = Float64Array.from([
  0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.2, 0.5, 0.3, 0.3, 0.5, 0.2, 0.2, 0.6, 0.2, 0.5, 0.3, 0.2, 0.1, 0.3, 0.6, 0.2, 0.2, 0.6, 0.4, 0.3, 0.3, 0.2, 0.3, 0.5,
]);

describe('evaluate', () => {
  const report = evaluate(y, P, classes);

  it('matches scikit-learn on accuracy, F1 averages and the confusion matrix', () => {
    expect(report.rows).toBe(10);
    expect(report.accuracy).toBeCloseTo(0.7, 12);
    expect(report.macroF1).toBeCloseTo(0.7071428571428573, 12);
    expect(report.weightedF1).toBeCloseTo(0.6885714285714286, 12);
    expect(report.confusion).toEqual([
      [3, 1, 0],
      [1, 2, 1],
      [0, 0, 2],
    ]);
  });

  it('matches scikit-learn per class', () => {
    const expected = {
      a: { precision: 0.75, recall: 0.75, f1: 0.75, support: 4 },
      b: { precision: 2 / 3, recall: 0.5, f1: 0.5714285714285715, support: 4 },
      c: { precision: 2 / 3, recall: 1, f1: 0.8, support: 2 },
    };
    for (const [label, m] of Object.entries(expected)) {
      expect(report.perClass[label].precision).toBeCloseTo(m.precision, 12);
      expect(report.perClass[label].recall).toBeCloseTo(m.recall, 12);
      expect(report.perClass[label].f1).toBeCloseTo(m.f1, 12);
      expect(report.perClass[label].support).toBe(m.support);
    }
  });

  it('matches scikit-learn one-vs-rest ROC-AUC (with tied scores) and log-loss', () => {
    expect(report.rocAucOvr.a).toBeCloseTo(0.7916666666666666, 12);
    expect(report.rocAucOvr.b).toBeCloseTo(0.7708333333333334, 12);
    expect(report.rocAucOvr.c).toBeCloseTo(1.0, 12);
    expect(report.rocAucMacro).toBeCloseTo((0.7916666666666666 + 0.7708333333333334 + 1) / 3, 12);
    expect(report.logLoss).toBeCloseTo(0.8209120429316723, 12);
  });

  it('computes the 15-bin expected calibration error', () => {
    expect(ECE_BINS).toBe(15);
    expect(report.ece).toBeCloseTo(0.26, 12);
  });

  it('averages macro-F1 over the classes present in yTrue only', () => {
    // 4 classes, class "d" never occurs but is predicted once (row 2).
    // scikit-learn: f1_score(labels=[0,1,2], average='macro') = 0.7222222222222222,
    // while averaging over all 4 labels would give 0.5416666666666666.
    const yB = Int32Array.from([0, 1, 2, 0, 1, 2]);
    const predB = [0, 1, 3, 0, 2, 2];
    const PB = new Float64Array(6 * 4).fill(0.1);
    predB.forEach((p, i) => (PB[i * 4 + p] = 0.7));
    const r = evaluate(yB, PB, ['a', 'b', 'c', 'd']);
    expect(r.macroF1).toBeCloseTo(0.7222222222222222, 12);
    expect(r.weightedF1).toBeCloseTo(0.7222222222222222, 12);
    expect(r.perClass.d).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.rocAucOvr.d).toBeUndefined();
    expect(Object.keys(r.rocAucOvr)).toEqual(['a', 'b', 'c']);
  });

  it('scores given predictions instead of argmax when asked', () => {
    const allA = new Int32Array(10);
    const r = evaluate(y, P, classes, { predicted: allA });
    expect(r.accuracy).toBeCloseTo(0.4, 12);
    expect(r.confusion[1]).toEqual([4, 0, 0]);
    expect(r.logLoss).toBeCloseTo(report.logLoss, 12);
  });

  it('clips zero probabilities in log-loss at 1e-15', () => {
    const r = evaluate(Int32Array.from([0]), Float64Array.from([0, 1]), ['a', 'b']);
    expect(r.logLoss).toBeCloseTo(-Math.log(1e-15), 9);
  });

  it('rejects inconsistent shapes', () => {
    expect(() => evaluate(y, P.subarray(0, 27), classes)).toThrow(/proba length/);
    expect(() => evaluate(Int32Array.from([3]), Float64Array.from([0.2, 0.3, 0.5]), classes)).toThrow(/class index/);
    expect(() => evaluate(Int32Array.from([0]), Float64Array.from([NaN, 0.5, 0.5]), classes)).toThrow(/probability NaN at row 0, class 0/);
  });
});

describe('rocAuc', () => {
  it('is the rank statistic with ties counted as one half', () => {
    // hand count: pairs (pos, neg) with pos score > neg: (0.35 > 0.1), (0.8 > 0.1), (0.8 > 0.4) = 3 of 4
    expect(rocAuc(Uint8Array.from([0, 0, 1, 1]), Float64Array.from([0.1, 0.4, 0.35, 0.8]))).toBeCloseTo(0.75, 12);
    // all scores tied: 1/2
    expect(rocAuc(Uint8Array.from([0, 1, 0, 1]), Float64Array.from([0.5, 0.5, 0.5, 0.5]))).toBeCloseTo(0.5, 12);
    // one tie of 4 pairs: (0.5 = 0.5) -> 1/2, others won: 3.5 / 4
    expect(rocAuc(Uint8Array.from([0, 0, 1, 1]), Float64Array.from([0.1, 0.5, 0.5, 0.9]))).toBeCloseTo(0.875, 12);
    expect(rocAuc(Uint8Array.from([1, 1]), Float64Array.from([0.1, 0.5]))).toBeNull();
  });

  it('equals the pairwise count on random scores with many ties, -0 among them, to the bit', () => {
    const rnd = new SeededRandom(11);
    for (let t = 0; t < 60; t++) {
      const n = 2 + rnd.int(300);
      const levels = [2, 7, 0][t % 3]; // few distinct scores, some, or (almost) none tied
      const positive = Uint8Array.from({ length: n }, () => (rnd.next() < 0.3 ? 1 : 0));
      const scores = Float64Array.from({ length: n }, () => (rnd.next() < 0.05 ? -0 : levels ? rnd.int(levels) / levels : rnd.next()));
      let u = 0;
      let P = 0;
      for (let i = 0; i < n; i++) {
        if (!positive[i]) continue;
        P++;
        for (let j = 0; j < n; j++) if (!positive[j]) u += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
      expect(rocAuc(positive, scores)).toBe(P === 0 || P === n ? null : u / (P * (n - P)));
    }
  });
});

describe('expectedCalibrationError', () => {
  it('is zero for calibrated bins and |acc - conf| for a single bin', () => {
    // two rows at confidence 0.5, one right one wrong: bin accuracy 0.5 = confidence 0.5
    expect(expectedCalibrationError(Int32Array.from([0, 1]), Float64Array.from([0.5, 0.5, 0.5, 0.5]), 2)).toBeCloseTo(0, 12);
    // four rows at confidence 0.9, all right: |1 - 0.9| = 0.1
    const p = Float64Array.from([0.9, 0.1, 0.9, 0.1, 0.1, 0.9, 0.1, 0.9]);
    expect(expectedCalibrationError(Int32Array.from([0, 0, 1, 1]), p, 2)).toBeCloseTo(0.1, 12);
  });
});
