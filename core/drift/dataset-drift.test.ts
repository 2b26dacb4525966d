import { createMatrix, type FeatureMatrix, type FeatureSchema } from '../data/table';
import { SeededRandom } from '../util/random';
import { DEFAULTS, detectDatasetDrift } from './dataset-drift';
import { ProfileMismatchError } from './errors';
import { buildReferenceProfile } from './reference-profile';

const schema: FeatureSchema = {
  features: [
    { name: 'bytes', kind: 'numeric' },
    { name: 'duration', kind: 'numeric' },
    { name: 'packets', kind: 'numeric' },
    { name: 'protocol', kind: 'categorical', vocabulary: ['tcp', 'udp', 'icmp'] },
  ],
};

interface Shift {
  /** added to 'bytes' (in units of its std, 1) */
  readonly bytesShift?: number;
  /** multiplies 'duration' */
  readonly durationScale?: number;
  /** share of 'packets' set to NaN */
  readonly packetsMissing?: number;
  /** protocol mix tcp/udp/icmp */
  readonly protocolMix?: readonly [number, number, number];
}

/** bytes ~ N(0, 1), duration ~ Exp(1), packets ~ N(10, 2), protocol 70/20/10 unless shifted. */
function sample(rows: number, seed: number, shift: Shift = {}): FeatureMatrix {
  const rng = new SeededRandom(seed);
  const X = createMatrix(rows, 4);
  const [tcp, udp] = shift.protocolMix ?? [0.7, 0.2, 0.1];
  for (let i = 0; i < rows; i++) {
    X.data[i * 4] = rng.normal() + (shift.bytesShift ?? 0);
    X.data[i * 4 + 1] = -Math.log(1 - rng.next()) * (shift.durationScale ?? 1);
    X.data[i * 4 + 2] = rng.next() < (shift.packetsMissing ?? 0) ? NaN : 10 + 2 * rng.normal();
    const u = rng.next();
    X.data[i * 4 + 3] = u < tcp ? 0 : u < tcp + udp ? 1 : 2;
  }
  return X;
}

const profile = buildReferenceProfile(schema, sample(20_000, 1), [15_000, 4_000, 1_000], ['Normal', 'DDoS/DoS', 'Brute Force']);

