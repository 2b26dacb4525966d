import { SeededRandom } from '../../util/random';
import { BinMapper, BinMapperError } from './bin-mapper';
import { preprocessMatrix } from './predict';

function matrix(rows: number, cols: number, f: (i: number, j: number) => number) {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = f(i, j);
  return { rows, cols, data };
}

describe('BinMapper', () => {
  const rnd = new SeededRandom(3);
  // col 0: continuous (many distinct values), col 1: 5 distinct values, col 2: 90% zeros + continuous tail,
  // col 3: NaN and infinities mixed in, col 4: all NaN
  const X = matrix(5000, 5, (i, j) => {
    switch (j) {
      case 0:
        return rnd.normal() * 1000;
      case 1:
        return i % 5;
      case 2:
        return rnd.next() < 0.9 ? 0 : rnd.next() * 7;
      case 3:
        return i % 50 === 0 ? NaN : i % 97 === 0 ? Infinity : i % 89 === 0 ? -Infinity : rnd.normal();
      default:
        return NaN;
    }
  });
  const mapper = BinMapper.fit(X, 256);

  it('uses at most 256 bins per feature and one bin per distinct value when they fit', () => {
    expect(Math.max(...mapper.binCounts)).toBeLessThanOrEqual(256);
    expect(mapper.binCounts[0]).toBeGreaterThan(200);
    expect(mapper.binCounts[1]).toBe(5);
    expect(mapper.binCounts[4]).toBe(1);
  });

  it('gives a heavy value its own bin and spreads the rest', () => {
    const bins = mapper.transform(X);
    const zeroBin = mapper.binOf(2, 0);
    let inZeroBin = 0;
    for (let i = 0; i < X.rows; i++) if (bins[i * 5 + 2] === zeroBin) inZeroBin++;
    const zeros = Array.from({ length: X.rows }, (_, i) => X.data[i * 5 + 2]).filter((v) => v === 0).length;
    expect(inZeroBin).toBe(zeros);
    expect(mapper.binCounts[2]).toBeGreaterThan(100);
  });

  it('fills NaN with the median and clips infinities to the finite training range', () => {
    const prep = mapper.preprocessing;
    expect(prep.fill[1]).toBe(2);
    expect(prep.max[3]).toBeLessThan(10);
    expect(prep.min[3]).toBeGreaterThan(-10);
    expect(prep.fill[4]).toBe(0);
    const xs = preprocessMatrix(
      prep,
      matrix(1, 5, (_, j) => (j === 3 ? Infinity : NaN)),
    );
    expect(xs[3]).toBe(Math.fround(prep.max[3]));
    expect(xs[1]).toBe(2);
  });

  it('bins so that bin <= b exactly when the float32 value <= edge b (split thresholds are exact)', () => {
    const bins = mapper.transform(X);
    const xs = preprocessMatrix(mapper.preprocessing, X);
    let violations = 0;
    let checked = 0;
    for (let j = 0; j < 5; j++) {
      const edges = mapper.edges[j];
      for (let b = 0; b < edges.length; b++) {
        if (Math.fround(edges[b]) !== edges[b]) violations++;
        if (b > 0 && !(edges[b] > edges[b - 1])) violations++;
      }
      for (let i = 0; i < X.rows; i++) {
        const bin = bins[i * 5 + j];
        const v = xs[i * 5 + j];
        if (bin < edges.length && !(v <= mapper.threshold(j, bin))) violations++;
        if (bin > 0 && !(v > mapper.threshold(j, bin - 1))) violations++;
        checked++;
      }
    }
    expect(checked).toBe(25000);
    expect(violations).toBe(0);
  });

  it('round-trips through JSON state with identical bins', () => {
    const restored = BinMapper.fromState(JSON.parse(JSON.stringify(mapper.toState())));
    expect(Array.from(restored.transform(X))).toEqual(Array.from(mapper.transform(X)));
    expect(restored.preprocessing).toEqual(mapper.preprocessing);
  });

  it('respects a smaller maxBins and rejects invalid settings or state', () => {
    const small = BinMapper.fit(X, 16);
    expect(Math.max(...small.binCounts)).toBeLessThanOrEqual(16);
    expect(() => BinMapper.fit(X, 257)).toThrow(BinMapperError);
    const state = mapper.toState();
    expect(() => BinMapper.fromState({ ...state, edges: [[0.1], ...state.edges.slice(1)] })).toThrow(/float32/);
  });
});
