// The learner protocol every model family implements (gradient-boosted trees, MLP, ...).
// predict() is derived from predictProba(); randomness only through the explicit seed.
import type { FeatureMatrix, FeatureSchema } from '../data/table';
import type { FitHistory } from './fit-history';

export type { FitHistory } from './fit-history';

/** Progress callback payload, reported once per boosting round or epoch. */
export interface FitProgress {
  readonly iteration: number;
  readonly maxIterations: number;
  readonly trainLoss?: number;
  readonly validationLoss?: number;
}

export interface FitOptions {
  readonly schema: FeatureSchema;
  readonly classes: readonly string[];
  /** Per-row weights (class balancing, hard-example mining). Defaults to 1. */
  readonly sampleWeight?: Float64Array;
  /** Held-out data for early stopping. */
  readonly validation?: { readonly X: FeatureMatrix; readonly y: Int32Array };
  readonly onProgress?: (progress: FitProgress) => void;
  /**
   * Continue from this fitted model (same family, features and classes) instead of starting
   * afresh: GBDT adds rounds on top of its trees and keeps its preprocessing; the MLP continues
   * from its weights and standardisation. Counts and early stopping in the report are this fit's.
   */
  readonly init?: ModelDocument;
}

/** What a fit reports back (iterations used, best validation loss, timings). */
export interface FitReport {
  readonly iterations: number;
  readonly bestIteration: number;
  readonly bestValidationLoss?: number;
  readonly trainMillis: number;
  /** Threads the fit ran on (absent = one). */
  readonly threads?: number;
  /** Per-iteration train/validation loss (thinned; see fit-history.ts), for training curves. */
  readonly history?: FitHistory;
}

/** Versioned, JSON-serialisable model document. `format` names the learner family. */
export interface ModelDocument {
  readonly format: string;
  readonly formatVersion: number;
  readonly schema: FeatureSchema;
  readonly classes: readonly string[];
  readonly [key: string]: unknown;
}

export interface Learner {
  /** Family name, e.g. "gbdt" or "mlp". */
  readonly algorithm: string;
  fit(X: FeatureMatrix, y: Int32Array, options: FitOptions): FitReport;
  /** Row-major probabilities, length rows * classes.length; each row sums to 1. */
  predictProba(X: FeatureMatrix): Float64Array;
  /** argmax of predictProba per row. */
  predict(X: FeatureMatrix): Int32Array;
  toJSON(): ModelDocument;
}

/** argmax per row of a row-major probability matrix. */
export function argmaxRows(proba: Float64Array, nClasses: number): Int32Array {
  const rows = proba.length / nClasses;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    let bestP = proba[i * nClasses];
    for (let c = 1; c < nClasses; c++) {
      const p = proba[i * nClasses + c];
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}
