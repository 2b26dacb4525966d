// The retrain launcher: the one consumer of every retraining trigger. For each event it
//   1. claims the trigger's idempotency key (put-if-absent) — a redelivered event is a duplicate;
//   2. takes the model's lock (a conditional write with a revision): refused while another job of
//      the model runs (unless that job outlived `maxJobMs`: a stale lock is taken over) or while
//      the cooldown since the model's last launch has not passed (ManualRetrain may force past it);
//   3. records the job (state Starting), asks the backend to start it, records InProgress with the
//      backend's id — or Failed, releasing the lock, when the backend refuses.
// The claim item records the outcome, so a duplicate answers with the job its first copy started.
// A process that dies between the claim and the start leaves the claim without a job: that trigger
// is then lost (the next window, schedule or manual request starts training again).
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log';
import { ConditionFailedError, type EventPublisher, type ItemTable } from '../ports';
import type { DatasetInput, TrainingBackend, TrainingJobSpec } from './backend';
import { HYPERPARAMETER_KEYS, TRAINING_JOB_PREFIX } from './backend';
import { describeTrigger, idempotencyKey, parseRetrainEvent, TRAINING_FAILED, TRAINING_STARTED, type RetrainEvent } from './events';
import { idempotencyItemKey, putJob, readLock, releaseLock, writeLock, type TrainingJobRecord } from './job-records';

/** What to train when a trigger fires. */
export interface TrainingDefaults {
  /** Dataset name to train on (latest version unless a ManualRetrain names one). */
  readonly dataset: string;
  readonly algorithm: 'gbdt' | 'mlp';
  readonly classes: 'fine' | 'taxonomy' | 'mini-xdr' | 'kdd-category';
  readonly seed: number;
  /** Learner parameters, as strings (they travel as SageMaker hyperparameters). */
  readonly params?: Readonly<Record<string, string>>;
}

export interface LauncherConfig {
  /** Minimum time between two launches for one model. @default 6 hours */
  readonly cooldownMs?: number;
  /** A job holding the lock longer than this is considered lost and its lock is taken over. @default 26 hours */
  readonly maxJobMs?: number;
  readonly training: TrainingDefaults | ((model: string) => TrainingDefaults);
  /** Runtime auto-retrain switch (see status.ts autoRetrainEnabled); ScheduledRetrain is skipped when it answers false. */
  readonly scheduleEnabled?: (model: string) => Promise<boolean>;
}

export const LAUNCHER_DEFAULTS = { cooldownMs: 6 * 3600_000, maxJobMs: 26 * 3600_000 } as const;

export interface RetrainLauncherDeps {
  readonly jobs: ItemTable;
  readonly backend: TrainingBackend;
  /** Resolves (and stages for the container) a dataset version; see stageDatasetInput. */
  readonly resolveDataset: (name: string, version?: number) => Promise<DatasetInput>;
  /** Production version of a model (the new version's parent), when it has one. */
  readonly productionVersion?: (model: string) => Promise<number | undefined>;
  readonly audit?: AuditLog;
  readonly events?: EventPublisher;
  readonly clock?: () => Date;
  readonly newJobId?: () => string;
  readonly config: LauncherConfig;
}

export type LaunchOutcome =
  | { readonly outcome: 'started'; readonly job: TrainingJobRecord }
  | { readonly outcome: 'duplicate'; readonly idempotencyKey: string; readonly jobId?: string; readonly firstOutcome?: string }
  | { readonly outcome: 'cooldown'; readonly idempotencyKey: string; readonly nextAllowedAt: string }
  | { readonly outcome: 'running'; readonly idempotencyKey: string; readonly runningJobId: string }
  | { readonly outcome: 'disabled'; readonly idempotencyKey: string }
  | { readonly outcome: 'failed'; readonly job: TrainingJobRecord };

/**
 * Consumes retraining triggers and starts at most one job per trigger, per model, per cooldown.
 *
 * @example
 * const launcher = new RetrainLauncher({ jobs: stores.tables.jobs, backend, resolveDataset, config: { training: defaults } });
 * await launcher.handle({ type: 'ScheduledRetrain', model: 'general', scheduledAt: new Date().toISOString() });
 */
export class RetrainLauncher {
  private readonly clock: () => Date;
  private readonly newJobId: () => string;
  private readonly cooldownMs: number;
  private readonly maxJobMs: number;

  constructor(private readonly deps: RetrainLauncherDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.newJobId = deps.newJobId ?? (() => `${TRAINING_JOB_PREFIX}${randomUUID().slice(0, 18)}`);
    this.cooldownMs = deps.config.cooldownMs ?? LAUNCHER_DEFAULTS.cooldownMs;
    this.maxJobMs = deps.config.maxJobMs ?? LAUNCHER_DEFAULTS.maxJobMs;
  }

