// Multi-layer perceptron learner: dense layers with ReLU, softmax cross-entropy, Adam, seeded
// shuffled mini-batches, L2, per-row sample weights, early stopping on validation loss.
// Inputs are standardised (fitted on the training data) and categorical features one-hot encoded
// (see model-document.ts). partialFit continues from the current weights (online learning);
// getWeights/setWeights expose the parameters (federated averaging).
import type { FeatureMatrix, FeatureSchema } from '../../data/table';
import { SeededRandom } from '../../util/random';
import { didYouMean } from '../../util/nearest-name';
import { FitHistoryRecorder } from '../fit-history';
import { argmaxRows, type FitOptions, type FitReport, type Learner, type ModelDocument } from '../learner';
import {
  compileLayers,
  compilePreprocessing,
  encodeRows,
  forwardBatch,
  MlpModelError,
  predictProbaCompiled,
  type CompiledLayer,
  type CompiledPreprocessing,
  type MlpModelDocument,
  type MlpPreprocessing,
} from './model-document';

/** Hyperparameters of the MLP. */
export interface MlpOptions {
  /** Seed of weight initialisation and batch shuffling. Default 0. */
  readonly seed?: number;
  /** Hidden layer widths. Default [64, 32]. */
  readonly hiddenLayers?: readonly number[];
  /** Step size (of Adam, or of SGD). Default 0.001. */
  readonly learningRate?: number;
  /**
   * 'adam' (default) or 'sgd' (heavy-ball momentum `momentum`). SGD's steps are proportional to the
   * gradient, which federated averaging over non-IID clients needs: Adam rescales each client's
   * small gradients (e.g. for classes it never sees) to full-size steps.
   */
  readonly optimizer?: 'adam' | 'sgd';
  /** SGD momentum. Default 0.9. */
  readonly momentum?: number;
  /** Rows per mini-batch. Default 128. */
  readonly batchSize?: number;
  /** Epochs of fit(). Default 30. */
  readonly maxEpochs?: number;
  /** Epochs without validation-loss improvement before stopping (needs options.validation). Default 5. */
  readonly earlyStoppingPatience?: number;
  /** L2 penalty on weights (not biases), added to the mean loss. Default 1e-4. */
  readonly l2?: number;
  /** Adam beta1. Default 0.9. */
  readonly beta1?: number;
  /** Adam beta2. Default 0.999. */
  readonly beta2?: number;
  /** Adam epsilon. Default 1e-8. */
  readonly epsilon?: number;
}

type ResolvedOptions = { -readonly [K in keyof MlpOptions]-?: NonNullable<MlpOptions[K]> };

const DEFAULTS: ResolvedOptions = {
  seed: 0,
  hiddenLayers: [64, 32],
  learningRate: 0.001,
  optimizer: 'adam',
  momentum: 0.9,
  batchSize: 128,
  maxEpochs: 30,
  earlyStoppingPatience: 5,
  l2: 1e-4,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
};

