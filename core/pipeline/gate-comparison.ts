// The promotion gate's like-with-like comparison: the candidate and the version it would replace,
// both scored (from their stored model documents, any family) on the candidate's evaluation set —
// held-out rows the candidate never trained on. Rows are matched to each model by feature name and
// by class label; a model that cannot read the rows (features missing) gets no scores, and the gate
// then has nothing to compare and refuses.
import { sha256Hex, type ArtefactRef } from '../artefacts/bundle';
import { evaluate } from '../evaluation';
import type { ModelDocument } from '../learners/learner';
import type { ObjectStore } from '../ports';
import type { GateComparer, GateComparison, ModelVersion, RowScores, SameRowsComparison } from '../registry';
import type { SideBySide } from '../online/adaptation';
import { ArtefactIntegrityError, FeatureMismatchError } from './errors';
import { alignFeatures, loadModelDocument, predictProba } from './evaluate-model';
import { decodeEvaluationSet, type EvaluationSet } from './evaluation-set';

async function loadEvaluationSet(bucket: ObjectStore, ref: ArtefactRef): Promise<EvaluationSet> {
  let bytes: Uint8Array;
  try {
    bytes = await bucket.get(ref.key);
  } catch (error) {
    throw new ArtefactIntegrityError(`cannot read the evaluation set ${ref.key}`, { cause: error });
  }
  const actual = sha256Hex(bytes);
  if (actual !== ref.sha256) throw new ArtefactIntegrityError(`${ref.key} is corrupt (sha256 ${actual}, expected ${ref.sha256})`);
  return decodeEvaluationSet(bytes);
}

/** Per-class recall and support of a model on the rows of an evaluation set; undefined when it cannot read them. */
export function scoreOnEvaluationSet(doc: ModelDocument, set: EvaluationSet): RowScores | undefined {
  let aligned: ReturnType<typeof alignFeatures>;
  try {
    aligned = alignFeatures(doc.schema, set.schema, set.X);
  } catch (error) {
    if (error instanceof FeatureMismatchError) return undefined;
    throw error;
  }
  const index = new Map(doc.classes.map((c, k) => [c, k]));
  const keep: number[] = [];
  for (let i = 0; i < set.labels.length; i++) if (index.has(set.labels[i])) keep.push(i);
  if (keep.length === 0) return undefined;
  const cols = aligned.X.cols;
  const X = new Float64Array(keep.length * cols);
  keep.forEach((row, o) => X.set(aligned.X.data.subarray(row * cols, (row + 1) * cols), o * cols));
  const y = Int32Array.from(keep, (row) => index.get(set.labels[row]) as number);
  const report = evaluate(y, predictProba(doc, { rows: keep.length, cols, data: X }), doc.classes);
  return {
    macroF1: report.macroF1,
    perClass: Object.fromEntries(Object.entries(report.perClass).map(([label, m]) => [label, { recall: m.recall, support: m.support }])),
  };
}

/**
 * A tenant variant holds no evaluation rows in the shared bucket (they are the tenant's, and stay
 * under its prefix); its adaptation scored its parent and itself on the tenant's held-out rows, in
 * the tenant's context (metrics.adaptation.forgetting). That is the same-rows comparison against
 * its parent, and only against its parent.
 */
function tenantVariantComparison(candidate: ModelVersion, current: ModelVersion): SameRowsComparison | undefined {
  if (candidate.tenant === undefined || candidate.parentVersion !== current.version) return undefined;
  const forgetting = (candidate.metrics.adaptation as { forgetting?: SideBySide } | undefined)?.forgetting;
  if (!forgetting || !(forgetting.rows > 0)) return undefined;
  const side = (which: 'parent' | 'adapted') => ({
    macroF1: forgetting[which].macroF1,
    perClass: Object.fromEntries(Object.entries(forgetting.perClassRecall).map(([label, r]) => [label, { recall: r[which], support: r.support }])),
  });
  return {
    rows: forgetting.rows,
    rowsDescription: `tenant ${candidate.tenant}'s ${forgetting.rows.toLocaleString('en-US')} held-out rows, scored in its own context when v${candidate.version} was adapted`,
    candidate: side('adapted'),
    current: side('parent'),
  };
}

const features = (doc: ModelDocument) => doc.schema.features.map((f) => ({ name: f.name, kind: f.kind }));

/**
 * The registry's GateComparer over the artefacts bucket.
 * @example new ModelRegistry({ table, audit, events, compare: gateComparer(stores.buckets.artefacts) })
 */
export function gateComparer(artefacts: ObjectStore): GateComparer {
  return async (candidate, current): Promise<GateComparison> => {
    const [candidateDoc, currentDoc] = await Promise.all([
      loadModelDocument(artefacts, candidate.artefacts.model),
      loadModelDocument(artefacts, current.artefacts.model),
    ]);
    const out: GateComparison = { candidateFeatures: features(candidateDoc), currentFeatures: features(currentDoc) };
    const ref = candidate.artefacts.evaluation;
    if (!ref) {
      const tenantRows = tenantVariantComparison(candidate, current);
      return tenantRows ? { ...out, comparison: tenantRows } : out;
    }
    const set = await loadEvaluationSet(artefacts, ref);
    const c = scoreOnEvaluationSet(candidateDoc, set);
    const p = scoreOnEvaluationSet(currentDoc, set);
    if (!c || !p) return out;
    const rows = set.X.rows.toLocaleString('en-US');
    return {
      ...out,
      comparison: {
        rows: set.X.rows,
        rowsDescription: `v${candidate.version}'s evaluation set (${rows} held-out rows of ${candidate.dataset.name} v${candidate.dataset.version})`,
        candidate: c,
        current: p,
      },
    };
  };
}
