// What a lineage's next job needs, from what the platform recorded: the newest finished job of the
// lineage with a measured peak RSS, else the dataset's rows × features (and its extra datasets').
import type { ItemTable } from '../ports';
import { loadManifest } from '../pipeline/dataset-access';
import { estimateNeed, type CapacityNeed } from '../resources/capacity';
import { listJobs } from './job-records';
import type { ResolvedTraining } from './launcher';

/**
 * @example const need = await capacityNeed({ jobs, manifests }, 'general', { dataset: 'cicids2017', algorithm: 'gbdt', classes: 'taxonomy', seed: 42 });
 */
export async function capacityNeed(
  deps: { readonly jobs: ItemTable; readonly manifests: ItemTable },
  model: string,
  training: Pick<ResolvedTraining, 'dataset' | 'datasetVersion' | 'extraDatasets'>,
): Promise<CapacityNeed> {
  const measured = (await listJobs(deps.jobs, model, 20)).find((j) => j.state === 'Completed' && (j.resources?.peakRssBytes ?? 0) > 0);
  if (measured?.resources?.peakRssBytes) return estimateNeed({ lastJob: { jobId: measured.jobId, peakRssBytes: measured.resources.peakRssBytes } });
  const manifest = await loadManifest(deps.manifests, training.dataset, training.datasetVersion);
  let rows = manifest.rowCount;
  for (const extra of training.extraDatasets ?? []) rows += (await loadManifest(deps.manifests, extra.name, extra.version)).rowCount;
  return estimateNeed({ rows, features: manifest.schema.features.length });
}
