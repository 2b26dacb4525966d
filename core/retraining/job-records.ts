// The jobs table as the retraining machinery uses it (partition key `jobId`; GSI byModel on
// model + createdAt, which only job items populate):
//   <jobId>                      one training job: model, trigger, reason, state, timings, backend ids
//   IDEMP#<idempotency key>      the claim of one trigger (put-if-absent): which job it started, or why not
//   LOCK#<model>                 the per-model lock: the running job (or none), the last launch time, a revision
//   TRIGGERS#<model>             the model's most recent triggers and what became of each (a bounded list)
import { ConditionFailedError, type Item, type ItemTable } from '../ports';
import type { RetrainTrigger } from './events';
import type { ResourceUsage } from '../resources/usage';
import type { TuneLevel } from '../training/learner-params';

export type JobState = 'Queued' | 'Starting' | 'InProgress' | 'Completed' | 'Failed';

/** States after which a job changes no more. */
export const FINAL_JOB_STATES: readonly JobState[] = ['Completed', 'Failed'];

/** One training job as recorded. */
export interface TrainingJobRecord {
  readonly jobId: string;
  readonly model: string;
  readonly trigger: RetrainTrigger;
  readonly reason: string;
  readonly idempotencyKey: string;
  readonly state: JobState;
  /** ISO-8601 */
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly backend: string;
  readonly backendJobId?: string;
  readonly dataset?: { readonly name: string; readonly version: number };
  readonly outputLocation?: string;
  readonly failureReason?: string;
  readonly registeredVersion?: number;
  /** What the completion handler did with the version (promoted, experiment-requested, awaiting-approval, gate-failed). */
  readonly outcome?: string;
  /** Who asked for it (a person for ManualRetrain, `retrain:<trigger>` otherwise). */
  readonly actor?: string;
  /** ManualRetrain with force: started inside the cooldown. */
  readonly forced?: true;
  /** What the job trains, resolved from the lineage's spec when it was queued. */
  readonly training?: {
    readonly dataset: string;
    readonly datasetVersion?: number;
    readonly algorithm: string;
    readonly classes: 'fine' | 'taxonomy' | 'mini-xdr' | 'kdd-category';
    readonly seed: number;
    readonly params: Readonly<Record<string, string>>;
    /** The validation search level (absent: the pipeline's default). */
    readonly tune?: TuneLevel;
    readonly extraDatasets?: readonly { readonly name: string; readonly version: number }[];
    readonly overrides?: Readonly<Record<string, unknown>>;
    /** An online adaptation: the version it continues, on rows [fromRow, toRow) of the dataset. */
    readonly adaptation?: { readonly parentVersion: number; readonly fromRow: number; readonly toRow: number; readonly tenant?: string };
    /** An ensemble of registered versions (core/ensemble): its members and how the weights are found. */
    readonly ensemble?: {
      readonly members: readonly { readonly model: string; readonly version: number }[];
      readonly method: 'selection' | 'weights' | 'auto';
      /** Extra members the job trains on the first member's dataset version and split. */
      readonly extraMembers?: number;
    };
  };
  /** The lineage's collected rows this job trains on (recorded on the lineage when it completes). */
  readonly collected?: { readonly dataset: string; readonly version: number; readonly rows: number };
  /** When a running job is presumed lost unless its heartbeat (or its backend) says otherwise. */
  readonly leaseExpiresAt?: string;
  /** The last sign of life of the job's process (the local backend beats while its child runs). */
  readonly heartbeatAt?: string;
  /** What the finished job used: wall and CPU time, peak RSS, threads, rows/s, GPUs when present; instance type and billable seconds on AWS (core/resources). */
  readonly resources?: ResourceUsage;
  /** What the capacity check sized the job at when it was queued (its measured peak above this is an overrun). */
  readonly expectedResources?: { readonly memoryBytes: number; readonly basis: string };
}

export const lockKey = (model: string): Item => ({ jobId: `LOCK#${model}` });
export const idempotencyItemKey = (key: string): Item => ({ jobId: `IDEMP#${key}` });

/** The lock item of a model. */
export interface ModelLock {
  readonly holder: string | null;
  readonly heldSince: string | null;
  readonly lastLaunchAt: string | null;
  /** The launch before the holder's: the cooldown counts from it again when the holder fails. */
  readonly previousLaunchAt?: string | null;
  readonly revision: number;
}

export async function readLock(jobs: ItemTable, model: string): Promise<ModelLock | undefined> {
  const item = await jobs.get(lockKey(model));
  if (!item) return undefined;
  return {
    holder: typeof item.holder === 'string' ? item.holder : null,
    heldSince: typeof item.heldSince === 'string' ? item.heldSince : null,
    lastLaunchAt: typeof item.lastLaunchAt === 'string' ? item.lastLaunchAt : null,
    previousLaunchAt: typeof item.previousLaunchAt === 'string' ? item.previousLaunchAt : null,
    revision: Number(item.revision),
  };
}

