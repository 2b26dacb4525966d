// Scores a trained model on any dataset version with the same feature schema: features matched by
// name (reordered; missing ones named in the error), categorical values re-coded into the model's
// vocabularies (never-seen values → the unknown code -1), the dataset's labels mapped into the
// model's class space, and rows whose label the model never saw counted apart (`unseenLabels`).
import { BUNDLE_FILES, sha256Hex, type ArtefactRef, type BundleRefs } from '../artefacts/bundle';
import type { FeatureMatrix } from '../data/table';
import { readDataset, type DatasetManifest } from '../datasets';
import { hasMapping, loadTaxonomy, mapLabel, withLabelMap, type LabelScheme, type Taxonomy } from '../datasets/taxonomy';
import { evaluate, type ClassMetrics } from '../evaluation';
import { isFamilyId, modelFamily } from '../families';
import type { ModelDocument } from '../learners/learner';
import type { ItemTable, ObjectStore } from '../ports';
import { loadManifest } from './dataset-access';
import { alignFeatures } from './align-features';
import { ArtefactIntegrityError, PipelineInputError } from './errors';

export { alignFeatures } from './align-features';
import type { DatasetIdentity } from './types';

/** Dependencies of evaluateModel. `artefactsBucket` is needed only when the model is given by bundle refs. */
export interface EvaluateModelDeps {
  readonly datasetsTable: ItemTable;
  readonly datasetsBucket: ObjectStore;
  readonly artefactsBucket?: ObjectStore;
}

/** The model (its document, or the bundle whose model.json to load) and the dataset to score. */
export type EvaluateModelRequest = ({ readonly modelDocument: ModelDocument } | { readonly artefacts: Pick<BundleRefs, 'model'> }) & {
  readonly dataset: string;
  readonly datasetVersion?: number;
  /** Label scheme of the model's classes; inferred from the class names when omitted. */
  readonly labels?: 'fine' | LabelScheme;
};

/** Result of evaluateModel. */
export interface ModelEvaluation {
  /** Mean F1 over the model classes present in the evaluation data. */
  readonly macroF1: number;
  readonly accuracy: number;
  readonly perClass: Readonly<Record<string, ClassMetrics>>;
  /** confusion[t][p], classes in `classes` order. */
  readonly confusion: number[][];
  readonly classes: readonly string[];
  /** Rows scored (rows with a label the model knows). */
  readonly rows: number;
  /** Rows whose label the model never saw, by label; they are not scored. */
  readonly unseenLabels: Readonly<Record<string, number>>;
  /** Categorical values absent from the model's vocabularies (scored as unknown), by feature. */
  readonly unknownCategories: Readonly<Record<string, number>>;
  readonly labelScheme: 'fine' | LabelScheme;
  readonly dataset: DatasetIdentity;
}

/** Loads model.json of a bundle and checks its sha256. */
export async function loadModelDocument(bucket: ObjectStore, ref: ArtefactRef): Promise<ModelDocument> {
  let bytes: Uint8Array;
  try {
    bytes = await bucket.get(ref.key);
  } catch (err) {
    throw new ArtefactIntegrityError(`cannot read ${BUNDLE_FILES.model} at ${ref.key}`, { cause: err });
  }
  const actual = sha256Hex(bytes);
  if (actual !== ref.sha256) throw new ArtefactIntegrityError(`${ref.key} is corrupt (sha256 ${actual}, expected ${ref.sha256})`);
  const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as ModelDocument;
  if (!isFamilyId(doc.format)) throw new ArtefactIntegrityError(`${ref.key} has unsupported model format "${String(doc.format)}"`);
  return doc;
}

/** Class probabilities of a model document (any family) on a matrix in the model's feature order. */
export function predictProba(doc: ModelDocument, X: FeatureMatrix): Float64Array {
  if (!isFamilyId(doc.format)) throw new PipelineInputError(`unsupported model format "${doc.format}"`);
  return modelFamily(doc.format).predictProba(doc, X);
}

