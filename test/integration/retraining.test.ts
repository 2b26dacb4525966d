// The retraining machinery against the embedded DynamoDB + S3: the launcher's idempotency (one job
// per trigger however often it is delivered), cooldown and one-running-job-per-model, and the
// completion handler registering a real trained bundle and applying the promotion policy.
import { gateComparer } from '../../core/pipeline/gate-comparison';
import { AuditLog } from '../../core/audit/audit-log';
import { ModelRegistry } from '../../core/registry/model-registry';
import {
  CompletionHandler,
  RetrainLauncher,
  getJob,
  listJobs,
  readLock,
  retrainingStatus,
  setAutoRetrain,
  autoRetrainEnabled,
  type PromotionPolicy,
  type RetrainEvent,
  type TrainingBackend,
  type TrainingJobSpec,
} from '../../core/retraining';
import { buildTestJobOutput } from '../../core/retraining/testing/job-output';
import { InProcessEventBus } from '../../local/event-bus';
import { closeStores, testStores, uniqueId } from '../support/platform';

const thresholds = { minMacroF1: 0.5, maxRecallDrop: 0.05 };
const HOUR = 3600_000;

/** A backend that records what it was asked to start (no cloud to call in this test). */
class RecordingBackend implements TrainingBackend {
  readonly name = 'recording';
  readonly started: TrainingJobSpec[] = [];
  constructor(private readonly refuse = false) {}
  async start(job: TrainingJobSpec): Promise<{ backendJobId: string }> {
    if (this.refuse) throw new Error('ResourceLimitExceeded: no ml.m5.xlarge capacity');
    this.started.push(job);
    return { backendJobId: `bk-${job.jobId}` };
  }
}

