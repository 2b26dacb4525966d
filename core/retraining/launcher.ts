// The retrain launcher: the one consumer of every retraining trigger. For each trigger it
//   1. claims the trigger's idempotency key (put-if-absent). A copy of a trigger whose job is queued,
//      running or done is a duplicate; a trigger whose earlier attempt was refused or whose job
//      failed (or was lost) may run again — a retried request is never stuck behind a dead job;
//   2. resolves WHAT to train from the lineage's training spec (dataset and version policy, class
//      space, family, parameters, seed; DataVolumeReached adds the rows collected for the lineage).
//      An unknown lineage is refused (404): lineages are created only by an explicit train. A
//      request's dataset override is checked against the lineage's feature schema and audited;
//   3. takes the model's lock (a conditional write with a revision): refused while another job of
//      the model is queued or running (a lock whose job is finished or gone is taken over), or while
//      the cooldown since the model's last launch has not passed (ManualRetrain may force past it,
//      audited);
//   4. records the job (Queued) — this is where `POST /retrain` answers 202 with the job id — and
//      starts it on the backend (Starting → InProgress with a lease; Failed, lock released, when the
//      backend refuses). Locally and on AWS the start runs in the launcher function
//      (TrainingJobQueued), so the HTTP API needs no training permissions.
// Every trigger, accepted or refused, is recorded with why (recentTriggers), for GET /status.
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log';
import type { CapacityNeed, CapacityVerdict } from '../resources/capacity';
import { ConflictError, UnknownResourceError } from '../errors';
import { ConditionFailedError, type EventPublisher, type ItemTable } from '../ports';
import type { DatasetInput, ParentInput, TrainingBackend, TrainingJobSpec } from './backend';
import { HYPERPARAMETER_KEYS, TRAINING_JOB_PREFIX } from './backend';
import type { TuneLevel } from '../training/learner-params';
import { parseTenantDatasetName } from '../names';
import {
  describeTrigger,
  idempotencyKey,
  isPersonRequest,
  parseRetrainEvent,
  TRAINING_CAPACITY_INSUFFICIENT,
  TRAINING_FAILED,
  TRAINING_JOB_QUEUED,
  TRAINING_STARTED,
  type RetrainEvent,
  type RetrainTrigger,
} from './events';
import { getJob, idempotencyItemKey, putJob, readLock, recordTrigger, releaseLock, writeLock, type TrainingJobRecord } from './job-records';

/** What to train when a trigger fires and nothing else says (tests, a lineage without a spec). */
export interface TrainingDefaults {
  /** Dataset name to train on (latest version unless a ManualRetrain names one). */
  readonly dataset: string;
  readonly algorithm: string;
  readonly classes: 'fine' | 'taxonomy' | 'mini-xdr' | 'kdd-category';
  readonly seed: number;
  /** Learner parameters, as strings (they travel as SageMaker hyperparameters). */
  readonly params?: Readonly<Record<string, string>>;
  /** The validation search (hyperparameter `tune`); absent: the pipeline's default. */
  readonly tune?: TuneLevel;
}

/** What one job trains, resolved for its trigger (see platform/lineage-training.ts). */
export interface ResolvedTraining extends TrainingDefaults {
  /** The dataset version (latest when absent). */
  readonly datasetVersion?: number;
  /** Datasets trained on together with the main one (the lineage's collected incidents). */
  readonly extraDatasets?: readonly { readonly name: string; readonly version: number }[];
  /** The collected rows the job consumes: recorded on the lineage when the job completes. */
  readonly collected?: { readonly dataset: string; readonly version: number; readonly rows: number };
  /** What the trigger overrode of the lineage's spec, for the audit record. */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** An online adaptation instead of a fresh training: the version it continues, on rows [fromRow, toRow) of the dataset. */
  readonly adaptation?: AdaptationTarget;
  /** An ensemble of registered versions instead of a fresh training (core/ensemble). */
  readonly ensemble?: EnsembleTarget;
}

