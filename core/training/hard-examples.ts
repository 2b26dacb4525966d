// Hard-example mining: after a fit, training rows the model gets wrong or is unsure about (true-class
// probability below a threshold) are up-weighted (or replayed as extra copies) and the learner is
// refitted. Each round is scored on the validation split, and the best model by validation macro-F1
// is kept — mining is only an offer, never forced on the result.
import { evaluate } from '../evaluation/metrics';
import { TrainingOptionsError } from './errors';

export interface HardExampleOptions {
  /** Default true. */
  readonly enabled?: boolean;
  /** Extra fit rounds after the first fit. Default 1. */
  readonly rounds?: number;
  /** A row is hard when its true-class probability is below this (or it is misclassified). Default 0.7. */
  readonly probabilityThreshold?: number;
  /** Multiplier applied to a hard row's weight (or its copy count) each round it is mined. Default 2. */
  readonly factor?: number;
  /** 'upweight' multiplies sample weights; 'replay' repeats the rows (copy count × factor, rounded). Default 'upweight'. */
  readonly strategy?: 'upweight' | 'replay';
}

export const DEFAULT_HARD_EXAMPLES: Required<HardExampleOptions> = {
  enabled: true,
  rounds: 1,
  probabilityThreshold: 0.7,
  factor: 2,
  strategy: 'upweight',
};

/** Validation scores of one fitted model. */
export interface ValidationScore {
  readonly macroF1: number;
  readonly logLoss: number;
}

export interface HardExampleRound {
  /** 1-based mining round. */
  readonly round: number;
  /** Hard rows found (with the previous round's model) per class label. */
  readonly minedPerClass: Readonly<Record<string, number>>;
  readonly mined: number;
  /** Of the mined rows, how many were misclassified (the rest were right but unsure). */
  readonly misclassified: number;
  /** Validation scores of the model refitted after this round's mining. */
  readonly validation: ValidationScore;
  readonly fitIterations: number;
}

/** What mining did, for training_summary.json. */
export interface HardExampleReport {
  readonly enabled: boolean;
  readonly strategy: 'upweight' | 'replay';
  readonly probabilityThreshold: number;
  readonly factor: number;
  /** Validation scores of the first fit (before any mining). */
  readonly before: ValidationScore;
  readonly rounds: readonly HardExampleRound[];
  /** 0 = the first fit was kept, r = the model of round r was kept. */
  readonly keptRound: number;
  /** Validation scores of the kept model. */
  readonly after: ValidationScore;
  /** Human-readable reason, e.g. "round 1: validation macro-F1 0.912 > 0.887". */
  readonly kept: string;
  /** Set when mining ended before the configured rounds, e.g. "round 1 found no hard training rows". */
  readonly stoppedEarly?: string;
}

/** Hard rows of one prediction pass. */
export interface MinedRows {
  /** 1 where the row is hard */
  readonly mask: Uint8Array;
  readonly perClass: Int32Array;
  readonly total: number;
  readonly misclassified: number;
}

/** Validates and fills defaults of hard-example options. */
export function resolveHardExampleOptions(options: HardExampleOptions | false | undefined): Required<HardExampleOptions> {
  if (options === false) return { ...DEFAULT_HARD_EXAMPLES, enabled: false };
  const known = new Set(Object.keys(DEFAULT_HARD_EXAMPLES));
  for (const key of Object.keys(options ?? {})) {
    if (!known.has(key)) throw new TrainingOptionsError(`unknown hardExampleMining option "${key}"`);
  }
  const r = { ...DEFAULT_HARD_EXAMPLES, ...options };
  if (!Number.isInteger(r.rounds) || r.rounds < 0) throw new TrainingOptionsError(`hardExampleMining.rounds must be an integer >= 0, got ${r.rounds}`);
  if (!(r.probabilityThreshold > 0 && r.probabilityThreshold <= 1)) {
    throw new TrainingOptionsError(`hardExampleMining.probabilityThreshold must be in (0, 1], got ${r.probabilityThreshold}`);
  }
  if (!(r.factor > 1)) throw new TrainingOptionsError(`hardExampleMining.factor must be > 1, got ${r.factor}`);
  if (r.strategy !== 'upweight' && r.strategy !== 'replay')
    throw new TrainingOptionsError(`hardExampleMining.strategy must be 'upweight' or 'replay', got ${String(r.strategy)}`);
  return r;
}

/**
 * Finds hard rows: true-class probability < probabilityThreshold, or argmax ≠ true class.
 *
 * @example
 * const mined = mineHardExamples(yTrain, learner.predictProba(XTrain), K, 0.7);
 */
export function mineHardExamples(y: Int32Array, proba: Float64Array, K: number, probabilityThreshold: number): MinedRows {
  const n = y.length;
  if (proba.length !== n * K) throw new TrainingOptionsError(`proba length ${proba.length} != rows ${n} * classes ${K}`);
  const mask = new Uint8Array(n);
  const perClass = new Int32Array(K);
  let total = 0;
  let misclassified = 0;
  for (let i = 0; i < n; i++) {
    const t = y[i];
    const pt = proba[i * K + t];
    let wrong = false;
    for (let c = 0; c < K; c++) {
      if (c !== t && proba[i * K + c] > pt) {
        wrong = true;
        break;
      }
    }
    if (wrong || pt < probabilityThreshold) {
      mask[i] = 1;
      perClass[t]++;
      total++;
      if (wrong) misclassified++;
    }
  }
  return { mask, perClass, total, misclassified };
}

/** Validation macro-F1 (argmax, over present classes) and log-loss of probabilities. */
export function validationScore(y: Int32Array, proba: Float64Array, classes: readonly string[]): ValidationScore {
  const r = evaluate(y, proba, classes);
  return { macroF1: r.macroF1, logLoss: r.logLoss };
}

/** True when `candidate` beats `incumbent`: higher macro-F1; on an exact tie, lower log-loss. */
export function isBetter(candidate: ValidationScore, incumbent: ValidationScore): boolean {
  if (candidate.macroF1 !== incumbent.macroF1) return candidate.macroF1 > incumbent.macroF1;
  return candidate.logLoss < incumbent.logLoss;
}
