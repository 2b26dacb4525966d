// The training summary written as training_summary.json next to every model artefact.
import type { EvaluationReport } from '../evaluation/metrics';
import type { FitReport } from '../learners/learner';
import type { BalancingMode, OversampleOptions } from './balancing';
import type { HardExampleReport, ValidationScore } from './hard-examples';
import type { SearchReport } from './search';

import type { HyperparameterValue } from './learner-params';

export type { HyperparameterValue } from './learner-params';

/** Row counts of each split, per class label as well. */
export interface SplitRowCounts {
  readonly total: number;
  /** Rows the learner was fitted on (train part minus validation), before oversampling. */
  readonly train: number;
  readonly validation: number;
  readonly test: number;
  /** Rows actually passed to the final fit (after oversampling / replay). */
  readonly fitted: number;
  /** Rows repeating an earlier feature row exactly (they were kept on one side of every split). */
  readonly duplicateRows: number;
  readonly perClass: Readonly<Record<string, { readonly train: number; readonly validation: number; readonly test: number }>>;
}

export interface BalancingSummary {
  readonly mode: BalancingMode;
  readonly oversample: Required<OversampleOptions> | null;
  /** Copies added by oversampling, per class label. */
  readonly oversampledRows: Readonly<Record<string, number>>;
  /** Sample weight of one row of each class in the first fit. */
  readonly classWeights: Readonly<Record<string, number>>;
}

/** Milliseconds per phase. */
export interface PhaseTimings {
  readonly split: number;
  readonly balancing: number;
  /** The search on the validation split (0 when there was none). */
  readonly search: number;
  readonly fit: number;
  readonly hardExampleMining: number;
  /** The refit on training + validation rows (0 when there was none). */
  readonly refit: number;
  readonly thresholds: number;
  readonly evaluation: number;
  readonly total: number;
}

/** Dataset identity; filled in by the caller that knows where the data came from. */
export interface DatasetRef {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly [key: string]: unknown;
}

/** training_summary.json */
export interface TrainingSummary {
  readonly summaryVersion: 1;
  readonly algorithm: string;
  readonly classes: readonly string[];
  readonly hyperparameters: Readonly<Record<string, HyperparameterValue>>;
  readonly seed: number;
  readonly dataset?: DatasetRef;
  readonly rows: SplitRowCounts;
  readonly balancing: BalancingSummary;
  /** Fit report of the kept model (with validation early stopping). */
  readonly fit: FitReport;
  /**
   * The final refit of the kept model on training + validation rows at the early-stopped length,
   * or null. When set, the returned/exported model is the refit one; `validation` and the
   * thresholds come from the kept model before the refit.
   */
  readonly refit: { readonly rows: number; readonly iterations: number; readonly trainMillis: number } | null;
  readonly hardExamples: HardExampleReport;
  /** Validation scores of the kept model (the data thresholds were tuned on). */
  readonly validation: ValidationScore;
  /** The search on the validation split that chose the parameters and class weighting (absent when none ran). */
  readonly search?: SearchReport;
  /** Per-class alert thresholds (alert when p[c] >= threshold), tuned on validation. */
  readonly thresholds: Readonly<Record<string, number>>;
  /** Held-out test metrics of the argmax decision. */
  readonly metrics: EvaluationReport;
  /** Held-out test metrics of the thresholded decision (predictWithThresholds). */
  readonly thresholdedMetrics: EvaluationReport;
  readonly timings: PhaseTimings;
  /** package.json version, plus "+<sha>" when XDR_CODE_VERSION is set (e.g. the git sha). */
  readonly codeVersion: string;
}