/** Writes the next lock state with a revision check; false when another writer moved it first. */
export async function writeLock(jobs: ItemTable, model: string, next: Omit<ModelLock, 'revision'>, expected: number | undefined): Promise<boolean> {
  try {
    await jobs.putIfRevision({ ...lockKey(model), ...next, revision: (expected ?? 0) + 1 }, 'revision', expected);
    return true;
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
}

/**
 * Frees the lock when `jobId` holds it (a no-op otherwise). A job that failed does not count
 * against the cooldown: the last launch goes back to the one before it, so a retry may run.
 */
export async function releaseLock(jobs: ItemTable, model: string, jobId: string, failed = false): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const lock = await readLock(jobs, model);
    if (!lock || lock.holder !== jobId) return;
    const lastLaunchAt = failed ? (lock.previousLaunchAt ?? null) : lock.lastLaunchAt;
    if (await writeLock(jobs, model, { holder: null, heldSince: null, lastLaunchAt, previousLaunchAt: lock.previousLaunchAt ?? null }, lock.revision)) return;
  }
}

export async function getJob(jobs: ItemTable, jobId: string): Promise<TrainingJobRecord | undefined> {
  const item = await jobs.get({ jobId });
  return item && typeof item.model === 'string' && typeof item.state === 'string' ? (item as unknown as TrainingJobRecord) : undefined;
}

/** Drops undefined fields (DynamoDB rejects them) and writes the job. */
export async function putJob(jobs: ItemTable, job: TrainingJobRecord): Promise<void> {
  await jobs.put(Object.fromEntries(Object.entries(job).filter(([, v]) => v !== undefined)));
}

/**
 * The jobs of a model, newest first (for GET /api/ml/status).
 * @example const recent = await listJobs(stores.tables.jobs, 'general', 20);
 */
export async function listJobs(jobs: ItemTable, model: string, limit = 50): Promise<TrainingJobRecord[]> {
  const items = await jobs.query({ model }, { index: 'byModel', descending: true, limit });
  return items as unknown as TrainingJobRecord[];
}

/** One trigger as the launcher saw it: when, which, and what became of it. */
export interface TriggerRecord {
  readonly at: string;
  readonly trigger: RetrainTrigger;
  readonly idempotencyKey: string;
  /** queued, started, duplicate, cooldown, running, disabled, refused, failed */
  readonly outcome: string;
  /** Why, in words. */
  readonly why: string;
  readonly jobId?: string;
  readonly [key: string]: unknown;
}

/** How many triggers per model `recentTriggers` keeps. */
export const TRIGGERS_KEPT = 50;
const triggersKey = (model: string): Item => ({ jobId: `TRIGGERS#${model}` });

/** Prepends a trigger to the model's bounded list (revision-checked, retried on contention). */
export async function recordTrigger(jobs: ItemTable, model: string, record: TriggerRecord): Promise<void> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const item = await jobs.get(triggersKey(model));
    const revision = typeof item?.revision === 'number' ? item.revision : undefined;
    const list = Array.isArray(item?.triggers) ? (item.triggers as TriggerRecord[]) : [];
    const clean = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
    try {
      await jobs.putIfRevision(
        { ...triggersKey(model), model: undefined, triggers: [clean, ...list].slice(0, TRIGGERS_KEPT), revision: (revision ?? 0) + 1 },
        'revision',
        revision,
      );
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

/** The model's most recent triggers, newest first. */
export async function recentTriggers(jobs: ItemTable, model: string): Promise<TriggerRecord[]> {
  const item = await jobs.get(triggersKey(model));
  return Array.isArray(item?.triggers) ? (item.triggers as TriggerRecord[]) : [];
}

/** Every job not yet Completed or Failed (the maintenance sweep reads them). */
export async function activeJobs(jobs: ItemTable): Promise<TrainingJobRecord[]> {
  const items = await jobs.scan();
  return items.filter(
    (i) => typeof i.model === 'string' && typeof i.state === 'string' && !FINAL_JOB_STATES.includes(i.state as JobState),
  ) as unknown as TrainingJobRecord[];
}

/** Renews a running job's heartbeat and lease (no-op once it finished). */
export async function touchJob(jobs: ItemTable, jobId: string, now: Date, leaseMs: number): Promise<void> {
  const job = await getJob(jobs, jobId);
  if (!job || FINAL_JOB_STATES.includes(job.state)) return;
  await putJob(jobs, { ...job, heartbeatAt: now.toISOString(), leaseExpiresAt: new Date(now.getTime() + leaseMs).toISOString() });
}
