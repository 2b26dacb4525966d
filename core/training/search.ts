// A budgeted hyperparameter search on the validation split (successive halving; Jamieson &
// Talwalkar 2016, the rule behind Hyperband and ASHA): every candidate is fitted on a stratified
// share of the training rows, the better ones go on to a bigger share, and the last rung's best
// by validation macro-F1 is the model the pipeline continues from. Candidates differ in learner
// parameters and in the class-weighting scheme. The search sees only the training rows (fits) and
// the validation rows (early stopping and the score): the held-out test rows never reach it.
// Rows are one resource, boosting rounds the other (Hyperband's budget is either): a rung on a
// sample of the rows may also run each fit for a share of its round cap.
// Seeded and deterministic: the same data, seed and candidates give the same trace and choice.
import type { FeatureMatrix, FeatureSchema } from '../data/table';
import { takeLabels, takeRows } from '../data/table';
import { argmaxRows, type FitReport, type Learner } from '../learners/learner';
import { SeededRandom } from '../util/random';
import { classCounts, classWeightTable, type BalancingMode } from './balancing';
import { TrainingOptionsError } from './errors';
import { isBetter, validationScore, type ValidationScore } from './hard-examples';
import type { LearnerFactory, LearnerParams } from './learner-params';

/** Early rungs score on at least this share of the validation rows. */
const MIN_VALIDATION_FRACTION = 0.3;

/** One point of the search: learner parameters and the class weighting of its fit. */
export interface SearchCandidate {
  /** A short name for the trace (e.g. 'xgboost-like'). */
  readonly name: string;
  readonly params: LearnerParams;
  /** Class weights of the fit; default: the run's balancing mode. */
  readonly weighting?: BalancingMode;
}

/** One rung of successive halving: the share of training rows its fits see and how many candidates go on. */
export interface SearchRung {
  /** Share of the training rows (stratified; rare classes kept whole up to `minClassRows`), in (0, 1]. */
  readonly rowFraction: number;
  /** At least this many rows (or all of them), whatever the share: on small data a share is too few rows to rank by. */
  readonly minRows?: number;
  /** At most this many rows (0 or absent: no cap). */
  readonly maxRows?: number;
  /** Candidates kept for the next rung (the last rung keeps 1). */
  readonly keep: number;
  /**
   * Share of each candidate's round cap (`SearchOptions.roundsParam`) its fits at this rung run,
   * in (0, 1] (default 1), when the rung fits a sample of the rows; a rung on every row runs whole
   * caps, since its fits are reused as the winner's full fit. Early stopping still applies within it.
   */
  readonly roundFraction?: number;
}

/** What the search runs: candidates (the first is the fallback on ties) and the rungs. */
export interface SearchOptions {
  /** A label for the summary, e.g. 'fast'. */
  readonly level: string;
  readonly candidates: readonly SearchCandidate[];
  readonly rungs: readonly SearchRung[];
  /** Rows of a class kept in every rung's sample, however small its share (default 30). */
  readonly minClassRows?: number;
  /**
   * A challenger displaces the default (the first candidate) at a rung only when its validation
   * macro-F1 is higher in at least this share of paired bootstrap resamples of the validation rows
   * (default 0.9): on small validation sets a rare class's few rows make macro-F1 noisy, and the
   * default should not lose to noise. 0.5 = plain best-of.
   */
  readonly confidence?: number;
  /**
   * The learner parameter that caps a candidate's boosting rounds (GBDT: 'nRounds'), which a rung's
   * `roundFraction` lowers. Without it (or for a candidate that does not set it) fits run whole caps.
   */
  readonly roundsParam?: string;
}

/** Paired bootstrap resamples of the validation rows behind `confidence`. */
const BOOTSTRAP_RESAMPLES = 200;

/** One fit of the search, for training_summary.json. */
export interface SearchTrial {
  readonly rung: number;
  readonly candidate: string;
  readonly rows: number;
  /** Validation rows it was scored on (early rungs: a stratified share). */
  readonly validationRows: number;
  readonly iterations: number;
  readonly bestIteration: number;
  readonly validation: ValidationScore;
  /** Share of bootstrap resamples in which it beat the default's macro-F1 at this rung (absent for the default itself). */
  readonly winRate?: number;
  /** The round cap this fit ran under, when a rung's roundFraction lowered the candidate's. */
  readonly roundCap?: number;
  readonly millis: number;
}

/** training_summary.json `search`: what was tried and what was chosen. */
export interface SearchReport {
  readonly level: string;
  readonly chosen: { readonly candidate: string; readonly params: LearnerParams; readonly weighting: BalancingMode };
  readonly trials: readonly SearchTrial[];
  readonly millis: number;
}

