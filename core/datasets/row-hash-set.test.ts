import { HashSet64 } from './row-hash-set';
import { SeededRandom } from '../util/random';

describe('HashSet64', () => {
  it('counts exact duplicates among seeded 64-bit hashes, growing past its initial capacity', () => {
    // Prepare: 5k distinct (hi, lo) pairs, each repeated 1-7 times in order
    const rng = new SeededRandom(42);
    const distinct: [number, number][] = [];
    const seen = new Set<string>();
    while (distinct.length < 5_000) {
      const pair: [number, number] = [rng.int(2 ** 31) >>> 0, rng.int(2 ** 31) >>> 0];
      if (seen.has(pair.join())) continue;
      seen.add(pair.join());
      distinct.push(pair);
    }
    const stream: number[] = [];
    for (let i = 0; i < distinct.length; i++) {
      const copies = 1 + rng.int(7);
      for (let k = 0; k < copies; k++) stream.push(i);
    }
    const set = new HashSet64(16);
    // Act
    let duplicates = 0;
    for (const i of stream) if (!set.add(distinct[i][0], distinct[i][1])) duplicates++;
    // Assess
    expect(set.size).toBe(distinct.length);
    expect(duplicates).toBe(stream.length - distinct.length);
  });

  it('stores the (0, 0) hash, which marks an empty slot inside, as a value of its own', () => {
    const set = new HashSet64(4);
    expect(set.add(0, 0)).toBe(true);
    expect(set.add(0, 0)).toBe(false);
    expect(set.add(1, 0)).toBe(true);
    expect(set.size).toBe(2);
  });
});
