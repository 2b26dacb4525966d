// Log-loss-minimising weights on the simplex: min_w −mean_i log Σ_m w_m p_m(y_i | x_i) subject to
// w ≥ 0, Σ w = 1. The objective is convex in w, so exponentiated gradient (multiplicative updates,
// which stay on the simplex) from the uniform point reaches the optimum; a backtracking step keeps
// every accepted step a descent. Deterministic: no randomness is needed for a convex problem.
import { EnsembleInputError } from './errors';
import { LOG_LOSS_EPS, mixtureLogLoss } from './log-loss';

export interface SimplexWeightsOptions {
  /** Iterations at most. Default 500. */
  readonly maxIterations?: number;
  /** Stop when an accepted step lowers the loss by less than this. Default 1e-10. */
  readonly tolerance?: number;
  /** Weights below this are set to 0 and the rest renormalised (members the ensemble need not serve). Default 0.005. */
  readonly pruneBelow?: number;
}

export interface SimplexWeightsResult {
  readonly weights: number[];
  readonly logLoss: number;
  readonly iterations: number;
}

/**
 * Exponentiated-gradient descent of the mixture log-loss on the simplex.
 * @param truth per member, its probability of each row's true class (trueClassProbabilities)
 * @example const { weights } = simplexWeights(trueClassProbabilities([pGbdt, pMlp, pDeep], yVal, K));
 */
export function simplexWeights(truth: readonly Float64Array[], options: SimplexWeightsOptions = {}): SimplexWeightsResult {
  const M = truth.length;
  if (M === 0) throw new EnsembleInputError('weighting needs at least one member');
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-10;
  const pruneBelow = options.pruneBelow ?? 0.005;
  if (!((pruneBelow >= 0 && pruneBelow < 1 / M) || M === 1)) throw new EnsembleInputError(`pruneBelow must be in [0, 1/${M}), got ${pruneBelow}`);
  const n = truth[0].length;
  let w = new Array<number>(M).fill(1 / M);
  let loss = mixtureLogLoss(truth, w);
  let eta = 1;
  let iterations = 0;
  const grad = new Array<number>(M);
  for (; iterations < maxIterations && M > 1; iterations++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      let q = 0;
      for (let m = 0; m < M; m++) q += w[m] * truth[m][i];
      const inv = 1 / Math.max(q, LOG_LOSS_EPS);
      for (let m = 0; m < M; m++) grad[m] -= truth[m][i] * inv;
    }
    for (let m = 0; m < M; m++) grad[m] /= n || 1;
    let accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      const gMin = Math.min(...grad);
      const next = w.map((v, m) => v * Math.exp(-eta * (grad[m] - gMin)));
      const z = next.reduce((a, b) => a + b, 0);
      const candidate = next.map((v) => v / z);
      const candidateLoss = mixtureLogLoss(truth, candidate);
      if (candidateLoss <= loss) {
        const gain = loss - candidateLoss;
        w = candidate;
        loss = candidateLoss;
        eta = Math.min(eta * 2, 1e6);
        accepted = gain >= tolerance;
        break;
      }
      eta /= 2;
    }
    if (!accepted) break;
  }
  if (M > 1 && pruneBelow > 0) {
    const kept = w.map((v) => (v < pruneBelow ? 0 : v));
    const z = kept.reduce((a, b) => a + b, 0);
    w = kept.map((v) => v / z);
    loss = mixtureLogLoss(truth, w);
  }
  return { weights: w, logLoss: loss, iterations };
}
