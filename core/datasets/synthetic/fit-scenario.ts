// Fits a scenario's distributions to a user's own flows of one class (rows in the CICIDS2017 column
// layout), keeping each distribution's family and re-estimating its location and spread.
import { ScenarioError, parseScenario, type Distribution, type ScenarioDefinition } from './scenario';

/** Columns fitScenario reads (trimmed CICIDS2017 names). */
export const FIT_COLUMNS = [
  'Destination Port',
  'Total Fwd Packets',
  'Total Backward Packets',
  'Total Length of Fwd Packets',
  'Total Length of Bwd Packets',
  'Fwd Packet Length Max',
  'Fwd Packet Length Mean',
  'Fwd Packet Length Std',
  'Bwd Packet Length Max',
  'Bwd Packet Length Mean',
  'Bwd Packet Length Std',
  'Flow IAT Mean',
  'Flow IAT Std',
  'FIN Flag Count',
  'RST Flag Count',
  'Init_Win_bytes_forward',
  'Init_Win_bytes_backward',
  'act_data_pkt_fwd',
] as const;

/** Most frequent values kept when a `choice` distribution is refitted. */
export const MAX_CHOICE_VALUES = 64;
const MAX_TRACKED_VALUES = 100_000;

/** Mean, variance, range and (bounded) value frequencies of one per-flow quantity, streamed. */
class Moments {
  n = 0;
  private mean = 0;
  private m2 = 0;
  min = Infinity;
  max = -Infinity;
  readonly counts = new Map<number, number>();

  add(x: number): void {
    if (!Number.isFinite(x)) return;
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const c = this.counts.get(x);
    if (c !== undefined) this.counts.set(x, c + 1);
    else if (this.counts.size < MAX_TRACKED_VALUES) this.counts.set(x, 1);
  }

  get stats(): Estimate {
    return { n: this.n, mean: this.mean, variance: this.n > 1 ? this.m2 / (this.n - 1) : 0, min: this.min, max: this.max, counts: this.counts };
  }
}

/** What is known about a quantity: its first two moments, and for per-flow quantities range and frequencies. */
interface Estimate {
  n: number;
  mean: number;
  variance: number;
  min?: number;
  max?: number;
  counts?: ReadonlyMap<number, number>;
}

/** Per-packet quantity pooled from per-flow count/sum/sum-of-squares. */
class Pooled {
  n = 0;
  sum = 0;
  sumSq = 0;
  max = -Infinity;

  /** Adds `k` values whose sum is `sum`, sum of squares `sumSq` and largest value `max` (NaN: unknown). */
  add(k: number, sum: number, sumSq: number, max = NaN): void {
    if (!(k > 0) || !Number.isFinite(sum) || !Number.isFinite(sumSq)) return;
    this.n += k;
    this.sum += sum;
    this.sumSq += sumSq;
    if (max > this.max) this.max = max;
  }

  get stats(): Estimate {
    const mean = this.n > 0 ? this.sum / this.n : 0;
    const variance = this.n > 1 ? Math.max(0, (this.sumSq - this.n * mean * mean) / (this.n - 1)) : 0;
    return { n: this.n, mean, variance, max: Number.isFinite(this.max) ? this.max : undefined };
  }
}

/** Sum of squares of n values with the given mean and sample std (n − 1). */
function sumOfSquares(n: number, mean: number, std: number): number {
  return (n > 1 ? (n - 1) * std * std : 0) + n * mean * mean;
}

/** Options of fitScenario. */
export interface FitScenarioOptions {
  /**
   * Fit the per-flow quantities (destination port, packet counts each way) as `choice` distributions
   * over their observed values instead of keeping the scenario's families — reproduces multi-modal
   * count distributions (e.g. CICIDS2017 SSH-Patator: 1-packet and ~21-packet flows). Default false.
   */
  readonly empiricalCounts?: boolean;
}