describe('retraining on the embedded cloud', () => {
  const stores = testStores();
  afterAll(() => closeStores(stores));

  function setup(options: { refuse?: boolean; cooldownMs?: number; policy?: PromotionPolicy } = {}) {
    let now = new Date('2026-03-01T10:00:00Z');
    const clock = () => now;
    const advance = (ms: number) => {
      now = new Date(now.getTime() + ms);
    };
    const model = uniqueId('m').toLowerCase();
    const audit = new AuditLog({ table: stores.tables.audit, stream: uniqueId('audit'), clock });
    const events = new InProcessEventBus();
    const registry = new ModelRegistry({ table: stores.tables.registry, audit, events, clock, compare: gateComparer(stores.buckets.artefacts) });
    const backend = new RecordingBackend(options.refuse);
    const launcher = new RetrainLauncher({
      jobs: stores.tables.jobs,
      backend,
      resolveDataset: async (name, version) => ({
        name,
        version: version ?? 3,
        chunkPrefix: `datasets/${name}/`,
        manifestKey: `manifests/${name}/v${version ?? 3}.json`,
      }),
      productionVersion: async (m) => (await registry.resolveAlias(m, 'production'))?.version,
      audit,
      events,
      clock,
      config: {
        cooldownMs: options.cooldownMs ?? 6 * HOUR,
        training: { dataset: 'nsl-kdd', algorithm: 'gbdt', classes: 'taxonomy', seed: 42, params: { nRounds: '50' }, tune: 'fast' },
      },
    });
    const outputs = new Map<string, Map<string, Uint8Array>>();
    const completion = new CompletionHandler({
      jobs: stores.tables.jobs,
      registry,
      artefacts: stores.buckets.artefacts,
      audit,
      events,
      readOutput: async (location) => {
        const files = outputs.get(location);
        if (!files) throw new Error(`no output at ${location}`);
        return files;
      },
      thresholds,
      policy: options.policy ?? 'auto-promote',
      clock,
    });
    return { model, audit, events, registry, backend, launcher, completion, outputs, advance, clock };
  }

  const drift = (model: string, windowEnd = '2026-03-01T10:00:00.000Z'): RetrainEvent => ({ type: 'DriftDetected', model, windowEnd, driftShare: 0.6 });

  it('starts exactly one job when the same event is delivered three times, even concurrently', async () => {
    const { model, launcher, backend } = setup();

    const outcomes = await Promise.all([launcher.handle(drift(model)), launcher.handle(drift(model)), launcher.handle(drift(model))]);

    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['duplicate', 'duplicate', 'started']);
    expect(backend.started).toHaveLength(1);
    const jobs = await listJobs(stores.tables.jobs, model);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ model, trigger: 'DriftDetected', state: 'InProgress', backend: 'recording', backendJobId: `bk-${jobs[0].jobId}` });
    expect(jobs[0].reason).toMatch(/drift detected.*60% of features/);
    const started = backend.started[0];
    expect(started.hyperparameters).toMatchObject({
      model,
      algorithm: 'gbdt',
      classes: 'taxonomy',
      seed: '42',
      dataset: 'nsl-kdd',
      dataset_version: '3',
      job_id: jobs[0].jobId,
      'param.nRounds': '50',
      tune: 'fast',
    });
    // A later redelivery names the job the first copy started.
    const again = await launcher.handle(drift(model));
    expect(again).toMatchObject({ outcome: 'duplicate', jobId: jobs[0].jobId, firstOutcome: 'started' });
  });

  it('keeps one running job per model, then a cooldown after the launch', async () => {
    const { model, launcher, completion, outputs, backend, advance } = setup({ cooldownMs: 6 * HOUR });
    const first = await launcher.handle(drift(model));
    expect(first.outcome).toBe('started');
    const jobId = first.outcome === 'started' ? first.job.jobId : '';

    const whileRunning = await launcher.handle({ type: 'ManualRetrain', model, requestId: 'r1', actor: 'alice', force: true });
    expect(whileRunning).toMatchObject({ outcome: 'running', runningJobId: jobId });

    outputs.set('out/1', buildTestJobOutput(model, { jobId }).files);
    await completion.handle({ jobId, state: 'Completed', outputLocation: 'out/1' });
    expect((await readLock(stores.tables.jobs, model))?.holder).toBeNull();

    advance(HOUR);
    const inCooldown = await launcher.handle({ type: 'ScheduledRetrain', model, scheduledAt: '2026-03-01T11:00:00Z' });
    expect(inCooldown).toMatchObject({ outcome: 'cooldown', nextAllowedAt: '2026-03-01T16:00:00.000Z' });
    const forced = await launcher.handle({ type: 'ManualRetrain', model, requestId: 'r2', actor: 'alice', reason: 'new attack family', force: true });
    expect(forced.outcome).toBe('started');
    expect(backend.started).toHaveLength(2);
  });

  it('lets the next trigger through once the cooldown has passed', async () => {
    const { model, launcher, completion, outputs, advance } = setup({ cooldownMs: 2 * HOUR });
    const first = await launcher.handle({ type: 'DataVolumeReached', model, collected: 1200, threshold: 1000, at: '2026-03-01T10:05:00Z' });
    const jobId = first.outcome === 'started' ? first.job.jobId : '';
    await completion.handle({ jobId, state: 'Failed', failureReason: 'AlgorithmError: out of memory' });

    advance(2 * HOUR + 1);
    const next = await launcher.handle({ type: 'DataVolumeReached', model, collected: 1300, threshold: 1000, at: '2026-03-01T12:05:00Z' });
    expect(next.outcome).toBe('started');
    expect(outputs.size).toBe(0);
  });

  it('records a failed start, releases the lock and alerts when the backend refuses', async () => {
    const { model, launcher, events, audit } = setup({ refuse: true });

    const out = await launcher.handle(drift(model));

    expect(out.outcome).toBe('failed');
    const job = out.outcome === 'failed' ? out.job : undefined;
    expect(job?.failureReason).toMatch(/ResourceLimitExceeded/);
    expect((await readLock(stores.tables.jobs, model))?.holder).toBeNull();
    await events.drain();
    expect(events.published.filter((e) => e.detailType === 'TrainingFailed').map((e) => e.detail.model)).toEqual([model]);
    expect((await audit.records()).map((r) => r.action)).toContain('training.failed');
  });

  it('registers the finished job and auto-promotes it through the gate', async () => {
    const { model, launcher, completion, outputs, registry, audit, events } = setup({ policy: 'auto-promote' });
    const started = await launcher.handle(drift(model));
    const jobId = started.outcome === 'started' ? started.job.jobId : '';
    const output = buildTestJobOutput(model, { jobId });
    outputs.set(`s3://out/${jobId}`, output.files);

    const done = await completion.handle({ jobId, state: 'Completed', outputLocation: `s3://out/${jobId}` });
    const again = await completion.handle({ jobId, state: 'Completed', outputLocation: `s3://out/${jobId}` });

    expect(done.outcome).toBe('promoted');
    expect(again.outcome).toBe('duplicate');
    expect(await registry.resolveAlias(model, 'production')).toMatchObject({ version: 1 });
    const version = await registry.getVersion(model, 1);
    expect(version.trainingJobId).toBe(jobId);
    expect(version.metrics.macroF1).toBeGreaterThan(0.5);
    // Artefacts were copied (and are byte-identical) before the registration.
    const onnx = version.artefacts.onnx;
    expect(Buffer.from(await stores.buckets.artefacts.get(onnx.key))).toEqual(Buffer.from(output.files.get(onnx.key)!));
    expect(await getJob(stores.tables.jobs, jobId)).toMatchObject({ state: 'Completed', registeredVersion: 1, outcome: 'promoted' });
    const actions = (await audit.records()).map((r) => r.action);
    expect(actions).toEqual(['training.start', 'model.register', 'lineage.spec.recorded', 'model.deploy', 'training.completed']);
    await events.drain();
    expect(events.published.map((e) => e.detailType)).toEqual(expect.arrayContaining(['TrainingStarted', 'ModelAliasChanged', 'TrainingCompleted']));
  });

  it('requests an experiment under the shadow policy and waits for a human under manual', async () => {
    const shadow = setup({ policy: 'shadow' });
    // Production v1 first (nothing to test against yet → deployed directly).
    const a = await shadow.launcher.handle(drift(shadow.model));
    const jobA = a.outcome === 'started' ? a.job.jobId : '';
    shadow.outputs.set('a', buildTestJobOutput(shadow.model, { jobId: jobA, rounds: 20 }).files);
    expect((await shadow.completion.handle({ jobId: jobA, state: 'Completed', outputLocation: 'a' })).outcome).toBe('promoted');
    shadow.advance(7 * HOUR);
    const b = await shadow.launcher.handle(drift(shadow.model, '2026-03-01T17:00:00.000Z'));
    const jobB = b.outcome === 'started' ? b.job.jobId : '';
    shadow.outputs.set('b', buildTestJobOutput(shadow.model, { jobId: jobB, rounds: 25 }).files);

    const second = await shadow.completion.handle({ jobId: jobB, state: 'Completed', outputLocation: 'b' });

    expect(second).toMatchObject({ outcome: 'experiment-requested', productionVersion: 1 });
    expect(await shadow.registry.resolveAlias(shadow.model, 'production')).toMatchObject({ version: 1 });
    await shadow.events.drain();
    expect(shadow.events.published.filter((e) => e.detailType === 'ExperimentRequested').map((e) => e.detail)).toEqual([
      expect.objectContaining({ model: shadow.model, challengerVersion: 2, championVersion: 1, mode: 'shadow' }),
    ]);

    const manual = setup({ policy: 'manual' });
    const m = await manual.launcher.handle(drift(manual.model));
    const jobM = m.outcome === 'started' ? m.job.jobId : '';
    manual.outputs.set('m', buildTestJobOutput(manual.model, { jobId: jobM }).files);
    expect((await manual.completion.handle({ jobId: jobM, state: 'Completed', outputLocation: 'm' })).outcome).toBe('awaiting-approval');
    expect(await manual.registry.resolveAlias(manual.model, 'production')).toBeUndefined();
    expect((await manual.audit.records()).map((r) => r.action)).toContain('model.awaiting-approval');
  });

  it('fails the job (and registers nothing) when an output file does not match its checksum', async () => {
    const { model, launcher, completion, outputs, registry } = setup();
    const s = await launcher.handle(drift(model));
    const jobId = s.outcome === 'started' ? s.job.jobId : '';
    const output = buildTestJobOutput(model, { jobId });
    const onnxKey = [...output.files.keys()].find((k) => k.endsWith('model.onnx'))!;
    output.files.set(onnxKey, Buffer.from('tampered'));
    outputs.set('bad', output.files);

    const out = await completion.handle({ jobId, state: 'Completed', outputLocation: 'bad' });

    expect(out.outcome).toBe('failed');
    expect(out.job.failureReason).toMatch(/onnx artefact .* is corrupt/);
    expect(await registry.listVersions(model)).toEqual([]);
  });

  it("fails the job, copying nothing, when registration.json names an artefact outside the model's prefix", async () => {
    const { model, launcher, completion, outputs, registry } = setup();
    const s = await launcher.handle(drift(model));
    const jobId = s.outcome === 'started' ? s.job.jobId : '';
    const output = buildTestJobOutput(model, { jobId });
    const registration = JSON.parse(Buffer.from(output.files.get('registration.json')!).toString('utf8')) as {
      artefacts: Record<string, { key: string }>;
    };
    const onnx = registration.artefacts.onnx;
    const foreign = onnx.key.replace(`models/${model}/`, 'models/general/');
    output.files.set(foreign, output.files.get(onnx.key)!);
    onnx.key = foreign;
    output.files.set('registration.json', Buffer.from(JSON.stringify(registration)));
    outputs.set('foreign', output.files);

    const out = await completion.handle({ jobId, state: 'Completed', outputLocation: 'foreign' });

    expect(out.outcome).toBe('failed');
    expect(out.job.failureReason).toMatch(/onnx artefact key .* lies outside models\//);
    expect(await registry.listVersions(model)).toEqual([]);
    expect(await stores.buckets.artefacts.exists(foreign)).toBe(false);
  });

  it('skips scheduled triggers while the runtime switch is off and reports jobs, versions and the next run', async () => {
    const { model, launcher, completion, outputs, clock } = setup();
    const guarded = new RetrainLauncher({
      jobs: stores.tables.jobs,
      backend: new RecordingBackend(),
      resolveDataset: async (name) => ({ name, version: 1, chunkPrefix: `datasets/${name}/`, manifestKey: `manifests/${name}/v1.json` }),
      clock,
      config: {
        training: { dataset: 'd', algorithm: 'gbdt', classes: 'fine', seed: 1 },
        scheduleEnabled: (m) => autoRetrainEnabled(stores.tables.jobs, true, m),
      },
    });
    await setAutoRetrain(stores.tables.jobs, false, 'alice', clock(), model);
    expect(await guarded.handle({ type: 'ScheduledRetrain', model, scheduledAt: '2026-03-01T10:00:00Z' })).toMatchObject({ outcome: 'disabled' });
    await setAutoRetrain(stores.tables.jobs, true, 'alice', clock(), model);
    const started = await launcher.handle({ type: 'ScheduledRetrain', model, scheduledAt: '2026-03-01T10:00:00Z' });
    const jobId = started.outcome === 'started' ? started.job.jobId : '';
    outputs.set('o', buildTestJobOutput(model, { jobId }).files);
    await completion.handle({ jobId, state: 'Completed', outputLocation: 'o' });

    const registry = new ModelRegistry({
      table: stores.tables.registry,
      audit: new AuditLog({ table: stores.tables.audit, stream: uniqueId('a') }),
      events: new InProcessEventBus(),
    });
    const status = await retrainingStatus(
      { jobs: stores.tables.jobs, registry },
      { models: [model], autoRetrain: { enabled: true, schedule: 'rate(24 hours)' }, now: clock() },
    );

    expect(status.models[0]).toMatchObject({ model, production: 1, challenger: null });
    expect(status.models[0].jobs).toEqual([
      expect.objectContaining({ jobId, trigger: 'ScheduledRetrain', state: 'Completed', registeredVersion: 1, durationSeconds: 0 }),
    ]);
    expect(status.autoRetrain).toEqual({ deployEnabled: true, enabled: true, schedule: 'rate(24 hours)', nextScheduledRun: '2026-03-02T10:00:00.000Z' });
  });
});
