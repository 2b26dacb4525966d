// Page-Hinkley change detector (Page 1954) with a forgetting factor, following the semantics of River's
// drift.PageHinkley: with x̄_t the running mean including x_t, it accumulates
//     U_t = α · U_{t−1} + (x_t − x̄_t) − δ   (increases)      L_t = α · L_{t−1} + (x_t − x̄_t) + δ   (decreases)
// and signals drift once at least minInstances values were seen and U_t − min_{s≤t} U_s > λ ('up'),
// max_{s≤t} L_s − L_t > λ ('down') or either ('both'). The next update after a drift starts afresh.
import type { DriftDetector } from './drift-detector';
import { InvalidDriftInputError } from './errors';

// Math members bound once: global lookups are ~50x slower inside Jest's vm context.
const { max, min } = Math;

/** Which direction of change is detected. */
export type PageHinkleyMode = 'up' | 'down' | 'both';

/** Hyperparameters of {@link PageHinkley}. */
export interface PageHinkleyOptions {
  /** Values seen before drift may be signalled; default 30. */
  readonly minInstances?: number;
  /** Magnitude of change tolerated (δ); default 0.005. */
  readonly delta?: number;
  /** Detection threshold (λ); default 50. */
  readonly threshold?: number;
  /** Forgetting factor (α) of the cumulative sum; default 1 − 0.0001. */
  readonly alpha?: number;
  /** Direction; default 'both' (River's default). */
  readonly mode?: PageHinkleyMode;
}

/** Defaults of {@link PageHinkley} (River's). */
export const PAGE_HINKLEY_DEFAULTS = { minInstances: 30, delta: 0.005, threshold: 50, alpha: 1 - 0.0001, mode: 'both' } as const;

/**
 * Page-Hinkley test for an abrupt change in the mean of a stream.
 * @example
 * const ph = new PageHinkley({ mode: 'up' });
 * for (const loss of losses) if (ph.update(loss).driftDetected) retrain();
 */
export class PageHinkley implements DriftDetector {
  readonly minInstances: number;
  readonly delta: number;
  readonly threshold: number;
  readonly alpha: number;
  readonly mode: PageHinkleyMode;
  private n = 0;
  private mean = 0;
  private sumIncrease = 0;
  private sumDecrease = 0;
  private minIncrease = Infinity;
  private maxDecrease = -Infinity;
  private drift = false;

  constructor(options: PageHinkleyOptions = {}) {
    this.minInstances = options.minInstances ?? PAGE_HINKLEY_DEFAULTS.minInstances;
    this.delta = options.delta ?? PAGE_HINKLEY_DEFAULTS.delta;
    this.threshold = options.threshold ?? PAGE_HINKLEY_DEFAULTS.threshold;
    this.alpha = options.alpha ?? PAGE_HINKLEY_DEFAULTS.alpha;
    this.mode = options.mode ?? PAGE_HINKLEY_DEFAULTS.mode;
    if (!(Number.isInteger(this.minInstances) && this.minInstances >= 1))
      throw new InvalidDriftInputError('minInstances', `must be an integer >= 1, got ${this.minInstances}`);
    if (!(this.delta >= 0)) throw new InvalidDriftInputError('delta', `must be >= 0, got ${this.delta}`);
    if (!(this.threshold > 0)) throw new InvalidDriftInputError('threshold', `must be > 0, got ${this.threshold}`);
    if (!(this.alpha > 0 && this.alpha <= 1)) throw new InvalidDriftInputError('alpha', `must be in (0, 1], got ${this.alpha}`);
    if (this.mode !== 'up' && this.mode !== 'down' && this.mode !== 'both')
      throw new InvalidDriftInputError('mode', `must be 'up', 'down' or 'both', got ${String(this.mode)}`);
  }

  /** Feeds one value (NaN is ignored). */
  update(x: number): this {
    if (this.drift) this.reset();
    if (x !== x) return this;
    this.n++;
    this.mean += (x - this.mean) / this.n;
    const deviation = x - this.mean;
    this.sumIncrease = this.alpha * this.sumIncrease + deviation - this.delta;
    this.sumDecrease = this.alpha * this.sumDecrease + deviation + this.delta;
    this.minIncrease = min(this.minIncrease, this.sumIncrease);
    this.maxDecrease = max(this.maxDecrease, this.sumDecrease);
    if (this.n >= this.minInstances) {
      const up = this.mode !== 'down' && this.sumIncrease - this.minIncrease > this.threshold;
      const down = this.mode !== 'up' && this.maxDecrease - this.sumDecrease > this.threshold;
      this.drift = up || down;
    }
    return this;
  }

  get driftDetected(): boolean {
    return this.drift;
  }

  /** Values seen since the last reset. */
  get count(): number {
    return this.n;
  }

  reset(): void {
    this.n = 0;
    this.mean = 0;
    this.sumIncrease = 0;
    this.sumDecrease = 0;
    this.minIncrease = Infinity;
    this.maxDecrease = -Infinity;
    this.drift = false;
  }

  clone(): PageHinkley {
    return new PageHinkley({ minInstances: this.minInstances, delta: this.delta, threshold: this.threshold, alpha: this.alpha, mode: this.mode });
  }
}
