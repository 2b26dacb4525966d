// The parameter and factory types every training module shares (a leaf module: trainModel, the
// search and the summary import it, and it imports none of them).
import type { Learner } from '../learners/learner';

export type HyperparameterValue = number | string | boolean;

export type LearnerParams = Readonly<Record<string, HyperparameterValue>>;

/** Builds a fresh, unfitted learner; called once per fit (first fit and each mining round). */
export type LearnerFactory = (seed: number, params: LearnerParams) => Learner;
