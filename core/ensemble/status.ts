// What GET /api/ml/ensemble/status answers for a lineage: its last ensemble jobs (members asked
// for, state, the candidate version) with the registered figures of each — members with their
// weights and figures on the gate half, the ensemble's figures, the best single member — and the
// last EnsembleRequested triggers with what became of them (refusals say why).
import type { ItemTable } from '../ports';
import type { ModelVersion } from '../registry/types';
import { listJobs, recentTriggers } from '../retraining/job-records';
import { ENSEMBLE_KIND } from './ensemble-job';

export interface EnsembleStatusDeps {
  readonly jobs: ItemTable;
  /** The lineage's registered versions; [] when it has none. */
  readonly versions: (model: string) => Promise<readonly ModelVersion[]>;
  readonly production: (model: string) => Promise<number | undefined>;
}

/** One ensemble job as the status shows it. */
export interface EnsembleJobView {
  readonly jobId: string;
  readonly state: string;
  readonly createdAt: string;
  readonly finishedAt?: string;
  readonly requested: { readonly members: readonly string[]; readonly method: string; readonly extraMembers?: number };
  readonly version?: number;
  readonly outcome?: string;
  readonly failureReason?: string;
  /** From the registered candidate: how the weights were found, members with weights and figures, the ensemble's figures, the best member. */
  readonly method?: unknown;
  readonly members?: unknown;
  readonly metrics?: { readonly macroF1: unknown; readonly accuracy: unknown; readonly logLoss: unknown };
  readonly bestMember?: unknown;
}

export interface EnsembleStatus {
  readonly model: string;
  readonly production: number | null;
  /** Ensemble versions of the lineage. */
  readonly ensembleVersions: readonly number[];
  readonly jobs: readonly EnsembleJobView[];
  readonly requests: readonly { readonly at: string; readonly outcome: string; readonly why: string; readonly jobId?: string }[];
}

/**
 * The ensemble status of one lineage; undefined for a model with no registered version.
 * @example const status = await ensembleStatus(deps, 'general');
 */
export async function ensembleStatus(deps: EnsembleStatusDeps, model: string, limit = 10): Promise<EnsembleStatus | undefined> {
  const versions = await deps.versions(model);
  if (versions.length === 0) return undefined;
  const byVersion = new Map(versions.map((v) => [v.version, v]));
  const jobs = (await listJobs(deps.jobs, model)).filter((j) => j.training?.ensemble).slice(0, limit);
  const views: EnsembleJobView[] = jobs.map((j) => {
    const e = j.training!.ensemble!;
    const v = j.registeredVersion !== undefined ? byVersion.get(j.registeredVersion) : undefined;
    const figures = v?.trainingKind === ENSEMBLE_KIND ? (v.metrics.ensemble as Record<string, unknown> | undefined) : undefined;
    return {
      jobId: j.jobId,
      state: j.state,
      createdAt: j.createdAt,
      ...(j.finishedAt ? { finishedAt: j.finishedAt } : {}),
      requested: {
        members: e.members.map((m) => `${m.model}@${m.version}`),
        method: e.method,
        ...(e.extraMembers !== undefined ? { extraMembers: e.extraMembers } : {}),
      },
      ...(j.registeredVersion !== undefined ? { version: j.registeredVersion } : {}),
      ...(j.outcome ? { outcome: j.outcome } : {}),
      ...(j.failureReason ? { failureReason: j.failureReason } : {}),
      ...(figures && v
        ? {
            method: figures.method,
            members: figures.members,
            metrics: { macroF1: v.metrics.macroF1, accuracy: v.metrics.accuracy, logLoss: v.metrics.logLoss },
            bestMember: figures.bestMember,
          }
        : {}),
    };
  });
  const requests = (await recentTriggers(deps.jobs, model))
    .filter((t) => t.trigger === 'EnsembleRequested')
    .slice(0, limit)
    .map((t) => ({ at: t.at, outcome: t.outcome, why: t.why, ...(t.jobId ? { jobId: t.jobId } : {}) }));
  return {
    model,
    production: (await deps.production(model)) ?? null,
    ensembleVersions: versions.filter((v) => v.trainingKind === ENSEMBLE_KIND).map((v) => v.version),
    jobs: views,
    requests,
  };
}