  /**
   * Handles one trigger (validated first; invalid input throws InvalidRetrainEventError).
   * Answers what happened: started, duplicate, cooldown, running, or failed (backend refused).
   */
  async handle(input: RetrainEvent | unknown): Promise<LaunchOutcome> {
    const event = parseRetrainEvent(input);
    const key = idempotencyKey(event);
    if (event.type === 'ScheduledRetrain' && this.deps.config.scheduleEnabled && !(await this.deps.config.scheduleEnabled(event.model))) {
      return { outcome: 'disabled', idempotencyKey: key };
    }
    const now = this.clock();
    const claimKey = idempotencyItemKey(key);
    try {
      await this.deps.jobs.putIfAbsent({ ...claimKey, claimedAt: now.toISOString(), trigger: event.type, forModel: event.model, outcome: 'claimed' });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const first = await this.deps.jobs.get(claimKey);
      return {
        outcome: 'duplicate',
        idempotencyKey: key,
        ...(typeof first?.startedJobId === 'string' ? { jobId: first.startedJobId } : {}),
        ...(typeof first?.outcome === 'string' ? { firstOutcome: first.outcome } : {}),
      };
    }

    const jobId = this.newJobId();
    const refusal = await this.acquire(event, jobId, now, key);
    if (refusal) {
      await this.deps.jobs.put({ ...claimKey, claimedAt: now.toISOString(), trigger: event.type, forModel: event.model, outcome: refusal.outcome });
      return refusal;
    }

    const reason = describeTrigger(event);
    const defaults = typeof this.deps.config.training === 'function' ? this.deps.config.training(event.model) : this.deps.config.training;
    let job: TrainingJobRecord = {
      jobId,
      model: event.model,
      trigger: event.type,
      reason,
      idempotencyKey: key,
      state: 'Starting',
      createdAt: now.toISOString(),
      backend: this.deps.backend.name,
    };
    await putJob(this.deps.jobs, job);
    await this.deps.jobs.put({
      ...claimKey,
      claimedAt: now.toISOString(),
      trigger: event.type,
      forModel: event.model,
      outcome: 'started',
      startedJobId: jobId,
    });
    try {
      const datasetName = event.type === 'ManualRetrain' && event.dataset ? event.dataset : defaults.dataset;
      const datasetVersion = event.type === 'ManualRetrain' ? event.datasetVersion : undefined;
      const dataset = await this.deps.resolveDataset(datasetName, datasetVersion);
      const parent = this.deps.productionVersion ? await this.deps.productionVersion(event.model) : undefined;
      const spec = buildJobSpec(jobId, event.model, dataset, defaults, parent, event.type === 'ManualRetrain' ? event.actor : `retrain:${event.type}`);
      job = { ...job, dataset: { name: dataset.name, version: dataset.version } };
      const { backendJobId } = await this.deps.backend.start(spec);
      job = { ...job, state: 'InProgress', startedAt: this.clock().toISOString(), backendJobId };
      await putJob(this.deps.jobs, job);
      await this.deps.audit?.append({
        actor: event.type === 'ManualRetrain' ? event.actor : 'retrain-launcher',
        action: 'training.start',
        subject: `model/${event.model}/job/${jobId}`,
        reason,
        parameters: { trigger: event.type, backend: this.deps.backend.name, backendJobId, idempotencyKey: key, ...spec.hyperparameters },
        dataset: { name: dataset.name, version: dataset.version },
      });
      await this.publish(TRAINING_STARTED, { jobId, model: event.model, trigger: event.type, reason, backend: this.deps.backend.name, backendJobId });
      return { outcome: 'started', job };
    } catch (error) {
      const failureReason = `could not start: ${(error as Error).message ?? String(error)}`;
      job = { ...job, state: 'Failed', finishedAt: this.clock().toISOString(), failureReason };
      await putJob(this.deps.jobs, job);
      await releaseLock(this.deps.jobs, event.model, jobId);
      await this.deps.audit?.append({
        actor: 'retrain-launcher',
        action: 'training.failed',
        subject: `model/${event.model}/job/${jobId}`,
        reason: failureReason,
      });
      await this.publish(TRAINING_FAILED, { jobId, model: event.model, trigger: event.type, failureReason });
      return { outcome: 'failed', job };
    }
  }

  /** Takes the model's lock for `jobId`, or says why not. */
  private async acquire(event: RetrainEvent, jobId: string, now: Date, key: string): Promise<LaunchOutcome | undefined> {
    const force = event.type === 'ManualRetrain' && event.force === true;
    for (let attempt = 0; attempt < 5; attempt++) {
      const lock = await readLock(this.deps.jobs, event.model);
      if (lock?.holder && lock.heldSince && now.getTime() - Date.parse(lock.heldSince) < this.maxJobMs) {
        return { outcome: 'running', idempotencyKey: key, runningJobId: lock.holder };
      }
      if (!force && lock?.lastLaunchAt) {
        const next = Date.parse(lock.lastLaunchAt) + this.cooldownMs;
        if (now.getTime() < next) return { outcome: 'cooldown', idempotencyKey: key, nextAllowedAt: new Date(next).toISOString() };
      }
      const stamp = now.toISOString();
      if (await writeLock(this.deps.jobs, event.model, { holder: jobId, heldSince: stamp, lastLaunchAt: stamp }, lock?.revision)) return undefined;
    }
    const lock = await readLock(this.deps.jobs, event.model);
    return { outcome: 'running', idempotencyKey: key, runningJobId: lock?.holder ?? '(unknown)' };
  }

  private async publish(detailType: string, detail: Record<string, unknown>): Promise<void> {
    try {
      await this.deps.events?.publish(detailType, detail);
    } catch {
      // The job record is the source of truth; a lost notification is not a failed launch.
    }
  }
}

/** The container hyperparameters (all strings) of a job. */
export function buildJobSpec(
  jobId: string,
  model: string,
  dataset: DatasetInput,
  defaults: TrainingDefaults,
  parentVersion: number | undefined,
  author: string,
): TrainingJobSpec {
  const k = HYPERPARAMETER_KEYS;
  const hyperparameters: Record<string, string> = {
    [k.model]: model,
    [k.algorithm]: defaults.algorithm,
    [k.classes]: defaults.classes,
    [k.seed]: String(defaults.seed),
    [k.dataset]: dataset.name,
    [k.datasetVersion]: String(dataset.version),
    [k.jobId]: jobId,
    [k.author]: author,
    ...(parentVersion !== undefined ? { [k.parentVersion]: String(parentVersion) } : {}),
  };
  for (const [name, value] of Object.entries(defaults.params ?? {})) hyperparameters[`${k.paramPrefix}${name}`] = value;
  return { jobId, model, dataset, hyperparameters };
}
