// Caruana et al. (2004) ensemble selection: greedy forward selection with replacement on held-out
// predictions. Each round adds the member (again, possibly) whose addition most lowers the log-loss
// of the running average; the round with the lowest loss is kept, so the first round — the best
// single member — bounds the result. A member's weight is how often it was picked over the rounds.
// As AutoGluon's WeightedEnsemble and auto-sklearn do it.
import { EnsembleInputError } from './errors';
import { LOG_LOSS_EPS } from './log-loss';

export interface CaruanaOptions {
  /** Rounds of selection. Default 50. */
  readonly rounds?: number;
}

export interface CaruanaResult {
  /** Per member, the share of picks (sums to 1). */
  readonly weights: number[];
  /** Per member, how often it was picked up to the best round. */
  readonly counts: number[];
  /** The validation log-loss after each round. */
  readonly lossByRound: number[];
  /** The round kept (1-based: 1 = the best single member). */
  readonly bestRound: number;
  readonly logLoss: number;
}

/**
 * Greedy forward selection with replacement, minimising the log-loss.
 * @param truth per member, its probability of each row's true class (trueClassProbabilities)
 * @example const { weights } = caruanaSelection(trueClassProbabilities([pGbdt, pMlp], yVal, K), { rounds: 50 });
 */
export function caruanaSelection(truth: readonly Float64Array[], options: CaruanaOptions = {}): CaruanaResult {
  const rounds = options.rounds ?? 50;
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 10_000))
    throw new EnsembleInputError(`rounds must be an integer in [1, 10000], got ${rounds}`, {
      details: [{ field: 'rounds', message: 'integer in [1, 10000]' }],
    });
  const M = truth.length;
  if (M === 0) throw new EnsembleInputError('selection needs at least one member');
  const n = truth[0].length;
  const sum = new Float64Array(n);
  const counts = new Array<number>(M).fill(0);
  const history: number[] = [];
  const lossByRound: number[] = [];
  let best = { loss: Infinity, round: 0 };
  for (let r = 1; r <= rounds; r++) {
    let pick = 0;
    let pickLoss = Infinity;
    for (let m = 0; m < M; m++) {
      const t = truth[m];
      let loss = 0;
      for (let i = 0; i < n; i++) loss -= Math.log(Math.max((sum[i] + t[i]) / r, LOG_LOSS_EPS));
      loss /= n || 1;
      if (loss < pickLoss) {
        pickLoss = loss;
        pick = m;
      }
    }
    const t = truth[pick];
    for (let i = 0; i < n; i++) sum[i] += t[i];
    history.push(pick);
    lossByRound.push(pickLoss);
    if (pickLoss < best.loss) best = { loss: pickLoss, round: r };
  }
  for (const m of history.slice(0, best.round)) counts[m]++;
  return { weights: counts.map((c) => c / best.round), counts, lossByRound, bestRound: best.round, logLoss: best.loss };
}
