import type { GbdtModelDocument, GbdtTree } from './model-document';
import { conformanceData } from '../conformance';
import { GbdtLearner } from './gbdt-learner';
import { predictRawScores, preprocessMatrix } from './predict';
import { shapValues, type ShapMethod } from './tree-shap';

/** E[tree(x) | x_S] by the path-dependent rule: follow x on features in S, else cover-weighted average. */
function conditional(tree: GbdtTree, xs: Float32Array, off: number, inS: (j: number) => boolean, node = 0): number {
  if (tree.left[node] === -1) return tree.value[node];
  const l = tree.left[node];
  const r = tree.right[node];
  const f = tree.feature[node];
  if (inS(f)) return xs[off + f] <= Math.fround(tree.threshold[node]) ? conditional(tree, xs, off, inS, l) : conditional(tree, xs, off, inS, r);
  const cl = tree.cover[l];
  const cr = tree.cover[r];
  return (cl * conditional(tree, xs, off, inS, l) + cr * conditional(tree, xs, off, inS, r)) / (cl + cr);
}

/** Shapley values from the definition (all 2^F subsets) for one row and class. */
function bruteForce(doc: GbdtModelDocument, xs: Float32Array, row: number, c: number): number[] {
  const nf = doc.schema.features.length;
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const v = (mask: number): number =>
    doc.trees.filter((t) => t.classIndex === c).reduce((a, t) => a + conditional(t, xs, row * nf, (j) => ((mask >> j) & 1) === 1), 0);
  const phi = new Array<number>(nf).fill(0);
  for (let j = 0; j < nf; j++) {
    for (let mask = 0; mask < 1 << nf; mask++) {
      if ((mask >> j) & 1) continue;
      const size = mask
        .toString(2)
        .split('')
        .filter((b) => b === '1').length;
      const weight = (fact(size) * fact(nf - size - 1)) / fact(nf);
      phi[j] += weight * (v(mask | (1 << j)) - v(mask));
    }
  }
  return phi;
}

describe.each<ShapMethod>(['recursive', 'tables', 'auto'])('shapValues (exact TreeSHAP, %s)', (method) => {
  const d = conformanceData(8, 600);
  const learner = new GbdtLearner({ seed: 3, nRounds: 12, maxDepth: 5, minChildWeight: 0.5 });
  learner.fit(d.X, d.y, { schema: d.schema, classes: d.classes });
  const doc = learner.toJSON();
  const k = doc.classes.length;
  const nf = doc.schema.features.length;
  const rows = { rows: 25, cols: nf, data: d.X.data.slice(0, 25 * nf) };
  const phi = shapValues(doc, rows, method);
  const raw = predictRawScores(doc, rows);

  it('adds up to the raw score for every row and class (1e-9 relative)', () => {
    expect(phi.length).toBe(25 * k * (nf + 1));
    for (let i = 0; i < 25; i++) {
      for (let c = 0; c < k; c++) {
        let sum = 0;
        for (let j = 0; j <= nf; j++) sum += phi[(i * k + c) * (nf + 1) + j];
        const target = raw[i * k + c];
        expect(Math.abs(sum - target)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(target)));
      }
    }
  });

  it('equals the Shapley values computed from their definition', () => {
    const xs = preprocessMatrix(doc.preprocessing, rows);
    for (const i of [0, 7, 13]) {
      for (let c = 0; c < k; c++) {
        const expected = bruteForce(doc, xs, i, c);
        for (let j = 0; j < nf; j++) expect(phi[(i * k + c) * (nf + 1) + j]).toBeCloseTo(expected[j], 9);
      }
    }
  });

  it('gives a feature the trees never split on zero contribution', () => {
    const single: GbdtModelDocument = {
      ...doc,
      baseScore: [0, 0, 0],
      trees: [{ classIndex: 1, feature: [1, 0, 0], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 2, -1], cover: [4, 1, 3] }],
    };
    const x = { rows: 1, cols: nf, data: Float64Array.from([5, 0, 9]) };
    const p = shapValues(single, x, method);
    const base = 1 * (nf + 1);
    // expected value (2 * 1 - 1 * 3) / 4 = -0.25; f(x) = 2 -> feature 1 gets 2.25
    expect(p[base + 1]).toBeCloseTo(2.25, 12);
    expect(p[base + 0]).toBe(0);
    expect(p[base + 2]).toBe(0);
    expect(p[base + nf]).toBeCloseTo(-0.25, 12);
  });

  it('adds up to the raw score for multi-output trees (each class explained from its leaf values)', () => {
    const multi = new GbdtLearner({ seed: 3, nRounds: 8, maxDepth: 5, minChildWeight: 0.5, multiOutput: true });
    multi.fit(d.X, d.y, { schema: d.schema, classes: d.classes });
    const mdoc = multi.toJSON();
    const mphi = shapValues(mdoc, rows, method);
    const mraw = predictRawScores(mdoc, rows);
    for (let i = 0; i < 25; i++) {
      for (let c = 0; c < k; c++) {
        let sum = 0;
        for (let j = 0; j <= nf; j++) sum += mphi[(i * k + c) * (nf + 1) + j];
        expect(Math.abs(sum - mraw[i * k + c])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(mraw[i * k + c])));
      }
    }
    // per class it is TreeSHAP of the class's view of each tree: the definition agrees
    const xs = preprocessMatrix(mdoc.preprocessing, rows);
    const asClassTrees: GbdtModelDocument = {
      ...mdoc,
      trees: mdoc.trees.flatMap((t) =>
        mdoc.classes.map((_, c) => ({ ...t, classIndex: c, values: undefined, value: t.left.map((_l, node) => t.values?.[node * k + c] ?? 0) })),
      ),
    };
    for (let c = 0; c < k; c++) {
      const expected = bruteForce(asClassTrees, xs, 4, c);
      for (let j = 0; j < nf; j++) expect(mphi[(4 * k + c) * (nf + 1) + j]).toBeCloseTo(expected[j], 9);
    }
  });
});

describe('shapValues: the leaf tables and the recursion agree', () => {
  it('on deep trees with features split twice on a path, and on multi-output leaves (1e-9)', () => {
    const d = conformanceData(11, 900);
    for (const params of [
      { seed: 5, nRounds: 6, maxDepth: 7, minChildWeight: 0.1 },
      { seed: 6, nRounds: 4, maxDepth: 6, minChildWeight: 0.1, multiOutput: true },
    ]) {
      const learner = new GbdtLearner(params);
      learner.fit(d.X, d.y, { schema: d.schema, classes: d.classes });
      const doc = learner.toJSON();
      const rows = { rows: 200, cols: d.X.cols, data: d.X.data.slice(0, 200 * d.X.cols) };
      const a = shapValues(doc, rows, 'recursive');
      const b = shapValues(doc, rows, 'tables');
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a[i])));
      // the case the tables merge: a feature split more than once on one path
      const repeated = doc.trees.some((t) => {
        const onPath = (node: number, seen: Set<number>): boolean =>
          t.left[node] !== -1 && (seen.has(t.feature[node]) || [t.left[node], t.right[node]].some((c) => onPath(c, new Set([...seen, t.feature[node]]))));
        return onPath(0, new Set());
      });
      expect(repeated).toBe(true);
    }
  });
});
