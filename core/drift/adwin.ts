// ADWIN, adaptive windowing (Bifet & Gavaldà 2007), with the exponential-histogram bucket structure of
// River's implementation: row r holds up to maxBuckets buckets of 2^r values each (total and variance);
// when a row overflows, its two oldest buckets merge into one bucket of the next row. Every `clock`
// updates the detector tests every split of the window into an older part W0 and a newer part W1
// (at bucket boundaries, each part ≥ minWindowLength) and drops the oldest bucket while
// |μ0 − μ1| > ε_cut, with
//     ε_cut = sqrt(2 m σ² δ') + (2/3) δ' m,  m = 1/(n0 − L + 1) + 1/(n1 − L + 1),  δ' = ln(2 ln(n) / δ),
// σ² the window variance and L = minWindowLength (River's form of the paper's Bernstein bound).
// The scan visits every bucket boundary, oldest first, as River's current (Rust) port does. driftDetected
// is true on the update whose check shrank the window. By default (resetOnDrift, River's behaviour) the
// next update then starts from an empty window, so one abrupt change raises one alarm; with
// resetOnDrift false the shrunk window is kept, as in the paper, and a change may raise several.
import type { DriftDetector } from './drift-detector';
import { InvalidDriftInputError } from './errors';

// Math members bound once: global lookups are ~50x slower inside Jest's vm context.
const { abs, log, sqrt } = Math;

/** Hyperparameters of {@link Adwin}. */
export interface AdwinOptions {
  /** Confidence δ of the cut test; default 0.002. */
  readonly delta?: number;
  /** Updates between two checks for change; default 32. */
  readonly clock?: number;
  /** Buckets kept per row before two are merged; default 5. */
  readonly maxBuckets?: number;
  /** Minimum length of each sub-window in a cut; default 5. */
  readonly minWindowLength?: number;
  /** No check while the window holds this many values or fewer; default 10. */
  readonly gracePeriod?: number;
  /** Start from an empty window on the update after a drift (River); default true. */
  readonly resetOnDrift?: boolean;
}

/** Defaults of {@link Adwin} (River's). */
export const ADWIN_DEFAULTS = { delta: 0.002, clock: 32, maxBuckets: 5, minWindowLength: 5, gracePeriod: 10, resetOnDrift: true } as const;

/** One row of the exponential histogram: buckets of 2^row values, oldest at index 0. */
interface BucketRow {
  size: number;
  readonly totals: Float64Array;
  readonly variances: Float64Array;
}

/**
 * Adaptive sliding window over a numeric stream that shrinks when its older and newer parts differ.
 * @example
 * const adwin = new Adwin();
 * for (const [i, x] of stream.entries()) if (adwin.update(x).driftDetected) console.log('change at', i);
 */
export class Adwin implements DriftDetector {
  readonly delta: number;
  readonly clock: number;
  readonly maxBuckets: number;
  readonly minWindowLength: number;
  readonly gracePeriod: number;
  readonly resetOnDrift: boolean;
  private rows: BucketRow[] = [];
  private windowWidth = 0;
  private windowTotal = 0;
  /** Sum of squared deviations from the window mean. */
  private windowVariance = 0;
  private ticks = 0;
  private drift = false;
  private detections = 0;

  constructor(options: AdwinOptions = {}) {
    this.delta = options.delta ?? ADWIN_DEFAULTS.delta;
    this.clock = options.clock ?? ADWIN_DEFAULTS.clock;
    this.maxBuckets = options.maxBuckets ?? ADWIN_DEFAULTS.maxBuckets;
    this.minWindowLength = options.minWindowLength ?? ADWIN_DEFAULTS.minWindowLength;
    this.gracePeriod = options.gracePeriod ?? ADWIN_DEFAULTS.gracePeriod;
    this.resetOnDrift = options.resetOnDrift ?? ADWIN_DEFAULTS.resetOnDrift;
    if (!(this.delta > 0 && this.delta < 1)) throw new InvalidDriftInputError('delta', `must be in (0, 1), got ${this.delta}`);
    for (const [name, value, min] of [
      ['clock', this.clock, 1],
      ['maxBuckets', this.maxBuckets, 2],
      ['minWindowLength', this.minWindowLength, 1],
      ['gracePeriod', this.gracePeriod, 0],
    ] as const) {
      if (!(Number.isInteger(value) && value >= min)) throw new InvalidDriftInputError(name, `must be an integer >= ${min}, got ${value}`);
    }
  }

  /** Feeds one value (NaN is ignored). */
  update(x: number): this {
    if (this.drift && this.resetOnDrift) this.clearWindow();
    this.drift = false;
    if (x !== x) return this;
    this.insert(x);
    this.ticks++;
    if (this.ticks % this.clock === 0 && this.windowWidth > this.gracePeriod) this.drift = this.shrink();
    if (this.drift) this.detections++;
    return this;
  }

  get driftDetected(): boolean {
    return this.drift;
  }

  /** Number of values in the current window. */
  get width(): number {
    return this.windowWidth;
  }

