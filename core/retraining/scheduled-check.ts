// One drift check as the schedule (or an on-demand request) runs it: the drift check on the
// telemetry window, its DriftDetected / PerformanceDegraded events, and the data-volume check.
// The drift-check Lambda, the local server's timer and POST /api/ml/drift/check all call this.
import { publishDriftEvents, runDriftCheck, type DriftCheckDeps, type DriftCheckResult } from '../drift-check';
import type { EventPublisher, ItemTable } from '../ports';
import type { LineageSpec } from '../registry/lineage-spec';
import { checkDataVolume, type DataVolumeCheck } from './data-volume';

export interface ScheduledCheckDeps extends DriftCheckDeps {
  readonly events: EventPublisher;
  /** The datasets table (the lineage's collection dataset). */
  readonly datasets: ItemTable;
  readonly specOf: (model: string) => Promise<LineageSpec | undefined>;
}

export interface ScheduledCheckOptions {
  readonly model: string;
  readonly now: Date;
  readonly since?: string;
  /** Dataset drift when at least this share of features drifts. */
  readonly shareThreshold: number;
  /** Labelled samples since the last training that raise DataVolumeReached. */
  readonly dataVolumeThreshold: number;
  readonly accuracyThreshold?: number;
  /** An attack class whose recall on labelled feedback falls below this degrades performance (0 = off). */
  readonly recallFloor?: number;
}

/** Runs the check, publishes what it found, and checks the collected data volume. */
export async function runScheduledCheck(
  deps: ScheduledCheckDeps,
  options: ScheduledCheckOptions,
): Promise<{ result: DriftCheckResult; volume: DataVolumeCheck }> {
  const result = await runDriftCheck(deps, {
    model: options.model,
    now: options.now,
    ...(options.since ? { since: options.since } : {}),
    drift: { shareThreshold: options.shareThreshold },
    ...(options.accuracyThreshold !== undefined ? { accuracyThreshold: options.accuracyThreshold } : {}),
    ...(options.recallFloor !== undefined ? { recallFloor: options.recallFloor } : {}),
  });
  await publishDriftEvents(deps.events, result);
  const volume = await checkDataVolume(
    { datasets: deps.datasets, events: deps.events, specOf: deps.specOf },
    { model: options.model, threshold: options.dataVolumeThreshold, now: options.now },
  );
  return { result, volume };
}