/** What an ensemble job combines, and how it finds the weights. */
export interface EnsembleTarget {
  readonly members: readonly { readonly model: string; readonly version: number }[];
  readonly method: 'selection' | 'weights' | 'auto';
  /** Extra members the job trains on the first member's dataset version and split (core/ensemble/extra-members.ts). */
  readonly extraMembers?: number;
}

/** What an adaptation job continues, and on which rows. */
export interface AdaptationTarget {
  readonly parentVersion: number;
  readonly fromRow: number;
  readonly toRow: number;
  /** A tenant variant: the job runs in this tenant's context on its own dataset (core/online, docs/federated.md). */
  readonly tenant?: string;
}

/** A trigger the launcher will not turn into a job, and why (the HTTP status a caller gets). */
export class TrainingRefusedError extends ConflictError {
  override readonly name: string = 'TrainingRefusedError';
  constructor(
    message: string,
    readonly code:
      | 'unknown-model'
      | 'unknown-dataset'
      | 'schema-mismatch'
      | 'invalid-spec'
      | 'no-parent'
      | 'not-adaptable'
      | 'too-few-samples'
      | 'insufficient-capacity'
      | 'unknown-member'
      | 'member-mismatch'
      | 'too-few-members',
    readonly status: 404 | 409,
  ) {
    super(message, { details: { code } });
  }
}

export interface LauncherConfig {
  /** Minimum time between two launches for one model. @default 6 hours */
  readonly cooldownMs?: number;
  /** A job holding the lock longer than this is considered lost and its lock is taken over. @default 26 hours */
  readonly maxJobMs?: number;
  /** What to train: the lineage's spec resolved for the trigger (throws TrainingRefusedError), else `training`. */
  readonly resolve?: (model: string, event: RetrainEvent) => Promise<ResolvedTraining>;
  readonly training?: TrainingDefaults | ((model: string) => TrainingDefaults);
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
  /** Stages an adaptation's parent version for the container (see parent-input.ts). */
  readonly stageParent?: (model: string, version: number, options?: { readonly tenantVariant?: boolean }) => Promise<ParentInput>;
  /** Stages an ensemble job's members for the container (see parent-input.ts stageEnsembleMembers). */
  readonly stageMembers?: (jobId: string, members: EnsembleTarget['members']) => Promise<ParentInput>;
  readonly audit?: AuditLog;
  readonly events?: EventPublisher;
  readonly clock?: () => Date;
  readonly newJobId?: () => string;
  /** Fault injection for crash tests: called at named points. */
  readonly fault?: (point: string) => void;
  /**
   * What a job of the model needs (its lineage's last measured peak RSS, or an estimate from the
   * dataset's size); with the backend's checkCapacity, a launch that would not fit is refused.
   */
  readonly capacityNeed?: (model: string, training: ResolvedTraining) => Promise<CapacityNeed>;
  readonly config: LauncherConfig;
}

export type LaunchOutcome =
  | { readonly outcome: 'started'; readonly job: TrainingJobRecord }
  | { readonly outcome: 'queued'; readonly job: TrainingJobRecord }
  | { readonly outcome: 'duplicate'; readonly idempotencyKey: string; readonly jobId?: string; readonly firstOutcome?: string }
  | { readonly outcome: 'cooldown'; readonly idempotencyKey: string; readonly nextAllowedAt: string }
  | { readonly outcome: 'running'; readonly idempotencyKey: string; readonly runningJobId: string }
  | { readonly outcome: 'disabled'; readonly idempotencyKey: string }
  | {
      readonly outcome: 'refused';
      readonly idempotencyKey: string;
      readonly code: TrainingRefusedError['code'];
      readonly status: 404 | 409;
      readonly reason: string;
    }
  | { readonly outcome: 'failed'; readonly job: TrainingJobRecord };

