// Federated averaging of the MLP learner (McMahan et al. 2017; FedProx, Li et al. 2020, with proximalMu): participants start each round from
// the global weights, train a few local epochs on their own rows (partialFit) and send their
// weight updates; only the securely summed update reaches the coordinator, which moves the global
// model by the average. The input standardisation is agreed first from securely summed counts,
// sums and sums of squares. With `dp`, each update is clipped to an L2 norm and every participant
// adds its share of Gaussian noise before masking (so only the noisy sum exists); an RDP accountant
// reports (ε, δ) and the run refuses to start a round that would exceed the budget.
import type { FeatureMatrix, FeatureSchema } from '../data/table';
import { MlpLearner, type MlpOptions } from '../learners/mlp';
import type { MlpModelDocument, MlpPreprocessing } from '../learners/mlp/model-document';
import { SeededRandom } from '../util/random';
import { FederatedTrainingError } from './errors';
import { addGaussianNoise, clipInPlace, epsilonOf, noiseMultiplierFor, PrivacyBudgetExceededError, RdpAccountant } from './rdp-accountant';
import type { SecureSum } from './secure-sum';

/** A feature's finite range (published in plain, as the GBDT sketch's ranges). */
export interface FeatureRange {
  readonly lo: number;
  readonly hi: number;
}

/** One round's instructions to a participant. */
export interface LocalUpdateRequest {
  readonly global: MlpModelDocument;
  readonly round: number;
  readonly epochs: number;
  /** FedProx: the proximal coefficient mu (local loss + mu/2 · ||w − global||²); absent or 0 = FedAvg. */
  readonly proximalMu?: number;
  /** DP: clip norm and this participant's noise std (σ·C/√m); absent without DP. */
  readonly dp?: { readonly clip: number; readonly noiseStd: number };
}

/** What the coordinator asks of an MLP participant. */
export interface MlpParticipantApi {
  readonly id: string;
  featureRanges(schema: FeatureSchema): FeatureRange[] | Promise<FeatureRange[]>;
  /** Per feature: count, sum and sum of squares of the float32 finite values divided by `scales[j]` (to sum securely in fixed point). */
  featureSums(schema: FeatureSchema, scales: readonly number[]): Float64Array | Promise<Float64Array>;
  /** The flattened update (weighted by rows without DP, clipped and noised with it), then its row count (0 with DP). */
  localUpdate(request: LocalUpdateRequest): Float64Array | Promise<Float64Array>;
}

const flatten = (weights: readonly Float64Array[]): Float64Array => {
  const out = new Float64Array(weights.reduce((n, w) => n + w.length, 0));
  let at = 0;
  for (const w of weights) {
    out.set(w, at);
    at += w.length;
  }
  return out;
};

function stringSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A tenant's side of federated averaging over its own rows.
 * @example new MlpParticipant('acme', X, y, { seed: 1 })
 */
export class MlpParticipant implements MlpParticipantApi {
  constructor(
    readonly id: string,
    private readonly X: FeatureMatrix,
    private readonly y: Int32Array,
    private readonly seed: number,
  ) {
    if (y.length !== X.rows) throw new FederatedTrainingError(`${id}: ${y.length} labels for ${X.rows} rows`);
  }

