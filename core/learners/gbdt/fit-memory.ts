// What a GBDT fit remembers between fits, so the pipeline's fits on the same matrices (first fit,
// hard-example round, their predictions) do not redo work: the raw scores a document is known to
// give on a matrix, and a matrix's bins. Both rely on documents and matrices never being modified
// once built.
import type { FeatureMatrix } from '../../data/table';
import { BinMapper } from './bin-mapper';
import type { GbdtModelDocument, GbdtPreprocessing } from './model-document';

/**
 * Raw scores a model document is known to give, per document: its training rows' and validation
 * rows' scores from the fit (at the end of the fit, or at the best round an early-stopped fit kept:
 * the same sums, in the same order, as predicting them), and the matrix it last predicted. Predicting the training
 * rows after a fit, and continuing a fit on those rows and the same validation rows (a
 * hard-example round does all three), reuse them instead of walking every tree again. Documents
 * and matrices are never modified once built, so the scores stay valid while both live.
 */
interface KnownScores {
  fit?: { readonly X: FeatureMatrix; readonly raw: Float64Array };
  validation?: { readonly X: FeatureMatrix; readonly raw: Float64Array };
  last?: { readonly X: FeatureMatrix; readonly raw: Float64Array };
}
const knownScores = new WeakMap<GbdtModelDocument, KnownScores>();

/** The raw scores `doc` gives on X, if known (do not modify them). */
export function knownRawScores(doc: GbdtModelDocument, X: FeatureMatrix): Float64Array | undefined {
  const known = knownScores.get(doc);
  if (known?.fit?.X === X) return known.fit.raw;
  if (known?.validation?.X === X) return known.validation.raw;
  if (known?.last?.X === X) return known.last.raw;
  return undefined;
}

export function remember(doc: GbdtModelDocument, which: keyof KnownScores, X: FeatureMatrix, raw: Float64Array): void {
  const known = knownScores.get(doc) ?? {};
  known[which] = { X, raw };
  knownScores.set(doc, known);
}

/**
 * The model a continued fit started from, per continued document: its trees are the first `trees`
 * of the document's. A continued model's raw scores on a matrix are its initial model's plus those
 * of the trees after them (boosting is additive), so scoring the same rows with the initial model
 * and then with the continued one (an online adaptation compares them) walks the initial trees once.
 */
const continuations = new WeakMap<GbdtModelDocument, { readonly init: GbdtModelDocument; readonly trees: number }>();

export function rememberContinuation(doc: GbdtModelDocument, init: GbdtModelDocument): void {
  continuations.set(doc, { init, trees: init.trees.length });
}

/** The initial model's raw scores on X (do not modify them) and how many leading trees they cover, if known. */
export function knownInitialScores(doc: GbdtModelDocument, X: FeatureMatrix): { readonly raw: Float64Array; readonly trees: number } | undefined {
  const from = continuations.get(doc);
  const raw = from ? knownRawScores(from.init, X) : undefined;
  return from && raw ? { raw, trees: from.trees } : undefined;
}

/**
 * The bins of a training matrix, per matrix: a fit that continues a model on the rows it was fitted
 * on (a hard-example round) reuses that fit's bins, and with them the grower's row index, instead
 * of sorting every column again. An entry is reused for the same maxBins and, for a continued fit,
 * the same preprocessing; bins fitted under given preprocessing serve only continued fits.
 */
const binnedMatrices = new WeakMap<FeatureMatrix, { readonly maxBins: number; readonly own: boolean; readonly mapper: BinMapper; readonly bins: Uint8Array }>();
/** Validation bins, per matrix, under the mapper they were made with. */
const binnedValidations = new WeakMap<FeatureMatrix, { readonly mapper: BinMapper; readonly bins: Uint8Array }>();

function samePreprocessing(a: GbdtPreprocessing, b: GbdtPreprocessing): boolean {
  const same = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  return a === b || (same(a.fill, b.fill) && same(a.min, b.min) && same(a.max, b.max));
}

/** The mapper and bins of a training matrix (fitted under `fixed` preprocessing when given), remembered per matrix. */
export function binnedMatrix(X: FeatureMatrix, maxBins: number, fixed: GbdtPreprocessing | undefined): { mapper: BinMapper; bins: Uint8Array } {
  const hit = binnedMatrices.get(X);
  if (hit && hit.maxBins === maxBins && (fixed ? samePreprocessing(hit.mapper.preprocessing, fixed) : hit.own)) return hit;
  const mapper = BinMapper.fit(X, maxBins, fixed);
  const entry = { maxBins, own: !fixed, mapper, bins: mapper.transform(X) };
  binnedMatrices.set(X, entry);
  return entry;
}

/** A validation matrix's bins under `mapper`, remembered per matrix. */
export function binnedValidation(X: FeatureMatrix, mapper: BinMapper): Uint8Array {
  const hit = binnedValidations.get(X);
  if (hit?.mapper === mapper) return hit.bins;
  const bins = mapper.transform(X);
  binnedValidations.set(X, { mapper, bins });
  return bins;
}
