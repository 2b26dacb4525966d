// Per-job resource records on the embedded cloud with the local backend: a training job on real
// NSL-KDD rows runs as a child process under a wrapper that waits for it and writes what the OS
// reports for it (wait4's rusage: its peak RSS, independently of the platform's meter); the
// finished job's record and its training summary carry real figures that agree with it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findExecutable, machineCapacity } from '../../adapters/resource-probe';
import { jobOutputReader, LocalTrainingBackend } from '../../adapters/training-backends';
import { AuditLog } from '../../core/audit/audit-log';
import { ingestDataset } from '../../core/datasets';
import { ModelRegistry } from '../../core/registry/model-registry';
import { capacityNeed, CompletionHandler, getJob, listJobs, putJob, RetrainLauncher, stageDatasetInput } from '../../core/retraining';
import { InProcessEventBus } from '../../local/event-bus';
import { datasetPath, describeWithData } from '../support/datasets';
import { closeStores, testStores, uniqueId } from '../support/platform';

/**
 * Runs the command in its arguments, waits for it, writes the peak RSS the kernel reports for it
 * (RUSAGE_CHILDREN's ru_maxrss, in kB on Linux) to the file named first, and exits with its code.
 * Polling /proc/<pid>/status instead missed the child's last growth when the machine was loaded.
 */
const OS_PEAK_WRAPPER = `
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], 'w') as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024))
sys.exit(code)
`;

