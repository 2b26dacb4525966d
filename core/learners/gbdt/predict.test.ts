import type { FeatureMatrix } from '../../data/table';
import type { GbdtModelDocument } from './model-document';
import { GbdtPredictError, predictProbaFromDocument, predictRawScores, preprocessRow, preprocessValue } from './predict';

// Two features, two classes. Tree 0 (class 0): x0 <= 0.1 ? (x1 <= 5 ? 1 : 2) : -1.
// Tree 1 (class 1): single leaf 0.5. Preprocessing: fill [0, 3], clip x0 to [-1, 1], x1 to [0, 10].
const doc: GbdtModelDocument = {
  format: 'gbdt',
  formatVersion: 1,
  schema: {
    features: [
      { name: 'x0', kind: 'numeric' },
      { name: 'x1', kind: 'numeric' },
    ],
  },
  classes: ['a', 'b'],
  preprocessing: { fill: [0, 3], min: [-1, 0], max: [1, 10] },
  baseScore: [0.25, -0.25],
  trees: [
    {
      classIndex: 0,
      feature: [0, 1, 0, 0, 0],
      threshold: [0.1, 5, 0, 0, 0],
      left: [1, 3, -1, -1, -1],
      right: [2, 4, -1, -1, -1],
      value: [0, 0, -1, 1, 2],
      cover: [10, 6, 4, 3, 3],
    },
    { classIndex: 1, feature: [0], threshold: [0], left: [-1], right: [-1], value: [0.5], cover: [10] },
  ],
  params: {},
  featureGain: [1, 1],
};

const matrix = (rows: number[][]): FeatureMatrix => ({ rows: rows.length, cols: rows[0].length, data: Float64Array.from(rows.flat()) });

describe('predictRawScores', () => {
  it('routes rows through the trees after fill and clip, adding the base score', () => {
    // Prepare: rows hitting each leaf, a NaN filled, and infinities clipped
    const X = matrix([
      [0, 4], // left, left -> 1
      [0, 6], // left, right -> 2
      [0.5, 0], // right -> -1
      [NaN, NaN], // x0 -> 0, x1 -> 3 -> leaf 1
      [-Infinity, Infinity], // x0 -> -1, x1 -> 10 -> leaf 2
      [Infinity, 0], // x0 -> 1 -> right -> -1
    ]);
    // Act
    const raw = predictRawScores(doc, X);
    // Assess
    const class0 = [1, 2, -1, 1, 2, -1].map((v) => v + 0.25);
    for (let i = 0; i < 6; i++) {
      expect(raw[i * 2]).toBeCloseTo(class0[i], 12);
      expect(raw[i * 2 + 1]).toBeCloseTo(0.25, 12);
    }
  });

  it('compares in float32: a value just above the threshold in float64 but equal in float32 goes left', () => {
    // Prepare: 0.1 and 0.1 + 1e-12 round to the same float32, so both go left
    const justAbove = 0.1 + 1e-12;
    expect(Math.fround(justAbove)).toBe(Math.fround(0.1));
    const clearlyAbove = Math.fround(0.1) + 1e-8; // rounds to the next float32 up
    expect(Math.fround(clearlyAbove)).toBeGreaterThan(Math.fround(0.1));
    const X = matrix([
      [justAbove, 0],
      [clearlyAbove, 0],
    ]);
    // Act
    const raw = predictRawScores(doc, X);
    // Assess
    expect(raw[0]).toBeCloseTo(1.25, 12);
    expect(raw[2]).toBeCloseTo(-0.75, 12);
  });

  it('rejects a matrix with the wrong number of columns', () => {
    expect(() => predictRawScores(doc, matrix([[1, 2, 3]]))).toThrow(GbdtPredictError);
  });
});

describe('predictProbaFromDocument', () => {
  it('is the softmax of the raw scores', () => {
    const X = matrix([
      [0, 4],
      [0.5, 0],
    ]);
    const p = predictProbaFromDocument(doc, X);
    // row 0: raw [1.25, 0.25]; row 1: raw [-0.75, 0.25]
    const expected0 = 1 / (1 + Math.exp(0.25 - 1.25));
    const expected1 = 1 / (1 + Math.exp(0.25 + 0.75));
    expect(p[0]).toBeCloseTo(expected0, 12);
    expect(p[1]).toBeCloseTo(1 - expected0, 12);
    expect(p[2]).toBeCloseTo(expected1, 12);
    expect(p[0] + p[1]).toBeCloseTo(1, 14);
  });
});

describe('preprocessRow', () => {
  it('fills, clips and rounds to float32', () => {
    const out = preprocessRow([NaN, 0.3], doc.preprocessing, new Float32Array(2));
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(Math.fround(0.3));
    expect(preprocessValue(20, 1, doc.preprocessing)).toBe(10);
  });
});