/** States of a job that still holds its model's lock. */
const ACTIVE_STATES = new Set(['Queued', 'Starting', 'InProgress']);

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
  private readonly fault: (point: string) => void;

  constructor(private readonly deps: RetrainLauncherDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.newJobId = deps.newJobId ?? (() => `${TRAINING_JOB_PREFIX}${randomUUID().slice(0, 18)}`);
    this.cooldownMs = deps.config.cooldownMs ?? LAUNCHER_DEFAULTS.cooldownMs;
    this.maxJobMs = deps.config.maxJobMs ?? LAUNCHER_DEFAULTS.maxJobMs;
    this.fault = deps.fault ?? (() => undefined);
  }

  /**
   * Handles one trigger end to end (validated first; invalid input throws InvalidRetrainEventError):
   * queues the job, then starts it. Answers what happened.
   */
  async handle(input: RetrainEvent | unknown): Promise<LaunchOutcome> {
    const queued = await this.enqueue(input);
    return queued.outcome === 'queued' ? this.start(queued.job.jobId) : queued;
  }

  /**
   * The first half of a trigger: claim, resolve what to train, take the lock, record the job
   * Queued. Answers 'queued' with the job, or why not (duplicate, cooldown, running, disabled, refused).
   */
  async enqueue(input: RetrainEvent | unknown): Promise<LaunchOutcome> {
    const event = parseRetrainEvent(input);
    const key = idempotencyKey(event);
    const outcome = await this.enqueueEvent(event, key);
    await this.note(event, key, outcome);
    return outcome;
  }

  private async enqueueEvent(event: RetrainEvent, key: string): Promise<LaunchOutcome> {
    if (event.type === 'ScheduledRetrain' && this.deps.config.scheduleEnabled && !(await this.deps.config.scheduleEnabled(event.model))) {
      return { outcome: 'disabled', idempotencyKey: key };
    }
    const now = this.clock();
    const claim = await this.claim(event, key, now);
    if (claim.duplicate) return claim.duplicate;

    let training: ResolvedTraining;
    try {
      training = await this.resolveTraining(event);
    } catch (error) {
      if (!(error instanceof TrainingRefusedError)) throw error;
      await this.settleClaim(key, event, now, { outcome: 'refused', reason: error.message }, claim.revision);
      return { outcome: 'refused', idempotencyKey: key, code: error.code, status: error.status, reason: error.message };
    }

    // capacity before anything starts: a job that would not fit is refused now, never started to fail later
    const need = this.deps.capacityNeed ? await this.deps.capacityNeed(event.model, training) : undefined;
    const verdict = need && this.deps.backend.checkCapacity ? await this.deps.backend.checkCapacity(need) : undefined;
    if (verdict && !verdict.fits) {
      const reason = `the ${this.deps.backend.name} backend cannot run this job: ${verdict.reason}`;
      await this.settleClaim(key, event, now, { outcome: 'refused', reason }, claim.revision);
      await this.publish(TRAINING_CAPACITY_INSUFFICIENT, {
        model: event.model,
        trigger: event.type,
        backend: this.deps.backend.name,
        reason,
        need: verdict.need,
      });
      await this.deps.audit?.append({
        actor: 'retrain-launcher',
        action: 'training.capacity-refused',
        subject: `model/${event.model}`,
        reason,
        parameters: { trigger: event.type, backend: this.deps.backend.name, needBytes: verdict.need.memoryBytes, basis: verdict.need.basis },
      });
      return { outcome: 'refused', idempotencyKey: key, code: 'insufficient-capacity', status: 409, reason };
    }

    const jobId = this.newJobId();
    const refusal = await this.acquire(event, jobId, now, key);
    if (refusal) {
      await this.settleClaim(key, event, now, { outcome: refusal.outcome }, claim.revision);
      return refusal;
    }
    const reason = describeTrigger(event);
    const job: TrainingJobRecord = {
      jobId,
      model: event.model,
      trigger: event.type,
      reason,
      idempotencyKey: key,
      state: 'Queued',
      createdAt: now.toISOString(),
      backend: this.deps.backend.name,
      actor: isPersonRequest(event) ? event.actor : `retrain:${event.type}`,
      forced: isPersonRequest(event) && event.force === true ? true : undefined,
      training: {
        dataset: training.dataset,
        ...(training.datasetVersion !== undefined ? { datasetVersion: training.datasetVersion } : {}),
        algorithm: training.algorithm,
        classes: training.classes,
        seed: training.seed,
        params: training.params ?? {},
        ...(training.tune ? { tune: training.tune } : {}),
        ...(training.extraDatasets?.length ? { extraDatasets: training.extraDatasets } : {}),
        ...(training.overrides ? { overrides: training.overrides } : {}),
        ...(training.adaptation ? { adaptation: training.adaptation } : {}),
        ...(training.ensemble ? { ensemble: training.ensemble } : {}),
      },
      ...(training.collected ? { collected: training.collected } : {}),
      // what the capacity check expected: the completion compares the job's measured peak with it (the overrun alarm)
      ...(need ? { expectedResources: { memoryBytes: need.memoryBytes, basis: need.basis } } : {}),
    };
    await putJob(this.deps.jobs, job);
    await this.settleClaim(key, event, now, { outcome: 'started', startedJobId: jobId }, claim.revision);
    this.fault('launcher.after-queue');
    return { outcome: 'queued', job };
  }

  /**
   * The second half: stages the job's datasets and starts it on the backend (Starting → InProgress
   * with a lease), audited; Failed with the lock released when the backend refuses. A job that is
   * no longer Queued is left alone (a redelivered TrainingJobQueued).
   */
  async start(jobId: string): Promise<LaunchOutcome> {
    const queued = await getJob(this.deps.jobs, jobId);
    if (!queued) throw new UnknownResourceError(`no training job ${jobId}`, { details: { jobId } });
    if (queued.state !== 'Queued') return { outcome: 'duplicate', idempotencyKey: queued.idempotencyKey, jobId, firstOutcome: queued.state };
    const t = queued.training;
    if (!t) throw new ConflictError(`training job ${jobId} records nothing to train`);
    let job: TrainingJobRecord = { ...queued, state: 'Starting' };
    await putJob(this.deps.jobs, job);
    this.fault('launcher.after-starting');
    try {
      const dataset = await this.deps.resolveDataset(t.dataset, t.datasetVersion);
      const extras: DatasetInput[] = [];
      for (const extra of t.extraDatasets ?? []) extras.push(await this.deps.resolveDataset(extra.name, extra.version));
      let spec: TrainingJobSpec;
      if (t.ensemble) {
        if (!this.deps.stageMembers) throw new ConflictError('this launcher cannot stage ensemble members: ensemble jobs are not wired');
        const membersInput = await this.deps.stageMembers(jobId, t.ensemble.members);
        spec = buildEnsembleJobSpec(jobId, job.model, dataset, t, t.ensemble, membersInput, job.actor ?? `retrain:${job.trigger}`);
      } else if (t.adaptation) {
        if (!this.deps.stageParent) throw new ConflictError('this launcher cannot stage a parent version: online adaptation is not wired');
        const parentInput = await this.deps.stageParent(job.model, t.adaptation.parentVersion, { tenantVariant: t.adaptation.tenant !== undefined });
        spec = buildAdaptationJobSpec(jobId, job.model, dataset, t, t.adaptation, parentInput, job.actor ?? `retrain:${job.trigger}`);
      } else {
        const parent = this.deps.productionVersion ? await this.deps.productionVersion(job.model) : undefined;
        spec = buildJobSpec(jobId, job.model, dataset, t, parent, job.actor ?? `retrain:${job.trigger}`, extras);
      }
      job = { ...job, dataset: { name: dataset.name, version: dataset.version } };
      const { backendJobId } = await this.deps.backend.start(spec);
      const startedAt = this.clock();
      const leaseMs = this.deps.backend.leaseMs ?? this.maxJobMs;
      job = {
        ...job,
        state: 'InProgress',
        startedAt: startedAt.toISOString(),
        backendJobId,
        leaseExpiresAt: new Date(startedAt.getTime() + leaseMs).toISOString(),
      };
      await putJob(this.deps.jobs, job);
      this.fault('launcher.after-start');
      await this.deps.audit?.append({
        actor: job.actor ?? 'retrain-launcher',
        action: 'training.start',
        subject: `model/${job.model}/job/${jobId}`,
        reason: job.reason,
        parameters: {
          trigger: job.trigger,
          backend: this.deps.backend.name,
          backendJobId,
          idempotencyKey: job.idempotencyKey,
          ...(job.forced ? { forcedPastCooldown: true } : {}),
          ...(t.overrides ? { overrides: t.overrides } : {}),
          ...(t.extraDatasets?.length ? { extraDatasets: t.extraDatasets.map((d) => `${d.name}@${d.version}`).join(',') } : {}),
          ...spec.hyperparameters,
        },
        dataset: { name: dataset.name, version: dataset.version },
      });
      await this.publish(TRAINING_STARTED, {
        jobId,
        model: job.model,
        trigger: job.trigger,
        reason: job.reason,
        backend: this.deps.backend.name,
        backendJobId,
      });
      return { outcome: 'started', job };
    } catch (error) {
      const failureReason = `could not start: ${(error as Error).message ?? String(error)}`;
      job = { ...job, state: 'Failed', finishedAt: this.clock().toISOString(), failureReason };
      await putJob(this.deps.jobs, job);
      await releaseLock(this.deps.jobs, job.model, jobId, true);
      await this.deps.audit?.append({
        actor: 'retrain-launcher',
        action: 'training.failed',
        subject: `model/${job.model}/job/${jobId}`,
        reason: failureReason,
      });
      await this.publish(TRAINING_FAILED, { jobId, model: job.model, trigger: job.trigger, failureReason });
      return { outcome: 'failed', job };
    }
  }

  /** Queues a job and announces it (TrainingJobQueued → the launcher function starts it): what POST /retrain does. */
  async queue(input: RetrainEvent | unknown): Promise<LaunchOutcome> {
    const outcome = await this.enqueue(input);
    if (outcome.outcome === 'queued') await this.publish(TRAINING_JOB_QUEUED, { jobId: outcome.job.jobId, model: outcome.job.model });
    return outcome;
  }

  /**
   * Whether the backend can run the model's next job (what the auto-retrain switch asks before it
   * turns on); undefined when the backend or the platform cannot say.
   * @example const verdict = await launcher.checkCapacity('general'); if (verdict && !verdict.fits) console.log(verdict.reason);
   */
  async checkCapacity(model: string): Promise<CapacityVerdict | undefined> {
    if (!this.deps.capacityNeed || !this.deps.backend.checkCapacity) return undefined;
    const event = parseRetrainEvent({ type: 'ScheduledRetrain', model, scheduledAt: this.clock().toISOString() });
    return this.deps.backend.checkCapacity(await this.deps.capacityNeed(model, await this.resolveTraining(event)));
  }

  private async resolveTraining(event: RetrainEvent): Promise<ResolvedTraining> {
    if (this.deps.config.resolve) return this.deps.config.resolve(event.model, event);
    const t = this.deps.config.training;
    if (!t) throw new TrainingRefusedError(`nothing says what ${event.model} trains on`, 'invalid-spec', 409);
    const defaults = typeof t === 'function' ? t(event.model) : t;
    if (event.type === 'ManualRetrain' && event.dataset) {
      return { ...defaults, dataset: event.dataset, ...(event.datasetVersion ? { datasetVersion: event.datasetVersion } : {}) };
    }
    return defaults;
  }

  /**
   * Claims the trigger's key. A key whose earlier attempt was refused, whose job failed, or whose
   * claimer died before recording a job (older than a few minutes) is claimed again.
   */
  private async claim(event: RetrainEvent, key: string, now: Date): Promise<{ duplicate?: LaunchOutcome; revision: number }> {
    const claimKey = idempotencyItemKey(key);
    try {
      await this.deps.jobs.putIfAbsent({
        ...claimKey,
        claimedAt: now.toISOString(),
        trigger: event.type,
        forModel: event.model,
        outcome: 'claimed',
        revision: 1,
      });
      return { revision: 1 };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
    const first = await this.deps.jobs.get(claimKey);
    const revision = typeof first?.revision === 'number' ? first.revision : 0;
    const startedJobId = typeof first?.startedJobId === 'string' ? first.startedJobId : undefined;
    const firstOutcome = typeof first?.outcome === 'string' ? first.outcome : undefined;
    const job = startedJobId ? await getJob(this.deps.jobs, startedJobId) : undefined;
    const abandoned = firstOutcome === 'claimed' && typeof first?.claimedAt === 'string' && now.getTime() - Date.parse(first.claimedAt) > CLAIM_GRACE_MS;
    const retryable =
      (firstOutcome !== 'started' && firstOutcome !== 'claimed') || job?.state === 'Failed' || (firstOutcome === 'started' && !job) || abandoned;
    if (retryable) {
      try {
        await this.deps.jobs.putIfRevision(
          {
            ...claimKey,
            claimedAt: now.toISOString(),
            trigger: event.type,
            forModel: event.model,
            outcome: 'claimed',
            revision: revision + 1,
            retryOf: startedJobId ?? firstOutcome,
          },
          'revision',
          first?.revision === undefined ? undefined : revision,
        );
        return { revision: revision + 1 };
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    return {
      revision,
      duplicate: { outcome: 'duplicate', idempotencyKey: key, ...(startedJobId ? { jobId: startedJobId } : {}), ...(firstOutcome ? { firstOutcome } : {}) },
    };
  }

  private async settleClaim(key: string, event: RetrainEvent, now: Date, result: Record<string, unknown>, revision: number): Promise<void> {
    await this.deps.jobs.put({ ...idempotencyItemKey(key), claimedAt: now.toISOString(), trigger: event.type, forModel: event.model, revision, ...result });
  }

  /** Takes the model's lock for `jobId`, or says why not. */
  private async acquire(event: RetrainEvent, jobId: string, now: Date, key: string): Promise<LaunchOutcome | undefined> {
    const force = isPersonRequest(event) && event.force === true;
    for (let attempt = 0; attempt < 5; attempt++) {
      const lock = await readLock(this.deps.jobs, event.model);
      if (lock?.holder && lock.heldSince && now.getTime() - Date.parse(lock.heldSince) < this.maxJobMs) {
        // A lock whose job is finished or gone is stale (its holder died before releasing it).
        const holder = await getJob(this.deps.jobs, lock.holder);
        if (holder && ACTIVE_STATES.has(holder.state)) return { outcome: 'running', idempotencyKey: key, runningJobId: lock.holder };
      }
      if (!force && lock?.lastLaunchAt) {
        const next = Date.parse(lock.lastLaunchAt) + this.cooldownMs;
        if (now.getTime() < next) return { outcome: 'cooldown', idempotencyKey: key, nextAllowedAt: new Date(next).toISOString() };
      }
      const stamp = now.toISOString();
      const previousLaunchAt = lock?.lastLaunchAt ?? null;
      if (await writeLock(this.deps.jobs, event.model, { holder: jobId, heldSince: stamp, lastLaunchAt: stamp, previousLaunchAt }, lock?.revision))
        return undefined;
    }
    const lock = await readLock(this.deps.jobs, event.model);
    return { outcome: 'running', idempotencyKey: key, runningJobId: lock?.holder ?? '(unknown)' };
  }

  /** Records the trigger and what became of it (GET /status lists them per model). */
  private async note(event: RetrainEvent, key: string, o: LaunchOutcome): Promise<void> {
    const detail: Record<string, unknown> = {};
    if (o.outcome === 'queued' || o.outcome === 'started' || o.outcome === 'failed') detail.jobId = o.job.jobId;
    if (o.outcome === 'duplicate') Object.assign(detail, { jobId: o.jobId, firstOutcome: o.firstOutcome });
    if (o.outcome === 'cooldown') detail.nextAllowedAt = o.nextAllowedAt;
    if (o.outcome === 'running') detail.runningJobId = o.runningJobId;
    if (o.outcome === 'refused') Object.assign(detail, { code: o.code, reason: o.reason });
    await recordTrigger(this.deps.jobs, event.model, {
      at: this.clock().toISOString(),
      trigger: event.type as RetrainTrigger,
      idempotencyKey: key,
      outcome: o.outcome,
      why: describeOutcome(event, o),
      ...detail,
    }).catch(() => undefined); // the trigger log is a view; the job record and the audit log are the truth
  }

  private async publish(detailType: string, detail: Record<string, unknown>): Promise<void> {
    try {
      await this.deps.events?.publish(detailType, detail);
    } catch {
      // The job record is the source of truth; a lost notification is not a failed launch.
    }
  }
}

/** How long a claim without a job blocks its key before another attempt may take it. */
const CLAIM_GRACE_MS = 10 * 60_000;

/** Why a trigger became what it became, in words. */
export function describeOutcome(event: RetrainEvent, o: LaunchOutcome): string {
  switch (o.outcome) {
    case 'queued':
    case 'started':
      return `${describeTrigger(event)}: job ${o.job.jobId} ${o.outcome}`;
    case 'failed':
      return `job ${o.job.jobId} could not start: ${o.job.failureReason ?? 'unknown'}`;
    case 'duplicate':
      return `a copy of a trigger already handled${o.jobId ? ` (job ${o.jobId}${o.firstOutcome ? `, ${o.firstOutcome}` : ''})` : ''}`;
    case 'cooldown':
      return `refused: the model's cooldown runs until ${o.nextAllowedAt}`;
    case 'running':
      return `refused: job ${o.runningJobId} of this model is queued or running`;
    case 'disabled':
      return 'skipped: auto-retrain is switched off';
    case 'refused':
      return `refused: ${o.reason}`;
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
  extraDatasets: readonly DatasetInput[] = [],
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
    ...(defaults.tune ? { [k.tune]: defaults.tune } : {}),
    ...(extraDatasets.length ? { [k.extraDatasets]: extraDatasets.map((d) => `${d.name}@${d.version}`).join(',') } : {}),
  };
  for (const [name, value] of Object.entries(defaults.params ?? {})) hyperparameters[`${k.paramPrefix}${name}`] = String(value);
  return { jobId, model, dataset, ...(extraDatasets.length ? { extraDatasets } : {}), hyperparameters };
}

/** The backend's job spec of an online adaptation: the parent channel, and the sample rows of `dataset`. */
export function buildAdaptationJobSpec(
  jobId: string,
  model: string,
  dataset: DatasetInput,
  defaults: TrainingDefaults,
  adaptation: AdaptationTarget,
  parent: ParentInput,
  author: string,
): TrainingJobSpec {
  const base = buildJobSpec(jobId, model, dataset, defaults, adaptation.parentVersion, author);
  const k = HYPERPARAMETER_KEYS;
  return {
    ...base,
    parent,
    hyperparameters: {
      ...base.hyperparameters,
      [k.mode]: 'adapt',
      [k.sampleFrom]: String(adaptation.fromRow),
      [k.sampleTo]: String(adaptation.toRow),
      // a tenant's dataset travels as its own name plus the tenant (the container resolves tenants/<t>/<name>), as a federated participant's
      ...(adaptation.tenant !== undefined ? { [k.tenant]: adaptation.tenant, [k.dataset]: parseTenantDatasetName(dataset.name)?.dataset ?? dataset.name } : {}),
    },
  };
}

/**
 * The backend's job spec of an ensemble: the members staged as the `parent` channel (members.json
 * and their files), mode=ensemble; `dataset` is the lineage's (the candidate's dataset record).
 */
export function buildEnsembleJobSpec(
  jobId: string,
  model: string,
  dataset: DatasetInput,
  defaults: TrainingDefaults,
  ensemble: EnsembleTarget,
  members: ParentInput,
  author: string,
): TrainingJobSpec {
  const base = buildJobSpec(jobId, model, dataset, { ...defaults, algorithm: 'ensemble', params: {} }, undefined, author);
  const k = HYPERPARAMETER_KEYS;
  return {
    ...base,
    parent: members,
    hyperparameters: {
      ...base.hyperparameters,
      [k.mode]: 'ensemble',
      [k.members]: ensemble.members.map((m) => `${m.model}@${m.version}`).join(','),
      [k.method]: ensemble.method,
      ...(ensemble.extraMembers !== undefined ? { [k.extraMembers]: String(ensemble.extraMembers) } : {}),
    },
  };
}