/** The data a search fits on: the (balanced) fit rows and the validation rows. */
export interface SearchData {
  readonly X: FeatureMatrix;
  readonly y: Int32Array;
  /** Multiplicity or oversampling folded in: the row weight before class weights (null = 1). */
  readonly rowWeight: Float64Array | null;
  readonly XVal: FeatureMatrix;
  readonly yVal: Int32Array;
  readonly schema: FeatureSchema;
  readonly classes: readonly string[];
}

/** The search's outcome: the chosen candidate, and its fit on every row when the last rung used every row. */
export interface SearchOutcome {
  readonly report: SearchReport;
  readonly chosen: SearchCandidate & { readonly weighting: BalancingMode };
  /** The winner's fit on all the rows (last rung at rowFraction 1 without a cap), to reuse as the first fit. */
  readonly fullFit?: { readonly learner: Learner; readonly report: FitReport; readonly score: ValidationScore };
}

/**
 * Share of paired bootstrap resamples of the rows in which predictions `a` reach a higher
 * macro-F1 than predictions `b` (over the classes present in y, as evaluate() counts them).
 */
export function bootstrapWinRate(y: Int32Array, a: Int32Array, b: Int32Array, K: number, seed: number, resamples = BOOTSTRAP_RESAMPLES): number {
  const rnd = new SeededRandom(seed);
  const n = y.length;
  const ca = new Float64Array(3 * K);
  const cb = new Float64Array(3 * K);
  let wins = 0;
  for (let s = 0; s < resamples; s++) {
    ca.fill(0);
    cb.fill(0);
    for (let k = 0; k < n; k++) {
      const i = rnd.int(n);
      const t = y[i];
      tally(ca, t, a[i]);
      tally(cb, t, b[i]);
    }
    const fa = macroF1Of(ca, K);
    const fb = macroF1Of(cb, K);
    if (fa > fb) wins++;
    else if (fa === fb) wins += 0.5;
  }
  return wins / resamples;
}

/** Counts one row into [tp, support, predicted] per class. */
function tally(counts: Float64Array, truth: number, predicted: number): void {
  counts[3 * truth + 1]++;
  counts[3 * predicted + 2]++;
  if (truth === predicted) counts[3 * truth]++;
}

function macroF1Of(counts: Float64Array, K: number): number {
  let sum = 0;
  let present = 0;
  for (let c = 0; c < K; c++) {
    const tp = counts[3 * c];
    const support = counts[3 * c + 1];
    const predicted = counts[3 * c + 2];
    if (support === 0) continue;
    present++;
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = tp / support;
    sum += precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  }
  return present > 0 ? sum / present : 0;
}

/** Checks a search's options (a typo fails before any work). */
export function checkSearchOptions(search: SearchOptions): void {
  if (search.candidates.length === 0) throw new TrainingOptionsError('search needs at least one candidate');
  if (search.rungs.length === 0) throw new TrainingOptionsError('search needs at least one rung');
  for (const [i, rung] of search.rungs.entries()) {
    if (!(rung.rowFraction > 0 && rung.rowFraction <= 1))
      throw new TrainingOptionsError(`search rung ${i}: rowFraction must be in (0, 1], got ${rung.rowFraction}`);
    if (!(Number.isInteger(rung.keep) && rung.keep >= 1)) throw new TrainingOptionsError(`search rung ${i}: keep must be an integer >= 1, got ${rung.keep}`);
    if (rung.roundFraction !== undefined && !(rung.roundFraction > 0 && rung.roundFraction <= 1))
      throw new TrainingOptionsError(`search rung ${i}: roundFraction must be in (0, 1], got ${rung.roundFraction}`);
  }
  if (search.confidence !== undefined && !(search.confidence >= 0.5 && search.confidence <= 1))
    throw new TrainingOptionsError(`search confidence must be in [0.5, 1], got ${search.confidence}`);
  const names = new Set<string>();
  for (const c of search.candidates) {
    if (names.has(c.name)) throw new TrainingOptionsError(`search candidate "${c.name}" is listed twice`);
    names.add(c.name);
  }
}

/**
 * A stratified sample of `fraction` of the rows (at most `maxRows`), every class keeping at least
 * min(its rows, minClassRows); nested across fractions for one seed (a bigger sample contains the
 * smaller one). Returns ascending row positions.
 */
export function stratifiedSample(y: Int32Array, K: number, fraction: number, maxRows: number, minClassRows: number, seed: number): Int32Array {
  const n = y.length;
  const target = Math.min(n, Math.max(1, Math.round(n * fraction)), maxRows > 0 ? maxRows : n);
  if (target >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const share = target / n;
  const byClass: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < n; i++) byClass[y[i]].push(i);
  const rnd = new SeededRandom(seed);
  const out: number[] = [];
  for (const rows of byClass) {
    if (rows.length === 0) continue;
    const order = rnd.shuffle(Int32Array.from(rows));
    const take = Math.min(rows.length, Math.max(Math.round(rows.length * share), minClassRows));
    for (let i = 0; i < take; i++) out.push(order[i]);
  }
  return Int32Array.from(out).sort();
}

