// What the CLI's job-starting commands (`online adapt`, `ensemble optimize`) share: raise a trigger
// where the platform's rules handle it (EventBridge on AWS, the bus of `npm start`) — or, on an
// embedded cloud no server runs, queue and start it in this process — then wait for its job and
// answer the version it registered. Refusals exit 1 with the reason; usage errors exit 2.
import { randomUUID } from 'node:crypto';
import { getJob, type LaunchOutcome, type TrainingJobRecord } from '../core/retraining';
import type { ModelVersion } from '../core/registry/types';
import { CliError } from './output';
import { refreshLocalExports, type CliSession } from './session';

/** An integer flag (absent: undefined); a usage error naming the flag otherwise. */
export function integer(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
    throw new CliError(`${flag} must be an integer >= ${min} (got '${value}')`, 2);
  }
  return Number(value);
}

/** `--request-id`: the trigger's idempotency key as given, or a new one; 1 to 128 characters. */
export function requestIdOf(given: string | undefined): string {
  if (given !== undefined && (given.length === 0 || given.length > 128)) throw new CliError('--request-id must be 1 to 128 characters', 2);
  return given ?? `cli-${randomUUID()}`;
}

/** How a command names its job in messages, e.g. `adaptation of nsl`, `the adaptation job`. */
export interface JobWording {
  /** `adaptation of <model>` / `ensemble for <model>`. */
  readonly subject: (model: string) => string;
  /** `adaptation` / `ensemble`. */
  readonly job: string;
  /** `of` / `for`: the waiting line's `<job> job <id> <preposition> <model>`. */
  readonly preposition: string;
  /** The command that shows the job's progress, e.g. `online status`. */
  readonly statusCommand: string;
}

/** Queues the trigger where the platform's rules will start it, or queues and starts it here. */
async function launch(s: CliSession, request: Record<string, unknown>): Promise<LaunchOutcome> {
  const launcher = s.platform.retraining.launcher;
  if (s.session.eventsReachRules) return launcher.queue(request);
  const queued = await launcher.enqueue(request);
  return queued.outcome === 'queued' ? launcher.start(queued.job.jobId) : queued;
}

function refusal(outcome: LaunchOutcome, model: string, w: JobWording): CliError {
  switch (outcome.outcome) {
    case 'refused':
      return new CliError(`${w.subject(model)} refused (${outcome.code}): ${outcome.reason}`);
    case 'running':
      return new CliError(`job ${outcome.runningJobId} of ${model} is queued or running; wait for it (xdr-ml ${w.statusCommand} --model ${model})`);
    case 'cooldown':
      return new CliError(`${model} was trained recently; the next job is allowed at ${outcome.nextAllowedAt} (--force overrides the cooldown, audited)`);
    case 'failed':
      return new CliError(`the ${w.job} job ${outcome.job.jobId} could not start: ${outcome.job.failureReason ?? 'no reason given'}`);
    default:
      return new CliError(`${w.subject(model)} not started: ${outcome.outcome}`);
  }
}

function jobIdOf(outcome: LaunchOutcome): string | undefined {
  if (outcome.outcome === 'queued' || outcome.outcome === 'started') return outcome.job.jobId;
  if (outcome.outcome === 'duplicate') return outcome.jobId;
  return undefined;
}

/** Polls a job until it completes or fails; a CliError naming the status command when `timeoutMs` passes first. */
export async function waitForJob(s: CliSession, jobId: string, timeoutMs: number, w: JobWording): Promise<TrainingJobRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(s.platform.stores.tables.jobs, jobId);
    if (job && (job.state === 'Completed' || job.state === 'Failed')) return job;
    if (Date.now() > deadline) {
      throw new CliError(`job ${jobId} is still ${job?.state ?? 'unknown'} after ${Math.round(timeoutMs / 1000)} s; it goes on (xdr-ml ${w.statusCommand})`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Raises the trigger, waits for its job and answers the job and the version it registered (local
 * exports refreshed); a refusal, a failed job or one that registered nothing is a CliError.
 */
export async function runTriggeredJob(
  s: CliSession,
  request: Record<string, unknown> & { readonly model: string },
  options: { readonly wording: JobWording; readonly timeoutMs: number; readonly quiet?: boolean },
): Promise<{ readonly job: TrainingJobRecord; readonly version: ModelVersion }> {
  const { model } = request;
  const w = options.wording;
  const outcome = await launch(s, request);
  const jobId = jobIdOf(outcome);
  if (!jobId) throw refusal(outcome, model, w);
  if (!options.quiet) process.stderr.write(`${w.job} job ${jobId} ${w.preposition} ${model}: waiting for it…\n`);
  const job = await waitForJob(s, jobId, options.timeoutMs, w);
  if (job.state === 'Failed') throw new CliError(`the ${w.job} job ${jobId} failed: ${job.failureReason ?? 'no reason given'}`);
  if (job.registeredVersion === undefined) throw new CliError(`the ${w.job} job ${jobId} completed without registering a version`);
  const version = await s.registry.getVersion(model, job.registeredVersion);
  await refreshLocalExports(s);
  return { job, version };
}
