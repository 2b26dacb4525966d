import { predictRawScores } from '../learners/gbdt/predict';
import type { GbdtModelDocument } from '../learners/gbdt/model-document';
import { rowsToFeatureMatrix } from './feeds';
import { mergeTrees, servingTrees } from './merge-trees';
import { mixedSchema, randomGbdtDocument, randomRawRows } from './testing/random-gbdt';

const schema = mixedSchema(5, [['tcp', 'udp', 'icmp'], ['SF', 'REJ', 'S0', 'RSTO']]);
const classes = ['normal', 'dos', 'probe', 'r2l'];
// rows on thresholds, NaN / missing, ±Inf, far out of range, unseen categories
const X = rowsToFeatureMatrix(schema, randomRawRows(41, schema, 2000));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('mergeTrees', () => {
  it.each([
    ['class trees', randomGbdtDocument(42, schema, classes, 2, 5)],
    ['multi-output trees', randomGbdtDocument(43, schema, classes, 0, 5, 2)],
  ])('computes the sum of two %s exactly', (_kind, doc) => {
    const [a, b] = doc.trees.filter((t) => t.values !== undefined || t.classIndex === 0);
    const merged = mergeTrees(a, b, classes.length, schema.features.length);
    expect(merged).not.toBeNull();
    const pair = predictRawScores({ ...doc, trees: [a, b] }, X);
    const one = predictRawScores({ ...doc, trees: [merged as NonNullable<typeof merged>] }, X);
    expect(maxAbsDiff(one, pair)).toBeLessThan(1e-12);
  });

  it('drops the splits the path already decides: a tree merged with itself is no bigger', () => {
    const doc = randomGbdtDocument(44, schema, classes, 1, 6);
    const a = doc.trees[0];
    const merged = mergeTrees(a, a, classes.length, schema.features.length);
    expect(merged).not.toBeNull();
    // random trees hold splits their own path decides; merging drops those too
    expect(merged?.left.length).toBeLessThanOrEqual(a.left.length);
    const twice = predictRawScores({ ...doc, trees: [a, a] }, X);
    expect(maxAbsDiff(predictRawScores({ ...doc, trees: [merged as NonNullable<typeof merged>] }, X), twice)).toBeLessThan(1e-12);
  });

  it('gives up (null) past maxNodes', () => {
    const doc = randomGbdtDocument(45, schema, classes, 2, 6);
    expect(mergeTrees(doc.trees[0], doc.trees[4], classes.length, schema.features.length, 10)).toBeNull();
  });
});

describe('servingTrees', () => {
  const doc: GbdtModelDocument = randomGbdtDocument(46, schema, classes, 24, 4, 12);

  it('merges runs of trees within the budget and predicts the same raw scores', () => {
    const { trees, group } = servingTrees(doc, 4 * 1024 * 1024);
    expect(group).toBeGreaterThan(1);
    expect(trees.length).toBeLessThan(doc.trees.length);
    // class trees stay with their class; multi-output trees stay multi-output
    expect(new Set(trees.map((t) => t.classIndex))).toEqual(new Set([-1, 0, 1, 2, 3]));
    expect(maxAbsDiff(predictRawScores({ ...doc, trees: [...trees] }, X), predictRawScores(doc, X))).toBeLessThan(1e-9);
  });

  it('keeps the document trees when the budget is 0 or too small for any merge', () => {
    expect(servingTrees(doc, 0)).toEqual({ trees: doc.trees, group: 1 });
    expect(servingTrees(doc, 2000).group).toBe(1);
  });
});
