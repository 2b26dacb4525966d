// One numeric feature of a live window against its reference profile, in one pass over the window
// and without sorting it: the quantile-bin counts (PSI, Jensen-Shannon), the two-sample KS test and
// the Wasserstein-1 distance against the profile's sorted reservoir sample.
//
// The sample's distinct values u_0 < … < u_{K−1} cut the line into K + 1 intervals, on each of which
// the reference CDF is constant. Each window value is counted into its interval (a guide table on the
// IEEE-754 bits finds it in a step or two), with the sum of its offsets from the interval's end and
// the number equal to that end. From these:
// - KS: the window CDF is monotone inside an interval, so the largest gap there is at one of its two
//   ends, both known from the counts. The statistic is the one the sort-and-merge test found, exactly
//   (the same integers divided the same way).
// - Wasserstein-1: ∫|F_ref − F_win| over an interval is ±(∫F_win − F_ref·length), and ∫F_win comes from
//   the count and the offset sum, unless the window CDF crosses the reference level inside the
//   interval. Those few intervals (the zero crossings of F_win − F_ref) have their values gathered
//   and sorted. The result equals the merge's up to rounding (relative 1e-12 in the tests).
// - The quantile bins: an interval no bin edge cuts maps to one bin; the others search the edges.
import { numericBinIndex, type NumericFeatureProfile } from './reference-profile';
import { kolmogorovSurvival, type KsTestResult } from './distances';

const { abs, sqrt } = Math;

/** The guide table holds at most this many cells (a 64 KiB table) per feature. */
const MAX_CELLS = 16_384;
/** A cell holding more values than this is split into sub-cells. */
const SPLIT_ABOVE = 4;
const SIGN = 0x80000000;

/** The reference sample of a numeric feature, indexed for comparison (built once per profile). */
interface SampleIndex {
  /** Distinct sample values, ascending (u_0 … u_{K−1}). */
  readonly values: Float64Array;
  /** atOrBelow[k]: sample values ≤ u_{k−1} (atOrBelow[0] = 0, atOrBelow[K] = sample size). */
  readonly atOrBelow: Float64Array;
  readonly size: number;
  /** Order key of u_0's high word; cells start at base + c · 2^shift. */
  readonly base: number;
  readonly shift: number;
  /** cells[c]: distinct values whose key lies below cell c's start (cells.length = cell count + 1). */
  readonly cells: Int32Array;
  /**
   * A cell holding more than a few values is split again, into 2^bits[c] sub-cells by the next key
   * bits: sub[at[c] + j] counts the values below sub-cell j's start (at[c] = −1: not split).
   */
  readonly at: Int32Array;
  readonly bits: Uint8Array;
  readonly sub: Int32Array;
  /** The quantile bin of every value of interval k, or −1 when a bin edge cuts the interval. */
  readonly intervalBin: Int32Array;
}

/** Figures of one numeric feature's window against its profile. */
export interface SampleComparison {
  /** Window counts per quantile bin, then ±∞ in the end bins, then missing (NaN) last. */
  readonly counts: Float64Array;
  /** Finite window values. */
  readonly finite: number;
  /** Null when the window or the reference sample holds no finite value. */
  readonly ks: KsTestResult | null;
  /** Unnormalised Wasserstein-1 distance; null as for `ks`. */
  readonly wasserstein: number | null;
}

/** Quantile-bin counts alone (a profile without finite training values); answers the finite count. */
function binOnly(edges: readonly number[], column: Float64Array, rows: number, binCounts: Float64Array): number {
  let finite = 0;
  for (let i = 0; i < rows; i++) {
    const x = column[i];
    binCounts[numericBinIndex(edges, x)]++;
    if (x - x === 0) finite++;
  }
  return finite;
}

/** The values of the marked intervals, interval by interval from `start[k]` (one tight pass). */
function gather(column: Float64Array, rows: number, intervalOf: Int32Array, marked: Uint8Array, start: Int32Array): Float64Array {
  const gathered = new Float64Array(start[start.length - 1]);
  const fill = start.slice();
  for (let i = 0; i < rows; i++) {
    const k = intervalOf[i];
    if (k >= 0 && marked[k] === 1) gathered[fill[k]++] = column[i];
  }
  return gathered;
}

const indexes = new WeakMap<NumericFeatureProfile, SampleIndex>();
const scratchFloat = new Float64Array(1);
const scratchWords = new Uint32Array(scratchFloat.buffer);

/** Order key of a double's high word (−0 as +0): keys compare as the numbers do, up to the low word. */
function orderKey(x: number): number {
  if (x === 0) return SIGN;
  scratchFloat[0] = x;
  const h = scratchWords[1];
  return h & SIGN ? ~h >>> 0 : (h | SIGN) >>> 0;
}

