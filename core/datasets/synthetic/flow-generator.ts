// Generates one synthetic bidirectional flow per call: draws the packet list (direction, time, payload
// length, TCP flags) from a scenario's distributions into reusable typed arrays, then computes the 77
// CICIDS2017 features from that packet list — so every derived feature is consistent by construction.
import type { SeededRandom } from '../../util/random';
import { CICIDS2017_COLUMN_INDEX, CICIDS2017_FEATURE_COLUMNS, type CicidsColumn } from './cicids-columns';
import type { Distribution, ScenarioDefinition } from './scenario';

/** Draws one number from a compiled distribution. */
export type Sampler = (rng: SeededRandom) => number;

/** Compiles a distribution into a sampler (no allocation per draw). */
export function compileDistribution(d: Distribution): Sampler {
  const clamp = (lo: number | undefined, hi: number | undefined, x: number): number => (lo !== undefined && x < lo ? lo : hi !== undefined && x > hi ? hi : x);
  switch (d.type) {
    case 'constant':
      return () => d.value;
    case 'uniform':
      return (rng) => d.min + (d.max - d.min) * rng.next();
    case 'normal':
      return (rng) => clamp(d.min, d.max, d.mean + d.std * rng.normal());
    case 'lognormal':
      return (rng) => clamp(d.min, d.max, d.median * Math.exp(d.sigma * rng.normal()));
    case 'choice': {
      const values = Float64Array.from(d.values);
      const cumulative = new Float64Array(values.length);
      let total = 0;
      for (let i = 0; i < values.length; i++) {
        total += d.weights === undefined ? 1 : d.weights[i];
        cumulative[i] = total;
      }
      return (rng) => {
        const r = rng.next() * total;
        let i = 0;
        while (i < values.length - 1 && cumulative[i] <= r) i++;
        return values[i];
      };
    }
  }
}

/** How flag-count features are reported. */
export type FlagCountMode = 'packets' | 'presence';

/** Options of FlowGenerator. */
export interface FlowGeneratorOptions {
  /**
   * `packets` (default): a flag count is the number of packets carrying the flag;
   * `presence`: 0/1 — whether any packet carries it, as the released CICIDS2017 CSVs report them.
   */
  readonly flagCounts?: FlagCountMode;
}

/** Gap (µs) above which CICFlowMeter ends an active period and starts an idle one. */
export const ACTIVITY_TIMEOUT_US = 5_000_000;

const FIN = 1;
const SYN = 2;
const RST = 4;
const PSH = 8;
const ACK = 16;
const URG = 32;

const col = (name: CicidsColumn): number => CICIDS2017_COLUMN_INDEX.get(name) as number;
const C = {
  dstPort: col('Destination Port'),
  duration: col('Flow Duration'),
  fwdPackets: col('Total Fwd Packets'),
  bwdPackets: col('Total Backward Packets'),
  fwdBytes: col('Total Length of Fwd Packets'),
  bwdBytes: col('Total Length of Bwd Packets'),
  fwdLenMax: col('Fwd Packet Length Max'),
  bwdLenMax: col('Bwd Packet Length Max'),
  flowBytesPerS: col('Flow Bytes/s'),
  flowPacketsPerS: col('Flow Packets/s'),
  flowIatMean: col('Flow IAT Mean'),
  fwdIatTotal: col('Fwd IAT Total'),
  bwdIatTotal: col('Bwd IAT Total'),
  fwdPsh: col('Fwd PSH Flags'),
  bwdPsh: col('Bwd PSH Flags'),
  fwdUrg: col('Fwd URG Flags'),
  bwdUrg: col('Bwd URG Flags'),
  fwdHeader: col('Fwd Header Length'),
  bwdHeader: col('Bwd Header Length'),
  fwdPacketsPerS: col('Fwd Packets/s'),
  bwdPacketsPerS: col('Bwd Packets/s'),
  minLen: col('Min Packet Length'),
  maxLen: col('Max Packet Length'),
  lenMean: col('Packet Length Mean'),
  lenStd: col('Packet Length Std'),
  lenVar: col('Packet Length Variance'),
  finCount: col('FIN Flag Count'),
  downUp: col('Down/Up Ratio'),
  avgPacketSize: col('Average Packet Size'),
  avgFwdSeg: col('Avg Fwd Segment Size'),
  avgBwdSeg: col('Avg Bwd Segment Size'),
  bulkFirst: col('Fwd Avg Bytes/Bulk'),
  subflowFwdPackets: col('Subflow Fwd Packets'),
  subflowFwdBytes: col('Subflow Fwd Bytes'),
  subflowBwdPackets: col('Subflow Bwd Packets'),
  subflowBwdBytes: col('Subflow Bwd Bytes'),
  initWinFwd: col('Init_Win_bytes_forward'),
  initWinBwd: col('Init_Win_bytes_backward'),
  actDataFwd: col('act_data_pkt_fwd'),
  minSegFwd: col('min_seg_size_forward'),
  activeMean: col('Active Mean'),
  idleMean: col('Idle Mean'),
};