function resolveOptions(options: MlpOptions): ResolvedOptions {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS)) throw new MlpModelError(`unknown MLP option "${key}"${didYouMean(key, Object.keys(DEFAULTS))}`);
  }
  const o = { ...DEFAULTS, ...options } as ResolvedOptions;
  const positive = (name: string, v: number, integer: boolean): void => {
    if (!(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
      throw new MlpModelError(`option ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  };
  positive('learningRate', o.learningRate, false);
  positive('batchSize', o.batchSize, true);
  positive('maxEpochs', o.maxEpochs, true);
  positive('earlyStoppingPatience', o.earlyStoppingPatience, true);
  o.hiddenLayers.forEach((h, i) => positive(`hiddenLayers[${i}]`, h, true));
  if (!(o.l2 >= 0)) throw new MlpModelError(`option l2 must be >= 0, got ${o.l2}`);
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd') throw new MlpModelError(`option optimizer must be "adam" or "sgd", got ${String(o.optimizer)}`);
  if (!(o.momentum >= 0 && o.momentum < 1)) throw new MlpModelError(`option momentum must be in [0, 1), got ${o.momentum}`);
  return { ...o, hiddenLayers: [...o.hiddenLayers] };
}

/** Options of partialFit. */
export interface PartialFitOptions {
  /** Passes over the given rows. Default 1. */
  readonly epochs?: number;
  readonly sampleWeight?: Float64Array;
  /**
   * FedProx: adds mu/2 · ||w − anchor||² to the loss (anchor in getWeights order, e.g. the global
   * model of a federated round), keeping local training near it. Default: none.
   */
  readonly proximal?: { readonly mu: number; readonly anchor: readonly ArrayLike<number>[] };
  /**
   * DP-SGD (Abadi et al. 2016): instead of epochs, `steps` steps, each on a Poisson sample of the rows
   * (each row with probability `samplingRate`), every row's gradient clipped to L2 norm `clip`, and
   * N(0, (noiseMultiplier · clip)²) added to the sum, divided by the expected batch (samplingRate · rows).
   * Record-level privacy; account it with the sampled Gaussian mechanism (core/federated/rdp-accountant).
   */
  readonly dpSgd?: DpSgdOptions;
}

/** Options of one DP-SGD run (see PartialFitOptions.dpSgd). */
export interface DpSgdOptions {
  readonly steps: number;
  readonly samplingRate: number;
  readonly clip: number;
  readonly noiseMultiplier: number;
}

/** Adam moment buffers per layer. */
interface AdamState {
  step: number;
  readonly mW: Float64Array[];
  readonly vW: Float64Array[];
  readonly mB: Float64Array[];
  readonly vB: Float64Array[];
}

/** Per-batch scratch buffers, allocated once per fit. */
interface Workspace {
  readonly batch: number;
  readonly input: Float64Array;
  readonly acts: Float64Array[];
  readonly deltas: Float64Array[];
  readonly gradW: Float64Array[];
  readonly gradB: Float64Array[];
}

/**
 * An MLP classifier implementing the Learner protocol.
 * @example
 * const mlp = new MlpLearner({ seed: 1, hiddenLayers: [64, 32], maxEpochs: 20 });
 * mlp.fit(X, y, { schema, classes, validation: { X: Xv, y: yv } });
 * const p = mlp.predictProba(Xtest);
 * const doc = mlp.toJSON(); const again = MlpLearner.fromJSON(doc);
 */
export class MlpLearner implements Learner {
  readonly algorithm = 'mlp';
  private readonly options: ResolvedOptions;
  private rnd: SeededRandom;
  private schema?: FeatureSchema;
  private classes?: readonly string[];
  private preprocessing?: MlpPreprocessing;
  private prep?: CompiledPreprocessing;
  private layers?: CompiledLayer[];
  private adam?: AdamState;
  private proximal?: { readonly mu: number; readonly anchor: readonly ArrayLike<number>[] };

  constructor(options: MlpOptions = {}) {
    this.options = resolveOptions(options);
    this.rnd = new SeededRandom(this.options.seed);
  }

  /** The resolved hyperparameters. */
  get params(): Readonly<ResolvedOptions> {
    return this.options;
  }

  /** Whether fit() (or fromJSON) has produced a model. */
  get fitted(): boolean {
    return this.layers !== undefined;
  }

  /**
   * Fits preprocessing and weights from scratch (or from options.init). Early stopping (and restoring the best epoch's
   * weights) when options.validation is given.
   */
  fit(X: FeatureMatrix, y: Int32Array, options: FitOptions): FitReport {
    const started = Date.now();
    const schema = options.schema;
    if (X.cols !== schema.features.length) throw new MlpModelError(`schema has ${schema.features.length} features, matrix has ${X.cols} columns`);
    if (options.classes.length < 2) throw new MlpModelError('need at least 2 classes');
    this.rnd = new SeededRandom(this.options.seed);
    this.schema = schema;
    this.classes = [...options.classes];
    if (options.init) {
      // continue from a fitted model: its standardisation and weights, fresh Adam state
      const from = MlpLearner.fromJSON(options.init);
      const fitted = from.requireFitted();
      if (fitted.schema.features.map((f) => f.name).join('\u0000') !== schema.features.map((f) => f.name).join('\u0000')) {
        throw new MlpModelError('the initial model was fitted on different features');
      }
      if (fitted.classes.join('\u0000') !== options.classes.join('\u0000'))
        throw new MlpModelError(`the initial model has classes ${fitted.classes.join(', ')}, this fit ${options.classes.join(', ')}`);
      if (
        fitted.layers
          .slice(0, -1)
          .map((l) => l.outputs)
          .join() !== this.options.hiddenLayers.join()
      )
        throw new MlpModelError('the initial model has different hidden layers');
      this.preprocessing = fitted.preprocessing;
      this.prep = fitted.prep;
      this.layers = fitted.layers;
    } else {
      this.preprocessing = fitPreprocessing(schema, X);
      this.prep = compilePreprocessing(schema, this.preprocessing);
      this.layers = this.initLayers(this.prep.layout.inputSize, options.classes.length);
    }
    this.adam = undefined;
    return this.train(X, y, this.options.maxEpochs, options.sampleWeight, options.validation, options.onProgress, started);
  }

  /**
   * Continues training from the current weights (preprocessing stays fixed).
   * @example mlp.partialFit(newX, newY, { epochs: 2 })
   */
  partialFit(X: FeatureMatrix, y: Int32Array, options: PartialFitOptions = {}): FitReport {
    const started = Date.now();
    this.requireFitted();
    const epochs = options.epochs ?? 1;
    if (!(Number.isInteger(epochs) && epochs > 0)) throw new MlpModelError(`epochs must be a positive integer, got ${epochs}`);
    const proximal = options.proximal;
    if (proximal) {
      const lengths = this.getWeights().map((w) => w.length);
      if (!(proximal.mu >= 0) || proximal.anchor.length !== lengths.length || proximal.anchor.some((a, i) => a.length !== lengths[i])) {
        throw new MlpModelError('proximal needs mu >= 0 and an anchor shaped as getWeights()');
      }
    }
    this.proximal = proximal;
    try {
      if (options.dpSgd) return this.trainDpSgd(X, y, options.dpSgd, started);
      return this.train(X, y, epochs, options.sampleWeight, undefined, undefined, started);
    } finally {
      this.proximal = undefined;
    }
  }

  /** Row-major probabilities, rows * K. */
  predictProba(X: FeatureMatrix): Float64Array {
    const { prep, layers, schema } = this.requireFitted();
    if (X.cols !== schema.features.length) throw new MlpModelError(`model expects ${schema.features.length} features, matrix has ${X.cols}`);
    return predictProbaCompiled(prep, layers, X);
  }

  /** argmax of predictProba per row. */
  predict(X: FeatureMatrix): Int32Array {
    return argmaxRows(this.predictProba(X), this.requireFitted().classes.length);
  }

  /**
   * Copies of the parameters: [W0, b0, W1, b1, ...] (weights row-major inputs x outputs).
   * @example const avg = mlpA.getWeights().map((w, i) => w.map((v, j) => (v + mlpB.getWeights()[i][j]) / 2))
   */
  getWeights(): Float64Array[] {
    const { layers } = this.requireFitted();
    return layers.flatMap((l) => [Float64Array.from(l.weights), Float64Array.from(l.bias)]);
  }

  /** Replaces the parameters (same order and lengths as getWeights); resets the Adam state. */
  setWeights(weights: readonly ArrayLike<number>[]): void {
    const { layers } = this.requireFitted();
    if (weights.length !== layers.length * 2) throw new MlpModelError(`expected ${layers.length * 2} weight arrays, got ${weights.length}`);
    layers.forEach((l, i) => {
      const w = weights[2 * i];
      const b = weights[2 * i + 1];
      if (w.length !== l.weights.length || b.length !== l.bias.length) throw new MlpModelError(`weight array ${2 * i} or ${2 * i + 1} has the wrong length`);
      for (let k = 0; k < w.length; k++) if (!Number.isFinite(w[k])) throw new MlpModelError(`weight array ${2 * i} holds a non-finite value`);
      for (let k = 0; k < b.length; k++) if (!Number.isFinite(b[k])) throw new MlpModelError(`weight array ${2 * i + 1} holds a non-finite value`);
    });
    layers.forEach((l, i) => {
      l.weights.set(weights[2 * i]);
      l.bias.set(weights[2 * i + 1]);
    });
    this.adam = undefined;
  }

  /** The versioned model document. */
  toJSON(): MlpModelDocument {
    const { layers, schema, classes, preprocessing } = this.requireFitted();
    return {
      format: 'mlp',
      formatVersion: 1,
      schema,
      classes: [...classes],
      preprocessing: {
        mean: [...preprocessing.mean],
        scale: [...preprocessing.scale],
        min: [...preprocessing.min],
        max: [...preprocessing.max],
      },
      layers: layers.map((l) => ({ inputs: l.inputs, outputs: l.outputs, weights: Array.from(l.weights), bias: Array.from(l.bias) })),
      params: { ...this.options, hiddenLayers: [...this.options.hiddenLayers] },
    };
  }

  /**
   * Rebuilds a fitted learner from its document (hyperparameters from doc.params).
   * @example const mlp = MlpLearner.fromJSON(JSON.parse(text))
   */
  static fromJSON(doc: ModelDocument): MlpLearner {
    if (doc.format !== 'mlp' || doc.formatVersion !== 1)
      throw new MlpModelError(`expected an mlp document version 1, got ${String(doc.format)} v${String(doc.formatVersion)}`);
    const d = doc as MlpModelDocument;
    if (!Array.isArray(d.layers) || typeof d.preprocessing !== 'object' || d.preprocessing === null)
      throw new MlpModelError('mlp document lacks layers or preprocessing');
    const params: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(d.params ?? {})) if (key in DEFAULTS) params[key] = value;
    const learner = new MlpLearner(params as MlpOptions);
    learner.schema = d.schema;
    learner.classes = [...d.classes];
    learner.preprocessing = d.preprocessing;
    learner.prep = compilePreprocessing(d.schema, d.preprocessing);
    learner.layers = compileLayers(d.layers, learner.prep.layout.inputSize, d.classes.length);
    const hidden = learner.layers.slice(0, -1).map((l) => l.outputs);
    if (hidden.join() !== learner.options.hiddenLayers.join()) (learner.options as { hiddenLayers: readonly number[] }).hiddenLayers = hidden;
    return learner;
  }

  /**
   * An untrained model over given preprocessing: seeded initial weights (as fit draws them), no
   * training. Federated averaging starts every participant from it (the preprocessing agreed from
   * securely summed statistics, see core/federated).
   * @example const global = MlpLearner.initialise(schema, classes, preprocessing, { seed: 1 });
   */
  static initialise(schema: FeatureSchema, classes: readonly string[], preprocessing: MlpPreprocessing, options: MlpOptions = {}): MlpLearner {
    if (classes.length < 2) throw new MlpModelError('need at least 2 classes');
    const learner = new MlpLearner(options);
    learner.schema = schema;
    learner.classes = [...classes];
    learner.preprocessing = preprocessing;
    learner.prep = compilePreprocessing(schema, preprocessing);
    learner.layers = learner.initLayers(learner.prep.layout.inputSize, classes.length);
    return learner;
  }

  private requireFitted() {
    if (!this.layers || !this.prep || !this.schema || !this.classes || !this.preprocessing) throw new MlpModelError('the MLP is not fitted');
    return { layers: this.layers, prep: this.prep, schema: this.schema, classes: this.classes, preprocessing: this.preprocessing };
  }

  private initLayers(inputSize: number, k: number): CompiledLayer[] {
    const sizes = [inputSize, ...this.options.hiddenLayers, k];
    const layers: CompiledLayer[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const inputs = sizes[l];
      const outputs = sizes[l + 1];
      const last = l + 2 === sizes.length;
      const std = Math.sqrt((last ? 1 : 2) / Math.max(1, inputs)); // He for ReLU layers, Glorot-like for the output
      const weights = new Float64Array(inputs * outputs);
      for (let i = 0; i < weights.length; i++) weights[i] = this.rnd.normal() * std;
      layers.push({ inputs, outputs, weights, bias: new Float64Array(outputs) });
    }
    return layers;
  }

  private train(
    X: FeatureMatrix,
    y: Int32Array,
    epochs: number,
    sampleWeight: Float64Array | undefined,
    validation: FitOptions['validation'],
    onProgress: FitOptions['onProgress'],
    started: number,
  ): FitReport {
    const { layers, prep, classes } = this.requireFitted();
    const k = classes.length;
    const n = X.rows;
    if (X.cols !== prep.layout.numeric.length + prep.layout.categorical.length)
      throw new MlpModelError(`matrix has ${X.cols} columns, model expects ${prep.layout.numeric.length + prep.layout.categorical.length}`);
    if (y.length !== n) throw new MlpModelError(`y has ${y.length} labels for ${n} rows`);
    for (let i = 0; i < n; i++) if (!(y[i] >= 0 && y[i] < k)) throw new MlpModelError(`label ${y[i]} at row ${i} is outside 0..${k - 1}`);
    if (n === 0) throw new MlpModelError('cannot train on 0 rows');
    // Weights normalised to mean 1 so the step size does not depend on their scale.
    let weights: Float64Array | undefined;
    if (sampleWeight) {
      if (sampleWeight.length !== n) throw new MlpModelError(`sampleWeight has ${sampleWeight.length} entries for ${n} rows`);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const w = sampleWeight[i];
        if (!(w >= 0) || !Number.isFinite(w)) throw new MlpModelError(`sampleWeight[${i}] = ${w} is not a finite non-negative number`);
        sum += w;
      }
      if (!(sum > 0)) throw new MlpModelError('sampleWeight sums to 0');
      weights = new Float64Array(n);
      for (let i = 0; i < n; i++) weights[i] = (sampleWeight[i] * n) / sum;
    }
    const inputSize = prep.layout.inputSize;
    // Encode the training rows once (float32 halves the memory of large tables).
    const encoded = new Float32Array(n * inputSize);
    encodeRows(prep, X, 0, n, encoded);
    const batch = Math.min(this.options.batchSize, n);
    const ws = createWorkspace(layers, batch);
    this.adam ??= createAdam(layers);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;

    let best = Infinity;
    let bestEpoch = 0;
    let bestWeights: Float64Array[] | undefined;
    let sinceBest = 0;
    let epoch = 0;
    const recorder = new FitHistoryRecorder();
    for (epoch = 1; epoch <= epochs; epoch++) {
      this.rnd.shuffle(order);
      let lossSum = 0;
      for (let startRow = 0; startRow < n; startRow += batch) {
        const rows = Math.min(batch, n - startRow);
        lossSum += this.step(layers, ws, encoded, inputSize, y, weights, order, startRow, rows, k);
      }
      const trainLoss = lossSum / n;
      let validationLoss: number | undefined;
      if (validation) {
        validationLoss = crossEntropy(predictProbaCompiled(prep, layers, validation.X), validation.y, k);
        if (validationLoss < best - 1e-7) {
          best = validationLoss;
          bestEpoch = epoch;
          bestWeights = layers.flatMap((l) => [Float64Array.from(l.weights), Float64Array.from(l.bias)]);
          sinceBest = 0;
        } else {
          sinceBest++;
        }
      }
      recorder.add({ iteration: epoch, trainLoss, validationLoss });
      onProgress?.({ iteration: epoch, maxIterations: epochs, trainLoss, validationLoss });
      if (validation && sinceBest >= this.options.earlyStoppingPatience) break;
    }
    const iterations = Math.min(epoch, epochs);
    if (bestWeights) {
      layers.forEach((l, i) => {
        l.weights.set((bestWeights as Float64Array[])[2 * i]);
        l.bias.set((bestWeights as Float64Array[])[2 * i + 1]);
      });
    }
    return {
      iterations,
      bestIteration: validation ? bestEpoch : iterations,
      bestValidationLoss: validation ? best : undefined,
      trainMillis: Date.now() - started,
      history: recorder.history(),
    };
  }

  /** DP-SGD steps (PartialFitOptions.dpSgd): Poisson-sampled batches, per-row clipping, Gaussian noise on the sum. */
  private trainDpSgd(X: FeatureMatrix, y: Int32Array, dp: DpSgdOptions, started: number): FitReport {
    const { layers, prep, classes } = this.requireFitted();
    const k = classes.length;
    const n = X.rows;
    if (!(Number.isInteger(dp.steps) && dp.steps > 0)) throw new MlpModelError(`dpSgd.steps must be a positive integer, got ${dp.steps}`);
    if (!(dp.samplingRate > 0 && dp.samplingRate <= 1)) throw new MlpModelError(`dpSgd.samplingRate must be in (0, 1], got ${dp.samplingRate}`);
    if (!(dp.clip > 0 && Number.isFinite(dp.clip))) throw new MlpModelError(`dpSgd.clip must be positive, got ${dp.clip}`);
    if (!(dp.noiseMultiplier >= 0 && Number.isFinite(dp.noiseMultiplier)))
      throw new MlpModelError(`dpSgd.noiseMultiplier must be >= 0, got ${dp.noiseMultiplier}`);
    if (y.length !== n || n === 0) throw new MlpModelError(`DP-SGD needs rows and one label per row, got ${n} rows and ${y.length} labels`);
    for (let i = 0; i < n; i++) if (!(y[i] >= 0 && y[i] < k)) throw new MlpModelError(`label ${y[i]} at row ${i} is outside 0..${k - 1}`);
    const inputSize = prep.layout.inputSize;
    const encoded = new Float32Array(n * inputSize);
    encodeRows(prep, X, 0, n, encoded);
    const ws = createWorkspace(layers, Math.min(this.options.batchSize, n));
    const sumW = layers.map((l) => new Float64Array(l.weights.length));
    const sumB = layers.map((l) => new Float64Array(l.bias.length));
    this.adam ??= createAdam(layers);
    const sample = new Int32Array(n);
    const expected = dp.samplingRate * n;
    const std = dp.noiseMultiplier * dp.clip;
    const recorder = new FitHistoryRecorder();
    for (let s = 1; s <= dp.steps; s++) {
      let size = 0;
      for (let i = 0; i < n; i++) if (this.rnd.next() < dp.samplingRate) sample[size++] = i;
      sumW.forEach((g) => g.fill(0));
      sumB.forEach((g) => g.fill(0));
      let loss = 0;
      for (let at = 0; at < size; at += ws.batch)
        loss += this.clippedGradients(layers, ws, encoded, inputSize, y, sample, at, Math.min(ws.batch, size - at), k, dp.clip, sumW, sumB);
      for (let l = 0; l < layers.length; l++) {
        for (let i = 0; i < sumW[l].length; i++) sumW[l][i] = (sumW[l][i] + this.rnd.normal() * std) / expected;
        for (let i = 0; i < sumB[l].length; i++) sumB[l][i] = (sumB[l][i] + this.rnd.normal() * std) / expected;
      }
      this.adamUpdate(layers, sumW, sumB);
      recorder.add({ iteration: s, trainLoss: loss / Math.max(1, size) });
    }
    return { iterations: dp.steps, bestIteration: dp.steps, bestValidationLoss: undefined, trainMillis: Date.now() - started, history: recorder.history() };
  }

  /**
   * Adds the rows' per-row gradients, each clipped to L2 norm `clip`, to sumW/sumB. A dense layer's
   * per-row weight gradient is the outer product a ⊗ d, so its squared norm is ||a||² · ||d||² and
   * needs no per-row gradient buffers. Returns the rows' summed loss.
   */
  private clippedGradients(
    layers: CompiledLayer[],
    ws: Workspace,
    encoded: Float32Array,
    inputSize: number,
    y: Int32Array,
    sample: Int32Array,
    startRow: number,
    rows: number,
    k: number,
    clip: number,
    sumW: Float64Array[],
    sumB: Float64Array[],
  ): number {
    const { input, acts, deltas } = ws;
    for (let r = 0; r < rows; r++) {
      const src = sample[startRow + r] * inputSize;
      for (let i = 0; i < inputSize; i++) input[r * inputSize + i] = encoded[src + i];
    }
    const L = layers.length;
    const out = forwardBatch(layers, input, rows, acts);
    const dOut = deltas[L - 1];
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      const label = y[sample[startRow + r]];
      loss -= Math.log(Math.max(out[r * k + label], 1e-15));
      for (let c = 0; c < k; c++) dOut[r * k + c] = out[r * k + c] - (c === label ? 1 : 0);
    }
    // every layer's deltas first (unclipped; clipping scales a row's deltas in every layer alike)
    for (let l = L - 1; l > 0; l--) {
      const { inputs, outputs, weights: W } = layers[l];
      const a = acts[l - 1];
      const d = deltas[l];
      const dPrev = deltas[l - 1];
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < inputs; i++) {
          const p = r * inputs + i;
          if (!(a[p] > 0)) {
            dPrev[p] = 0;
            continue;
          }
          let sum = 0;
          for (let c = 0; c < outputs; c++) sum += d[r * outputs + c] * W[i * outputs + c];
          dPrev[p] = sum;
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      let norm2 = 0;
      for (let l = 0; l < L; l++) {
        const { inputs, outputs } = layers[l];
        const a = l === 0 ? input : acts[l - 1];
        let aa = 1; // the bias's input
        for (let i = 0; i < inputs; i++) aa += a[r * inputs + i] * a[r * inputs + i];
        let dd = 0;
        for (let c = 0; c < outputs; c++) dd += deltas[l][r * outputs + c] ** 2;
        norm2 += aa * dd;
      }
      const factor = Math.min(1, clip / Math.sqrt(norm2 || 1e-300));
      for (let l = 0; l < L; l++) {
        const { inputs, outputs } = layers[l];
        const a = l === 0 ? input : acts[l - 1];
        const d = deltas[l];
        for (let c = 0; c < outputs; c++) {
          d[r * outputs + c] *= factor;
          sumB[l][c] += d[r * outputs + c];
        }
        for (let i = 0; i < inputs; i++) {
          const v = a[r * inputs + i];
          if (v === 0) continue;
          for (let c = 0; c < outputs; c++) sumW[l][i * outputs + c] += v * d[r * outputs + c];
        }
      }
    }
    return loss;
  }

  /** One mini-batch: forward, backward, Adam update. Returns the batch's summed weighted loss. */
  private step(
    layers: CompiledLayer[],
    ws: Workspace,
    encoded: Float32Array,
    inputSize: number,
    y: Int32Array,
    weights: Float64Array | undefined,
    order: Int32Array,
    startRow: number,
    rows: number,
    k: number,
  ): number {
    const { input, acts, deltas, gradW, gradB } = ws;
    for (let r = 0; r < rows; r++) {
      const src = order[startRow + r] * inputSize;
      const dst = r * inputSize;
      for (let i = 0; i < inputSize; i++) input[dst + i] = encoded[src + i];
    }
    const L = layers.length;
    const out = forwardBatch(layers, input, rows, acts);
    // Output delta: (p - onehot) * w / rows
    const dOut = deltas[L - 1];
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      const row = order[startRow + r];
      const w = weights ? weights[row] : 1;
      const label = y[row];
      loss += -w * Math.log(Math.max(out[r * k + label], 1e-15));
      const scale = w / rows;
      for (let c = 0; c < k; c++) dOut[r * k + c] = (out[r * k + c] - (c === label ? 1 : 0)) * scale;
    }
    // Backward
    for (let l = L - 1; l >= 0; l--) {
      const layer = layers[l];
      const { inputs, outputs } = layer;
      const a = l === 0 ? input : acts[l - 1];
      const d = deltas[l];
      const gW = gradW[l];
      const gB = gradB[l];
      gW.fill(0);
      gB.fill(0);
      for (let r = 0; r < rows; r++) {
        const dr = r * outputs;
        for (let c = 0; c < outputs; c++) gB[c] += d[dr + c];
        const ar = r * inputs;
        for (let i = 0; i < inputs; i++) {
          const v = a[ar + i];
          if (v === 0) continue;
          const wi = i * outputs;
          for (let c = 0; c < outputs; c++) gW[wi + c] += v * d[dr + c];
        }
      }
      if (l > 0) {
        // delta of the previous layer: (d · W^T) * relu'(z); relu' from the stored activation
        const dPrev = deltas[l - 1];
        const W = layer.weights;
        for (let r = 0; r < rows; r++) {
          const dr = r * outputs;
          const pr = r * inputs;
          for (let i = 0; i < inputs; i++) {
            if (!(a[pr + i] > 0)) {
              dPrev[pr + i] = 0;
              continue;
            }
            const wi = i * outputs;
            let s = 0;
            for (let c = 0; c < outputs; c++) s += d[dr + c] * W[wi + c];
            dPrev[pr + i] = s;
          }
        }
      }
    }
    this.adamUpdate(layers, gradW, gradB);
    return loss;
  }

  private adamUpdate(layers: CompiledLayer[], gradW: Float64Array[], gradB: Float64Array[]): void {
    const adam = this.adam as AdamState;
    const { learningRate, beta1, beta2, epsilon, l2 } = this.options;
    adam.step++;
    const c1 = 1 - Math.pow(beta1, adam.step);
    const c2 = 1 - Math.pow(beta2, adam.step);
    const lr = (learningRate * Math.sqrt(c2)) / c1;
    const eps = epsilon * Math.sqrt(c2);
    const prox = this.proximal;
    if (prox && prox.mu > 0) {
      // FedProx: the proximal term's gradient mu · (w − anchor), on weights and biases
      for (let l = 0; l < layers.length; l++) {
        const aW = prox.anchor[2 * l];
        const aB = prox.anchor[2 * l + 1];
        const W = layers[l].weights;
        const B = layers[l].bias;
        for (let i = 0; i < W.length; i++) gradW[l][i] += prox.mu * (W[i] - aW[i]);
        for (let i = 0; i < B.length; i++) gradB[l][i] += prox.mu * (B[i] - aB[i]);
      }
    }
    if (this.options.optimizer === 'sgd') {
      // heavy-ball momentum: m = momentum · m + g, w -= learningRate · m (the first moments serve as velocity)
      const { momentum } = this.options;
      for (let l = 0; l < layers.length; l++) {
        const W = layers[l].weights;
        const B = layers[l].bias;
        for (let i = 0; i < W.length; i++) {
          adam.mW[l][i] = momentum * adam.mW[l][i] + gradW[l][i] + l2 * W[i];
          W[i] -= learningRate * adam.mW[l][i];
        }
        for (let i = 0; i < B.length; i++) {
          adam.mB[l][i] = momentum * adam.mB[l][i] + gradB[l][i];
          B[i] -= learningRate * adam.mB[l][i];
        }
      }
      return;
    }
    for (let l = 0; l < layers.length; l++) {
      const W = layers[l].weights;
      const gW = gradW[l];
      const mW = adam.mW[l];
      const vW = adam.vW[l];
      for (let i = 0; i < W.length; i++) {
        const g = gW[i] + l2 * W[i];
        mW[i] = beta1 * mW[i] + (1 - beta1) * g;
        vW[i] = beta2 * vW[i] + (1 - beta2) * g * g;
        W[i] -= (lr * mW[i]) / (Math.sqrt(vW[i]) + eps);
      }
      const B = layers[l].bias;
      const gB = gradB[l];
      const mB = adam.mB[l];
      const vB = adam.vB[l];
      for (let i = 0; i < B.length; i++) {
        const g = gB[i];
        mB[i] = beta1 * mB[i] + (1 - beta1) * g;
        vB[i] = beta2 * vB[i] + (1 - beta2) * g * g;
        B[i] -= (lr * mB[i]) / (Math.sqrt(vB[i]) + eps);
      }
    }
  }
}

function createWorkspace(layers: CompiledLayer[], batch: number): Workspace {
  return {
    batch,
    input: new Float64Array(batch * layers[0].inputs),
    acts: layers.map((l) => new Float64Array(batch * l.outputs)),
    deltas: layers.map((l) => new Float64Array(batch * l.outputs)),
    gradW: layers.map((l) => new Float64Array(l.weights.length)),
    gradB: layers.map((l) => new Float64Array(l.bias.length)),
  };
}

function createAdam(layers: CompiledLayer[]): AdamState {
  return {
    step: 0,
    mW: layers.map((l) => new Float64Array(l.weights.length)),
    vW: layers.map((l) => new Float64Array(l.weights.length)),
    mB: layers.map((l) => new Float64Array(l.bias.length)),
    vB: layers.map((l) => new Float64Array(l.bias.length)),
  };
}

/** Mean cross-entropy of probabilities against labels. */
function crossEntropy(p: Float64Array, y: Int32Array, k: number): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s -= Math.log(Math.max(p[i * k + y[i]], 1e-15));
  return s / Math.max(1, y.length);
}

/**
 * Fits the input standardisation on training data: per numeric feature the finite range
 * [min, max], and mean / standard deviation of the (float32-rounded) finite values.
 * A feature without finite values gets mean 0, scale 1, range [0, 0]; a constant one scale 1.
 */
export function fitPreprocessing(schema: FeatureSchema, X: FeatureMatrix): MlpPreprocessing {
  const n = schema.features.length;
  const mean = new Array<number>(n).fill(0);
  const scale = new Array<number>(n).fill(1);
  const min = new Array<number>(n).fill(0);
  const max = new Array<number>(n).fill(0);
  const cols = X.cols;
  for (let j = 0; j < n; j++) {
    if (schema.features[j].kind !== 'numeric') continue;
    let count = 0;
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < X.rows; i++) {
      const v = Math.fround(X.data[i * cols + j]);
      if (!Number.isFinite(v)) continue;
      count++;
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (count === 0) continue;
    const m = sum / count;
    let ss = 0;
    for (let i = 0; i < X.rows; i++) {
      const v = Math.fround(X.data[i * cols + j]);
      if (Number.isFinite(v)) ss += (v - m) * (v - m);
    }
    const sd = Math.sqrt(ss / count);
    mean[j] = m;
    scale[j] = sd > 1e-12 ? sd : 1;
    min[j] = lo;
    max[j] = hi;
  }
  return { mean, scale, min, max };
}