/**
 * Whether a rung should fit on every row instead of its sample. `schedule` is this rung and the
 * later ones: each one's share of the rows, of the round caps (default 1) and how many candidates
 * it keeps (the pipeline fits the winner on every row afterwards, so the last rung counts as one
 * whole fit). Halving from here costs Σ candidates × share × rounds over the rungs, in full fits;
 * fitting the `alive` candidates on every row now, at their whole caps, costs `alive` (later rungs
 * reuse those fits). On small data the rungs' row floors push the shares up until halving saves
 * nothing; then one full fit per candidate is cheaper.
 * @example wholeRungPays(4, [{ share: 0.9, keep: 1 }, { share: 1, keep: 1 }]) // true: 4·0.9 + 1 ≥ 4
 */
export function wholeRungPays(alive: number, schedule: readonly { readonly share: number; readonly keep: number; readonly rounds?: number }[]): boolean {
  if (schedule.length === 0 || schedule[0].share >= 1) return false;
  let cost = 0;
  let candidates = alive;
  for (const [i, rung] of schedule.entries()) {
    cost += candidates * (i === schedule.length - 1 ? 1 : rung.share * (rung.rounds ?? 1));
    candidates = Math.max(1, Math.min(rung.keep, candidates));
  }
  return cost >= alive;
}

/** A candidate's parameters with its round cap lowered to `fraction` of it (and that cap), or as they are. */
function roundBudget(params: LearnerParams, capParam: string | undefined, fraction: number): { params: LearnerParams; cap?: number } {
  const full = capParam ? params[capParam] : undefined;
  if (fraction >= 1 || typeof full !== 'number' || !capParam) return { params };
  const cap = Math.max(1, Math.ceil(full * fraction));
  return cap >= full ? { params } : { params: { ...params, [capParam]: cap }, cap };
}

const allRows = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

/** A rung's share of n rows: its fraction, raised to its row floor and lowered to its cap. */
function rungShare(rung: SearchRung, n: number): number {
  const share = Math.min(1, Math.max(rung.rowFraction, (rung.minRows ?? 0) / n));
  return rung.maxRows ? Math.min(share, rung.maxRows / n) : share;
}

/**
 * Ranks a rung's fits (validation macro-F1, then log-loss, then candidate order) and keeps the best
 * `keep`. The default (order 0) keeps its place against challengers that beat it only within the
 * noise: a challenger ranks above it only when it wins `confidence` of the paired bootstrap
 * resamples of the validation rows (its win rate is written into its trial).
 */
function rankAndKeep<E extends { candidate: SearchCandidate; order: number; score: ValidationScore; predicted: Int32Array; trial: number }>(
  entries: readonly E[],
  yVal: Int32Array,
  K: number,
  confidence: number,
  seed: number,
  keep: number,
  trials: SearchTrial[],
): { candidate: SearchCandidate; order: number }[] {
  const scored = [...entries].sort((a, b) => (isBetter(a.score, b.score) ? -1 : isBetter(b.score, a.score) ? 1 : a.order - b.order));
  const incumbent = scored.findIndex((e) => e.order === 0);
  if (incumbent > 0) {
    const base = scored[incumbent];
    const confident: E[] = [];
    const within: E[] = [];
    for (const e of scored.slice(0, incumbent)) {
      const winRate = bootstrapWinRate(yVal, e.predicted, base.predicted, K, seed);
      trials[e.trial] = { ...trials[e.trial], winRate };
      (winRate >= confidence ? confident : within).push(e);
    }
    scored.splice(0, incumbent + 1, ...confident, base, ...within);
  }
  return scored.slice(0, Math.max(1, Math.min(keep, scored.length))).map(({ candidate, order }) => ({ candidate, order }));
}

/**
 * Runs successive halving over the candidates and returns the one with the best validation
 * macro-F1 at the last rung (ties: lower validation log-loss, then the earlier candidate); a
 * challenger ranks above the first candidate only with `confidence` (paired bootstrap).
 *
 * @example
 * const { chosen, report } = searchOnValidation(data, {
 *   level: 'fast',
 *   candidates: [{ name: 'a', params: { maxDepth: 4 } }, { name: 'b', params: { maxDepth: 8 } }],
 *   rungs: [{ rowFraction: 0.25, keep: 1 }, { rowFraction: 1, keep: 1 }],
 * }, { factory, seed: 42, balancing: 'balanced' });
 */