/** Number of features a flow has (77). */
export const FLOW_FEATURES = CICIDS2017_FEATURE_COLUMNS.length;

/**
 * Writes [max, min, mean, std] of values[from..to) selected by mask (dir[i] === want, or all when
 * want < 0) into out[at..at+4) — the CICIDS "Max, Min, Mean, Std" order. Std is the sample standard
 * deviation (n − 1), 0 below two values; everything is 0 when nothing is selected. Returns the count.
 */
function lengthStats(values: Float64Array, dir: Uint8Array, n: number, want: number, out: Float64Array, at: number): number {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (want >= 0 && dir[i] !== want) continue;
    const v = values[i];
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (count === 0) {
    out[at] = out[at + 1] = out[at + 2] = out[at + 3] = 0;
    return 0;
  }
  const mean = sum / count;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    if (want >= 0 && dir[i] !== want) continue;
    const dv = values[i] - mean;
    ss += dv * dv;
  }
  out[at] = max;
  out[at + 1] = min;
  out[at + 2] = mean;
  out[at + 3] = count > 1 ? Math.sqrt(ss / (count - 1)) : 0;
  return count;
}

/** Like lengthStats, over the gaps between consecutive selected packets; writes [total?, mean, std, max, min]. */
function iatStats(time: Float64Array, dir: Uint8Array, n: number, want: number, gaps: Float64Array, out: Float64Array, at: number, withTotal: boolean): void {
  let g = 0;
  let prev = -1;
  for (let i = 0; i < n; i++) {
    if (want >= 0 && dir[i] !== want) continue;
    if (prev >= 0) gaps[g++] = time[i] - time[prev];
    prev = i;
  }
  summary(gaps, g, out, at, withTotal);
}

/** Writes [total?, mean, std, max, min] of values[0..n) at out[at..]; zeros when n = 0. */
function summary(values: Float64Array, n: number, out: Float64Array, at: number, withTotal: boolean): void {
  let k = at;
  if (n === 0) {
    const len = withTotal ? 5 : 4;
    for (let j = 0; j < len; j++) out[at + j] = 0;
    return;
  }
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) * (values[i] - mean);
  if (withTotal) out[k++] = sum;
  out[k++] = mean;
  out[k++] = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  out[k++] = max;
  out[k] = min;
}

/** A flag count as reported: the count, or 0/1 presence. */
function flagValue(count: number, presence: boolean): number {
  return presence ? (count > 0 ? 1 : 0) : count;
}

/** Generates flows of one scenario; reuses its packet buffers between calls (not re-entrant). */
export class FlowGenerator {
  private readonly port: Sampler;
  private readonly fwdCount: Sampler;
  private readonly bwdCount: Sampler;
  private readonly fwdPayload: Sampler;
  private readonly bwdPayload: Sampler;
  private readonly iat: Sampler;
  private readonly winFwd: Sampler;
  private readonly winBwd: Sampler;
  private readonly headerBytes: number;
  private readonly maxPerDirection: number;
  private readonly presence: boolean;
  private capacity = 0;
  private time = new Float64Array(0);
  private len = new Float64Array(0);
  private dir = new Uint8Array(0);
  private flags = new Uint8Array(0);
  private scratch = new Float64Array(0);
  private scratch2 = new Float64Array(0);
  private readonly all = new Float64Array(4);

  constructor(
    readonly scenario: ScenarioDefinition,
    options: FlowGeneratorOptions = {},
  ) {
    this.port = compileDistribution(scenario.destinationPort);
    this.fwdCount = compileDistribution(scenario.fwdPackets);
    this.bwdCount = compileDistribution(scenario.bwdPackets);
    this.fwdPayload = compileDistribution(scenario.fwdPayloadBytes);
    this.bwdPayload = compileDistribution(scenario.bwdPayloadBytes);
    this.iat = compileDistribution(scenario.interArrivalUs);
    this.winFwd = compileDistribution(scenario.initWindowForward);
    this.winBwd = compileDistribution(scenario.initWindowBackward);
    this.headerBytes = scenario.headerBytes ?? (scenario.protocol === 'tcp' ? 32 : 8);
    this.maxPerDirection = scenario.maxPacketsPerDirection ?? 100_000;
    this.presence = options.flagCounts === 'presence';
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.max(n, this.capacity * 2, 64);
    this.time = new Float64Array(cap);
    this.len = new Float64Array(cap);
    this.dir = new Uint8Array(cap);
    this.flags = new Uint8Array(cap);
    this.scratch = new Float64Array(cap);
    this.scratch2 = new Float64Array(cap);
    this.capacity = cap;
  }