describeWithData('per-job resource records (local backend, real NSL-KDD rows)', ['nsl_kdd/KDDTest+.txt'], () => {
  const stores = testStores();
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-usage-'));
  const osPeakFile = path.join(home, 'os-peak-rss');
  const python = findExecutable('python3');
  afterAll(() => {
    closeStores(stores);
    rmSync(home, { recursive: true, force: true });
  });

  const dataset = uniqueId('kdd').toLowerCase();
  const model = uniqueId('m').toLowerCase();
  const events = new InProcessEventBus();
  let launcher: RetrainLauncher;

  it("records the job's CPU time, threads and rows/s, and a peak RSS within 10 % of what the OS reports for the child", async () => {
    // Prepare: KDDTest+ ingested, a launcher (with the capacity check) and completion handler over the local backend
    const { manifest } = await ingestDataset(
      { objects: stores.buckets.datasets, manifests: stores.tables.datasets },
      { name: dataset, sourcePath: datasetPath('nsl_kdd/KDDTest+.txt'), format: 'nsl-kdd' },
    );
    const audit = new AuditLog({ table: stores.tables.audit, stream: uniqueId('audit') });
    const registry = new ModelRegistry({ table: stores.tables.registry, audit, events });
    const completion = new CompletionHandler({
      jobs: stores.tables.jobs,
      registry,
      artefacts: stores.buckets.artefacts,
      audit,
      events,
      readOutput: jobOutputReader(() => stores.buckets.artefacts),
      thresholds: { minMacroF1: 0, maxRecallDrop: 1 },
      policy: 'manual',
    });
    if (!python) throw new Error("python3 is needed to read the kernel's figures for the child (Debian ships it)");
    const backend = new LocalTrainingBackend({
      home,
      datasets: stores.buckets.datasets,
      onCompletion: async (c) => void (await completion.handle(c)),
      wrapper: [python, '-c', OS_PEAK_WRAPPER, osPeakFile],
    });
    launcher = new RetrainLauncher({
      jobs: stores.tables.jobs,
      backend,
      resolveDataset: (name, version) => stageDatasetInput(stores.tables.datasets, stores.buckets.datasets, name, version),
      audit,
      events,
      capacityNeed: (m, training) => capacityNeed({ jobs: stores.tables.jobs, manifests: stores.tables.datasets }, m, training),
      config: { training: { dataset, algorithm: 'gbdt', classes: 'kdd-category', seed: 42, params: { nRounds: '20', maxDepth: '4' } } },
    });

    // Act: start the job; the wrapper writes the kernel's figure once the job's process has exited
    const started = await launcher.handle({ type: 'ManualRetrain', model, actor: 'tester', reason: 'resource records', requestId: uniqueId('req') });
    if (started.outcome !== 'started') throw new Error(`not started: ${JSON.stringify(started)}`);
    await backend.whenIdle();
    const osPeak = Number(readFileSync(osPeakFile, 'utf8'));

    // Assess: the record's figures are the process's, and agree with the OS
    const job = await getJob(stores.tables.jobs, started.job.jobId);
    expect(job?.state).toBe('Completed');
    const r = job?.resources;
    expect(r).toBeDefined();
    expect(r?.cpuSeconds).toBeGreaterThan(0);
    expect(r?.wallSeconds).toBeGreaterThan(0);
    expect(r?.threads).toBeGreaterThanOrEqual(1);
    expect(r?.rows).toBeGreaterThan(20_000);
    expect(r?.rows).toBeLessThanOrEqual(manifest.rowCount);
    expect(r?.rowsPerSecond).toBeGreaterThan(0);
    expect(r?.source).toBe('process');
    // the capacity check sized the first job from the dataset (nothing measured yet): recorded for the overrun alarm
    expect(job?.expectedResources?.basis).toMatch(/^estimate: 22,544 rows × \d+ features/);
    expect(job?.expectedResources?.memoryBytes).toBeGreaterThan(r?.peakRssBytes ?? Infinity);
    expect(osPeak).toBeGreaterThan(0);
    expect(Math.abs((r?.peakRssBytes ?? 0) - osPeak) / osPeak).toBeLessThan(0.1);
    // no GPU tools on this machine: no GPU figures, never invented
    if (!findExecutable('nvidia-smi')) expect(r?.gpus).toBeUndefined();

    // the training summary carries the figures up to when it was written
    const v = await registry.getVersion(model, 1);
    const summary = JSON.parse(Buffer.from(await stores.buckets.artefacts.get(v.artefacts.summary.key)).toString('utf8')) as {
      resources?: Record<string, number>;
    };
    expect(summary.resources?.cpuSeconds).toBeGreaterThan(0);
    expect(summary.resources?.peakRssBytes).toBeGreaterThan(0);
    expect(summary.resources?.peakRssBytes).toBeLessThanOrEqual(r?.peakRssBytes ?? 0);
  }, 300_000);

  it("sizes the next launch from the job's measured peak RSS, and refuses one whose measured need exceeds the machine's free memory", async () => {
    // the first job's measured figure is what the next launch is sized by
    const verdict = await launcher.checkCapacity(model);
    expect(verdict?.fits).toBe(true);
    expect(verdict?.need.basis).toMatch(/^job train-[\w-]+'s measured peak RSS \(\d[\d,]* MiB\) \+ 20 %$/);

    // Prepare: a later job of the lineage measured a peak larger than this machine's memory (it ran on a bigger host)
    const total = machineCapacity().totalMemoryBytes;
    const bigJob = uniqueId('train-big');
    await putJob(stores.tables.jobs, {
      jobId: bigJob,
      model,
      trigger: 'ManualRetrain',
      reason: 'on a bigger host',
      idempotencyKey: uniqueId('k'),
      state: 'Completed',
      createdAt: new Date().toISOString(),
      backend: 'local',
      resources: { peakRssBytes: 2 * total, cpuSeconds: 100, source: 'process' },
    });

    // Act
    const outcome = await launcher.handle({ type: 'ManualRetrain', model, actor: 'tester', reason: 'too big', requestId: uniqueId('req'), force: true });

    // Assess: refused with the need and what is available, an alert published, nothing started
    expect(outcome).toMatchObject({ outcome: 'refused', code: 'insufficient-capacity', status: 409 });
    const reason = outcome.outcome === 'refused' ? outcome.reason : '';
    expect(reason).toContain('the local backend cannot run this job: the job needs about');
    expect(reason).toContain(`job ${bigJob}'s measured peak RSS`);
    expect(reason).toMatch(/this machine has [\d,]+ MiB available of [\d,]+ MiB/);
    expect(events.published.find((e) => e.detailType === 'TrainingCapacityInsufficient' && e.detail.model === model)?.detail).toMatchObject({ reason });
    expect(events.published.filter((e) => e.detailType === 'TrainingStarted' && e.detail.model === model)).toHaveLength(1); // the first job only
    expect((await listJobs(stores.tables.jobs, model)).map((j) => j.jobId)).toHaveLength(2); // the first job and the recorded big one: no new job
  }, 60_000);
});
