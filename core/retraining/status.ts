// Retraining status for GET /api/ml/status and the runtime auto-retrain switch.
//
// Auto-retrain is a deploy-time setting (the schedule rule exists only when it is on) AND a runtime
// switch: the item `SETTINGS#auto-retrain` (all models) or `SETTINGS#auto-retrain#<model>` (one
// model, takes precedence) in the jobs table. When the switch is off, the launcher skips
// ScheduledRetrain triggers (outcome 'disabled'); event-driven triggers are unaffected.
import { nextRun, parseSchedule, type Schedule } from './schedule';
import type { ItemTable } from '../ports';
import type { ModelRegistry } from '../registry/model-registry';
import { listJobs, recentTriggers, type TrainingJobRecord, type TriggerRecord } from './job-records';

const switchKey = (model?: string) => ({ jobId: model ? `SETTINGS#auto-retrain#${model}` : 'SETTINGS#auto-retrain' });

/** The runtime auto-retrain switch (the model's, else the global one); `deployDefault` (config.autoRetrain.enabled) until someone sets it. */
export async function autoRetrainEnabled(jobs: ItemTable, deployDefault: boolean, model?: string): Promise<boolean> {
  for (const key of model ? [switchKey(model), switchKey()] : [switchKey()]) {
    const item = await jobs.get(key);
    if (typeof item?.enabled === 'boolean') return item.enabled;
  }
  return deployDefault;
}

/** Sets the runtime switch for one model, or for all when `model` is omitted (the caller audits it). */
export async function setAutoRetrain(jobs: ItemTable, enabled: boolean, actor: string, at: Date, model?: string): Promise<void> {
  await jobs.put({ ...switchKey(model), enabled, actor, at: at.toISOString() });
}

/**
 * The next run of the retraining schedule after `now`: a rate counts from the last scheduled job
 * (or from now when there was none), a cron is the next matching UTC minute. Null when auto-retrain
 * is off, the expression is invalid, or a cron never fires again.
 */
export function nextScheduledRun(schedule: string, enabled: boolean, lastScheduledAt: string | undefined, now: Date): string | null {
  if (!enabled) return null;
  let parsed: Schedule;
  try {
    parsed = parseSchedule(schedule);
  } catch {
    return null;
  }
  if (parsed.kind === 'cron') return nextRun(parsed, now)?.toISOString() ?? null;
  const every = parsed.everyMs;
  let next = lastScheduledAt ? Date.parse(lastScheduledAt) + every : now.getTime() + every;
  while (next <= now.getTime()) next += every;
  return new Date(next).toISOString();
}

export interface JobView {
  readonly jobId: string;
  readonly model: string;
  readonly state: TrainingJobRecord['state'];
  readonly trigger: TrainingJobRecord['trigger'];
  readonly reason: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** finishedAt − startedAt (or − createdAt), in seconds. */
  readonly durationSeconds: number | null;
  readonly backend: string;
  readonly backendJobId?: string;
  readonly registeredVersion?: number;
  readonly outcome?: string;
  readonly failureReason?: string;
  /** What the job trains on: resolved from the lineage's spec (plus any audited override). */
  readonly training?: TrainingJobRecord['training'];
  /** The lineage's collected rows it includes. */
  readonly collected?: TrainingJobRecord['collected'];
  /** What the finished job used (core/resources; GET /api/ml/telemetry lists them over a window). */
  readonly resources?: TrainingJobRecord['resources'];
}

export interface RetrainingStatus {
  readonly models: readonly {
    readonly model: string;
    readonly production: number | null;
    readonly challenger: number | null;
    readonly jobs: readonly JobView[];
    /** The model's recent triggers, newest first: accepted or refused, and why. */
    readonly triggers: readonly TriggerRecord[];
  }[];
  readonly autoRetrain: { readonly deployEnabled: boolean; readonly enabled: boolean; readonly schedule: string; readonly nextScheduledRun: string | null };
}

function view(j: TrainingJobRecord): JobView {
  const from = j.startedAt ?? j.createdAt;
  return {
    jobId: j.jobId,
    model: j.model,
    state: j.state,
    trigger: j.trigger,
    reason: j.reason,
    createdAt: j.createdAt,
    startedAt: j.startedAt,
    finishedAt: j.finishedAt,
    durationSeconds: j.finishedAt ? (Date.parse(j.finishedAt) - Date.parse(from)) / 1000 : null,
    backend: j.backend,
    backendJobId: j.backendJobId,
    registeredVersion: j.registeredVersion,
    outcome: j.outcome,
    failureReason: j.failureReason,
    training: j.training,
    collected: j.collected,
    resources: j.resources,
  };
}

/**
 * Jobs (newest first, with state, trigger and timings), active versions and the auto-retrain settings.
 * @example const status = await retrainingStatus({ jobs, registry }, { models: ['general'], autoRetrain: config.autoRetrain, now: new Date() });
 */
export async function retrainingStatus(
  deps: { readonly jobs: ItemTable; readonly registry: Pick<ModelRegistry, 'resolveAlias'> },
  options: {
    readonly models: readonly string[];
    readonly autoRetrain: { readonly enabled: boolean; readonly schedule: string };
    readonly now: Date;
    readonly jobsPerModel?: number;
  },
): Promise<RetrainingStatus> {
  const enabled = options.autoRetrain.enabled && (await autoRetrainEnabled(deps.jobs, true));
  let lastScheduled: string | undefined;
  const models = await Promise.all(
    options.models.map(async (model) => {
      const [jobs, production, challenger, triggers] = await Promise.all([
        listJobs(deps.jobs, model, options.jobsPerModel ?? 20),
        deps.registry.resolveAlias(model, 'production'),
        deps.registry.resolveAlias(model, 'challenger'),
        recentTriggers(deps.jobs, model),
      ]);
      const scheduled = jobs.find((j) => j.trigger === 'ScheduledRetrain');
      if (scheduled && (!lastScheduled || scheduled.createdAt > lastScheduled)) lastScheduled = scheduled.createdAt;
      return { model, production: production?.version ?? null, challenger: challenger?.version ?? null, jobs: jobs.map(view), triggers };
    }),
  );
  return {
    models,
    autoRetrain: {
      deployEnabled: options.autoRetrain.enabled,
      enabled,
      schedule: options.autoRetrain.schedule,
      nextScheduledRun: nextScheduledRun(options.autoRetrain.schedule, enabled, lastScheduled, options.now),
    },
  };
}
