// The parameter and factory types every training module shares (a leaf module: trainModel, the
// search and the summary import it, and it imports none of them).
import type { Learner } from '../learners/learner';

export type HyperparameterValue = number | string | boolean;

export type LearnerParams = Readonly<Record<string, HyperparameterValue>>;

/**
 * How much the pipeline searches on the validation split: 'off' = the presets, 'fast', 'thorough'
 * (docs/presets.md). Declared here, a leaf, so that the registry and the doors can name the levels.
 */
export type TuneLevel = 'off' | 'fast' | 'thorough';
export const TUNE_LEVELS: readonly [TuneLevel, ...TuneLevel[]] = ['off', 'fast', 'thorough'];

/** Builds a fresh, unfitted learner; called once per fit (first fit and each mining round). */
export type LearnerFactory = (seed: number, params: LearnerParams) => Learner;