/** Widens an optional clamp bound so observed values stay reachable. */
function widen(bound: number | undefined, observed: number | undefined, pick: (a: number, b: number) => number): number | undefined {
  return bound === undefined || observed === undefined || !Number.isFinite(observed) ? bound : pick(bound, observed);
}

/**
 * Refits a distribution to an estimate, keeping its family (clamps are kept, widened to the observed
 * range when known); unchanged when there is no data.
 */
function refit(base: Distribution, e: Estimate): Distribution {
  if (e.n === 0) return base;
  const sd = Math.sqrt(e.variance);
  switch (base.type) {
    case 'constant':
      return { type: 'constant', value: e.mean };
    case 'uniform':
      return e.min !== undefined && e.max !== undefined
        ? { type: 'uniform', min: e.min, max: e.max }
        : { type: 'uniform', min: e.mean - Math.sqrt(3) * sd, max: e.mean + Math.sqrt(3) * sd };
    case 'normal':
      return { ...base, mean: e.mean, std: sd, min: widen(base.min, e.min, Math.min), max: widen(base.max, e.max, Math.max) };
    case 'lognormal': {
      if (!(e.mean > 0)) return base;
      const ratio = 1 + e.variance / (e.mean * e.mean);
      const min = widen(base.min, e.min, Math.min);
      return {
        ...base,
        median: e.mean / Math.sqrt(ratio),
        sigma: Math.sqrt(Math.log(ratio)),
        min: min === undefined ? undefined : Math.max(min, Number.MIN_VALUE),
        max: widen(base.max, e.max, Math.max),
      };
    }
    case 'choice': {
      if (e.counts === undefined || e.counts.size === 0) return base;
      const top = [...e.counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, MAX_CHOICE_VALUES);
      return { type: 'choice', values: top.map(([v]) => v), weights: top.map(([, c]) => c) };
    }
  }
}

/**
 * Derives a new scenario definition from rows of one class: the destination port, packet counts,
 * initial windows (per-flow columns), packet inter-arrival time and payload sizes (per-packet, pooled
 * from each row's count/mean/std), the forward data-packet probability and the FIN/RST probabilities
 * are re-estimated; each distribution keeps its family (normal → mean/std, lognormal → median/sigma by
 * moment matching, uniform → observed range, choice → the 64 most frequent values) and its clamps.
 * Kept from `scenario`: protocol, TCP pattern, PSH/URG probabilities, the backward data-packet
 * probability (not observable from flow features; backward payload sizes are fitted assuming it),
 * header size and label. Non-finite values are skipped. Clamps (min/max) are widened to the observed
 * range; a uni-modal family fitted to multi-modal counts keeps their mean and spread only before
 * clamping — use `empiricalCounts` to reproduce such counts.
 * @throws ScenarioError when a needed column is missing or there are no rows
 * @example
 * const fitted = fitScenario(loadScenarioFile('datasets/scenarios/ssh-brute-force.json'), mySshPatatorRows);
 */
