// The jobs table as the retraining machinery uses it (partition key `jobId`; GSI byModel on
// model + createdAt, which only job items populate):
//   <jobId>                      one training job: model, trigger, reason, state, timings, backend ids
//   IDEMP#<idempotency key>      the claim of one trigger (put-if-absent): which job it started, or why not
//   LOCK#<model>                 the per-model lock: the running job (or none), the last launch time, a revision
import { ConditionFailedError, type Item, type ItemTable } from '../ports';
import type { RetrainTrigger } from './events';

export type JobState = 'Starting' | 'InProgress' | 'Completed' | 'Failed';

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
}

export const lockKey = (model: string): Item => ({ jobId: `LOCK#${model}` });
export const idempotencyItemKey = (key: string): Item => ({ jobId: `IDEMP#${key}` });

/** The lock item of a model. */
export interface ModelLock {
  readonly holder: string | null;
  readonly heldSince: string | null;
  readonly lastLaunchAt: string | null;
  readonly revision: number;
}

export async function readLock(jobs: ItemTable, model: string): Promise<ModelLock | undefined> {
  const item = await jobs.get(lockKey(model));
  if (!item) return undefined;
  return {
    holder: typeof item.holder === 'string' ? item.holder : null,
    heldSince: typeof item.heldSince === 'string' ? item.heldSince : null,
    lastLaunchAt: typeof item.lastLaunchAt === 'string' ? item.lastLaunchAt : null,
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

/** Frees the lock when `jobId` holds it (a no-op otherwise). */
export async function releaseLock(jobs: ItemTable, model: string, jobId: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const lock = await readLock(jobs, model);
    if (!lock || lock.holder !== jobId) return;
    if (await writeLock(jobs, model, { holder: null, heldSince: null, lastLaunchAt: lock.lastLaunchAt }, lock.revision)) return;
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