  featureRanges(schema: FeatureSchema): FeatureRange[] {
    const { rows, cols, data } = this.X;
    return schema.features.map((f, j) => {
      let lo = Infinity;
      let hi = -Infinity;
      if (f.kind === 'numeric') {
        for (let i = 0; i < rows; i++) {
          const v = Math.fround(data[i * cols + j]);
          if (!Number.isFinite(v)) continue;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      return { lo, hi };
    });
  }

  featureSums(schema: FeatureSchema, scales: readonly number[]): Float64Array {
    const { rows, cols, data } = this.X;
    const sums = new Float64Array(cols * 3);
    schema.features.forEach((f, j) => {
      if (f.kind !== 'numeric') return;
      for (let i = 0; i < rows; i++) {
        const v = Math.fround(data[i * cols + j]);
        if (!Number.isFinite(v)) continue;
        const u = v / scales[j];
        sums[3 * j]++;
        sums[3 * j + 1] += u;
        sums[3 * j + 2] += u * u;
      }
    });
    return sums;
  }

  localUpdate(request: LocalUpdateRequest): Float64Array {
    const global = MlpLearner.fromJSON({
      ...request.global,
      params: { ...request.global.params, seed: stringSeed(`${this.id}/${this.seed}/${request.round}`) },
    });
    const before = flatten(global.getWeights());
    const mu = request.proximalMu ?? 0;
    global.partialFit(this.X, this.y, { epochs: request.epochs, ...(mu > 0 ? { proximal: { mu, anchor: global.getWeights() } } : {}) });
    const update = flatten(global.getWeights());
    for (let i = 0; i < update.length; i++) update[i] -= before[i];
    const out = new Float64Array(update.length + 1);
    if (request.dp) {
      clipInPlace(update, request.dp.clip);
      addGaussianNoise(update, request.dp.noiseStd, new SeededRandom(stringSeed(`${this.id}/${this.seed}/${request.round}/noise`)));
      out.set(update);
    } else {
      for (let i = 0; i < update.length; i++) out[i] = update[i] * this.X.rows;
      out[update.length] = this.X.rows;
    }
    return out;
  }
}

/** Options of trainFederatedMlp. */
export interface FederatedMlpOptions {
  readonly schema: FeatureSchema;
  readonly classes: readonly string[];
  readonly rounds: number;
  readonly localEpochs: number;
  /** FedProx's proximal coefficient mu (default 0: FedAvg). */
  readonly proximalMu?: number;
  readonly mlp?: MlpOptions;
  /**
   * Client-level DP: the budget (ε, δ), the update clip norm (default 1) and the noise multiplier
   * (default: the smallest that keeps all rounds within the budget; a given one that cannot is refused).
   */
  readonly dp?: { readonly epsilon: number; readonly delta: number; readonly clip?: number; readonly noiseMultiplier?: number };
  readonly secureSum: SecureSum;
  readonly sessionPrefix?: string;
}

/** What a federated MLP fit returns. */
export interface FederatedMlpResult {
  readonly document: MlpModelDocument;
  readonly rounds: number;
  /** (ε, δ) spent, or null without DP. */
  readonly privacy: { readonly epsilon: number; readonly delta: number; readonly noiseMultiplier: number } | null;
}

/**
 * FedAvg across participants; only secure sums reach the coordinator.
 * @example await trainFederatedMlp(participants, { schema, classes, rounds: 15, localEpochs: 2, secureSum })
 */
export async function trainFederatedMlp(participants: readonly MlpParticipantApi[], options: FederatedMlpOptions): Promise<FederatedMlpResult> {
  if (participants.length < 2) throw new FederatedTrainingError(`a federated fit needs at least 2 participants, got ${participants.length}`);
  if (!(Number.isInteger(options.rounds) && options.rounds >= 1)) throw new FederatedTrainingError(`rounds must be a positive integer, got ${options.rounds}`);
  if (options.proximalMu !== undefined && !(options.proximalMu >= 0)) throw new FederatedTrainingError(`proximalMu must be >= 0, got ${options.proximalMu}`);
  if (!(Number.isInteger(options.localEpochs) && options.localEpochs >= 1))
    throw new FederatedTrainingError(`localEpochs must be a positive integer, got ${options.localEpochs}`);
  const prefix = options.sessionPrefix ?? 'federated-mlp';
  const sum = (step: string, vectors: Float64Array[]): Promise<Float64Array> =>
    options.secureSum(
      `${prefix}/${step}`,
      participants.map((p, i) => ({ participant: p.id, vector: vectors[i] })),
    );

  const sigma = options.dp ? (options.dp.noiseMultiplier ?? noiseMultiplierFor(options.dp.epsilon, options.dp.delta, options.rounds)) : 0;
  const accountant = options.dp ? new RdpAccountant(sigma, options.dp.delta, options.dp.epsilon) : null;
  if (options.dp && epsilonOf(sigma, options.rounds, options.dp.delta) > options.dp.epsilon) {
    throw new PrivacyBudgetExceededError(
      `${options.rounds} rounds at noise multiplier ${sigma} would spend ε = ${epsilonOf(sigma, options.rounds, options.dp.delta).toFixed(3)} at δ = ${options.dp.delta}, over the budget ε = ${options.dp.epsilon}`,
    );
  }

  // the input standardisation: ranges in plain, then counts, sums and sums of squares (scaled by
  // each feature's largest magnitude so they fit the fixed point) summed securely
  const nf = options.schema.features.length;
  const ranges = await Promise.all(participants.map((p) => p.featureRanges(options.schema)));
  const lo = Array.from({ length: nf }, (_, j) => Math.min(...ranges.map((r) => r[j].lo)));
  const hi = Array.from({ length: nf }, (_, j) => Math.max(...ranges.map((r) => r[j].hi)));
  const scales = lo.map((l, j) => (l <= hi[j] ? Math.max(Math.abs(l), Math.abs(hi[j]), 1e-30) : 1));
  const summed = await sum('statistics', await Promise.all(participants.map((p) => p.featureSums(options.schema, scales))));
  const preprocessing: MlpPreprocessing = { mean: [], scale: [], min: [], max: [] };
  for (let j = 0; j < nf; j++) {
    const count = Math.round(summed[3 * j]);
    const numeric = options.schema.features[j].kind === 'numeric' && count > 0;
    const mean = numeric ? (summed[3 * j + 1] / count) * scales[j] : 0;
    const sd = numeric ? Math.sqrt(Math.max(summed[3 * j + 2] / count - (summed[3 * j + 1] / count) ** 2, 0)) * scales[j] : 1;
    (preprocessing.mean as number[]).push(mean);
    (preprocessing.scale as number[]).push(sd > 1e-12 ? sd : 1);
    (preprocessing.min as number[]).push(numeric ? lo[j] : 0);
    (preprocessing.max as number[]).push(numeric ? hi[j] : 0);
  }
  const global = MlpLearner.initialise(options.schema, options.classes, preprocessing, options.mlp);

  const m = participants.length;
  const clip = options.dp?.clip ?? 1;
  for (let round = 0; round < options.rounds; round++) {
    accountant?.spend(); // refuses the round that would exceed the budget, before any update is computed
    const request: LocalUpdateRequest = {
      global: global.toJSON(),
      round,
      epochs: options.localEpochs,
      ...(options.proximalMu ? { proximalMu: options.proximalMu } : {}),
      ...(options.dp ? { dp: { clip, noiseStd: (sigma * clip) / Math.sqrt(m) } } : {}),
    };
    const total = await sum(`round-${round}`, await Promise.all(participants.map((p) => p.localUpdate(request))));
    const weights = global.getWeights();
    const denominator = options.dp ? m : total[total.length - 1];
    let at = 0;
    for (const w of weights) for (let i = 0; i < w.length; i++) w[i] += total[at++] / denominator;
    global.setWeights(weights);
  }
  return {
    document: global.toJSON(),
    rounds: options.rounds,
    privacy: accountant && options.dp ? { epsilon: accountant.epsilon, delta: options.dp.delta, noiseMultiplier: sigma } : null,
  };
}
