// What GET /api/ml/online-learning/status answers for a lineage: whether its production version
// can be adapted, how many labelled samples wait (collected rows no version trained on yet), and its
// last adaptations with their figures (did it learn, did it forget, on which rows).
import type { DatasetManifest } from '../datasets';
import { findManifest } from '../datasets/synthetic/synthesize';
import type { ItemTable } from '../ports';
import type { LineageSpec } from '../registry/lineage-spec';
import type { ModelVersion } from '../registry/types';
import { listJobs, recentTriggers } from '../retraining/job-records';
import { ONLINE_ADAPTATION_KIND } from './adaptation-job';

export interface OnlineStatusDeps {
  readonly jobs: ItemTable;
  readonly manifests: ItemTable;
  readonly specOf: (model: string) => Promise<LineageSpec | undefined>;
  /** The version at the lineage's production alias. */
  readonly production: (model: string) => Promise<ModelVersion | undefined>;
  readonly version: (model: string, version: number) => Promise<ModelVersion>;
  /** Feedback records not yet joined to their inputs (core/online/feedback-samples). */
  readonly feedbackWaiting: (model: string) => Promise<number>;
}

/** One adaptation as the status shows it. */
export interface AdaptationView {
  readonly jobId: string;
  readonly state: string;
  readonly createdAt: string;
  readonly finishedAt?: string;
  readonly parentVersion: number;
  readonly rows: { readonly dataset: string; readonly fromRow: number; readonly toRow: number };
  readonly version?: number;
  readonly failureReason?: string;
  /** The candidate's figures (from its registered metrics), when it registered. */
  readonly learned?: unknown;
  readonly forgetting?: unknown;
  readonly samples?: unknown;
}

export interface OnlineStatus {
  readonly model: string;
  readonly production: number | null;
  /** Whether production's bundle has the replay rows an adaptation needs. */
  readonly adaptable: boolean;
  readonly collection: { readonly dataset: string; readonly rows: number; readonly rowsUsed: number; readonly samplesWaiting: number };
  /** Labelled predictions (feedback) not yet joined to their inputs: the next drift check or adaptation takes those it can. */
  readonly feedbackWaiting: number;
  readonly adaptations: readonly AdaptationView[];
  /** The latest AdaptationRequested triggers and what became of them (refusals say why). */
  readonly requests: readonly { readonly at: string; readonly outcome: string; readonly why: string; readonly jobId?: string }[];
}

/**
 * The online-learning status of one lineage; undefined for a model with no lineage.
 * @example const status = await onlineLearningStatus(deps, 'general');
 */
export async function onlineLearningStatus(deps: OnlineStatusDeps, model: string, limit = 10): Promise<OnlineStatus | undefined> {
  const spec = await deps.specOf(model);
  if (!spec) return undefined;
  const production = await deps.production(model);
  const collection: DatasetManifest | undefined = await findManifest({ manifests: deps.manifests }, { name: spec.collection.dataset });
  const rows = collection?.rowCount ?? 0;
  const jobs = (await listJobs(deps.jobs, model)).filter((j) => j.training?.adaptation).slice(0, limit);
  const adaptations: AdaptationView[] = [];
  for (const j of jobs) {
    const a = j.training?.adaptation as NonNullable<NonNullable<typeof j.training>['adaptation']>;
    let figures: Record<string, unknown> = {};
    if (j.registeredVersion !== undefined) {
      const v = await deps.version(model, j.registeredVersion);
      if (v.trainingKind === ONLINE_ADAPTATION_KIND) figures = (v.metrics.adaptation as Record<string, unknown> | undefined) ?? {};
    }
    adaptations.push({
      jobId: j.jobId,
      state: j.state,
      createdAt: j.createdAt,
      ...(j.finishedAt ? { finishedAt: j.finishedAt } : {}),
      parentVersion: a.parentVersion,
      rows: { dataset: j.training?.dataset ?? '', fromRow: a.fromRow, toRow: a.toRow },
      ...(j.registeredVersion !== undefined ? { version: j.registeredVersion } : {}),
      ...(j.failureReason ? { failureReason: j.failureReason } : {}),
      ...(figures.learned ? { learned: figures.learned, forgetting: figures.forgetting, samples: figures.samples } : {}),
    });
  }
  const requests = (await recentTriggers(deps.jobs, model))
    .filter((t) => t.trigger === 'AdaptationRequested')
    .slice(0, limit)
    .map((t) => ({ at: t.at, outcome: t.outcome, why: t.why, ...(t.jobId ? { jobId: t.jobId } : {}) }));
  return {
    model,
    production: production?.version ?? null,
    adaptable: Boolean(production?.artefacts.replay && production.artefacts.evaluation),
    collection: { dataset: spec.collection.dataset, rows, rowsUsed: spec.collection.rowsUsed, samplesWaiting: Math.max(0, rows - spec.collection.rowsUsed) },
    feedbackWaiting: await deps.feedbackWaiting(model),
    adaptations,
    requests,
  };
}
