// The data-volume trigger: reads the collected-since-last-training counter that the incident
// collector maintains (core/datasets/collector.ts) and emits DataVolumeReached when it reaches the
// configured threshold.
import { collectedSinceLastTraining, DEFAULT_COLLECTED_DATASET, markTrained } from '../datasets/collector';
import type { EventPublisher, ItemTable } from '../ports';
import type { DataVolumeReachedEvent } from './events';
import type { TrainingJobRecord } from './job-records';

export interface DataVolumeCheck {
  readonly collected: number;
  readonly threshold: number;
  readonly reached: boolean;
  /** The event emitted (when reached). */
  readonly event?: DataVolumeReachedEvent;
}

/**
 * Checks the counter and emits DataVolumeReached (detail without `type`) when collected ≥ threshold.
 * @example await checkDataVolume({ datasets: stores.tables.datasets, events }, { model: 'general', threshold: 1000, now: new Date() });
 */
export async function checkDataVolume(
  deps: { readonly datasets: ItemTable; readonly events: EventPublisher },
  options: { readonly model: string; readonly threshold: number; readonly now: Date },
): Promise<DataVolumeCheck> {
  const collected = await collectedSinceLastTraining(deps.datasets);
  const threshold = Math.max(1, Math.floor(options.threshold));
  if (collected < threshold) return { collected, threshold, reached: false };
  const event: DataVolumeReachedEvent = { type: 'DataVolumeReached', model: options.model, collected, threshold, at: options.now.toISOString() };
  const { type, ...detail } = event;
  await deps.events.publish(type, detail);
  return { collected, threshold, reached: true, event };
}

/**
 * CompletionHandler `afterTraining` hook: restarts the collected-since-last-training count when the
 * finished job consumed the collected samples (it was started by DataVolumeReached, or trained on
 * the collected dataset). A scheduled retrain on another dataset leaves the count alone.
 * @example new CompletionHandler({ ..., afterTraining: resetDataVolumeAfter(stores.tables.datasets) })
 */
export function resetDataVolumeAfter(datasets: ItemTable, collectedDataset: string = DEFAULT_COLLECTED_DATASET): (job: TrainingJobRecord) => Promise<void> {
  return async (job) => {
    if (job.trigger === 'DataVolumeReached' || job.dataset?.name === collectedDataset) await markTrained(datasets);
  };
}
