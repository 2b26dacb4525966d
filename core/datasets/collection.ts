// Which datasets POST /training-data may write: collection datasets only, declared as such — by the
// platform's configuration (XDR_ML_COLLECTION_DATASETS: names, or prefixes ending in `*`) or by a
// lineage's spec (`collection.dataset`, default `<model>-collected`). Curated datasets, the ones
// retraining learns from, change only through ingest: the collector also refuses to append to any
// existing dataset it did not create, whatever its name.
import { ForbiddenError } from '../errors';

/** The configuration's default: `collected` and any name that starts with it. */
export const DEFAULT_COLLECTION_DATASETS: readonly string[] = ['collected*'];

/** True when `name` is one of `patterns` (a name, or a prefix ending in `*`). */
export function matchesCollectionPattern(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/** Where collection datasets are declared: the configured patterns and the lineages' specs. */
export interface CollectionPolicy {
  readonly patterns: readonly string[];
  /** The collection datasets the lineages' specs declare (read only when the patterns do not match). */
  lineageDatasets(): Promise<ReadonlySet<string>>;
}

/**
 * Refuses (403, naming the field) a dataset that is not declared as a collection dataset.
 * @example await assertCollectionDataset('cicids2017', policy); // throws ForbiddenError
 */
export async function assertCollectionDataset(name: string, policy: CollectionPolicy, field = 'body.dataset'): Promise<void> {
  if (matchesCollectionPattern(name, policy.patterns)) return;
  if ((await policy.lineageDatasets()).has(name)) return;
  throw new ForbiddenError(
    `dataset "${name.slice(0, 128)}" is not a collection dataset: training data goes only into datasets declared for collection (XDR_ML_COLLECTION_DATASETS: ${policy.patterns.join(', ')}, or a lineage's collection dataset); curated datasets change only through ingest`,
    { details: [{ field, message: 'not a collection dataset' }] },
  );
}
