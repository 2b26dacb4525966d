// DDM, the Drift Detection Method of Gama, Medas, Castillo & Rodrigues (2004), over a stream of
// prediction errors (1 = wrong, 0 = right). Tracks the error rate p_i and s_i = sqrt(p_i (1 − p_i) / i),
// remembers the minimum of p_i + s_i, and signals a warning when p_i + s_i > p_min + 2 s_min and drift
// when p_i + s_i > p_min + 3 s_min, after more than minInstances values; the next update after a drift
// starts afresh. Semantics follow River's drift.binary.DDM, with one deliberate difference: the
// minimum is only recorded once s_i > 0 (at least one error and one success), so a near-perfect model
// whose first 30 predictions are all correct does not signal drift on its first error.
// Known weakness (of DDM itself): the minimum of p + s is taken over many correlated looks, so with
// the published thresholds it also alarms in a sizeable share of stationary runs (measured ~38 % of
// 1,000-value runs at a 10 % error rate); prefer ADWIN where false alarms are costly.
import type { DriftAndWarningDetector } from './drift-detector';
import { InvalidDriftInputError } from './errors';

// Math members bound once: global lookups are ~50x slower inside Jest's vm context.
const { sqrt } = Math;

/** Hyperparameters of {@link Ddm}. */
export interface DdmOptions {
  /** Values that must be seen (strictly more) before warning or drift; default 30. */
  readonly minInstances?: number;
  /** Warning level in standard deviations; default 2. */
  readonly warningThreshold?: number;
  /** Drift level in standard deviations; default 3. */
  readonly driftThreshold?: number;
}

/** Defaults of {@link Ddm}. */
export const DDM_DEFAULTS = { minInstances: 30, warningThreshold: 2, driftThreshold: 3 } as const;

/**
 * Drift Detection Method over a 0/1 error stream.
 * @example
 * const ddm = new Ddm();
 * for (const [yTrue, yPred] of feedback) if (ddm.update(yTrue === yPred ? 0 : 1).driftDetected) emit('PerformanceDegraded');
 */
export class Ddm implements DriftAndWarningDetector {
  readonly minInstances: number;
  readonly warningThreshold: number;
  readonly driftThreshold: number;
  private n = 0;
  private errors = 0;
  private pMin = Infinity;
  private sMin = Infinity;
  private psMin = Infinity;
  private drift = false;
  private warning = false;

  constructor(options: DdmOptions = {}) {
    this.minInstances = options.minInstances ?? DDM_DEFAULTS.minInstances;
    this.warningThreshold = options.warningThreshold ?? DDM_DEFAULTS.warningThreshold;
    this.driftThreshold = options.driftThreshold ?? DDM_DEFAULTS.driftThreshold;
    if (!(Number.isInteger(this.minInstances) && this.minInstances >= 0))
      throw new InvalidDriftInputError('minInstances', `must be an integer >= 0, got ${this.minInstances}`);
    if (!(this.warningThreshold > 0)) throw new InvalidDriftInputError('warningThreshold', `must be > 0, got ${this.warningThreshold}`);
    if (!(this.driftThreshold >= this.warningThreshold))
      throw new InvalidDriftInputError('driftThreshold', `must be >= warningThreshold, got ${this.driftThreshold}`);
  }

  /** Feeds one outcome: 1 (or any value > 0.5) = error, 0 = correct. NaN is ignored. */
  update(x: number): this {
    if (this.drift) this.reset();
    if (x !== x) return this;
    this.n++;
    if (x > 0.5) this.errors++;
    const p = this.errors / this.n;
    const s = sqrt((p * (1 - p)) / this.n);
    this.warning = false;
    if (this.n > this.minInstances) {
      if (s > 0 && p + s <= this.psMin) {
        this.pMin = p;
        this.sMin = s;
        this.psMin = p + s;
      }
      if (p + s > this.pMin + this.driftThreshold * this.sMin) this.drift = true;
      else if (p + s > this.pMin + this.warningThreshold * this.sMin) this.warning = true;
    }
    return this;
  }

  get driftDetected(): boolean {
    return this.drift;
  }

  get warningDetected(): boolean {
    return this.warning;
  }

  /** Current error-rate estimate. */
  get errorRate(): number {
    return this.n > 0 ? this.errors / this.n : 0;
  }

  reset(): void {
    this.n = 0;
    this.errors = 0;
    this.pMin = Infinity;
    this.sMin = Infinity;
    this.psMin = Infinity;
    this.drift = false;
    this.warning = false;
  }

  clone(): Ddm {
    return new Ddm({ minInstances: this.minInstances, warningThreshold: this.warningThreshold, driftThreshold: this.driftThreshold });
  }
}
