import { SeededRandom } from '../util/random';
import { InsufficientSharesError, UnmaskRefusedError } from './errors';
import { decodeFixedPoint, encodeFixedPoint, addWordsInPlace } from './fixed-point';
import { expandSeed, seededRandomBytes } from './random-bytes';
import { maskedWords, SecureAggregationParticipant, SecureAggregator, type MaskedInput, type SecureAggregationOptions } from './secure-aggregation';
import { bigIntToBytes, combineShares, interpolateAtZero, SHAMIR_PRIME, splitSecret, type Share } from './shamir';

/** Seeded vectors shaped like gradient/hessian histograms: mostly small, some large, signed. */
function histogramLike(seed: number, length: number): Float64Array {
  const r = new SeededRandom(seed);
  return Float64Array.from({ length }, () => (r.next() < 0.3 ? 0 : r.normal() * 10 ** r.int(5)));
}

/** Wilson-Hilferty z-score of a chi-square statistic with k degrees of freedom (z > 3.09 ⇔ p < 0.001). */
function chiSquareZ(statistic: number, k: number): number {
  return ((statistic / k) ** (1 / 3) - (1 - 2 / (9 * k))) / Math.sqrt(2 / (9 * k));
}

function byteChiSquare(bytes: Uint8Array): number {
  const counts = new Float64Array(256);
  for (const b of bytes) counts[b]++;
  const expected = bytes.length / 256;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

function wordBytes(words: Uint32Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/** Runs the protocol; `dropAfterShares` participants share keys but never submit a masked input. */
function runProtocol(options: SecureAggregationOptions, inputs: Record<string, Float64Array>, dropAfterShares: readonly string[] = []) {
  const participants = options.participants.map((id, i) => new SecureAggregationParticipant(id, options, seededRandomBytes(`participant-${i}`)));
  const coordinator = new SecureAggregator(options);
  for (const p of participants) coordinator.receiveKeys(p.advertise());
  for (const p of participants) coordinator.receiveShares(p.id, p.shareKeys(coordinator.advertisedKeys()));
  const submissions: MaskedInput[] = [];
  for (const p of participants) {
    if (dropAfterShares.includes(p.id)) continue;
    const masked = p.maskInput(inputs[p.id], coordinator.sharesFor(p.id));
    submissions.push(masked);
    coordinator.receiveMaskedInput(masked);
  }
  const survivors = coordinator.survivors();
  return { participants, coordinator, submissions, survivors };
}

const exactSum = (vectors: Float64Array[]): Float64Array => {
  const acc = new Uint32Array(vectors[0].length * 2);
  for (const v of vectors) addWordsInPlace(acc, encodeFixedPoint(v));
  return decodeFixedPoint(acc);
};

describe('fixed point modulo 2^64', () => {
  it('round-trips signed values at 2^-32 resolution and sums them exactly, wrapping through 2^64', () => {
    const values = [0, 1.5, -2.25, 123456.789, -987654.321, 2 ** -32, -(2 ** 30)];
    const decoded = decodeFixedPoint(encodeFixedPoint(values));
    values.forEach((v, i) => expect(Math.abs(decoded[i] - v)).toBeLessThanOrEqual(2 ** -33));
    const a = encodeFixedPoint([-(2 ** 30), 7]);
    addWordsInPlace(a, encodeFixedPoint([2 ** 30 + 0.5, -7]));
    expect(Array.from(decodeFixedPoint(a))).toEqual([0.5, 0]);
  });

  it('refuses a value it cannot represent, naming it', () => {
    expect(() => encodeFixedPoint([1, Number.NaN])).toThrow(/value NaN at index 1/);
    expect(() => encodeFixedPoint([2 ** 40])).toThrow(/not representable/);
  });
});

describe('Shamir secret sharing over GF(2^521 - 1)', () => {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  const shares = splitSecret(secret, 3, 5, seededRandomBytes('shamir'));

  it('any threshold of shares reconstructs the secret', () => {
    expect(Buffer.from(combineShares([shares[4], shares[1], shares[2]], 32, 3))).toEqual(Buffer.from(secret));
    expect(Buffer.from(combineShares(shares, 32, 3))).toEqual(Buffer.from(secret));
  });

  it('fewer than the threshold are refused, and are consistent with every other secret', () => {
    const two = [shares[0], shares[3]];
    expect(() => combineShares(two, 32, 3)).toThrow(InsufficientSharesError);
    expect(interpolateAtZero(two)).not.toBe(BigInt(`0x${Buffer.from(secret).toString('hex')}`));
    // For any other secret s' there is a third share making the three interpolate to s': the two say nothing.
    const fake = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const fakeValue = BigInt(`0x${Buffer.from(fake).toString('hex')}`);
    // Solve for y at x = 5 so that L(0) = fake, with L through (1, y1), (4, y4), (5, y).
    const pts = [...two, { x: 5, y: '0' }];
    const withZero = interpolateAtZero(pts);
    const unit = interpolateAtZero([
      { x: 1, y: '0' },
      { x: 4, y: '0' },
      { x: 5, y: '1' },
    ]);
    let inv = 1n;
    for (let e = SHAMIR_PRIME - 2n, b = unit; e > 0n; e >>= 1n, b = (b * b) % SHAMIR_PRIME) if (e & 1n) inv = (inv * b) % SHAMIR_PRIME;
    const y = ((((fakeValue - withZero) % SHAMIR_PRIME) + SHAMIR_PRIME) * inv) % SHAMIR_PRIME;
    const forged: Share[] = [...two, { x: 5, y: y.toString(16) }];
    expect(Buffer.from(bigIntToBytes(interpolateAtZero(forged), 32))).toEqual(Buffer.from(fake));
  });
});

describe('secure aggregation', () => {
  const participants = ['tenant-a', 'tenant-b', 'tenant-c'];
  const length = 4096;
  const options: SecureAggregationOptions = { sessionId: 'run-1/round-1/histograms', participants, threshold: 2, length };
  const inputs = Object.fromEntries(participants.map((p, i) => [p, histogramLike(100 + i, length)]));

  it('a single stored submission is indistinguishable from uniform noise (byte chi-square), while the plain encoding is not', () => {
    const { submissions } = runProtocol(options, inputs);
    const stored = wordBytes(maskedWords(submissions[0], length));
    const maskedZ = chiSquareZ(byteChiSquare(stored), 255);
    const plainZ = chiSquareZ(byteChiSquare(wordBytes(encodeFixedPoint(inputs['tenant-a']))), 255);
    expect(maskedZ).toBeLessThan(3.09); // p > 0.001: no evidence against uniform
    expect(plainZ).toBeGreaterThan(10); // the same test sees the unmasked histogram at once
  });

  it('the aggregate is the exact fixed-point sum of every input', () => {
    const { participants: ps, coordinator, survivors } = runProtocol(options, inputs);
    for (const p of ps) coordinator.receiveUnmaskingShares(p.unmask(survivors));
    const sum = coordinator.aggregate();
    expect(Array.from(sum)).toEqual(Array.from(exactSum(participants.map((p) => inputs[p]))));
    const floatSum = participants.reduce((acc, p) => acc.map((v, i) => v + inputs[p][i]), new Float64Array(length));
    sum.forEach((v, i) => expect(Math.abs(v - floatSum[i])).toBeLessThan(1e-8 * Math.max(1, Math.abs(floatSum[i]))));
  });

  it('a participant dropping after the key exchange still yields the exact sum of the survivors', () => {
    const four = ['tenant-a', 'tenant-b', 'tenant-c', 'tenant-d'];
    const opts = { ...options, participants: four, threshold: 3 };
    const data = Object.fromEntries(four.map((p, i) => [p, histogramLike(200 + i, length)]));
    const { participants: ps, coordinator, survivors } = runProtocol(opts, data, ['tenant-c']);
    expect(survivors).toEqual(['tenant-a', 'tenant-b', 'tenant-d']);
    expect(coordinator.dropped()).toEqual(['tenant-c']);
    for (const p of ps.filter((q) => survivors.includes(q.id))) coordinator.receiveUnmaskingShares(p.unmask(survivors));
    expect(Array.from(coordinator.aggregate())).toEqual(Array.from(exactSum(survivors.map((p) => data[p]))));
  });

  it('a coordinator holding fewer than the threshold of shares cannot unmask anyone', () => {
    const opts = { ...options, threshold: 3 };
    const { participants: ps, coordinator, survivors, submissions } = runProtocol(opts, inputs);
    const [first, second] = ps.map((p) => p.unmask(survivors));
    coordinator.receiveUnmaskingShares(first);
    coordinator.receiveUnmaskingShares(second);
    expect(() => coordinator.aggregate()).toThrow(InsufficientSharesError);
    // The two shares it holds of tenant-a's self-mask seed reconstruct the wrong seed: unmasking with it leaves noise.
    const guess = bigIntToBytes(interpolateAtZero([first.selfMaskShares['tenant-a'], second.selfMaskShares['tenant-a']]) % (1n << 256n), 32);
    const words = maskedWords(submissions[0], length);
    addWordsInPlace(words, expandSeed(guess, length), -1);
    expect(chiSquareZ(byteChiSquare(wordBytes(words)), 255)).toBeLessThan(3.09);
  });

  it('a participant refuses to unmask too few survivors, or a survivor that never shared with it', () => {
    const { participants: ps } = runProtocol({ ...options, threshold: 3 }, inputs);
    expect(() => ps[0].unmask(['tenant-a', 'tenant-b'])).toThrow(InsufficientSharesError);
    const { participants: qs } = runProtocol(options, inputs);
    expect(() => qs[0].unmask(['tenant-a', 'tenant-x'])).toThrow(UnmaskRefusedError);
  });

  it('refuses a threshold at or below half of the participants, and a masked input of the wrong length', () => {
    expect(() => new SecureAggregator({ ...options, threshold: 1 })).toThrow(/threshold must be an integer above n\/2/);
    const { participants: ps, coordinator } = runProtocol({ ...options, participants: ['tenant-a', 'tenant-b'], threshold: 2 }, inputs, [
      'tenant-a',
      'tenant-b',
    ]);
    expect(() => ps[0].maskInput(new Float64Array(3), coordinator.sharesFor('tenant-a'))).toThrow(/input has 3 values, expected 4096/);
  });
});
