// The data-volume trigger, per lineage: the rows collected for a lineage (its spec's collection
// dataset, fed by POST /api/ml/training-data) since a version last trained on them. The count is
// the collection's row count minus the rows the lineage records as used; it moves only when a job
// that trained on them completes (CompletionHandler → ModelRegistry.markCollectionUsed). It emits
// DataVolumeReached when the count reaches the lineage's threshold (spec.online.minSamples), or the
// configured one.
import { findManifest } from '../datasets/synthetic/synthesize';
import type { EventPublisher, ItemTable } from '../ports';
import type { LineageSpec } from '../registry/lineage-spec';
import type { DataVolumeReachedEvent } from './events';

export interface DataVolumeCheck {
  /** Rows collected for the lineage that no version trained on yet. */
  readonly collected: number;
  readonly threshold: number;
  readonly reached: boolean;
  /** The collection dataset counted (absent for an unknown lineage). */
  readonly dataset?: string;
  /** The event emitted (when reached). */
  readonly event?: DataVolumeReachedEvent;
}

/** Rows of a lineage's collection dataset that no version trained on yet. */
export async function collectedSinceTraining(manifests: ItemTable, spec: LineageSpec): Promise<number> {
  const collection = await findManifest({ manifests }, { name: spec.collection.dataset });
  return Math.max(0, (collection?.rowCount ?? 0) - spec.collection.rowsUsed);
}

/**
 * Counts the lineage's untrained collected rows and emits DataVolumeReached (detail without
 * `type`) when they reach the threshold.
 * @example await checkDataVolume({ datasets: stores.tables.datasets, events, specOf }, { model: 'general', threshold: 1000, now: new Date() });
 */
export async function checkDataVolume(
  deps: { readonly datasets: ItemTable; readonly events: EventPublisher; readonly specOf: (model: string) => Promise<LineageSpec | undefined> },
  options: { readonly model: string; readonly threshold: number; readonly now: Date },
): Promise<DataVolumeCheck> {
  const spec = await deps.specOf(options.model);
  // the lineage's own sample-count threshold, else the platform's
  const threshold = Math.max(1, Math.floor(spec?.online?.minSamples ?? options.threshold));
  if (!spec) return { collected: 0, threshold, reached: false };
  const collected = await collectedSinceTraining(deps.datasets, spec);
  if (collected < threshold) return { collected, threshold, reached: false, dataset: spec.collection.dataset };
  const event: DataVolumeReachedEvent = { type: 'DataVolumeReached', model: options.model, collected, threshold, at: options.now.toISOString() };
  const { type, ...detail } = event;
  await deps.events.publish(type, detail);
  return { collected, threshold, reached: true, dataset: spec.collection.dataset, event };
}
