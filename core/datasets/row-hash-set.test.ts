import { HashSet64, RowHasher } from './row-hash-set';
import { SeededRandom } from '../util/random';

function hashRow(h: RowHasher, values: readonly (number | string)[], label: string): [number, number] {
  h.reset();
  for (const v of values) {
    if (typeof v === 'number') h.addNumber(v);
    else h.addString(v);
  }
  h.addString(label);
  return [h.hi(), h.lo()];
}

describe('RowHasher + HashSet64', () => {
  it('counts exact duplicates among ~20k seeded rows, growing past its initial capacity', () => {
    // Prepare: 50k distinct rows, each repeated 1-7 times in a shuffled order
    const rng = new SeededRandom(42);
    const distinct: (number | string)[][] = [];
    for (let i = 0; i < 5_000; i++) distinct.push([rng.int(100), rng.normal(), ['tcp', 'udp'][rng.int(2)], i % 7]);
    const stream: number[] = [];
    for (let i = 0; i < distinct.length; i++) {
      const copies = 1 + rng.int(7);
      for (let k = 0; k < copies; k++) stream.push(i);
    }
    const set = new HashSet64(16);
    const h = new RowHasher();
    // Act
    let duplicates = 0;
    for (const i of stream) {
      const [hi, lo] = hashRow(h, distinct[i], 'normal');
      if (!set.add(hi, lo)) duplicates++;
    }
    // Assess
    expect(set.size).toBe(distinct.length);
    expect(duplicates).toBe(stream.length - distinct.length);
  });

  it('treats all NaNs alike and -0 as 0, but tells field boundaries and labels apart', () => {
    const h = new RowHasher();
    expect(hashRow(h, [NaN, 1], 'a')).toEqual(hashRow(h, [Number('nan'), 1], 'a'));
    expect(hashRow(h, [-0, 1], 'a')).toEqual(hashRow(h, [0, 1], 'a'));
    expect(hashRow(h, [1, 2], 'a')).not.toEqual(hashRow(h, [1, 2], 'b'));
    expect(hashRow(h, ['ab', 'c'], 'x')).not.toEqual(hashRow(h, ['a', 'bc'], 'x'));
    expect(hashRow(h, [Infinity], 'x')).not.toEqual(hashRow(h, [-Infinity], 'x'));
  });
});
