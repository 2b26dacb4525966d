// Federated averaging of the MLP learner (McMahan et al. 2017; FedProx, Li et al. 2020, with proximalMu): participants start each round from
// the global weights, train a few local epochs on their own rows (partialFit) and send their
// weight updates; only the securely summed update reaches the coordinator, which moves the global
// model by the average. The input standardisation is agreed first from securely summed counts,
// sums and sums of squares. With `dp`, each update is clipped to an L2 norm and every participant
// adds its share of Gaussian noise before masking (so only the noisy sum exists); an RDP accountant
// reports (ε, δ) and the run refuses to start a round that would exceed the budget.
import { takeLabels, takeRows, type FeatureMatrix, type FeatureSchema } from '../data/table';
import { MlpLearner, type DpSgdOptions, type MlpOptions } from '../learners/mlp';
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
  /** Passes over the participant's rows (used when `steps` is absent). */
  readonly epochs: number;
  /**
   * Mini-batch steps to take, the same on every participant (overrides `epochs`): with updates
   * weighted by rows, equal steps make the average an unbiased step on the union's loss (FedNova).
   */
  readonly steps?: number;
  /** FedProx: the proximal coefficient mu (local loss + mu/2 · ||w − global||²); absent or 0 = FedAvg. */
  readonly proximalMu?: number;
  /** Client-level DP: clip norm and this participant's noise std (σ·C/√m); absent without it. */
  readonly dp?: { readonly clip: number; readonly noiseStd: number };
  /** Record-level DP: local training is DP-SGD with these settings (`steps` replaces `steps` above). */
  readonly dpSgd?: DpSgdOptions;
  /** Local optimiser overriding the global model's (FedAdam's clients take plain SGD steps). */
  readonly localOptimizer?: { readonly optimizer: 'sgd' | 'adam'; readonly momentum?: number };
}