  /** Mean of the current window (0 when empty). */
  get estimation(): number {
    return this.windowWidth > 0 ? this.windowTotal / this.windowWidth : 0;
  }

  /** Population variance of the current window. */
  get variance(): number {
    return this.windowWidth > 0 ? this.windowVariance / this.windowWidth : 0;
  }

  /** Detections since the last reset() (a reset on drift keeps counting). */
  get detectionCount(): number {
    return this.detections;
  }

  reset(): void {
    this.clearWindow();
    this.drift = false;
    this.detections = 0;
  }

  clone(): Adwin {
    return new Adwin({
      delta: this.delta,
      clock: this.clock,
      maxBuckets: this.maxBuckets,
      minWindowLength: this.minWindowLength,
      gracePeriod: this.gracePeriod,
      resetOnDrift: this.resetOnDrift,
    });
  }

  private clearWindow(): void {
    this.rows = [];
    this.windowWidth = 0;
    this.windowTotal = 0;
    this.windowVariance = 0;
    this.ticks = 0;
  }

  private newRow(): BucketRow {
    return { size: 0, totals: new Float64Array(this.maxBuckets + 1), variances: new Float64Array(this.maxBuckets + 1) };
  }

  private insert(x: number): void {
    if (this.rows.length === 0) this.rows.push(this.newRow());
    const row0 = this.rows[0];
    row0.totals[row0.size] = x;
    row0.variances[row0.size] = 0;
    row0.size++;
    // Incremental update of the sum of squared deviations (Welford form used by River).
    if (this.windowWidth > 0) {
      const meanBefore = this.windowTotal / this.windowWidth;
      this.windowVariance += (this.windowWidth * (x - meanBefore) * (x - meanBefore)) / (this.windowWidth + 1);
    }
    this.windowWidth++;
    this.windowTotal += x;
    this.compress();
  }

  /** Merges the two oldest buckets of every overflowing row into the next row. */
  private compress(): void {
    for (let r = 0; r < this.rows.length; r++) {
      const row = this.rows[r];
      if (row.size <= this.maxBuckets) break;
      if (r + 1 === this.rows.length) this.rows.push(this.newRow());
      const next = this.rows[r + 1];
      const n = 2 ** r;
      const mu1 = row.totals[0] / n;
      const mu2 = row.totals[1] / n;
      next.totals[next.size] = row.totals[0] + row.totals[1];
      next.variances[next.size] = row.variances[0] + row.variances[1] + (n * n * (mu1 - mu2) * (mu1 - mu2)) / (2 * n);
      next.size++;
      row.totals.copyWithin(0, 2, row.size);
      row.variances.copyWithin(0, 2, row.size);
      row.size -= 2;
    }
  }

  /** Removes the oldest bucket. */
  private dropOldest(): void {
    const r = this.rows.length - 1;
    const row = this.rows[r];
    const n = 2 ** r;
    const total = row.totals[0];
    const variance = row.variances[0];
    this.windowWidth -= n;
    this.windowTotal -= total;
    if (this.windowWidth > 0) {
      const muBucket = total / n;
      const muWindow = this.windowTotal / this.windowWidth;
      this.windowVariance -= variance + (n * this.windowWidth * (muBucket - muWindow) * (muBucket - muWindow)) / (n + this.windowWidth);
      if (this.windowVariance < 0) this.windowVariance = 0;
    } else {
      this.windowVariance = 0;
      this.windowTotal = 0;
    }
    row.totals.copyWithin(0, 1, row.size);
    row.variances.copyWithin(0, 1, row.size);
    row.size--;
    if (row.size === 0) this.rows.pop();
  }

  /** Drops old buckets while some cut W0 | W1 shows a significant difference in means; true if any dropped. */
  private shrink(): boolean {
    let changed = false;
    let cut = true;
    while (cut && this.windowWidth > this.gracePeriod) {
      cut = false;
      let n0 = 0;
      let u0 = 0;
      const width = this.windowWidth;
      const total = this.windowTotal;
      const varianceInWindow = this.windowVariance / width;
      const deltaPrime = log((2 * log(width)) / this.delta);
      const L = this.minWindowLength;
      // Oldest buckets first: highest row, index 0 upwards. The newest bucket never joins W0.
      scan: for (let r = this.rows.length - 1; r >= 0; r--) {
        const row = this.rows[r];
        const n = 2 ** r;
        for (let k = 0; k < row.size; k++) {
          n0 += n;
          u0 += row.totals[k];
          const n1 = width - n0;
          if (n1 <= 0) break scan;
          if (n0 < L || n1 < L) continue;
          const u1 = total - u0;
          const m = 1 / (n0 - L + 1) + 1 / (n1 - L + 1);
          const epsilon = sqrt(2 * m * varianceInWindow * deltaPrime) + (2 / 3) * deltaPrime * m;
          if (abs(u0 / n0 - u1 / n1) > epsilon) {
            cut = true;
            break scan;
          }
        }
      }
      if (cut) {
        this.dropOldest();
        changed = true;
      }
    }
    return changed;
  }
}