export function fitScenario(scenario: ScenarioDefinition, rows: Iterable<Record<string, number>>, options: FitScenarioOptions = {}): ScenarioDefinition {
  const port = new Moments();
  const fwdPackets = new Moments();
  const bwdPackets = new Moments();
  const winFwd = new Moments();
  const winBwd = new Moments();
  const iat = new Pooled();
  const fwdPayload = new Pooled();
  const bwdPayload = new Pooled();
  let fwdEligible = 0;
  let finRows = 0;
  let finHits = 0;
  let rstRows = 0;
  let rstHits = 0;
  let count = 0;
  const tcp = scenario.protocol === 'tcp' ? scenario.tcp : undefined;
  const handshake = tcp?.pattern === 'handshake';

  for (const row of rows) {
    if (count === 0) {
      const missing = FIT_COLUMNS.filter((c) => !(c in row));
      if (missing.length > 0) {
        throw new ScenarioError(`cannot fit scenario "${scenario.name}": rows lack column(s) ${missing.map((m) => `"${m}"`).join(', ')}`, scenario.name);
      }
    }
    count++;
    const nF = row['Total Fwd Packets'];
    const nB = row['Total Backward Packets'];
    port.add(row['Destination Port']);
    fwdPackets.add(nF);
    bwdPackets.add(nB);
    if (tcp !== undefined) {
      if (row['Init_Win_bytes_forward'] >= 0) winFwd.add(row['Init_Win_bytes_forward']);
      if (row['Init_Win_bytes_backward'] >= 0) winBwd.add(row['Init_Win_bytes_backward']);
    }
    const total = nF + nB;
    if (total >= 2) iat.add(total - 1, (total - 1) * row['Flow IAT Mean'], sumOfSquares(total - 1, row['Flow IAT Mean'], row['Flow IAT Std']));
    // Zero-payload packets add nothing to sums or sums of squares, so the data packets' moments follow.
    const dataF = row['act_data_pkt_fwd'];
    fwdPayload.add(
      dataF,
      row['Total Length of Fwd Packets'],
      sumOfSquares(nF, row['Fwd Packet Length Mean'], row['Fwd Packet Length Std']),
      row['Fwd Packet Length Max'],
    );
    if (Number.isFinite(nF)) fwdEligible += Math.max(0, handshake ? nF - 1 : nF);
    if (Number.isFinite(nB) && nB > 0) {
      const eligible = handshake ? nB - 1 : nB;
      const expectedData = eligible * scenario.bwdDataProbability;
      if (expectedData > 0) {
        bwdPayload.add(
          expectedData,
          row['Total Length of Bwd Packets'],
          sumOfSquares(nB, row['Bwd Packet Length Mean'], row['Bwd Packet Length Std']),
          row['Bwd Packet Length Max'],
        );
      }
    }
    if (handshake && nF >= 2) {
      finRows++;
      if (row['FIN Flag Count'] > 0) finHits++;
    }
    if (tcp !== undefined && (handshake || nB > 0)) {
      rstRows++;
      if (row['RST Flag Count'] > 0) rstHits++;
    }
  }
  if (count === 0) throw new ScenarioError(`cannot fit scenario "${scenario.name}": no rows`, scenario.name);
  const perFlowBase = (d: Distribution): Distribution => (options.empiricalCounts ? { type: 'choice', values: [0] } : d);

  const fitted: ScenarioDefinition = {
    ...scenario,
    description: `${scenario.description} (fitted to ${count} rows)`,
    destinationPort: refit(perFlowBase(scenario.destinationPort), port.stats),
    fwdPackets: refit(perFlowBase(scenario.fwdPackets), fwdPackets.stats),
    bwdPackets: refit(perFlowBase(scenario.bwdPackets), bwdPackets.stats),
    interArrivalUs: refit(scenario.interArrivalUs, iat.stats),
    fwdPayloadBytes: tcp?.pattern === 'syn-only' ? scenario.fwdPayloadBytes : refit(scenario.fwdPayloadBytes, fwdPayload.stats),
    bwdPayloadBytes: tcp?.pattern === 'syn-only' ? scenario.bwdPayloadBytes : refit(scenario.bwdPayloadBytes, bwdPayload.stats),
    fwdDataProbability: fwdEligible > 0 && tcp?.pattern !== 'syn-only' ? Math.min(1, fwdPayload.n / fwdEligible) : scenario.fwdDataProbability,
    initWindowForward: refit(scenario.initWindowForward, winFwd.stats),
    initWindowBackward: refit(scenario.initWindowBackward, winBwd.stats),
  };
  if (tcp !== undefined && fitted.tcp !== undefined) {
    fitted.tcp = {
      ...fitted.tcp,
      finProbability: finRows > 0 ? finHits / finRows : tcp.finProbability,
      rstProbability: rstRows > 0 ? rstHits / rstRows : tcp.rstProbability,
    };
  }
  return parseScenario(fitted, `fitted scenario "${scenario.name}"`);
}
