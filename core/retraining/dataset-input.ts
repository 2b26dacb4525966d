// Stages a dataset version for a training container: the container cannot read DynamoDB, so the
// manifest item is copied (once; the key is per version and manifests never change) to
// `manifests/<name>/v<version>.json` in the datasets bucket (a tenant's: `manifests/tenants/<t>/…`,
// readable by its participant role only), next to the chunks under chunkPrefix(name)
// (`datasets/<name>/`, a tenant's `tenants/<t>/datasets/<dataset>/`). SageMaker's two input
// channels are those two S3 prefixes.
import { chunkPrefix } from '../datasets/manifest';
import { loadManifest } from '../pipeline/dataset-access';
import type { ItemTable, ObjectStore } from '../ports';
import type { DatasetInput } from './backend';

/** Key prefix of staged manifests; a dataset's below `<prefix><name>/` (IAM scopes a tenant's by it). */
export const STAGED_MANIFEST_PREFIX = 'manifests/';

/** Key of a staged manifest. */
export function stagedManifestKey(name: string, version: number): string {
  return `${STAGED_MANIFEST_PREFIX}${name}/v${version}.json`;
}

/**
 * Resolves a dataset version (latest when omitted) and stages its manifest in the datasets bucket.
 * @example const input = await stageDatasetInput(stores.tables.datasets, stores.buckets.datasets, 'nsl-kdd-train');
 */
export async function stageDatasetInput(manifests: ItemTable, bucket: ObjectStore, name: string, version?: number): Promise<DatasetInput> {
  const manifest = await loadManifest(manifests, name, version);
  const manifestKey = stagedManifestKey(manifest.name, manifest.version);
  if (!(await bucket.exists(manifestKey))) await bucket.put(manifestKey, JSON.stringify(manifest), { contentType: 'application/json' });
  return { name: manifest.name, version: manifest.version, chunkPrefix: chunkPrefix(manifest.name), manifestKey };
}
