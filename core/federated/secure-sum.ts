// How a federated trainer sums one vector per participant without seeing any of them: a SecureSum
// runs one secure aggregation per call. inProcessSecureSum runs every party of the protocol in this
// process (each participant with its own keys; the aggregator sees only masked inputs): the
// federated trainers' tests and benchmarks use it, the round protocol runs the same parties apart.
import { systemRandomBytes } from './random-bytes';
import { SecureAggregationParticipant, SecureAggregator, type SecureAggregationOptions } from './secure-aggregation';
import type { RandomBytes } from './shamir';

/** One participant's vector for one aggregation. */
export interface Contribution {
  readonly participant: string;
  readonly vector: Float64Array;
}

/** Sums the contributions of one aggregation (`sessionId` unique per aggregation); resolves to the sum only. */
export type SecureSum = (sessionId: string, contributions: readonly Contribution[]) => Promise<Float64Array>;

/** What the in-process secure sum has moved so far, per participant (what a participant sends). */
export interface SecureSumStats {
  aggregations: number;
  /** Bytes each participant sent (keys, encrypted shares, masked input, unmasking shares), by participant. */
  readonly bytesSent: Map<string, number>;
}

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/**
 * A SecureSum running the whole protocol in this process: threshold ⌊n/2⌋ + 1, fresh keys per aggregation.
 * @example const { secureSum, stats } = inProcessSecureSum(); await secureSum('run-1/round-0', contributions);
 */
export function inProcessSecureSum(random: (participant: string, sessionId: string) => RandomBytes = () => systemRandomBytes): {
  readonly secureSum: SecureSum;
  readonly stats: SecureSumStats;
} {
  const stats: SecureSumStats = { aggregations: 0, bytesSent: new Map() };
  const sent = (participant: string, bytes: number): void => void stats.bytesSent.set(participant, (stats.bytesSent.get(participant) ?? 0) + bytes);
  const secureSum: SecureSum = async (sessionId, contributions) => {
    const ids = contributions.map((c) => c.participant);
    if (ids.length === 1) throw new RangeError('a secure sum needs at least two participants');
    const options: SecureAggregationOptions = {
      sessionId,
      participants: ids,
      threshold: Math.floor(ids.length / 2) + 1,
      length: contributions[0].vector.length,
    };
    const parties = contributions.map((c) => new SecureAggregationParticipant(c.participant, options, random(c.participant, sessionId)));
    const aggregator = new SecureAggregator(options);
    for (const p of parties) {
      const keys = p.advertise();
      sent(p.id, jsonBytes(keys));
      aggregator.receiveKeys(keys);
    }
    for (const p of parties) {
      const shares = p.shareKeys(aggregator.advertisedKeys());
      sent(p.id, jsonBytes(shares));
      aggregator.receiveShares(p.id, shares);
    }
    contributions.forEach((c, i) => {
      const masked = parties[i].maskInput(c.vector, aggregator.sharesFor(c.participant));
      sent(c.participant, jsonBytes(masked));
      aggregator.receiveMaskedInput(masked);
    });
    for (const p of parties) {
      const unmasking = p.unmask(aggregator.survivors());
      sent(p.id, jsonBytes(unmasking));
      aggregator.receiveUnmaskingShares(unmasking);
    }
    stats.aggregations++;
    return aggregator.aggregate();
  };
  return { secureSum, stats };
}
