import type { FeatureMatrix } from '../data/table';
import { SeededRandom } from '../util/random';
import { rowGroups, stratifiedGroupSplit } from './split';

/** Independent row key (not the hash under test): NaN prints as "NaN", -0 folds into 0. */
function rowKey(X: FeatureMatrix, r: number): string {
  const parts: string[] = [];
  for (let j = 0; j < X.cols; j++) {
    const v = X.data[r * X.cols + j];
    parts.push(Object.is(v, -0) ? '0' : String(v));
  }
  return parts.join('|');
}

/**
 * 5 imbalanced classes (1000/500/200/50/10 distinct rows) plus duplicates: ~20% of rows repeat an
 * earlier row (some with NaNs, some with -0 vs 0, some with a conflicting label), and one block of
 * 120 identical class-0 rows.
 */
function duplicatedData(seed: number): { X: FeatureMatrix; y: Int32Array } {
  const rnd = new SeededRandom(seed);
  const counts = [1000, 500, 200, 50, 10];
  const cols = 4;
  const rows: number[][] = [];
  const labels: number[] = [];
  counts.forEach((count, c) => {
    for (let i = 0; i < count; i++) {
      const row = [c + rnd.normal(), rnd.next() < 0.1 ? NaN : rnd.normal(), rnd.next() < 0.1 ? 0 : rnd.int(5), rnd.normal()];
      rows.push(row);
      labels.push(c);
    }
  });
  const distinct = rows.length;
  for (let k = 0; k < 0.2 * distinct; k++) {
    const src = rnd.int(distinct);
    const copy = rows[src].map((v) => (v === 0 ? -0 : v));
    rows.push(copy);
    labels.push(rnd.next() < 0.05 ? (labels[src] + 1) % 5 : labels[src]);
  }
  const block = [9, 9, 9, 9];
  for (let k = 0; k < 120; k++) {
    rows.push(block);
    labels.push(0);
  }
  // interleave so duplicates are not all at the end
  const order = rnd.shuffle(Array.from(rows.keys()));
  const data = new Float64Array(rows.length * cols);
  const y = new Int32Array(rows.length);
  order.forEach((src, i) => {
    data.set(rows[src], i * cols);
    y[i] = labels[src];
  });
  return { X: { rows: rows.length, cols, data }, y };
}

describe('rowGroups', () => {
  it('groups identical rows, treating NaN as equal to NaN and -0 as 0', () => {
    // Prepare
    const X = { rows: 5, cols: 2, data: Float64Array.from([1, NaN, 2, 3, 1, NaN, -0, 5, 0, 5]) };
    // Act
    const g = rowGroups(X);
    // Assess
    expect(Array.from(g.groupOf)).toEqual([0, 1, 0, 2, 2]);
    expect(g.count).toBe(3);
    expect(g.duplicateRows).toBe(2);
  });

  it('agrees with an independent string key on a larger table', () => {
    const { X } = duplicatedData(3);
    const g = rowGroups(X);
    const keyToGroup = new Map<string, number>();
    for (let r = 0; r < X.rows; r++) {
      const key = rowKey(X, r);
      const seen = keyToGroup.get(key);
      if (seen === undefined) keyToGroup.set(key, g.groupOf[r]);
      else expect(g.groupOf[r]).toBe(seen);
    }
    expect(g.count).toBe(keyToGroup.size);
  });
});

describe('stratifiedGroupSplit', () => {
  const { X, y } = duplicatedData(11);

  it('never puts the same feature row on both sides', () => {
    const { train, test } = stratifiedGroupSplit(X, y, { testFraction: 0.3, seed: 1 });
    const trainKeys = new Set(Array.from(train, (r) => rowKey(X, r)));
    const leaked = Array.from(test).filter((r) => trainKeys.has(rowKey(X, r)));
    expect(leaked).toEqual([]);
    // the data really has duplicates, so the property is not vacuous
    expect(rowGroups(X).duplicateRows).toBeGreaterThan(400);
  });

  it('covers every row exactly once, in ascending order', () => {
    const { train, test } = stratifiedGroupSplit(X, y, { testFraction: 0.3, seed: 1 });
    expect(train.length + test.length).toBe(X.rows);
    const seen = new Uint8Array(X.rows);
    for (const r of [...train, ...test]) seen[r]++;
    expect(seen.every((v) => v === 1)).toBe(true);
    for (let i = 1; i < train.length; i++) expect(train[i]).toBeGreaterThan(train[i - 1]);
  });

  it('keeps per-class proportions close to the target', () => {
    const { test } = stratifiedGroupSplit(X, y, { testFraction: 0.3, seed: 5 });
    const total = new Array<number>(5).fill(0);
    const inTest = new Array<number>(5).fill(0);
    for (let r = 0; r < X.rows; r++) total[y[r]]++;
    for (const r of test) inTest[y[r]]++;
    // classes 0-3 have >= 50 rows: within 4 points; class 4 (~12 rows): within 12 points
    for (let c = 0; c < 4; c++) expect(Math.abs(inTest[c] / total[c] - 0.3)).toBeLessThan(0.04);
    expect(Math.abs(inTest[4] / total[4] - 0.3)).toBeLessThan(0.12);
    expect(Math.abs(test.length / X.rows - 0.3)).toBeLessThan(0.02);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const a = stratifiedGroupSplit(X, y, { testFraction: 0.3, seed: 9 });
    const b = stratifiedGroupSplit(X, y, { testFraction: 0.3, seed: 9 });
    const c = stratifiedGroupSplit(X, y, { testFraction: 0.3, seed: 10 });
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
  });

  it('splits a subset (train -> fit/validation) without leaving it or leaking duplicates', () => {
    const groups = rowGroups(X);
    const outer = stratifiedGroupSplit(X, y, { testFraction: 0.3, seed: 2, groups });
    const inner = stratifiedGroupSplit(X, y, { testFraction: 0.15, seed: 3, indices: outer.train, groups });
    const outerTrain = new Set(outer.train);
    expect(inner.train.length + inner.test.length).toBe(outer.train.length);
    expect([...inner.train, ...inner.test].every((r) => outerTrain.has(r))).toBe(true);
    const fitGroups = new Set(Array.from(inner.train, (r) => groups.groupOf[r]));
    expect(Array.from(inner.test).some((r) => fitGroups.has(groups.groupOf[r]))).toBe(false);
    expect(Math.abs(inner.test.length / outer.train.length - 0.15)).toBeLessThan(0.02);
  });

  it('keeps a conflicting-label duplicate group together', () => {
    // rows 0..3 are identical with labels 0,0,1,1; the other rows are distinct
    const rows = 40;
    const data = new Float64Array(rows);
    const y2 = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      data[i] = i < 4 ? -1 : i;
      y2[i] = i < 4 ? (i < 2 ? 0 : 1) : i % 2;
    }
    for (let seed = 0; seed < 20; seed++) {
      const { test } = stratifiedGroupSplit({ rows, cols: 1, data }, y2, { testFraction: 0.5, seed });
      const inTest = [0, 1, 2, 3].filter((r) => test.includes(r)).length;
      expect([0, 4]).toContain(inTest);
    }
  });

  it('rejects a fraction outside (0, 1)', () => {
    expect(() => stratifiedGroupSplit(X, y, { testFraction: 0, seed: 1 })).toThrow(/testFraction/);
    expect(() => stratifiedGroupSplit(X, y, { testFraction: 1, seed: 1 })).toThrow(/testFraction/);
  });
});
