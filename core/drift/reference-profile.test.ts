import { createMatrix, type FeatureSchema } from '../data/table';
import { SeededRandom } from '../util/random';
import { InvalidDriftInputError, ProfileMismatchError } from './errors';
import { buildReferenceProfile, numericBinIndex, reservoirSample, sortedQuantile, type NumericFeatureProfile } from './reference-profile';

const schema: FeatureSchema = {
  features: [
    { name: 'ramp', kind: 'numeric' },
    { name: 'dirty', kind: 'numeric' },
    { name: 'constant', kind: 'numeric' },
    { name: 'protocol', kind: 'categorical', vocabulary: ['tcp', 'udp', 'icmp'] },
  ],
};

/** 1,000 rows: ramp = 0..999 (shuffled), dirty = ramp with NaN / ±∞ every few rows, constant = 7, protocol codes. */
function trainingMatrix() {
  const rows = 1000;
  const X = createMatrix(rows, 4);
  const order = new SeededRandom(3).shuffle(Int32Array.from({ length: rows }, (_, i) => i));
  for (let i = 0; i < rows; i++) {
    const v = order[i];
    X.data[i * 4] = v;
    X.data[i * 4 + 1] = v % 10 === 0 ? NaN : v % 25 === 1 ? Infinity : v % 50 === 2 ? -Infinity : v;
    X.data[i * 4 + 2] = 7;
    // 50 % tcp, 30 % udp, 10 % icmp, 5 % unknown (-1), 5 % missing
    const r = v % 20;
    X.data[i * 4 + 3] = r < 10 ? 0 : r < 16 ? 1 : r < 18 ? 2 : r < 19 ? -1 : NaN;
  }
  return X;
}

describe('buildReferenceProfile', () => {
  const X = trainingMatrix();
  const profile = buildReferenceProfile(schema, X, [600, 300, 100], ['Normal', 'DDoS/DoS', 'Reconnaissance']);

  it('bins numeric features at training deciles', () => {
    const ramp = profile.features[0] as NumericFeatureProfile;
    // Type-7 quantile of 0..999 at q = b/10 is 999·b/10 = 99.9, 199.8, ..., 899.1 (hand calculation).
    expect(ramp.edges).toHaveLength(9);
    ramp.edges.forEach((e, b) => expect(e).toBeCloseTo(99.9 * (b + 1), 10));
    // Each value bin holds 100 of 1,000 rows; the missing bin is empty.
    expect(ramp.proportions).toHaveLength(11);
    ramp.proportions.slice(0, 10).forEach((p) => expect(p).toBeCloseTo(0.1, 12));
    expect(ramp.proportions[10]).toBe(0);
    expect(ramp.mean).toBeCloseTo(499.5, 10);
    expect(ramp.std).toBeCloseTo(Math.sqrt((1000 * 1000 - 1) / 12), 8); // population std of 0..999
    expect(ramp.q25).toBeCloseTo(249.75, 10);
    expect(ramp.q75).toBeCloseTo(749.25, 10);
    expect([ramp.min, ramp.max]).toEqual([0, 999]);
  });

  it('counts NaN in the missing bin and ±∞ in the outer bins, excluding them from sample and statistics', () => {
    const dirty = profile.features[1] as NumericFeatureProfile;
    expect(dirty.missing).toBe(100);
    expect(dirty.positiveInfinity).toBe(40);
    expect(dirty.negativeInfinity).toBe(20);
    expect(dirty.proportions[dirty.proportions.length - 1]).toBeCloseTo(0.1, 12);
    expect(dirty.proportions.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
    expect(dirty.proportions[0]).toBeGreaterThanOrEqual(0.02); // the -∞ rows
    expect(dirty.sample.every(Number.isFinite)).toBe(true);
    expect(dirty.sample).toHaveLength(840);
    expect(Number.isFinite(dirty.mean) && Number.isFinite(dirty.std)).toBe(true);
  });

  it('handles constant columns with a single edge at the value', () => {
    const constant = profile.features[2] as NumericFeatureProfile;
    expect(constant.edges).toEqual([7]);
    expect(constant.proportions).toEqual([1, 0, 0]);
    expect(constant.std).toBe(0);
  });

  it('records category frequencies with unknown and missing', () => {
    const protocol = profile.features[3];
    expect(protocol.kind).toBe('categorical');
    expect(protocol.proportions).toEqual([0.5, 0.3, 0.1, 0.05, 0.05]);
    expect(profile.prediction).toEqual({ classes: ['Normal', 'DDoS/DoS', 'Reconnaissance'], counts: [600, 300, 100], proportions: [0.6, 0.3, 0.1] });
  });

  it('keeps a sorted seeded reservoir sample of at most sampleSize values', () => {
    const small = buildReferenceProfile(schema, X, undefined, undefined, { sampleSize: 100, seed: 9 });
    const again = buildReferenceProfile(schema, X, undefined, undefined, { sampleSize: 100, seed: 9 });
    const other = buildReferenceProfile(schema, X, undefined, undefined, { sampleSize: 100, seed: 10 });
    const sample = (small.features[0] as NumericFeatureProfile).sample;
    expect(sample).toHaveLength(100);
    expect(sample).toEqual([...sample].sort((a, b) => a - b));
    expect(new Set(sample).size).toBe(100);
    expect(sample).toEqual((again.features[0] as NumericFeatureProfile).sample);
    expect(sample).not.toEqual((other.features[0] as NumericFeatureProfile).sample);
    expect(small.prediction).toBeNull();
  });

  it('survives a JSON round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(profile))).toEqual(profile);
  });

  it('rejects mismatched schema and bad options', () => {
    expect(() => buildReferenceProfile({ features: schema.features.slice(0, 2) }, X)).toThrow(ProfileMismatchError);
    expect(() => buildReferenceProfile(schema, X, [1, 2], ['a'])).toThrow(InvalidDriftInputError);
    expect(() => buildReferenceProfile(schema, X, undefined, undefined, { binCount: 0 })).toThrow(/binCount/);
  });
});

describe('helpers', () => {
  it('numericBinIndex uses right-closed bins and a missing bin', () => {
    const edges = [1, 2, 3];
    expect([-Infinity, 0, 1, 1.5, 2, 3, 3.1, Infinity, NaN].map((x) => numericBinIndex(edges, x))).toEqual([0, 0, 0, 1, 1, 2, 3, 3, 4]);
  });

  it('sortedQuantile interpolates linearly (numpy default)', () => {
    expect(sortedQuantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(sortedQuantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(Number.isNaN(sortedQuantile([], 0.5))).toBe(true);
  });

  it('reservoirSample is uniform: each of 100 values is picked about k/n of the time', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => i);
    const hits = new Float64Array(100);
    const rng = new SeededRandom(5);
    for (let t = 0; t < 2000; t++) for (const v of reservoirSample(values, 10, rng)) hits[v]++;
    // expected 200 hits each; binomial sd ≈ 13.4, allow ±5 sd
    for (const h of hits) expect(Math.abs(h - 200)).toBeLessThan(67);
  });
});