function sampleIndex(feature: NumericFeatureProfile): SampleIndex {
  let index = indexes.get(feature);
  if (index) return index;
  const sample = feature.sample;
  const distinct: number[] = [];
  const atOrBelow: number[] = [0];
  for (let i = 0; i < sample.length; i++) {
    if (distinct.length > 0 && sample[i] === distinct[distinct.length - 1]) atOrBelow[atOrBelow.length - 1] = i + 1;
    else {
      distinct.push(sample[i]);
      atOrBelow.push(i + 1);
    }
  }
  const values = Float64Array.from(distinct);
  const K = values.length;
  const keys = Float64Array.from(distinct, orderKey);
  const base = K > 0 ? keys[0] : 0;
  const range = K > 0 ? keys[K - 1] - base : 0;
  let shift = 0;
  while (Math.floor(range / 2 ** shift) >= MAX_CELLS) shift++;
  const cellCount = Math.floor(range / 2 ** shift) + 1;
  const cells = new Int32Array(cellCount + 1);
  for (let c = 0, i = 0; c <= cellCount; c++) {
    const start = base + c * 2 ** shift;
    while (i < K && keys[i] < start) i++;
    cells[c] = i;
  }
  // split the crowded cells (a normal feature's values crowd the few cells near its mean, as the
  // cells span every exponent down to 0): about two sub-cells per value
  const at = new Int32Array(cellCount).fill(-1);
  const bits = new Uint8Array(cellCount);
  const sub: number[] = [];
  for (let c = 0; c < cellCount; c++) {
    const crowd = cells[c + 1] - cells[c];
    if (crowd <= SPLIT_ABOVE || shift === 0) continue;
    const b = Math.min(shift, Math.ceil(Math.log2(crowd)) + 1);
    at[c] = sub.length;
    bits[c] = b;
    const cellStart = base + c * 2 ** shift;
    for (let j = 0, i = cells[c]; j <= 2 ** b; j++) {
      const start = cellStart + j * 2 ** (shift - b);
      while (i < cells[c + 1] && keys[i] < start) i++;
      sub.push(i);
    }
  }
  const edges = feature.edges;
  const intervalBin = new Int32Array(K + 1);
  for (let k = 0; k <= K; k++) {
    // interval k holds [u_{k−1}, u_k): its values' bins run from bin(u_{k−1}) to at most #edges below u_k
    const first = k === 0 ? 0 : numericBinIndex(edges, values[k - 1]);
    const last = k === K ? edges.length : numericBinIndex(edges, values[k]);
    intervalBin[k] = first === last ? first : -1;
  }
  index = { values, atOrBelow: Float64Array.from(atOrBelow), size: sample.length, base, shift, cells, at, bits, sub: Int32Array.from(sub), intervalBin };
  indexes.set(feature, index);
  return index;
}

/**
 * Compares numeric window columns with their features' profiles. One comparer holds the scratch
 * space of a whole window (per-interval accumulators and an interval per row), reused feature after
 * feature; it is not for concurrent use.
 * @example
 * const comparer = new SampleComparer();
 * const { counts, ks, wasserstein } = comparer.compare(profile.features[0] as NumericFeatureProfile, column, rows);
 */
export class SampleComparer {
  private counts = new Float64Array(0);
  private equal = new Float64Array(0);
  private offsets = new Float64Array(0);
  private crossing = new Uint8Array(0);
  /** The interval of each window row (−1: not finite). */
  private intervalOf = new Int32Array(0);

  private reset(intervals: number, rows: number): void {
    if (this.counts.length < intervals) {
      this.counts = new Float64Array(intervals);
      this.equal = new Float64Array(intervals);
      this.offsets = new Float64Array(intervals);
      this.crossing = new Uint8Array(intervals);
    } else {
      this.counts.fill(0, 0, intervals);
      this.equal.fill(0, 0, intervals);
      this.offsets.fill(0, 0, intervals);
    }
    if (this.intervalOf.length < rows) this.intervalOf = new Int32Array(rows);
  }

