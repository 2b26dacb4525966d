// Differential privacy for federated updates: clipping each participant's update to an L2 norm,
// Gaussian noise (split over the participants so that only the noisy sum exists), and an RDP
// accountant (Mironov 2017) for the Gaussian mechanism composed over rounds, converted to (ε, δ)
// as Opacus and TF-Privacy do (Balle et al. 2020). Every client takes part in every round (no
// sampling amplification): the guarantee is client-level, for adding or removing one tenant.
import { DomainError } from '../errors';
import type { SeededRandom } from '../util/random';

/** A run would spend more privacy than its budget allows. */
export class PrivacyBudgetExceededError extends DomainError {
  override readonly name: string = 'PrivacyBudgetExceededError';
  override readonly statusCode: number = 422;
}

/** Rényi orders the accountant optimises over (Opacus' defaults). */
export const RDP_ORDERS: readonly number[] = [...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10), ...Array.from({ length: 53 }, (_, i) => 12 + i)];

/**
 * ε at `delta` after `steps` Gaussian mechanisms of noise multiplier `sigma` (noise std / clip norm).
 * @example epsilonOf(1.1, 20, 1e-5)
 */
export function epsilonOf(sigma: number, steps: number, delta: number, samplingRate = 1): number {
  if (!(sigma > 0) || !(steps >= 0) || !(delta > 0 && delta < 1) || !(samplingRate > 0 && samplingRate <= 1))
    throw new RangeError(`invalid accountant input: sigma ${sigma}, steps ${steps}, delta ${delta}, sampling rate ${samplingRate}`);
  if (steps === 0) return 0;
  let best = Infinity;
  // with sampling, the integer orders (whose sampled-Gaussian RDP has a closed form); the others add little
  for (const a of samplingRate < 1 ? RDP_ORDERS.filter((o) => Number.isInteger(o)) : RDP_ORDERS) {
    const rdp = steps * (samplingRate < 1 ? sampledGaussianRdp(samplingRate, sigma, a) : a / (2 * sigma * sigma));
    const eps = rdp + Math.log((a - 1) / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
    if (eps < best) best = eps;
  }
  return Math.max(best, 0);
}

/**
 * RDP at integer order `alpha` of one Gaussian mechanism (noise multiplier `sigma`) applied to a
 * Poisson sample of rate `q` (Mironov, Talwar & Zhang 2019, the integer-order expansion Opacus uses):
 * log Σ_i C(α, i) (1 − q)^(α−i) q^i exp((i² − i) / 2σ²) / (α − 1).
 */
export function sampledGaussianRdp(q: number, sigma: number, alpha: number): number {
  if (q === 1) return alpha / (2 * sigma * sigma);
  const terms: number[] = [];
  let logBinomial = 0;
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinomial += Math.log(alpha - i + 1) - Math.log(i);
    terms.push(logBinomial + i * Math.log(q) + (alpha - i) * Math.log1p(-q) + (i * i - i) / (2 * sigma * sigma));
  }
  const top = Math.max(...terms);
  return (top + Math.log(terms.reduce((s, t) => s + Math.exp(t - top), 0))) / (alpha - 1);
}

/**
 * The smallest noise multiplier (to 0.1 %) that keeps `steps` rounds (each on a Poisson sample of
 * rate `samplingRate`, default 1: everyone) within (epsilon, delta).
 * @example noiseMultiplierFor(8, 1e-5, 20)
 */
export function noiseMultiplierFor(epsilon: number, delta: number, steps: number, samplingRate = 1): number {
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be positive, got ${epsilon}`);
  let lo = 1e-3;
  let hi = 1;
  while (epsilonOf(hi, steps, delta, samplingRate) > epsilon) hi *= 2;
  while (hi - lo > hi * 1e-3) {
    const mid = (lo + hi) / 2;
    if (epsilonOf(mid, steps, delta, samplingRate) > epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Tracks the privacy a run has spent; refuses a step that would exceed the ε budget. A round is
 * `stepsPerRound` Gaussian mechanisms on Poisson samples of rate `samplingRate` (default 1 and 1:
 * one mechanism on everyone, as client-level DP).
 * @example const acc = new RdpAccountant(1.3, 1e-5, 8); acc.spend(); acc.epsilon
 */
export class RdpAccountant {
  private steps = 0;
  constructor(
    readonly sigma: number,
    readonly delta: number,
    readonly budget: number,
    readonly samplingRate = 1,
    readonly stepsPerRound = 1,
  ) {}

  /** ε spent so far at δ. */
  get epsilon(): number {
    return epsilonOf(this.sigma, this.steps * this.stepsPerRound, this.delta, this.samplingRate);
  }

  /** Rounds accounted. */
  get rounds(): number {
    return this.steps;
  }

  /** Accounts one more round, or throws PrivacyBudgetExceededError (spending nothing) if it would exceed the budget. */
  spend(): void {
    const next = epsilonOf(this.sigma, (this.steps + 1) * this.stepsPerRound, this.delta, this.samplingRate);
    if (next > this.budget) {
      throw new PrivacyBudgetExceededError(
        `round ${this.steps + 1} would spend ε = ${next.toFixed(3)} at δ = ${this.delta}, over the budget ε = ${this.budget}`,
      );
    }
    this.steps++;
  }
}

/** Scales `update` in place to L2 norm at most `clip`; returns its norm before clipping. */
export function clipInPlace(update: Float64Array, clip: number): number {
  let ss = 0;
  for (let i = 0; i < update.length; i++) ss += update[i] * update[i];
  const norm = Math.sqrt(ss);
  if (norm > clip) for (let i = 0, f = clip / norm; i < update.length; i++) update[i] *= f;
  return norm;
}

/** Adds N(0, std²) noise to every entry, from a seeded generator. */
export function addGaussianNoise(update: Float64Array, std: number, random: SeededRandom): void {
  for (let i = 0; i < update.length; i++) update[i] += random.normal() * std;
}
