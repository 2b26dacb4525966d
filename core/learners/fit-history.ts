// Training curves: per-iteration train and validation loss, thinned so a summary stays small.
// A learner records every iteration; past `cap` points the recorder keeps every other one and doubles
// its stride (a deterministic, evenly spaced series), and the last iteration is always kept.

/** Per-iteration losses of one fit (multiclass log-loss), thinned to at most `cap` + 1 points. */
export interface FitHistory {
  readonly metric: 'logLoss';
  /** Iterations kept (1-based boosting rounds or epochs), ascending. */
  readonly iteration: readonly number[];
  /** Mean weighted training loss after each kept iteration (null where it was not measured). */
  readonly trainLoss: readonly (number | null)[];
  /** Validation loss after each kept iteration; absent when the fit had no validation data. */
  readonly validationLoss?: readonly (number | null)[];
  /** Every `stride`-th iteration is kept (1 = all). */
  readonly stride: number;
}

/** Points a history keeps at most before thinning (plus the last iteration). */
export const FIT_HISTORY_CAP = 200;

interface Point {
  readonly iteration: number;
  readonly trainLoss: number | null;
  readonly validationLoss: number | null;
}

const finiteOrNull = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

/**
 * Collects a fit's losses iteration by iteration.
 * @example const rec = new FitHistoryRecorder(); rec.add({ iteration: 1, trainLoss: 0.9 }); rec.history();
 */
export class FitHistoryRecorder {
  private points: Point[] = [];
  private stride = 1;
  private last: Point | null = null;
  private sawValidation = false;

  constructor(private readonly cap = FIT_HISTORY_CAP) {
    if (!(Number.isInteger(cap) && cap >= 2)) throw new RangeError(`history cap must be an integer >= 2, got ${cap}`);
  }

  /** Records one iteration (iterations must ascend). */
  add(p: { readonly iteration: number; readonly trainLoss?: number; readonly validationLoss?: number }): void {
    const point: Point = { iteration: p.iteration, trainLoss: finiteOrNull(p.trainLoss), validationLoss: finiteOrNull(p.validationLoss) };
    if (p.validationLoss !== undefined) this.sawValidation = true;
    this.last = point;
    if ((p.iteration - 1) % this.stride !== 0) return;
    this.points.push(point);
    if (this.points.length > this.cap) {
      this.stride *= 2;
      this.points = this.points.filter((q) => (q.iteration - 1) % this.stride === 0);
    }
  }

  /** The thinned series (the last iteration included), or undefined when nothing was recorded. */
  history(): FitHistory | undefined {
    if (!this.last) return undefined;
    const points = this.points[this.points.length - 1] === this.last ? this.points : [...this.points, this.last];
    return {
      metric: 'logLoss',
      iteration: points.map((q) => q.iteration),
      trainLoss: points.map((q) => q.trainLoss),
      ...(this.sawValidation ? { validationLoss: points.map((q) => q.validationLoss) } : {}),
      stride: this.stride,
    };
  }
}

/** The same history with every iteration shifted by `offset` (a fit that continued `offset` earlier iterations). */
export function offsetFitHistory(history: FitHistory, offset: number): FitHistory {
  return offset === 0 ? history : { ...history, iteration: history.iteration.map((i) => i + offset) };
}