/** What the coordinator asks of an MLP participant. */
export interface MlpParticipantApi {
  readonly id: string;
  featureRanges(schema: FeatureSchema): FeatureRange[] | Promise<FeatureRange[]>;
  /**
   * Per feature: count, sum and sum of squares of the float32 finite values divided by `scales[j]`
   * (to sum securely in fixed point); optionally followed by the participant's row count.
   */
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
    const sums = new Float64Array(cols * 3 + 1);
    sums[cols * 3] = rows; // the row count, for the local steps per round
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
      params: { ...request.global.params, ...(request.localOptimizer ?? {}), seed: stringSeed(`${this.id}/${this.seed}/${request.round}`) },
    });
    const before = flatten(global.getWeights());
    const mu = request.proximalMu ?? 0;
    const proximal = mu > 0 ? { proximal: { mu, anchor: global.getWeights() } } : {};
    if (request.dpSgd) global.partialFit(this.X, this.y, { dpSgd: request.dpSgd, ...proximal });
    else if (request.steps !== undefined) {
      // the same number of mini-batch steps on every participant, cycling through seeded permutations of its rows
      const batch = Math.min(global.params.batchSize, this.X.rows);
      const random = new SeededRandom(stringSeed(`${this.id}/${this.seed}/${request.round}/rows`));
      const take = new Int32Array(request.steps * batch);
      const order = Int32Array.from({ length: this.X.rows }, (_, i) => i);
      for (let at = 0; at < take.length; at += order.length) {
        random.shuffle(order);
        take.set(order.subarray(0, Math.min(order.length, take.length - at)), at);
      }
      global.partialFit(takeRows(this.X, take), takeLabels(this.y, take), { epochs: 1, ...proximal });
    } else global.partialFit(this.X, this.y, { epochs: Math.max(1, Math.round(request.epochs)), ...proximal });
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
  /** Rounds to run (replaced by the rounds `epochs` needs when that is given). */
  readonly rounds: number;
  /**
   * Local work per round when `localSteps` is absent: this many passes over the mean participant's
   * rows, taken as the same number of mini-batch steps on every participant.
   */
  readonly localEpochs: number;
  /** Mini-batch steps per round on every participant (default: from `localEpochs`). */
  readonly localSteps?: number;
  /**
   * Training length as passes over the union: rounds = ⌈epochs · rows / (participants · batch · localSteps)⌉,
   * i.e. the central fit's computation (rows are known after the statistics round). Overrides `rounds`.
   */
  readonly epochs?: number;
  /**
   * Server optimiser (Reddi et al. 2021, "Adaptive Federated Optimization"): 'average' adds the
   * row-weighted average update (FedAvg; with serverMomentum FedAvgM, Hsu et al. 2019); 'adam'
   * takes it as the pseudo-gradient of Adam (FedAdam; the participants then take plain SGD steps,
   * whose scale Adam's normalisation cancels). Default 'average'.
   */
  readonly serverOptimizer?: 'average' | 'adam';
  /**
   * Server step size. Default 1 for 'average'; for 'adam' the MLP's learning rate × √participants
   * (the square-root scaling rule for Adam when the batch grows by that factor, Malladi et al. 2022).
   */
  readonly serverLearningRate?: number;
  /** Server momentum of 'average' (FedAvgM). Default 0. */
  readonly serverMomentum?: number;
  /** FedProx's proximal coefficient mu (default 0: FedAvg). */
  readonly proximalMu?: number;
  readonly mlp?: MlpOptions;
  /**
   * Differential privacy with budget (ε, δ). level 'client' (default): each participant's update is
   * clipped to L2 norm `clip` (default 1) and Gaussian noise is added to the sum, protecting a whole
   * tenant. level 'record': every participant trains by DP-SGD (each row's gradient clipped to `clip`,
   * Poisson sampling at rate participants · batch / rows, noise on the sum), protecting each row of
   * every tenant. The noise multiplier defaults to the smallest that keeps the run within the
   * budget; a given one that cannot is refused.
   */
  readonly dp?: {
    readonly epsilon: number;
    readonly delta: number;
    readonly clip?: number;
    readonly noiseMultiplier?: number;
    readonly level?: 'client' | 'record';
    /**
     * Record level: the union's expected rows per DP-SGD step (each row sampled at rate
     * expectedBatch / rows; default participants × batch, the non-private schedule's batch). With
     * `epochs` the rounds follow it, so a larger batch means fewer, less noisy steps for the same
     * passes over the data, and FedAdam's server step grows by the square-root rule.
     */
    readonly expectedBatch?: number;
  };
  readonly secureSum: SecureSum;
  readonly sessionPrefix?: string;
}

/** What a federated MLP fit returns. */
export interface FederatedMlpResult {
  readonly document: MlpModelDocument;
  readonly rounds: number;
  /** (ε, δ) spent, or null without DP. */
  readonly privacy: {
    readonly epsilon: number;
    readonly delta: number;
    readonly noiseMultiplier: number;
    /** Whom the guarantee protects: a whole tenant ('client') or each row ('record'). */
    readonly level?: 'client' | 'record';
  } | null;
}

/**
 * FedAvg across participants; only secure sums reach the coordinator.
 * @example await trainFederatedMlp(participants, { schema, classes, rounds: 15, localEpochs: 2, secureSum })
 */
