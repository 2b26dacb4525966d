// The ensemble family: a weighted average of registered versions of other families, built by the
// ensemble optimiser (core/ensemble), never fitted from rows. Its document holds the members'
// documents; predicting, exporting (one ONNX graph) and explaining go through the members' families.
import type { FeatureMatrix } from '../data/table';
import { checkEnsembleDocument, ENSEMBLE_FORMAT, predictProbaFromEnsemble, type EnsembleModelDocument } from '../ensemble/model-document';
import { InvalidInputError } from '../errors';
import { exportEnsembleToOnnx } from '../onnx/export-ensemble';
import { noExplanations, shapExplanations } from './explanations';
import type { ModelFamily } from './model-family';

/** The members with exact attributions (tree members) and their summed weight. */
function attributedMembers(doc: EnsembleModelDocument, memberFamily: (format: string) => ModelFamily) {
  const members = doc.members.filter((m) => memberFamily(m.document.format).attributions !== undefined);
  return { members, weight: members.reduce((s, m) => s + m.weight, 0) };
}

/**
 * The ensemble's row of the family table, over the families its members may have.
 * @param memberFamily the family of a member's document format (throws for an unknown one)
 */
export function createEnsembleFamily(memberFamily: (format: string) => ModelFamily): ModelFamily {
  const predictMember = (document: EnsembleModelDocument['members'][number]['document'], X: FeatureMatrix): Float64Array =>
    memberFamily(document.format).predictProba(document, X);
  /** Σ_m w_m φ_m over tree members: rows × classes × (features + 1), the bias last. */
  const attributions = (document: EnsembleModelDocument, X: FeatureMatrix): Float64Array => {
    const doc = checkEnsembleDocument(document);
    const { members } = attributedMembers(doc, memberFamily);
    if (members.length === 0)
      throw new InvalidInputError(
        `this ensemble has no member with exact attributions (members: ${doc.members.map((m) => `${m.model}@${m.version} ${m.algorithm}`).join(', ')})`,
      );
    const out = new Float64Array(X.rows * doc.classes.length * (doc.schema.features.length + 1));
    for (const m of members) {
      const phi = memberFamily(m.document.format).attributions!(m.document, X);
      for (let k = 0; k < out.length; k++) out[k] += m.weight * phi[k];
    }
    return out;
  };
  const notFitted = (): never => {
    throw new InvalidInputError(
      'ensemble models are built from registered versions by the ensemble optimiser (POST /api/ml/ensemble/optimize), not trained from rows',
      {
        details: [{ field: 'algorithm', message: 'ensemble is not trainable' }],
      },
    );
  };
  return {
    id: ENSEMBLE_FORMAT,
    description: 'weighted ensemble of registered versions (Caruana selection or log-loss simplex weights on validation predictions), served as one ONNX graph',
    threaded: false,
    trainable: false,
    create: notFitted,
    load: notFitted,
    presets: (_classCount, requested) => ({ ...requested }),
    refit: () => ({}),
    adaptation: () => ({}),
    predictProba: (document, X) => predictProbaFromEnsemble(checkEnsembleDocument(document), X, predictMember),
    exportOnnx(document, settings) {
      const doc = checkEnsembleDocument(document);
      return exportEnsembleToOnnx(
        doc.schema,
        doc.classes,
        doc.members.map((m) => {
          const family = memberFamily(m.document.format);
          const addGraph = family.onnxGraph;
          if (!addGraph) throw new InvalidInputError(`member ${m.model}@${m.version} is a ${family.id} model, which cannot be an ensemble member`);
          return { weight: m.weight, label: `${m.model}@${m.version} (${m.algorithm})`, addGraph: (g, inputs) => addGraph(g, inputs, m.document, settings) };
        }),
      );
    },
    explanations(document, heldOut, options) {
      const doc = checkEnsembleDocument(document);
      const features = doc.schema.features.map((f) => f.name);
      const { members, weight } = attributedMembers(doc, memberFamily);
      if (members.length === 0) return noExplanations(doc.classes, features, 'no member of this ensemble has TreeSHAP attributions');
      const gain = new Float64Array(features.length);
      const bias = new Float64Array(doc.classes.length);
      for (const m of members) {
        const d = m.document as { featureGain?: readonly number[]; baseScore?: readonly number[] };
        d.featureGain?.forEach((g, j) => (gain[j] += m.weight * g));
        d.baseScore?.forEach((b, c) => (bias[c] += m.weight * b));
      }
      const data = shapExplanations({ features, classes: doc.classes, gain, bias, attribute: (X) => attributions(doc, X) }, heldOut, options);
      return weight < 1 - 1e-9
        ? {
            ...data,
            note: `attributions of the tree members only (weight ${weight.toFixed(4)} of 1): they sum to the weighted sum of those members' raw scores`,
          }
        : { ...data, note: "attributions sum exactly to the weighted sum of the members' raw scores (margins)" };
    },
    attributions: (document, X) => attributions(checkEnsembleDocument(document), X),
    describe(document) {
      const doc = checkEnsembleDocument(document);
      return {
        members: doc.members.length,
        families: [...new Set(doc.members.map((m) => m.algorithm))].join('+'),
        method: doc.method,
        classes: doc.classes.length,
        features: doc.schema.features.length,
      };
    },
  };
}