export function searchOnValidation(
  data: SearchData,
  search: SearchOptions,
  run: { readonly factory: LearnerFactory; readonly seed: number; readonly balancing: BalancingMode; readonly onTrial?: (trial: SearchTrial) => void },
): SearchOutcome {
  checkSearchOptions(search);
  const t0 = performance.now();
  const K = data.classes.length;
  const minClassRows = search.minClassRows ?? 30;
  const confidence = search.confidence ?? 0.9;
  const trials: SearchTrial[] = [];
  let alive = search.candidates.map((candidate, order) => ({ candidate, order }));
  let fullFit: SearchOutcome['fullFit'];
  type Scored = { candidate: SearchCandidate; order: number; score: ValidationScore; predicted: Int32Array; trial: number; fit?: SearchOutcome['fullFit'] };
  // fits on every training row, scored on every validation row: a later rung reuses them instead of fitting again
  const wholeFits = new Map<number, Scored>();
  for (const [r, rung] of search.rungs.entries()) {
    const last = r === search.rungs.length - 1;
    if (alive.length === 1 && !last) continue; // nothing left to compare before the last rung
    const share = Math.min(1, Math.max(rung.rowFraction, (rung.minRows ?? 0) / data.y.length));
    const sampled = stratifiedSample(data.y, K, share, rung.maxRows ?? 0, minClassRows, run.seed + 3);
    const schedule = search.rungs.slice(r).map((later, j) => ({
      share: j === 0 ? sampled.length / data.y.length : rungShare(later, data.y.length),
      keep: r + j === search.rungs.length - 1 ? 1 : later.keep,
      rounds: later.roundFraction ?? 1,
    }));
    const rows = wholeRungPays(alive.length, schedule) ? allRows(data.y.length) : sampled;
    const whole = rows.length === data.y.length;
    if (alive.every((a) => wholeFits.has(a.order))) {
      // every survivor was already fitted on every row: rank those fits again (no new fit, no new trial)
      const again = alive.map((a) => wholeFits.get(a.order) as Scored);
      alive = rankAndKeep(again, data.yVal, K, confidence, run.seed + 5 + r, last ? 1 : rung.keep, trials);
      if (last) fullFit = again.find((e) => e.order === alive[0].order)?.fit;
      continue;
    }
    const X = whole ? data.X : takeRows(data.X, rows);
    const y = whole ? data.y : takeLabels(data.y, rows);
    const counts = classCounts(y, K);
    // early rungs also score on a stratified share of the validation rows (rare classes whole):
    // at a small rung the per-round validation walk would cost more than the fit
    const valRows = stratifiedSample(data.yVal, K, Math.max(rows.length / data.y.length, MIN_VALIDATION_FRACTION), 0, minClassRows, run.seed + 4);
    const wholeVal = valRows.length === data.yVal.length;
    const XVal = wholeVal ? data.XVal : takeRows(data.XVal, valRows);
    const yVal = wholeVal ? data.yVal : takeLabels(data.yVal, valRows);
    const scored: Scored[] = [];
    for (const { candidate, order } of alive) {
      const t = performance.now();
      const table = classWeightTable(counts, candidate.weighting ?? run.balancing);
      const weights = Float64Array.from(y, (c, i) => table[c] * (data.rowWeight ? data.rowWeight[whole ? i : rows[i]] : 1));
      const budget = roundBudget(candidate.params, search.roundsParam, whole ? 1 : (rung.roundFraction ?? 1));
      const learner = run.factory(run.seed, budget.params);
      const report = learner.fit(X, y, { schema: data.schema, classes: data.classes, sampleWeight: weights, validation: { X: XVal, y: yVal } });
      const proba = learner.predictProba(XVal);
      const score = validationScore(yVal, proba, data.classes);
      const trial: SearchTrial = {
        rung: r,
        candidate: candidate.name,
        rows: y.length,
        validationRows: yVal.length,
        iterations: report.iterations,
        bestIteration: report.bestIteration,
        validation: score,
        ...(budget.cap !== undefined ? { roundCap: budget.cap } : {}),
        millis: performance.now() - t,
      };
      trials.push(trial);
      run.onTrial?.(trial);
      const predicted = argmaxRows(proba, K);
      const entry: Scored = { candidate, order, score, predicted, trial: trials.length - 1, ...(whole && wholeVal ? { fit: { learner, report, score } } : {}) };
      if (whole && wholeVal) wholeFits.set(order, entry);
      scored.push(entry);
    }
    alive = rankAndKeep(scored, yVal, K, confidence, run.seed + 5 + r, last ? 1 : rung.keep, trials);
    if (last) fullFit = scored.find((e) => e.order === alive[0].order)?.fit;
  }
  const winner = alive[0].candidate;
  const weighting = winner.weighting ?? run.balancing;
  return {
    chosen: { ...winner, weighting },
    report: { level: search.level, chosen: { candidate: winner.name, params: winner.params, weighting }, trials, millis: performance.now() - t0 },
    ...(fullFit ? { fullFit } : {}),
  };
}