export async function trainFederatedMlp(participants: readonly MlpParticipantApi[], options: FederatedMlpOptions): Promise<FederatedMlpResult> {
  if (participants.length < 2) throw new FederatedTrainingError(`a federated fit needs at least 2 participants, got ${participants.length}`);
  if (!(Number.isInteger(options.rounds) && options.rounds >= 1)) throw new FederatedTrainingError(`rounds must be a positive integer, got ${options.rounds}`);
  if (options.proximalMu !== undefined && !(options.proximalMu >= 0)) throw new FederatedTrainingError(`proximalMu must be >= 0, got ${options.proximalMu}`);
  if (!(options.localEpochs > 0 && Number.isFinite(options.localEpochs)))
    throw new FederatedTrainingError(`localEpochs must be a positive number, got ${options.localEpochs}`);
  const momentum = options.serverMomentum ?? 0;
  const serverAdam = options.serverOptimizer === 'adam';
  if (options.serverOptimizer !== undefined && options.serverOptimizer !== 'average' && !serverAdam)
    throw new FederatedTrainingError(`serverOptimizer must be "average" or "adam", got ${String(options.serverOptimizer)}`);
  if (options.serverLearningRate !== undefined && !(options.serverLearningRate > 0 && Number.isFinite(options.serverLearningRate)))
    throw new FederatedTrainingError(`serverLearningRate must be positive, got ${options.serverLearningRate}`);
  if (!(momentum >= 0 && momentum < 1)) throw new FederatedTrainingError(`serverMomentum must be in [0, 1), got ${options.serverMomentum}`);
  for (const [name, value] of [
    ['localSteps', options.localSteps],
    ['epochs', options.epochs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0 && (name !== 'localSteps' || Number.isInteger(value))))
      throw new FederatedTrainingError(`${name} must be a positive ${name === 'localSteps' ? 'integer' : 'number'}, got ${value}`);
  }
  const level = options.dp?.level ?? 'client';
  if (options.dp && level !== 'client' && level !== 'record') throw new FederatedTrainingError(`dp.level must be "client" or "record", got ${String(level)}`);
  if (options.dp && !(options.dp.epsilon > 0 && options.dp.delta > 0 && options.dp.delta < 1))
    throw new FederatedTrainingError(`dp needs epsilon > 0 and delta in (0, 1), got ${options.dp.epsilon}, ${options.dp.delta}`);
  if (options.dp?.clip !== undefined && !(options.dp.clip > 0)) throw new FederatedTrainingError(`dp.clip must be positive, got ${options.dp.clip}`);
  const expectedBatch = options.dp?.expectedBatch;
  if (expectedBatch !== undefined && !(Number.isInteger(expectedBatch) && expectedBatch >= 1))
    throw new FederatedTrainingError(`dp.expectedBatch must be a positive integer, got ${expectedBatch}`);
  if (expectedBatch !== undefined && level !== 'record') throw new FederatedTrainingError('dp.expectedBatch applies to dp.level "record" only');
  const prefix = options.sessionPrefix ?? 'federated-mlp';
  const sum = (step: string, vectors: Float64Array[]): Promise<Float64Array> =>
    options.secureSum(
      `${prefix}/${step}`,
      participants.map((p, i) => ({ participant: p.id, vector: vectors[i] })),
    );
  const refuse = (sigma: number, steps: number, q: number, what: string): never => {
    const dp = options.dp as NonNullable<FederatedMlpOptions['dp']>;
    throw new PrivacyBudgetExceededError(
      `${what} at noise multiplier ${sigma} would spend ε = ${epsilonOf(sigma, steps, dp.delta, q).toFixed(3)} at δ = ${dp.delta}, over the budget ε = ${dp.epsilon}`,
    );
  };
  // client-level DP with a fixed round count is checked before any statistic leaves a tenant
  if (options.dp && level === 'client' && options.epochs === undefined && options.dp.noiseMultiplier !== undefined) {
    if (epsilonOf(options.dp.noiseMultiplier, options.rounds, options.dp.delta) > options.dp.epsilon)
      refuse(options.dp.noiseMultiplier, options.rounds, 1, `${options.rounds} rounds`);
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
  const batch = global.params.batchSize;
  const totalRows = summed.length > 3 * nf ? Math.round(summed[3 * nf]) : Math.max(...Array.from({ length: nf }, (_, j) => Math.round(summed[3 * j])));
  // the same number of steps on every participant: with row-weighted averaging the mean update is then
  // a step on the union's loss; steps in proportion to rows would weight a large tenant's rows twice
  const localSteps = options.localSteps ?? Math.max(1, Math.round((options.localEpochs * totalRows) / (m * batch)));
  // rows of the union per step: m · batch, or DP-SGD's expected Poisson sample (at most every row)
  const unionBatch = Math.min(expectedBatch ?? m * batch, options.dp && level === 'record' ? totalRows : Infinity);
  const rounds = options.epochs !== undefined ? Math.max(1, Math.ceil((options.epochs * totalRows) / (unionBatch * localSteps))) : options.rounds;
  // Adam's square-root rule for a batch unionBatch / batch times the MLP's (√m without DP's own batch)
  const serverLr = options.serverLearningRate ?? (serverAdam ? global.params.learningRate * Math.sqrt(unionBatch / batch) : 1);

  // privacy: client level, one Gaussian mechanism per round on everyone; record level, DP-SGD's
  // localSteps sampled mechanisms per round at the rate that gives the union unionBatch rows
  const clip = options.dp?.clip ?? 1;
  const q = level === 'record' ? unionBatch / totalRows : 1;
  const perRound = level === 'record' ? localSteps : 1;
  let sigma = 0;
  let accountant: RdpAccountant | null = null;
  if (options.dp) {
    sigma = options.dp.noiseMultiplier ?? noiseMultiplierFor(options.dp.epsilon, options.dp.delta, rounds * perRound, q);
    if (epsilonOf(sigma, rounds * perRound, options.dp.delta, q) > options.dp.epsilon)
      refuse(sigma, rounds * perRound, q, `${rounds} rounds of ${perRound} step(s)`);
    accountant = new RdpAccountant(sigma, options.dp.delta, options.dp.epsilon, q, perRound);
  }

  let velocity: Float64Array | undefined;
  let second: Float64Array | undefined;
  for (let round = 0; round < rounds; round++) {
    accountant?.spend(); // refuses the round that would exceed the budget, before any update is computed
    const request: LocalUpdateRequest = {
      global: global.toJSON(),
      round,
      epochs: options.localEpochs,
      steps: localSteps,
      ...(options.proximalMu ? { proximalMu: options.proximalMu } : {}),
      ...(serverAdam ? { localOptimizer: { optimizer: 'sgd' as const, momentum: 0 } } : {}),
      ...(options.dp && level === 'client' ? { dp: { clip, noiseStd: (sigma * clip) / Math.sqrt(m) } } : {}),
      ...(options.dp && level === 'record' ? { dpSgd: { steps: localSteps, samplingRate: q, clip, noiseMultiplier: sigma } } : {}),
    };
    const total = await sum(`round-${round}`, await Promise.all(participants.map((p) => p.localUpdate(request))));
    const weights = global.getWeights();
    const denominator = options.dp && level === 'client' ? m : total[total.length - 1];
    velocity ??= new Float64Array(total.length - 1);
    second ??= new Float64Array(total.length - 1);
    const c1 = 1 - 0.9 ** (round + 1);
    const c2 = 1 - 0.999 ** (round + 1);
    let at = 0;
    for (const w of weights)
      for (let i = 0; i < w.length; i++, at++) {
        const delta = total[at] / denominator;
        if (serverAdam) {
          // Adam on the pseudo-gradient −delta (β1 0.9, β2 0.999, ε 1e-8, bias-corrected, as the learner's)
          velocity[at] = 0.9 * velocity[at] + 0.1 * delta;
          second[at] = 0.999 * second[at] + 0.001 * delta * delta;
          w[i] += (serverLr * (velocity[at] / c1)) / (Math.sqrt(second[at] / c2) + 1e-8);
        } else {
          velocity[at] = momentum * velocity[at] + delta;
          w[i] += serverLr * velocity[at];
        }
      }
    global.setWeights(weights);
  }
  return {
    document: global.toJSON(),
    rounds,
    privacy: accountant && options.dp ? { epsilon: accountant.epsilon, delta: options.dp.delta, noiseMultiplier: sigma, level } : null,
  };
}
