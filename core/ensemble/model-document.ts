// The ensemble's model.json: the members' own documents (each with its lineage: model, version,
// family) and their weights on the simplex. Class probabilities are the weighted sum of the
// members' probabilities; a member's family predicts for it (passed in, so this module needs no
// family table).
import type { FeatureMatrix } from '../data/table';
import type { ModelDocument } from '../learners/learner';
import { checkMemberCompatibility } from './compatibility';
import { EnsembleInputError } from './errors';
import type { EnsembleMethod } from './optimize';

export const ENSEMBLE_FORMAT = 'ensemble';
export const ENSEMBLE_FORMAT_VERSION = 1;

/** One member of a stored ensemble. */
export interface EnsembleMember {
  readonly model: string;
  readonly version: number;
  /** The member's family (its document's format). */
  readonly algorithm: string;
  /** > 0; the weights of a document sum to 1. */
  readonly weight: number;
  readonly document: ModelDocument;
}

/** model.json of an ensemble version. */
export interface EnsembleModelDocument extends ModelDocument {
  readonly format: typeof ENSEMBLE_FORMAT;
  readonly formatVersion: typeof ENSEMBLE_FORMAT_VERSION;
  /** How the weights were found ('best-member': one member kept alone). */
  readonly method: 'best-member' | EnsembleMethod;
  readonly members: readonly EnsembleMember[];
}

/**
 * Checks a document read back from storage (or built by the optimiser): members present, weights
 * positive and summing to 1, every member reading the ensemble's features and classes, no nested
 * ensemble. Returns it typed.
 * @throws EnsembleInputError naming what is wrong
 */
export function checkEnsembleDocument(document: ModelDocument): EnsembleModelDocument {
  const doc = document as EnsembleModelDocument;
  if (doc.format !== ENSEMBLE_FORMAT) throw new EnsembleInputError(`expected an ensemble document, got format "${String(doc.format)}"`);
  if (doc.formatVersion !== ENSEMBLE_FORMAT_VERSION)
    throw new EnsembleInputError(`ensemble formatVersion ${String(doc.formatVersion)} is not ${ENSEMBLE_FORMAT_VERSION}`);
  if (!Array.isArray(doc.members) || doc.members.length === 0) throw new EnsembleInputError('an ensemble document needs at least one member');
  let total = 0;
  for (const m of doc.members) {
    if (!(typeof m.weight === 'number' && m.weight > 0 && m.weight <= 1))
      throw new EnsembleInputError(`member ${m.model}@${m.version} has weight ${String(m.weight)} (must be in (0, 1])`);
    if (m.document?.format === ENSEMBLE_FORMAT) throw new EnsembleInputError(`member ${m.model}@${m.version} is itself an ensemble; list its members instead`);
    total += m.weight;
  }
  if (Math.abs(total - 1) > 1e-9) throw new EnsembleInputError(`the members' weights sum to ${total}, not 1`);
  checkMemberCompatibility([
    { model: 'ensemble', version: 0, schema: doc.schema, classes: doc.classes },
    ...doc.members.map((m) => ({ model: m.model, version: m.version, schema: m.document.schema, classes: m.document.classes })),
  ]);
  return doc;
}

/**
 * Class probabilities of an ensemble: Σ_m weight_m · p_m(X), row-major rows × classes.
 * @param predictMember the member family's predictor of a stored document
 * @example predictProbaFromEnsemble(doc, X, (d, X) => modelFamily(d.format).predictProba(d, X))
 */
export function predictProbaFromEnsemble(
  doc: EnsembleModelDocument,
  X: FeatureMatrix,
  predictMember: (document: ModelDocument, X: FeatureMatrix) => Float64Array,
): Float64Array {
  const out = new Float64Array(X.rows * doc.classes.length);
  for (const m of doc.members) {
    const p = predictMember(m.document, X);
    for (let k = 0; k < out.length; k++) out[k] += m.weight * p[k];
  }
  return out;
}
