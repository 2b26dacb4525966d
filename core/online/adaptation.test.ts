// adaptModel on a seeded concept shift, for every model family: the parent misses the shifted
// class, the adapted model learns it and still knows the old concept; refusals name what is wrong.
import { takeLabels, takeRows, type FeatureMatrix } from '../data/table';
import { GBDT_FAMILY, MLP_FAMILY, type ModelFamily } from '../families';
import { conformanceData } from '../learners/conformance';
import { SeededRandom } from '../util/random';
import { adaptModel, AdaptationRefusedError, type LabelledRows } from '.';

const d = conformanceData(7, 1200);
const names = (y: Int32Array): string[] => Array.from(y, (c) => d.classes[c]);
const range = (from: number, to: number): Int32Array => Int32Array.from({ length: to - from }, (_, i) => from + i);

/** The shifted concept: class z now lies where feature a is strongly negative. */
function shifted(seed: number, rows: number): LabelledRows {
  const rnd = new SeededRandom(seed);
  const data = new Float64Array(rows * 3);
  const labels: string[] = [];
  for (let i = 0; i < rows; i++) {
    const c = i % 3;
    data[i * 3] = (c === 2 ? -6 : c * 2) + rnd.normal();
    data[i * 3 + 1] = (c === 1 ? 3 : -1) + rnd.normal();
    data[i * 3 + 2] = rnd.normal();
    labels.push(d.classes[c]);
  }
  return { X: { rows, cols: 3, data }, labels };
}

const cases: [string, ModelFamily, Record<string, number | string>][] = [
  ['gbdt', GBDT_FAMILY, { nRounds: 30, maxDepth: 3, learningRate: 0.3 }],
  ['mlp', MLP_FAMILY, { hiddenLayers: '16', maxEpochs: 20, learningRate: 0.01 }],
];

describe.each(cases)('adaptModel (%s)', (_name, family, params) => {
  const learner = family.create(1, params);
  learner.fit(takeRows(d.X, range(0, 800)), takeLabels(d.y, range(0, 800)), { schema: d.schema, classes: d.classes });
  const parent = learner.toJSON();
  const replay: LabelledRows = { X: takeRows(d.X, range(0, 300)), labels: names(takeLabels(d.y, range(0, 300))) };
  const parentTest: LabelledRows = { X: takeRows(d.X, range(800, 1200)), labels: names(takeLabels(d.y, range(800, 1200))) };
  const input = { family, parent, parentParams: params, replay, parentTest, seed: 3, samples: shifted(11, 600) };

  it('learns the shifted class and keeps the old concept', () => {
    const result = adaptModel(input);
    expect(result.learned.parent.macroF1).toBeLessThan(0.8);
    expect(result.learned.adapted.macroF1).toBeGreaterThan(result.learned.parent.macroF1 + 0.15);
    expect(result.forgetting.adapted.macroF1).toBeGreaterThan(result.forgetting.parent.macroF1 - 0.05);
    expect(result.samples).toMatchObject({ fit: 480, heldOut: 120, replay: 300, perClass: { x: 200, y: 200, z: 200 } });
    expect(result.document.classes).toEqual(d.classes);
  });

  it('is deterministic for a seed', () => {
    expect(JSON.stringify(adaptModel(input).document)).toBe(JSON.stringify(adaptModel(input).document));
  });

  it('refuses labels outside the parent’s classes, naming them and their counts (a full retrain is needed)', () => {
    const samples = shifted(12, 300);
    const labels = samples.labels.map((l, i) => (i < 7 ? 'Worm' : l));
    try {
      adaptModel({ ...input, samples: { ...samples, labels } });
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(AdaptationRefusedError);
      const refused = err as AdaptationRefusedError;
      expect(refused.refusal).toBe('labels-outside-class-space');
      expect(refused.outsideLabels).toEqual({ Worm: 7 });
      expect(refused.statusCode).toBe(409);
      expect(refused.message).toMatch(/Worm \(7\).*full retrain/);
    }
  });

  it('refuses too few samples and samples with another feature count', () => {
    expect(() => adaptModel({ ...input, samples: shifted(13, 20) })).toThrow(/20 new labelled samples; an adaptation needs at least 50/);
    const narrow: FeatureMatrix = { rows: 100, cols: 2, data: new Float64Array(200) };
    expect(() => adaptModel({ ...input, samples: { X: narrow, labels: new Array<string>(100).fill('x') } })).toThrow(
      /samples have 2 features, the model reads 3/,
    );
  });
});