describe('detectDatasetDrift', () => {
  it('finds no drift in a small window from the training distribution (KS, Bonferroni)', () => {
    const report = detectDatasetDrift(profile, sample(1000, 2), { predictedClassCounts: [752, 199, 49] });
    expect(report.windowRows).toBe(1000);
    expect(report.referenceRows).toBe(20_000);
    expect(report.ksPValueThreshold).toBeCloseTo(0.05 / 4, 15);
    expect(report.features.map((f) => f.method)).toEqual(['ks', 'ks', 'ks', 'jensen_shannon']);
    expect(report.features.map((f) => f.drifted)).toEqual([false, false, false, false]);
    for (const f of report.features) {
      expect(f.psi).toBeLessThan(0.05);
      expect(f.jensenShannon).toBeLessThan(0.05);
    }
    expect(report.datasetDrift).toBe(false);
    expect(report.prediction?.drifted).toBe(false);
    expect(report.prediction?.currentProportions).toEqual([0.752, 0.199, 0.049]);
  });

  it('flags shifted features in a small window and declares dataset drift at the share threshold', () => {
    const report = detectDatasetDrift(profile, sample(1000, 3, { bytesShift: 0.5, protocolMix: [0.3, 0.3, 0.4] }));
    const byName = Object.fromEntries(report.features.map((f) => [f.name, f]));
    expect(byName.bytes.drifted).toBe(true);
    expect(byName.bytes.ksPValue).toBeLessThan(1e-6);
    expect(byName.bytes.ksStatistic).toBeGreaterThan(0.15);
    expect(byName.protocol.drifted).toBe(true);
    expect(byName.protocol.jensenShannon).toBeGreaterThan(0.2);
    expect(byName.duration.drifted).toBe(false);
    expect(byName.packets.drifted).toBe(false);
    expect(report.driftedFeatures).toBe(2);
    expect(report.driftShare).toBe(0.5);
    expect(report.datasetDrift).toBe(true); // 2 of 4 >= 0.5
    expect(detectDatasetDrift(profile, sample(1000, 3, { bytesShift: 0.5, protocolMix: [0.3, 0.3, 0.4] }), { shareThreshold: 0.75 }).datasetDrift).toBe(false);
  });

  it('uses the normalised Wasserstein distance for large windows', () => {
    const same = detectDatasetDrift(profile, sample(DEFAULTS.largeWindowRows, 4));
    expect(same.features.slice(0, 3).map((f) => f.method)).toEqual(['wasserstein', 'wasserstein', 'wasserstein']);
    expect(same.features.every((f) => !f.drifted)).toBe(true);
    // noise floor of a 1,000-value reference sample: well below the 0.1 threshold
    for (const f of same.features.slice(0, 3)) expect(f.wasserstein).toBeLessThan(0.08);
    process.stdout.write(
      `no-drift normalised W1: ${same.features
        .slice(0, 3)
        .map((f) => f.wasserstein?.toFixed(4))
        .join(', ')}\n`,
    );

    const shifted = detectDatasetDrift(profile, sample(DEFAULTS.largeWindowRows, 5, { bytesShift: 0.3, durationScale: 1.5 }));
    const [bytes, duration] = shifted.features;
    // W1 of a location shift by 0.3σ is 0.3σ; W1 of Exp(1) vs Exp(1.5) is |1.5 - 1| = 0.5 (mean difference, std 1).
    expect(bytes.wasserstein).toBeGreaterThan(0.25);
    expect(bytes.wasserstein).toBeLessThan(0.35);
    expect(duration.wasserstein).toBeGreaterThan(0.42);
    expect(duration.wasserstein).toBeLessThan(0.58);
    expect([bytes.drifted, duration.drifted]).toEqual([true, true]);
  });

  it('flags a jump in the missing share that KS cannot see', () => {
    const report = detectDatasetDrift(profile, sample(1000, 6, { packetsMissing: 0.4 }));
    const packets = report.features[2];
    expect(packets.missingShareReference).toBe(0);
    expect(packets.missingShareCurrent).toBeGreaterThan(0.35);
    expect(packets.ksPValue).toBeGreaterThan(0.0125);
    expect(packets.drifted).toBe(true);
  });

  it('honours explicit methods and thresholds', () => {
    const window = sample(1000, 7, { bytesShift: 0.5 });
    const psiReport = detectDatasetDrift(profile, window, { numericMethod: 'psi', categoricalMethod: 'psi' });
    expect(psiReport.features[0].method).toBe('psi');
    expect(psiReport.features[0].score).toBe(psiReport.features[0].psi);
    expect(psiReport.features[0].drifted).toBe(psiReport.features[0].psi >= 0.2);
    const strict = detectDatasetDrift(profile, window, { numericMethod: 'wasserstein', thresholds: { wasserstein: 0.9 } });
    expect(strict.features[0].threshold).toBe(0.9);
    expect(strict.features[0].drifted).toBe(false);
  });

  it('detects prediction-distribution drift', () => {
    const report = detectDatasetDrift(profile, sample(500, 8), { predictedClassCounts: [100, 350, 50] });
    expect(report.prediction?.drifted).toBe(true);
    expect(report.prediction?.method).toBe('jensen_shannon');
    expect(report.prediction?.psi).toBeGreaterThan(0.2);
  });

  it('handles an empty window and rejects mismatched shapes', () => {
    const empty = detectDatasetDrift(profile, createMatrix(0, 4));
    expect(empty.datasetDrift).toBe(false);
    expect(empty.features.every((f) => !f.drifted)).toBe(true);
    expect(() => detectDatasetDrift(profile, createMatrix(10, 3))).toThrow(ProfileMismatchError);
    expect(() => detectDatasetDrift(profile, sample(10, 9), { predictedClassCounts: [1, 2] })).toThrow(ProfileMismatchError);
  });

  it('produces a JSON-serialisable report', () => {
    const report = detectDatasetDrift(profile, sample(300, 10));
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