  /** One numeric column of a window (its first `rows` values; NaN = missing) against the feature's profile. */
  compare(feature: NumericFeatureProfile, column: Float64Array, rows: number): SampleComparison {
    const edges = feature.edges;
    const binCounts = new Float64Array(edges.length + 2);
    const index = sampleIndex(feature);
    const K = index.values.length;
    this.reset(K + 1, rows);
    // the pass over the window is a function of its own: optimised whole, it has no cold code after
    // its loop to deoptimise on (as on-stack replacement of one long function did, at every feature)
    const finite = K === 0 ? binOnly(edges, column, rows, binCounts) : this.bin(index, edges, column, rows, binCounts);
    if (finite === 0 || K === 0) return { counts: binCounts, finite, ks: null, wasserstein: null };
    const { counts, equal, offsets } = this;
    const u = index.values;
    const n = index.size;
    const m = finite;
    const below = index.atOrBelow;
    // KS: the largest |F_ref − F_win| at either end of every interval
    let statistic = counts[0] / m;
    let before = counts[0];
    for (let k = 1; k <= K; k++) {
      const level = below[k] / n;
      const atStart = abs(level - (before + equal[k]) / m);
      const atEnd = abs(level - (before + counts[k]) / m);
      if (atStart > statistic) statistic = atStart;
      if (atEnd > statistic) statistic = atEnd;
      before += counts[k];
    }
    const en = sqrt((n * m) / (n + m));
    const ks = { statistic, pValue: kolmogorovSurvival((en + 0.12 + 0.11 / en) * statistic) };

    // Wasserstein-1: below u_0 the reference CDF is 0, from u_{K−1} on it is 1
    let total = offsets[0] / m + offsets[K] / m;
    let crossings = 0;
    before = counts[0];
    for (let k = 1; k < K; k++) {
      const cnt = counts[k];
      const length = u[k] - u[k - 1];
      const level = below[k] / n;
      const integral = ((before + cnt) * length - offsets[k]) / m; // ∫ F_win over the interval
      if (before * n >= below[k] * m) total += integral - level * length;
      else if ((before + cnt) * n <= below[k] * m) total += level * length - integral;
      else {
        this.crossing[k] = 1;
        crossings++;
      }
      before += cnt;
    }
    if (crossings > 0) total += this.crossingIntervals(column, rows, index, m);
    return { counts: binCounts, finite, ks, wasserstein: total };
  }

  /** Counts every value into its interval and quantile bin; answers the number of finite values. */
  private bin(index: SampleIndex, edges: readonly number[], column: Float64Array, rows: number, binCounts: Float64Array): number {
    const { values: u, cells, at, bits, sub, intervalBin, base, shift } = index;
    const { counts, equal, offsets, intervalOf } = this;
    const inCell = 2 ** shift - 1;
    const K = u.length;
    const cellCount = cells.length - 1;
    const missingBin = edges.length + 1;
    const words = new Uint32Array(column.buffer, column.byteOffset, rows * 2);
    const u0 = u[0];
    let finite = 0;
    for (let i = 0; i < rows; i++) {
      const x = column[i];
      if (x - x !== 0) {
        // NaN: missing; ±∞: the end bins (neither enters KS or Wasserstein)
        binCounts[x !== x ? missingBin : x > 0 ? edges.length : 0]++;
        intervalOf[i] = -1;
        continue;
      }
      finite++;
      const h = words[2 * i + 1];
      const d = (x === 0 ? SIGN : h & SIGN ? ~h >>> 0 : (h | SIGN) >>> 0) - base;
      let k: number;
      if (d < 0) k = 0;
      else {
        const c = d >>> shift;
        if (c >= cellCount) k = K;
        else {
          // the answer lies between the (sub-)cell's first and last possible interval
          let lo: number;
          let hi: number;
          const o = at[c];
          if (o < 0) {
            lo = cells[c];
            hi = cells[c + 1];
          } else {
            const j = o + ((d & inCell) >>> (shift - bits[c]));
            lo = sub[j];
            hi = sub[j + 1];
          }
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (u[mid] <= x) lo = mid + 1;
            else hi = mid;
          }
          k = lo;
        }
      }
      intervalOf[i] = k;
      counts[k]++;
      if (k === 0) offsets[0] += u0 - x;
      else {
        const left = u[k - 1];
        offsets[k] += x - left;
        if (x === left) equal[k]++;
      }
      const b = intervalBin[k];
      binCounts[b >= 0 ? b : numericBinIndex(edges, x)]++;
    }
    return finite;
  }

  /** ∫|F_ref − F_win| over the intervals marked in `crossing`, from their values sorted; clears the marks. */
  private crossingIntervals(column: Float64Array, rows: number, index: SampleIndex, m: number): number {
    const { values: u, atOrBelow: below, size: n } = index;
    const { counts, crossing, intervalOf } = this;
    const K = u.length;
    // gather the marked intervals' values, interval by interval (a counting sort on the interval)
    const start = new Int32Array(K + 1);
    for (let k = 1; k < K; k++) start[k + 1] = start[k] + (crossing[k] ? counts[k] : 0);
    const gathered = gather(column, rows, intervalOf, crossing, start);
    let total = 0;
    let before = counts[0];
    for (let k = 1; k < K; k++) {
      if (crossing[k]) {
        crossing[k] = 0;
        const level = below[k] / n;
        const values = gathered.subarray(start[k], start[k + 1]).sort();
        let previous = u[k - 1];
        let j = before;
        for (let p = 0; p < values.length; p++) {
          total += abs(level - j / m) * (values[p] - previous);
          previous = values[p];
          j++;
        }
        total += abs(level - j / m) * (u[k] - previous);
      }
      before += counts[k];
    }
    return total;
  }
}
