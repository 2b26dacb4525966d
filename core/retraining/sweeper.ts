// The maintenance sweep of training jobs: nothing stays wedged by a crash. A job that is queued or
// starting longer than a grace period lost its launcher; a running job is asked about on its
// backend — finished ones are completed from what the backend says (roll forward: the completion
// event never came), lost ones (their process gone with no output, their lease run out) are marked
// Failed with the reason, which releases the model's lock, audits the failure and alerts. Runs at
// local start-up and on a schedule (the maintenance function) on AWS.
import type { TrainingBackend } from './backend';
import type { CompletionHandler } from './completion';
import { activeJobs, type TrainingJobRecord } from './job-records';
import type { ItemTable } from '../ports';

/** How long a job may stay Queued or Starting before the sweep calls it lost. */
export const QUEUED_GRACE_MS = 10 * 60_000;

export interface SweepResult {
  /** Jobs looked at (every job not Completed or Failed). */
  readonly inspected: number;
  /** Jobs still running, left alone. */
  readonly running: readonly string[];
  /** Jobs completed from their backend's answer (their completion had been lost). */
  readonly completed: readonly { readonly jobId: string; readonly outcome: string }[];
  /** Jobs marked Failed, and why. */
  readonly failed: readonly { readonly jobId: string; readonly reason: string }[];
}

export interface SweepDeps {
  readonly jobs: ItemTable;
  readonly backend: TrainingBackend;
  readonly completion: Pick<CompletionHandler, 'handle'>;
  readonly clock?: () => Date;
}

export interface SweepOptions {
  /**
   * How long a job may stay Queued or Starting. At a local platform's start-up it is 0: the
   * in-process bus that would have started them died with the server. @default QUEUED_GRACE_MS
   */
  readonly queuedGraceMs?: number;
}

const leaseExpired = (job: TrainingJobRecord, now: Date): boolean => job.leaseExpiresAt !== undefined && Date.parse(job.leaseExpiresAt) < now.getTime();

/**
 * Sweeps every unfinished job once.
 * @example const result = await sweepJobs({ jobs: stores.tables.jobs, backend, completion });
 */
export async function sweepJobs(deps: SweepDeps, options: SweepOptions = {}): Promise<SweepResult> {
  const now = (deps.clock ?? (() => new Date()))();
  const jobs = await activeJobs(deps.jobs);
  const running: string[] = [];
  const completed: { jobId: string; outcome: string }[] = [];
  const failed: { jobId: string; reason: string }[] = [];
  const fail = async (job: TrainingJobRecord, reason: string) => {
    await deps.completion.handle({ jobId: job.jobId, state: 'Failed', failureReason: reason });
    failed.push({ jobId: job.jobId, reason });
  };
  for (const job of jobs) {
    if (job.state === 'Queued' || job.state === 'Starting') {
      const age = now.getTime() - Date.parse(job.createdAt);
      if (age >= (options.queuedGraceMs ?? QUEUED_GRACE_MS))
        await fail(job, `lost before it started: ${job.state} since ${job.createdAt} (its launcher stopped)`);
      else running.push(job.jobId);
      continue;
    }
    const inspect = job.backend === deps.backend.name ? deps.backend.inspect?.bind(deps.backend) : undefined;
    if (!inspect) {
      if (leaseExpired(job, now))
        await fail(job, `lost: no sign of life since ${job.heartbeatAt ?? job.startedAt ?? job.createdAt} and its lease ran out at ${job.leaseExpiresAt}`);
      else running.push(job.jobId);
      continue;
    }
    const seen = await inspect(job);
    if (seen.state === 'running') running.push(job.jobId);
    else if (seen.state === 'finished') {
      const out = await deps.completion.handle(seen.completion);
      completed.push({ jobId: job.jobId, outcome: out.outcome });
    } else if (job.backend === 'local' || leaseExpired(job, now)) await fail(job, `lost: ${seen.reason}`);
    else running.push(job.jobId);
  }
  return { inspected: jobs.length, running, completed, failed };
}
