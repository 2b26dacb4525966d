// Finding and loading dataset versions for the pipeline: manifest lookup (latest when no version is
// given) and the mapping of a job's class space onto readDataset's label schemes.
import type { FeatureSpec, LabelledData } from '../data/table';
import { asManifest, manifestKey, readDataset, type DatasetManifest, type LoadedDataset } from '../datasets';
import type { LabelScheme } from '../datasets/taxonomy';
import { UnknownResourceError } from '../errors';
import type { ItemTable, ObjectStore } from '../ports';
import { PipelineInputError } from './errors';
import { alignFeatures } from './align-features';
import type { ClassSpace } from './types';

/**
 * The manifest of a dataset version; the latest version when `version` is omitted.
 * @throws UnknownResourceError when the dataset or the version does not exist
 * @example const manifest = await loadManifest(stores.tables.datasets, 'nsl-kdd-train');
 */
export async function loadManifest(table: ItemTable, name: string, version?: number): Promise<DatasetManifest> {
  if (version !== undefined) {
    if (!Number.isInteger(version) || version < 1) throw new PipelineInputError(`dataset version must be an integer >= 1, got ${version}`);
    const item = await table.get(manifestKey(name, version));
    if (!item) throw new UnknownResourceError(`dataset "${name}" has no version ${version}`, { details: { dataset: name, version } });
    return asManifest(item);
  }
  const [latest] = await table.query({ name }, { descending: true, limit: 1 });
  if (!latest) throw new UnknownResourceError(`unknown dataset "${name}"`, { details: { dataset: name } });
  return asManifest(latest);
}

/** readDataset's label scheme for a job's class space ('taxonomy' = the Mini-XDR classes). */
export function labelSchemeOf(classes: ClassSpace): 'fine' | LabelScheme {
  switch (classes) {
    case 'fine':
      return 'fine';
    case 'taxonomy':
    case 'mini-xdr':
      return 'mini-xdr';
    case 'kdd-category':
      return 'kdd-category';
    default:
      throw new PipelineInputError(`classes must be 'fine', 'taxonomy', 'mini-xdr' or 'kdd-category', got "${String(classes)}"`);
  }
}

/** Loads a dataset version with labels in the given class space. */
export async function loadDataset(manifest: DatasetManifest, bucket: ObjectStore, classes: ClassSpace): Promise<LoadedDataset> {
  return readDataset(manifest, bucket, { labels: labelSchemeOf(classes) });
}

/**
 * Appends the rows of `more` to `base` (a lineage's dataset plus its collected incidents): features
 * matched by name (every base feature must be present, with the same kind), categorical codes
 * re-coded into one vocabulary, classes unioned (base order first).
 * @throws FeatureMismatchError naming the features `more` lacks or has with another kind
 */
export function concatLabelled(base: LabelledData, more: LabelledData): LabelledData {
  const aligned = alignFeatures(base.schema, more.schema, more.X).X;
  const cols = base.schema.features.length;
  // categorical vocabularies: base's, extended by values only `more` has
  const features: FeatureSpec[] = [];
  const X = new Float64Array((base.X.rows + more.X.rows) * cols);
  X.set(base.X.data);
  base.schema.features.forEach((f, j) => {
    if (f.kind === 'numeric') {
      for (let i = 0; i < more.X.rows; i++) X[(base.X.rows + i) * cols + j] = aligned.data[i * cols + j];
      features.push(f);
      return;
    }
    const src = more.schema.features.find((g) => g.name === f.name);
    const vocabulary = [...f.vocabulary];
    const codes = new Map(vocabulary.map((v, c) => [v, c]));
    const srcColumn = more.schema.features.indexOf(src as FeatureSpec);
    const srcVocabulary = src && src.kind === 'categorical' ? src.vocabulary : [];
    for (let i = 0; i < more.X.rows; i++) {
      const raw = more.X.data[i * more.X.cols + srcColumn];
      if (Number.isNaN(raw) || raw < 0) {
        X[(base.X.rows + i) * cols + j] = raw;
        continue;
      }
      const value = srcVocabulary[raw];
      let code = codes.get(value);
      if (code === undefined) {
        code = vocabulary.length;
        vocabulary.push(value);
        codes.set(value, code);
      }
      X[(base.X.rows + i) * cols + j] = code;
    }
    features.push({ name: f.name, kind: 'categorical', vocabulary });
  });
  const classes = [...base.classes, ...more.classes.filter((c) => !base.classes.includes(c))];
  const y = new Int32Array(base.y.length + more.y.length);
  y.set(base.y);
  const map = more.classes.map((c) => classes.indexOf(c));
  for (let i = 0; i < more.y.length; i++) y[base.y.length + i] = map[more.y[i]];
  return { schema: { features }, X: { rows: base.X.rows + more.X.rows, cols, data: X }, y, classes };
}
