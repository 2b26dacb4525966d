// The validation log-loss of a weighted average of members, read from each member's probability of
// the true class only (the rest of a row does not enter the log-loss). Clipped like evaluate()'s.
import { EnsembleInputError } from './errors';

/** Below this a probability counts as this (core/evaluation's log-loss clip). */
export const LOG_LOSS_EPS = 1e-15;

/**
 * Per member, its probability of each row's true class: truth[m][i] = proba_m[i * K + y[i]].
 * @throws EnsembleInputError when a member's predictions do not have rows × classes entries
 */
export function trueClassProbabilities(probas: readonly Float64Array[], y: Int32Array, classCount: number): Float64Array[] {
  const n = y.length;
  return probas.map((p, m) => {
    if (p.length !== n * classCount)
      throw new EnsembleInputError(`member ${m}'s predictions have ${p.length} values for ${n} rows × ${classCount} classes`, {
        details: [{ field: `members[${m}]`, message: 'predictions of the wrong shape' }],
      });
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const c = y[i];
      if (!(c >= 0 && c < classCount)) throw new EnsembleInputError(`class index ${c} at row ${i} outside [0, ${classCount})`);
      t[i] = p[i * classCount + c];
    }
    return t;
  });
}

/** Mean negative log of Σ_m w_m truth[m][i]. */
export function mixtureLogLoss(truth: readonly Float64Array[], weights: readonly number[]): number {
  const n = truth[0]?.length ?? 0;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let q = 0;
    for (let m = 0; m < truth.length; m++) if (weights[m] !== 0) q += weights[m] * truth[m][i];
    sum -= Math.log(Math.max(q, LOG_LOSS_EPS));
  }
  return sum / n;
}
