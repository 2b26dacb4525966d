// One conformance suite for every learner (River's checks/ idea): seeded determinism,
// serialisation round-trip with identical predictions, valid probabilities.
// Call describeLearnerConformance() from a learner's test file.
import type { FeatureMatrix, FeatureSchema } from '../data/table';
import { SeededRandom } from '../util/random';
import type { Learner, ModelDocument } from './learner';

export interface LearnerFactory {
  readonly name: string;
  /** A fresh, unfitted learner with the given seed (small settings so the suite is fast). */
  create(seed: number): Learner;
  /** Rebuilds a fitted learner from its JSON document. */
  fromJSON(doc: ModelDocument): Learner;
}

/** A seeded 3-class problem with 2 informative numeric features, 1 noise feature, some NaNs. */
export function conformanceData(seed = 7, rows = 600): { X: FeatureMatrix; y: Int32Array; schema: FeatureSchema; classes: string[] } {
  const rnd = new SeededRandom(seed);
  const cols = 3;
  const data = new Float64Array(rows * cols);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % 3;
    y[i] = c;
    data[i * cols] = c * 2 + rnd.normal();
    data[i * cols + 1] = (c === 1 ? 3 : -1) + rnd.normal();
    data[i * cols + 2] = rnd.next() < 0.05 ? NaN : rnd.normal();
  }
  return {
    X: { rows, cols, data },
    y,
    schema: {
      features: [
        { name: 'a', kind: 'numeric' },
        { name: 'b', kind: 'numeric' },
        { name: 'noise', kind: 'numeric' },
      ],
    },
    classes: ['x', 'y', 'z'],
  };
}

export function describeLearnerConformance(factory: LearnerFactory): void {
  describe(`${factory.name} conformance`, () => {
    const d = conformanceData();
    const fitted = (seed: number): Learner => {
      const learner = factory.create(seed);
      learner.fit(d.X, d.y, { schema: d.schema, classes: d.classes });
      return learner;
    };

    it('gives identical predictions for the same seed', () => {
      const a = fitted(42).predictProba(d.X);
      const b = fitted(42).predictProba(d.X);
      expect(Array.from(a)).toEqual(Array.from(b));
    });

    it('round-trips through JSON with identical predictions', () => {
      const learner = fitted(42);
      const doc = JSON.parse(JSON.stringify(learner.toJSON())) as ModelDocument;
      const restored = factory.fromJSON(doc);
      expect(Array.from(restored.predictProba(d.X))).toEqual(Array.from(learner.predictProba(d.X)));
      expect(doc.classes).toEqual(d.classes);
      expect(doc.schema).toEqual(d.schema);
      expect(typeof doc.formatVersion).toBe('number');
    });

    it('outputs valid probabilities and learns the signal', () => {
      const learner = fitted(1);
      const p = learner.predictProba(d.X);
      const k = d.classes.length;
      expect(p.length).toBe(d.X.rows * k);
      for (let i = 0; i < d.X.rows; i++) {
        let sum = 0;
        for (let c = 0; c < k; c++) {
          const v = p[i * k + c];
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
          sum += v;
        }
        expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
      }
      const pred = learner.predict(d.X);
      let correct = 0;
      for (let i = 0; i < pred.length; i++) if (pred[i] === d.y[i]) correct++;
      expect(correct / pred.length).toBeGreaterThan(0.8);
    });
  });
}
