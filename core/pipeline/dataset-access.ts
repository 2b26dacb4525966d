// Finding and loading dataset versions for the pipeline: manifest lookup (latest when no version is
// given) and the mapping of a job's class space onto readDataset's label schemes.
import { asManifest, manifestKey, readDataset, type DatasetManifest, type LoadedDataset } from '../datasets';
import type { LabelScheme } from '../datasets/taxonomy';
import { UnknownResourceError } from '../errors';
import type { ItemTable, ObjectStore } from '../ports';
import { PipelineInputError } from './errors';
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
