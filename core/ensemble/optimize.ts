// The ensemble optimiser: on validation predictions of every member (the same rows), the candidates
// are each single member, Caruana selection and log-loss-minimising simplex weights; each gets its
// per-class thresholds tuned on its own validation output. The kept candidate has the lowest
// validation log-loss among those whose validation macro-F1 (under their thresholds) is at least the
// best member's — the best member is itself a candidate, so the result is never worse on validation.
// With classBalanced every figure here is taken on class-balanced validation rows (balanced-rows.ts),
// so each class weighs alike in the weights and thresholds, as in macro-F1. Off by default: it lifts
// NSL-KDD above its best member but drops cicids2017 below it (docs/ensembles.md).
import { evaluate, predictWithThresholds, tuneThresholds } from '../evaluation';
import { caruanaSelection, type CaruanaOptions } from './selection';
import { simplexWeights, type SimplexWeightsOptions } from './simplex-weights';
import { balancedRows, takeProbabilityRows } from './balanced-rows';
import { EnsembleInputError } from './errors';
import { trueClassProbabilities } from './log-loss';

/** How the weights are searched: Caruana selection, simplex weights, or both (the better one kept). */
export type EnsembleMethod = 'selection' | 'weights';
export const ENSEMBLE_METHODS: readonly EnsembleMethod[] = ['selection', 'weights'];

/** Validation figures of one candidate or member. */
export interface ValidationFigures {
  readonly logLoss: number;
  /** Macro-F1 under the candidate's own tuned thresholds. */
  readonly macroF1: number;
  readonly accuracy: number;
}

export interface EnsembleCandidate {
  /** 'best-member', 'selection' or 'weights'. */
  readonly name: 'best-member' | EnsembleMethod;
  readonly weights: readonly number[];
  readonly thresholds: readonly number[];
  readonly validation: ValidationFigures;
}

export interface EnsembleOptimisation {
  /** The kept candidate. */
  readonly chosen: EnsembleCandidate;
  /** Every candidate tried, the kept one included. */
  readonly candidates: readonly EnsembleCandidate[];
  /** Each member alone on validation (macro-F1 and accuracy under its own tuned thresholds). */
  readonly members: readonly ValidationFigures[];
  /** Each member's own per-class thresholds, tuned on its validation output. */
  readonly memberThresholds: readonly (readonly number[])[];
  /** Index of the best single member (bestIndex: the lowest validation log-loss). */
  readonly bestMember: number;
}

export interface OptimiseEnsembleOptions {
  /** Methods tried besides the best single member. Default both. */
  readonly methods?: readonly EnsembleMethod[];
  readonly selection?: CaruanaOptions;
  readonly weights?: SimplexWeightsOptions;
  /**
   * Weigh every class alike (each class's validation rows evenly repeated or thinned to one count)
   * in the weights' log-loss, the thresholds and the figures. false: every row alike. @default false
   */
  readonly classBalanced?: boolean;
}

/** The weighted average of members' probabilities (row-major, rows × K); members of weight 0 are skipped. */
export function mixProbabilities(probas: readonly Float64Array[], weights: readonly number[]): Float64Array {
  const out = new Float64Array(probas[0]?.length ?? 0);
  probas.forEach((p, m) => {
    const w = weights[m];
    if (w === 0) return;
    for (let k = 0; k < out.length; k++) out[k] += w * p[k];
  });
  return out;
}

function figures(y: Int32Array, proba: Float64Array, classes: readonly string[]): { figures: ValidationFigures; thresholds: number[] } {
  const thresholds = tuneThresholds(y, proba, classes);
  const report = evaluate(y, proba, classes, { predicted: predictWithThresholds(proba, thresholds) });
  return { figures: { logLoss: report.logLoss, macroF1: report.macroF1, accuracy: report.accuracy }, thresholds };
}

/**
 * Optimises an ensemble's weights on validation predictions.
 * @param probas per member, its validation probabilities (rows × classes, row-major), all on the same rows
 * @param y the validation rows' class indices
 * @example
 * const opt = optimiseEnsemble([pGbdt, pMlp], yVal, classes);
 * opt.chosen.weights; // e.g. [0.62, 0.38]
 * @throws EnsembleInputError on predictions of the wrong shape or an empty member list
 */
export function optimiseEnsemble(
  probas: readonly Float64Array[],
  y: Int32Array,
  classes: readonly string[],
  options: OptimiseEnsembleOptions = {},
): EnsembleOptimisation {
  const M = probas.length;
  if (M === 0) throw new EnsembleInputError('an ensemble needs at least one member', { details: [{ field: 'members', message: 'empty' }] });
  if (y.length === 0) throw new EnsembleInputError('no validation rows to optimise the ensemble on');
  const methods = options.methods ?? ENSEMBLE_METHODS;
  for (const m of methods)
    if (!ENSEMBLE_METHODS.includes(m))
      throw new EnsembleInputError(`method must be one of ${ENSEMBLE_METHODS.join(', ')} (got "${String(m)}")`, {
        details: [{ field: 'method', message: `one of ${ENSEMBLE_METHODS.join(', ')}` }],
      });
  // also checks every member's shape and the rows' class indices, before any row is picked
  const truth = trueClassProbabilities(probas, y, classes.length);
  if (options.classBalanced === true) {
    const rows = balancedRows(y, classes.length);
    return optimiseEnsemble(
      probas.map((p) => takeProbabilityRows(p, rows, classes.length)),
      Int32Array.from(rows, (r) => y[r]),
      classes,
      { ...options, classBalanced: false },
    );
  }
  const memberRuns = probas.map((p) => figures(y, p, classes));
  const members = memberRuns.map((r) => r.figures);
  const bestMember = bestIndex(members);
  const oneHot = (m: number): number[] => Array.from({ length: M }, (_, j) => (j === m ? 1 : 0));
  const candidates: EnsembleCandidate[] = [
    { name: 'best-member', weights: oneHot(bestMember), thresholds: memberRuns[bestMember].thresholds, validation: members[bestMember] },
  ];
  const tried = (name: EnsembleMethod, weights: number[]): void => {
    const run = figures(y, mixProbabilities(probas, weights), classes);
    candidates.push({ name, weights, thresholds: run.thresholds, validation: run.figures });
  };
  if (M > 1) {
    if (methods.includes('selection')) tried('selection', caruanaSelection(truth, options.selection).weights);
    if (methods.includes('weights')) tried('weights', simplexWeights(truth, options.weights).weights);
  }
  const floor = members[bestMember];
  let chosen = candidates[0];
  for (const c of candidates.slice(1)) {
    if (c.validation.macroF1 >= floor.macroF1 && c.validation.logLoss <= floor.logLoss && c.validation.logLoss < chosen.validation.logLoss) chosen = c;
  }
  return { chosen, candidates, members, memberThresholds: memberRuns.map((r) => r.thresholds), bestMember };
}

/** The best single member: the lowest validation log-loss, ties to the higher macro-F1, then the first. */
export function bestIndex(members: readonly ValidationFigures[]): number {
  let best = 0;
  members.forEach((m, i) => {
    const b = members[best];
    if (m.logLoss < b.logLoss || (m.logLoss === b.logLoss && m.macroF1 > b.macroF1)) best = i;
  });
  return best;
}
