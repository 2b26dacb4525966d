// Sample-ratio-mismatch (SRM) check: Pearson chi-squared goodness-of-fit test (df = 1) of the observed
// arm sizes against the configured traffic split. An SRM means the assignment or logging is broken and
// the experiment's results must not be trusted.
import { assertCount, InvalidExperimentInputError } from './errors';
import { chiSquared1Sf } from './normal-distribution';

/** Result of {@link sampleRatioMismatch}. */
export interface SampleRatioMismatchResult {
  readonly chiSquared: number;
  readonly pValue: number;
  /** pValue < 0.001, the conventional (strict) SRM alarm level. */
  readonly mismatch: boolean;
  readonly expectedA: number;
  readonly expectedB: number;
}

/** p-value below which a sample-ratio mismatch is declared. */
export const SRM_P_VALUE_THRESHOLD = 0.001;

/**
 * Chi-squared test that observed arm sizes match the expected split.
 * @param expectedSplit expected share of traffic in arm B (the challenger), in (0, 1) — the same
 *   meaning as `split` in {@link assignArm}
 * @example sampleRatioMismatch(5000, 5200, 0.5) // chiSquared ≈ 3.9216, pValue ≈ 0.0477, mismatch false
 */
export function sampleRatioMismatch(observedA: number, observedB: number, expectedSplit: number): SampleRatioMismatchResult {
  assertCount('observedA', observedA);
  assertCount('observedB', observedB);
  if (!(expectedSplit > 0 && expectedSplit < 1)) {
    throw new InvalidExperimentInputError('expectedSplit', `must be in (0, 1), got ${expectedSplit}`);
  }
  const total = observedA + observedB;
  const expectedA = total * (1 - expectedSplit);
  const expectedB = total * expectedSplit;
  if (total === 0) return { chiSquared: 0, pValue: 1, mismatch: false, expectedA, expectedB };
  const chiSquared = (observedA - expectedA) ** 2 / expectedA + (observedB - expectedB) ** 2 / expectedB;
  const pValue = chiSquared1Sf(chiSquared);
  return { chiSquared, pValue, mismatch: pValue < SRM_P_VALUE_THRESHOLD, expectedA, expectedB };
}