/** The label scheme under which the most fine labels land in the model's classes. */
export function inferLabelScheme(fineLabels: readonly string[], modelClasses: readonly string[], taxonomy: Taxonomy = loadTaxonomy()): 'fine' | LabelScheme {
  const known = new Set(modelClasses);
  let best: 'fine' | LabelScheme = 'fine';
  let bestHits = fineLabels.filter((l) => known.has(l)).length;
  for (const scheme of ['mini-xdr', 'kdd-category'] as const) {
    const hits = fineLabels.filter((l) => hasMapping(l, scheme, taxonomy) && known.has(mapLabel(l, scheme, taxonomy))).length;
    if (hits > bestHits) {
      best = scheme;
      bestHits = hits;
    }
  }
  return best;
}

/**
 * Scores a model on a dataset version (latest when no version is given).
 *
 * @example
 * const report = await evaluateModel({ datasetsTable, datasetsBucket, artefactsBucket },
 *   { artefacts: version.artefacts, dataset: 'nsl-kdd-test' });
 * report.macroF1; report.unseenLabels; // { 'apache2': 737, ... } for labels the model never saw
 */
export async function evaluateModel(deps: EvaluateModelDeps, request: EvaluateModelRequest): Promise<ModelEvaluation> {
  let doc: ModelDocument;
  if ('modelDocument' in request) {
    doc = request.modelDocument;
  } else {
    if (!deps.artefactsBucket) throw new PipelineInputError('artefactsBucket is required to load a model by its bundle refs');
    doc = await loadModelDocument(deps.artefactsBucket, request.artefacts.model);
  }
  const manifest = await loadManifest(deps.datasetsTable, request.dataset, request.datasetVersion);
  return evaluateDocumentOnManifest(doc, manifest, deps.datasetsBucket, request.labels);
}

/** evaluateModel once the manifest is known. */
export async function evaluateDocumentOnManifest(
  doc: ModelDocument,
  manifest: DatasetManifest,
  bucket: ObjectStore,
  labels?: 'fine' | LabelScheme,
): Promise<ModelEvaluation> {
  const { data, fine } = await readDataset(manifest, bucket, { labels: 'fine' });
  const taxonomy = withLabelMap(loadTaxonomy(), manifest.labelMap);
  const scheme = labels ?? inferLabelScheme(fine.classes, doc.classes, taxonomy);
  const modelIndex = new Map(doc.classes.map((c, k) => [c, k]));
  // fine label index → model class index (-1 = a label the model never saw)
  const fineToModel = fine.classes.map((l) => {
    if (scheme === 'fine') return modelIndex.get(l) ?? -1;
    return hasMapping(l, scheme, taxonomy) ? (modelIndex.get(mapLabel(l, scheme, taxonomy)) ?? -1) : -1;
  });
  const unseen = new Float64Array(fine.classes.length);
  let kept = 0;
  for (let i = 0; i < fine.y.length; i++) {
    if (fineToModel[fine.y[i]] === -1) unseen[fine.y[i]]++;
    else kept++;
  }
  const keep = new Int32Array(kept);
  const y = new Int32Array(kept);
  for (let i = 0, o = 0; i < fine.y.length; i++) {
    const k = fineToModel[fine.y[i]];
    if (k === -1) continue;
    keep[o] = i;
    y[o++] = k;
  }
  const aligned = alignFeatures(doc.schema, data.schema, data.X);
  const cols = aligned.X.cols;
  const Xk = new Float64Array(kept * cols);
  for (let o = 0; o < kept; o++) Xk.set(aligned.X.data.subarray(keep[o] * cols, (keep[o] + 1) * cols), o * cols);
  const unseenLabels: Record<string, number> = {};
  fine.classes.forEach((l, c) => {
    if (unseen[c] > 0) unseenLabels[l] = unseen[c];
  });
  const dataset: DatasetIdentity = { name: manifest.name, version: manifest.version, sha256: manifest.sourceSha256 };
  if (kept === 0) {
    throw new PipelineInputError(`no row of ${manifest.name} v${manifest.version} has a label the model knows (model classes: ${doc.classes.join(', ')})`, {
      details: { unseenLabels },
    });
  }
  const report = evaluate(y, predictProba(doc, { rows: kept, cols, data: Xk }), doc.classes);
  return {
    macroF1: report.macroF1,
    accuracy: report.accuracy,
    perClass: report.perClass,
    confusion: report.confusion,
    classes: [...doc.classes],
    rows: kept,
    unseenLabels,
    unknownCategories: aligned.unknownCategories,
    labelScheme: scheme,
    dataset,
  };
}
