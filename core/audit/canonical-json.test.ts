// Unit tests of canonical JSON hashing (pure).
import { canonicalHash, canonicalJson, toPlainJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"x":2,"z":1}]},"b":1}');
  });

  it('gives the same hash whatever the key order, and a different one for any changed value', () => {
    const a = { actor: 'alice', seq: 3, after: { version: 2, revision: 5 } };
    const b = { after: { revision: 5, version: 2 }, seq: 3, actor: 'alice' };

    expect(canonicalHash(a)).toBe(canonicalHash(b));
    expect(canonicalHash({ ...a, after: { version: 2, revision: 6 } })).not.toBe(canonicalHash(a));
    expect(canonicalHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes non-finite numbers as null, as a JSON store keeps them', () => {
    expect(toPlainJson({ auc: Number.NaN, list: [Infinity, 1] })).toEqual({ auc: null, list: [null, 1] });
  });
});
