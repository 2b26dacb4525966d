// The maintenance sweep: a crash leaves no job wedged — lost ones are failed (the lock freed by the
// completion handler), finished ones completed from their backend, running ones left alone.
import { MemoryItemTable } from '../datasets/testing/memory-stores';
import type { CompletionInput, JobInspection, TrainingBackend } from './backend';
import { putJob, type TrainingJobRecord } from './job-records';
import { QUEUED_GRACE_MS, sweepJobs } from './sweeper';

const now = new Date('2026-03-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

function job(jobId: string, state: TrainingJobRecord['state'], extra: Partial<TrainingJobRecord> = {}): TrainingJobRecord {
  return { jobId, model: 'm', trigger: 'ManualRetrain', reason: 'r', idempotencyKey: `k-${jobId}`, state, createdAt: ago(60_000), backend: 'local', ...extra };
}

describe('sweepJobs', () => {
  it('fails lost jobs, completes finished ones from their backend, and leaves running ones alone', async () => {
    // Prepare
    const jobs = new MemoryItemTable('jobs', 'jobId', '_none');
    await putJob(jobs, job('queued-old', 'Queued', { createdAt: ago(QUEUED_GRACE_MS + 1000) }));
    await putJob(jobs, job('queued-new', 'Queued'));
    await putJob(jobs, job('running', 'InProgress', { backendJobId: 'local-1-running' }));
    await putJob(jobs, job('finished', 'InProgress', { backendJobId: 'local-2-finished' }));
    await putJob(jobs, job('gone', 'InProgress', { backendJobId: 'local-3-gone' }));
    await putJob(jobs, job('done', 'Completed'));
    const answers: Record<string, JobInspection> = {
      running: { state: 'running' },
      finished: { state: 'finished', completion: { jobId: 'finished', state: 'Completed', outputLocation: '/jobs/finished/model' } },
      gone: { state: 'unknown', reason: 'the training process 3 is gone and left no output' },
    };
    const backend: TrainingBackend = { name: 'local', start: async () => ({ backendJobId: 'x' }), inspect: async (j) => answers[j.jobId] };
    const handled: CompletionInput[] = [];
    const completion = { handle: async (c: CompletionInput) => (handled.push(c), { outcome: c.state === 'Failed' ? 'failed' : 'promoted' }) as never };

    // Act
    const result = await sweepJobs({ jobs, backend, completion, clock: () => now });

    // Assess
    expect(result.inspected).toBe(5);
    expect([...result.running].sort()).toEqual(['queued-new', 'running']);
    expect(result.completed).toEqual([{ jobId: 'finished', outcome: 'promoted' }]);
    expect(result.failed.map((f) => f.jobId).sort()).toEqual(['gone', 'queued-old']);
    expect(handled).toContainEqual({ jobId: 'finished', state: 'Completed', outputLocation: '/jobs/finished/model' });
    expect(handled).toContainEqual({ jobId: 'gone', state: 'Failed', failureReason: 'lost: the training process 3 is gone and left no output' });
    expect(handled.find((c) => c.jobId === 'queued-old')?.failureReason).toMatch(/^lost before it started: Queued since/);
  });

  it('at a local start-up, fails every queued job at once: the bus that would start it is gone', async () => {
    const jobs = new MemoryItemTable('jobs', 'jobId', '_none');
    await putJob(jobs, job('queued', 'Starting', { createdAt: ago(1000) }));
    const handled: CompletionInput[] = [];
    const completion = { handle: async (c: CompletionInput) => (handled.push(c), { outcome: 'failed' }) as never };
    const backend: TrainingBackend = { name: 'local', start: async () => ({ backendJobId: 'x' }) };

    const result = await sweepJobs({ jobs, backend, completion, clock: () => now }, { queuedGraceMs: 0 });

    expect(result.failed.map((f) => f.jobId)).toEqual(['queued']);
  });

  it('fails a job its backend cannot tell about once its lease ran out, not before', async () => {
    const jobs = new MemoryItemTable('jobs', 'jobId', '_none');
    await putJob(jobs, job('fresh', 'InProgress', { backend: 'sagemaker', leaseExpiresAt: new Date(now.getTime() + 60_000).toISOString() }));
    await putJob(jobs, job('expired', 'InProgress', { backend: 'sagemaker', leaseExpiresAt: ago(1000), heartbeatAt: ago(5 * 3600_000) }));
    const completion = { handle: async () => ({ outcome: 'failed' }) as never };
    const backend: TrainingBackend = {
      name: 'sagemaker',
      start: async () => ({ backendJobId: 'x' }),
      inspect: async () => ({ state: 'unknown', reason: 'no such job' }),
    };

    const result = await sweepJobs({ jobs, backend, completion, clock: () => now });

    expect(result.running).toEqual(['fresh']);
    expect(result.failed).toEqual([{ jobId: 'expired', reason: 'lost: no such job' }]);
  });
});