  /** Draws one flow and writes its 77 CICIDS2017 features (canonical order) into out[0..77). */
  generate(rng: SeededRandom, out: Float64Array): void {
    const s = this.scenario;
    const cap = this.maxPerDirection;
    let fwdN = Math.min(cap, Math.max(1, Math.round(this.fwdCount(rng))));
    const bwdN = Math.min(cap, Math.max(0, Math.round(this.bwdCount(rng))));
    if (fwdN + bwdN < 2) fwdN = 2;
    const n = fwdN + bwdN;
    this.ensure(n);
    const { time, len, dir, flags } = this;
    const tcp = s.protocol === 'tcp' ? s.tcp : undefined;
    const handshake = tcp?.pattern === 'handshake';

    // Directions: the initiator sends first; with a handshake the responder answers second.
    dir[0] = 0;
    let remF = fwdN - 1;
    let remB = bwdN;
    let start = 1;
    if (handshake && bwdN > 0) {
      dir[1] = 1;
      remB--;
      start = 2;
    }
    for (let i = start; i < n; i++) {
      if (rng.next() * (remF + remB) < remF) {
        dir[i] = 0;
        remF--;
      } else {
        dir[i] = 1;
        remB--;
      }
    }
    // Arrival times in whole microseconds, strictly increasing.
    time[0] = 0;
    for (let i = 1; i < n; i++) time[i] = time[i - 1] + Math.max(1, Math.round(this.iat(rng)));

    // Payloads and flags.
    const finFlow = tcp !== undefined && rng.next() < tcp.finProbability;
    const rstFlow = tcp !== undefined && rng.next() < tcp.rstProbability;
    let lastFwd = -1;
    let lastBwd = -1;
    let firstBwd = -1;
    for (let i = 0; i < n; i++) {
      const d = dir[i];
      if (d === 0) lastFwd = i;
      else {
        lastBwd = i;
        if (firstBwd < 0) firstBwd = i;
      }
      let f = 0;
      let payload = 0;
      if (tcp === undefined) {
        if (rng.next() < (d === 0 ? s.fwdDataProbability : s.bwdDataProbability)) {
          payload = Math.max(1, Math.round(d === 0 ? this.fwdPayload(rng) : this.bwdPayload(rng)));
        }
      } else if (!handshake) {
        f = d === 0 ? SYN : rstFlow ? RST | ACK : SYN | ACK;
      } else if (i === 0) {
        f = SYN;
      } else if (d === 1 && i === firstBwd) {
        f = SYN | ACK;
      } else {
        f = ACK;
        if (rng.next() < (d === 0 ? s.fwdDataProbability : s.bwdDataProbability)) {
          payload = Math.max(1, Math.round(d === 0 ? this.fwdPayload(rng) : this.bwdPayload(rng)));
          if (rng.next() < tcp.pshProbability) f |= PSH;
        }
      }
      if (tcp !== undefined && tcp.urgProbability > 0 && rng.next() < tcp.urgProbability) f |= URG;
      flags[i] = f;
      len[i] = payload;
    }
    if (handshake && finFlow) {
      if (lastFwd > 0) flags[lastFwd] |= FIN;
      if (lastBwd > firstBwd) flags[lastBwd] |= FIN;
    }
    if (handshake && rstFlow) flags[n - 1] |= RST;

    this.computeFeatures(n, fwdN, bwdN, rng, out);
  }

