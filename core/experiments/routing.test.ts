import { InvalidExperimentInputError } from './errors';
import { assignArm, murmur3_32, routingPosition } from './routing';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('murmur3_32', () => {
  // Reference hashes from the Python mmh3 5.3.0 package: mmh3.hash(s.encode('utf-8'), seed, signed=False).
  it.each([
    ['', 0, 0x0],
    ['', 1, 0x514e28b7],
    ['hello', 0, 0x248bfa47],
    ['abc', 0, 0xb3dd93fa],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['exp-1:user-42', 0, 0xa11088a6],
    ['ünïcødé:ключ', 0, 0xb254e37b],
  ])('hash(%p, seed %p) = mmh3 reference', (s, seed, expected) => {
    expect(murmur3_32(utf8(s), seed)).toBe(expected);
  });
});

describe('assignArm', () => {
  it('hashes "<experimentId>:<key>" into [0, 1)', () => {
    expect(routingPosition('exp-1', 'user-42')).toBe(0xa11088a6 / 2 ** 32);
  });

  it('is sticky: the same key always lands in the same arm', () => {
    for (let i = 0; i < 1000; i++) {
      const key = `client-${i}`;
      const first = assignArm('exp-sticky', key, 0.3);
      for (let repeat = 0; repeat < 3; repeat++) expect(assignArm('exp-sticky', key, 0.3)).toBe(first);
    }
  });

  it.each([0.05, 0.1, 0.25, 0.5, 0.9])('routes 100,000 keys within 1 pp of a %p challenger split', (split) => {
    let challenger = 0;
    const keys = 100_000;
    for (let i = 0; i < keys; i++) if (assignArm('exp-split', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, split) === 'challenger') challenger++;
    const share = challenger / keys;
    process.stdout.write(`split ${split}: challenger share ${share.toFixed(5)} (error ${(100 * Math.abs(share - split)).toFixed(3)} pp)\n`);
    expect(Math.abs(share - split)).toBeLessThan(0.01);
  });

  it('keeps keys in the challenger arm when the split grows (monotone ramp-up)', () => {
    for (let i = 0; i < 2000; i++) {
      if (assignArm('exp-ramp', `k${i}`, 0.1) === 'challenger') expect(assignArm('exp-ramp', `k${i}`, 0.3)).toBe('challenger');
    }
  });

  it('splits independently per experiment', () => {
    let agree = 0;
    for (let i = 0; i < 10_000; i++) if (assignArm('exp-a', `k${i}`, 0.5) === assignArm('exp-b', `k${i}`, 0.5)) agree++;
    expect(agree / 10_000).toBeGreaterThan(0.47);
    expect(agree / 10_000).toBeLessThan(0.53);
  });

  it('honours the extreme splits and rejects invalid ones', () => {
    expect(assignArm('e', 'k', 0)).toBe('champion');
    expect(assignArm('e', 'k', 1)).toBe('challenger');
    expect(() => assignArm('e', 'k', 1.2)).toThrow(InvalidExperimentInputError);
    expect(() => assignArm('e', 'k', NaN)).toThrow(/split/);
  });
});
