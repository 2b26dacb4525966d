import { classCounts, classWeightTable, classWeights, oversample } from './balancing';

describe('classWeightTable / classWeights', () => {
  it("'balanced' is n / (present classes · n_c), like scikit-learn", () => {
    // 90 + 10 rows: 100 / (2 · 90) = 0.5556, 100 / (2 · 10) = 5
    const w = classWeightTable(Float64Array.from([90, 10]), 'balanced');
    expect(w[0]).toBeCloseTo(100 / 180, 12);
    expect(w[1]).toBeCloseTo(5, 12);
  });

  it("'sqrt' keeps the square-root ratio and a mean row weight of 1; absent classes weigh 0", () => {
    const counts = Float64Array.from([90, 0, 10]);
    const w = classWeightTable(counts, 'sqrt');
    expect(w[2] / w[0]).toBeCloseTo(3, 12); // √(90 / 10)
    expect(w[1]).toBe(0);
    expect((w[0] * 90 + w[2] * 10) / 100).toBeCloseTo(1, 12);
  });

  it('gives every present class the same total weight in balanced mode, and 1 per row in none', () => {
    const y = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2]);
    const w = classWeights(y, 3, 'balanced');
    const totals = [0, 0, 0];
    y.forEach((c, i) => (totals[c] += w[i]));
    expect(totals[0]).toBeCloseTo(3, 12);
    expect(totals[1]).toBeCloseTo(3, 12);
    expect(totals[2]).toBeCloseTo(3, 12);
    expect(Array.from(classWeights(y, 3, 'none'))).toEqual(new Array(9).fill(1));
  });

  it('rejects labels outside the class range', () => {
    expect(() => classCounts(Int32Array.from([0, 3]), 3)).toThrow(/outside/);
  });
});

describe('oversample', () => {
  // class 0: 1000 rows, class 1: 50 rows, class 2: 5 rows
  const y = new Int32Array(1055);
  y.fill(1, 1000, 1050);
  y.fill(2, 1050);

  it('grows rare classes to the target, capped at maxFactor × their size, keeping every original row', () => {
    const pos = oversample(y, 3, { seed: 1, targetFraction: 0.2, maxFactor: 10 });
    const counts = classCounts(
      Int32Array.from(pos, (p) => y[p]),
      3,
    );
    expect(counts[0]).toBe(1000); // not below target 200
    expect(counts[1]).toBe(200); // 50 -> target 200 (cap 500 not reached)
    expect(counts[2]).toBe(50); // 5 -> capped at 10 × 5
    expect(Array.from(pos.subarray(0, 1055))).toEqual(Array.from({ length: 1055 }, (_, i) => i));
  });

  it('spreads copies evenly over the class rows and is seeded', () => {
    const a = oversample(y, 3, { seed: 7, targetFraction: 0.2 });
    const b = oversample(y, 3, { seed: 7, targetFraction: 0.2 });
    const c = oversample(y, 3, { seed: 8, targetFraction: 0.2 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    // class 1 gets 150 extra copies of 50 rows: each row exactly 3 extra times
    const copies = new Map<number, number>();
    for (const p of a.subarray(1055)) if (y[p] === 1) copies.set(p, (copies.get(p) ?? 0) + 1);
    expect(copies.size).toBe(50);
    expect([...copies.values()].every((v) => v === 3)).toBe(true);
  });

  it('rejects invalid options', () => {
    expect(() => oversample(y, 3, { seed: 1, targetFraction: 0 })).toThrow(/targetFraction/);
    expect(() => oversample(y, 3, { seed: 1, maxFactor: 0.5 })).toThrow(/maxFactor/);
  });
});