  private computeFeatures(n: number, fwdN: number, bwdN: number, rng: SeededRandom, out: Float64Array): void {
    const { time, len, dir, flags, scratch } = this;
    const tcp = this.scenario.protocol === 'tcp';
    const duration = time[n - 1] - time[0];
    const seconds = duration / 1e6;
    out[C.dstPort] = Math.min(65535, Math.max(0, Math.round(this.port(rng))));
    out[C.duration] = duration;
    out[C.fwdPackets] = fwdN;
    out[C.bwdPackets] = bwdN;
    let fwdBytes = 0;
    let bwdBytes = 0;
    let actData = 0;
    let fwdPsh = 0;
    let bwdPsh = 0;
    let fwdUrg = 0;
    let bwdUrg = 0;
    let fin = 0;
    let syn = 0;
    let rst = 0;
    let psh = 0;
    let ack = 0;
    let urg = 0;
    for (let i = 0; i < n; i++) {
      const f = flags[i];
      if (dir[i] === 0) {
        fwdBytes += len[i];
        if (len[i] > 0) actData++;
        if (f & PSH) fwdPsh++;
        if (f & URG) fwdUrg++;
      } else {
        bwdBytes += len[i];
        if (f & PSH) bwdPsh++;
        if (f & URG) bwdUrg++;
      }
      if (f & FIN) fin++;
      if (f & SYN) syn++;
      if (f & RST) rst++;
      if (f & PSH) psh++;
      if (f & ACK) ack++;
      if (f & URG) urg++;
    }
    const totalBytes = fwdBytes + bwdBytes;
    out[C.fwdBytes] = fwdBytes;
    out[C.bwdBytes] = bwdBytes;
    lengthStats(len, dir, n, 0, out, C.fwdLenMax); // Fwd Packet Length Max, Min, Mean, Std
    lengthStats(len, dir, n, 1, out, C.bwdLenMax); // Bwd Packet Length Max, Min, Mean, Std
    out[C.flowBytesPerS] = totalBytes / seconds;
    out[C.flowPacketsPerS] = n / seconds;
    iatStats(time, dir, n, -1, scratch, out, C.flowIatMean, false); // Flow IAT Mean, Std, Max, Min
    iatStats(time, dir, n, 0, scratch, out, C.fwdIatTotal, true); // Fwd IAT Total, Mean, Std, Max, Min
    iatStats(time, dir, n, 1, scratch, out, C.bwdIatTotal, true); // Bwd IAT Total, Mean, Std, Max, Min
    const pres = this.presence;
    out[C.fwdPsh] = flagValue(fwdPsh, pres);
    out[C.bwdPsh] = flagValue(bwdPsh, pres);
    out[C.fwdUrg] = flagValue(fwdUrg, pres);
    out[C.bwdUrg] = flagValue(bwdUrg, pres);
    out[C.fwdHeader] = fwdN * this.headerBytes;
    out[C.bwdHeader] = bwdN * this.headerBytes;
    out[C.fwdPacketsPerS] = fwdN / seconds;
    out[C.bwdPacketsPerS] = bwdN / seconds;
    const all = this.all;
    lengthStats(len, dir, n, -1, all, 0);
    out[C.maxLen] = all[0];
    out[C.minLen] = all[1];
    out[C.lenMean] = all[2];
    out[C.lenStd] = all[3];
    out[C.lenVar] = all[3] * all[3];
    // FIN, SYN, RST, PSH, ACK, URG, CWE, ECE Flag Count
    out[C.finCount] = flagValue(fin, pres);
    out[C.finCount + 1] = flagValue(syn, pres);
    out[C.finCount + 2] = flagValue(rst, pres);
    out[C.finCount + 3] = flagValue(psh, pres);
    out[C.finCount + 4] = flagValue(ack, pres);
    out[C.finCount + 5] = flagValue(urg, pres);
    out[C.finCount + 6] = 0;
    out[C.finCount + 7] = 0;
    out[C.downUp] = Math.floor(bwdN / fwdN);
    out[C.avgPacketSize] = totalBytes / n;
    out[C.avgFwdSeg] = fwdBytes / fwdN;
    out[C.avgBwdSeg] = bwdN > 0 ? bwdBytes / bwdN : 0;
    for (let j = 0; j < 6; j++) out[C.bulkFirst + j] = 0; // bulk features: always 0 in CICIDS2017
    out[C.subflowFwdPackets] = fwdN; // one subflow per flow
    out[C.subflowFwdBytes] = fwdBytes;
    out[C.subflowBwdPackets] = bwdN;
    out[C.subflowBwdBytes] = bwdBytes;
    out[C.initWinFwd] = tcp ? Math.max(0, Math.round(this.winFwd(rng))) : -1;
    out[C.initWinBwd] = tcp && bwdN > 0 ? Math.max(0, Math.round(this.winBwd(rng))) : -1;
    out[C.actDataFwd] = actData;
    out[C.minSegFwd] = this.headerBytes;
    this.activeIdle(n, out);
  }

  /** Active/Idle Mean, Std, Max, Min: gaps above ACTIVITY_TIMEOUT_US are idle periods, the rest active. */
  private activeIdle(n: number, out: Float64Array): void {
    const { time, scratch: active, scratch2: idle } = this;
    let a = 0;
    let k = 0;
    let segmentStart = time[0];
    for (let i = 1; i < n; i++) {
      const gap = time[i] - time[i - 1];
      if (gap > ACTIVITY_TIMEOUT_US) {
        active[a++] = time[i - 1] - segmentStart;
        idle[k++] = gap;
        segmentStart = time[i];
      }
    }
    if (k > 0) active[a++] = time[n - 1] - segmentStart;
    summary(active, k > 0 ? a : 0, out, C.activeMean, false);
    summary(idle, k, out, C.idleMean, false);
  }
}
