import { predictRawScores } from '../learners/gbdt/predict';
import type { GbdtModelDocument } from '../learners/gbdt/model-document';
import { rowsToFeatureMatrix } from './feeds';
import { mergeTrees, servingTrees } from './merge-trees';
import { mixedSchema, randomGbdtDocument, randomRawRows } from './testing/random-gbdt';

const schema = mixedSchema(5, [
  ['tcp', 'udp', 'icmp'],
  ['SF', 'REJ', 'S0', 'RSTO'],
]);
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
  const limits = { budgetBytes: 4 * 1024 * 1024, maxNodes: 4096 };

  it('merges runs of trees under the node cap and predicts the same raw scores', () => {
    const { trees, maxNodes } = servingTrees(doc, limits);
    expect(maxNodes).toBe(4096);
    expect(trees.length).toBeLessThan(doc.trees.length);
    for (const t of trees) expect(t.left.length).toBeLessThanOrEqual(maxNodes);
    // class trees stay with their class; multi-output trees stay multi-output
    expect(new Set(trees.map((t) => t.classIndex))).toEqual(new Set([-1, 0, 1, 2, 3]));
    expect(maxAbsDiff(predictRawScores({ ...doc, trees: [...trees] }, X), predictRawScores(doc, X))).toBeLessThan(1e-9);
  });

  it('merges greedily: a smaller cap serves more, smaller trees', () => {
    const small = servingTrees(doc, { ...limits, maxNodes: 64 });
    const large = servingTrees(doc, limits);
    expect(small.maxNodes).toBe(64);
    expect(small.trees.length).toBeGreaterThan(large.trees.length);
    expect(small.trees.length).toBeLessThan(doc.trees.length);
    for (const t of small.trees) expect(t.left.length).toBeLessThanOrEqual(64);
    expect(maxAbsDiff(predictRawScores({ ...doc, trees: [...small.trees] }, X), predictRawScores(doc, X))).toBeLessThan(1e-9);
  });

  it('orders each run by root split, so trees sharing one merge without repeating it', () => {
    // a(f, t1, g): x[f] <= 0.5 ? leaf : (x[g] <= t1 ? leaf : leaf); runs alternate two root splits
    const tree = (f: number, g: number, t1: number, v: number): GbdtModelDocument['trees'][number] => ({
      classIndex: 0,
      feature: [f, 0, g, 0, 0],
      threshold: [0.5, 0, t1, 0, 0],
      left: [1, -1, 3, -1, -1],
      right: [2, -1, 4, -1, -1],
      value: [0, v, 0, -v, 2 * v],
      cover: [4, 2, 2, 1, 1],
    });
    const [a1, b1, a2, b2] = [tree(0, 2, 0.3, 0.1), tree(1, 3, 0.3, 0.2), tree(0, 2, 0.4, 0.3), tree(1, 3, 0.4, 0.4)];
    const k = classes.length;
    const nf = schema.features.length;
    const sameRoot = mergeTrees(a1, a2, k, nf) as NonNullable<ReturnType<typeof mergeTrees>>;
    const otherRoot = mergeTrees(a1, b1, k, nf) as NonNullable<ReturnType<typeof mergeTrees>>;
    expect(otherRoot.left.length).toBeGreaterThan(sameRoot.left.length);
    const interleaved: GbdtModelDocument = { ...doc, trees: [a1, b1, a2, b2] };
    // in document order no neighbours would fit a cap of sameRoot's size; ordered by root, both pairs do
    const plan = servingTrees(interleaved, { budgetBytes: 1e6, maxNodes: sameRoot.left.length });
    expect(plan.trees).toHaveLength(2);
    expect(maxAbsDiff(predictRawScores({ ...interleaved, trees: [...plan.trees] }, X), predictRawScores(interleaved, X))).toBeLessThan(1e-9);
  });

  it('halves the cap until the served trees fit the budget', () => {
    const full = servingTrees(doc, limits);
    const bytes = (trees: readonly { left: readonly number[] }[]): number => trees.reduce((sum, t) => sum + t.left.length, 0);
    // a budget below the full plan's estimated size (21 bytes a node, plus 8 a leaf weight) forces a smaller cap
    const tight = servingTrees(doc, { ...limits, budgetBytes: bytes(full.trees) * 21 });
    expect(tight.maxNodes).toBeGreaterThan(0);
    expect(tight.maxNodes).toBeLessThan(full.maxNodes);
    expect(maxAbsDiff(predictRawScores({ ...doc, trees: [...tight.trees] }, X), predictRawScores(doc, X))).toBeLessThan(1e-9);
  });

  it('keeps the document trees when the budget is 0 or too small for any merge', () => {
    expect(servingTrees(doc, { ...limits, budgetBytes: 0 })).toEqual({ trees: doc.trees, maxNodes: 0 });
    expect(servingTrees(doc, { ...limits, budgetBytes: 2000 }).maxNodes).toBe(0);
    expect(servingTrees(doc, { ...limits, maxNodes: 1 }).maxNodes).toBe(0);
  });
});
