// Resource telemetry end to end on `xdr-ml serve` (real CICIDS2017 rows through the bootstrap): a
// retrain runs as a local training process, predict and status calls go through the local server;
// GET /api/ml/telemetry and `xdr-ml telemetry --json` list the job with its measured figures and
// the functions with invocations, duration percentiles and memory — the HTTP functions and the event
// functions the retrain went through (retrain-launcher, training-completion). Turning auto-retrain on answers
// the capacity verdict; a malformed window is refused naming the field, over HTTP and on the CLI.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasetsDir, describeWithData } from '../support/datasets';
import { http, isolatedEnv, startServe, waitFor, xdrCli, type Json, type ServedPlatform } from '../support/serve';

interface JobRow {
  jobId: string;
  state: string;
  resources?: { cpuSeconds?: number; wallSeconds?: number; peakRssBytes?: number; threads?: number; rows?: number; rowsPerSecond?: number; source?: string };
}
interface FunctionRow {
  function: string;
  invocations: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  peakMemoryBytes: number;
}

describeWithData('resource telemetry, end to end', ['cicids2017/cic_ids2017_multiclass.csv.gz'], () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-usage-'));
  const env = isolatedEnv(home, { XDR_ML_STAGE: 'usage', XDR_ML_BOOTSTRAP: 'true', DATASETS_DIR: datasetsDir() });
  let platform: ServedPlatform;

  beforeAll(async () => {
    platform = await startServe(env);
    await waitFor('the bootstrap', async () => (/ready: curl|bootstrap failed/.test(platform.output()) ? true : undefined), 240_000);
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists the local job and the functions with their figures, over HTTP and with xdr-ml telemetry --json', async () => {
    // Prepare: predict traffic, and a retrain that runs as a local training process
    const example = JSON.parse(readFileSync(path.join(home, 'example-predict.json'), 'utf8')) as Json;
    for (let i = 0; i < 12; i++) expect((await http(`${platform.url}/api/ml/predict`, 'POST', example)).status).toBe(200);
    const retrain = await http(`${platform.url}/api/ml/retrain`, 'POST', { reason: 'telemetry e2e', requestId: 'usage-e2e-1' });
    expect(retrain.status).toBe(202);
    const jobId = retrain.body.jobId as string;
    await waitFor(
      'the retrain to finish',
      async () => {
        const s = await http(`${platform.url}/api/ml/telemetry?by=job`);
        const job = (s.body.jobs as JobRow[] | undefined)?.find((j) => j.jobId === jobId);
        return job && (job.state === 'Completed' || job.state === 'Failed') ? job : undefined;
      },
      240_000,
    );

    // Act: the telemetry route
    const answer = await http(`${platform.url}/api/ml/telemetry?window=24h`);

    // Assess: the job's own figures, and the functions this test called
    expect(answer.status).toBe(200);
    const job = (answer.body.jobs as JobRow[]).find((j) => j.jobId === jobId);
    expect(job?.state).toBe('Completed');
    expect(job?.resources?.cpuSeconds).toBeGreaterThan(0);
    expect(job?.resources?.peakRssBytes).toBeGreaterThan(50 * 1048576);
    expect(job?.resources?.rowsPerSecond).toBeGreaterThan(0);
    expect(job?.resources?.source).toBe('process');
    const predict = (answer.body.functions as FunctionRow[]).find((f) => f.function === 'predict');
    expect(predict?.invocations).toBeGreaterThanOrEqual(12);
    expect(predict?.p50Ms).toBeGreaterThan(0);
    expect(predict?.p99Ms).toBeGreaterThanOrEqual(predict?.p50Ms ?? 0);
    expect(predict?.peakMemoryBytes).toBeGreaterThan(0);
    expect((answer.body.models as { model: string; measuredJobs: number }[]).find((m) => m.model === 'general')?.measuredJobs).toBeGreaterThanOrEqual(1);

    // one section, and pages of jobs
    const onlyFunctions = await http(`${platform.url}/api/ml/telemetry?by=function`);
    expect(Object.keys(onlyFunctions.body).sort()).toEqual(['functions', 'window']);
    const page = await http(`${platform.url}/api/ml/telemetry?limit=1&by=job`);
    expect((page.body.jobs as JobRow[]).length).toBe(1);

    // a malformed window is refused naming the field
    const bad = await http(`${platform.url}/api/ml/telemetry?window=yesterday`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('query.window');

    // turning auto-retrain on checks capacity first, sized by the job just measured
    const on = await http(`${platform.url}/api/ml/status/auto-retrain`, 'POST', { enabled: true, model: 'general' });
    expect(on.status).toBe(200);
    expect((on.body.capacity as { model: string; fits: boolean; reason: string }[])[0]).toMatchObject({ model: 'general', fits: true });
    expect((on.body.capacity as { reason: string }[])[0].reason).toContain(`job ${jobId}'s measured peak RSS`);

    // the CLI, as a user runs it beside the server (the server flushes function usage every 5 s)
    const cli = await waitFor(
      'xdr-ml telemetry --json to list the functions',
      async () => {
        const run = await xdrCli(env, ['telemetry', '--json']);
        if (run.code !== 0) throw new Error(`xdr-ml telemetry failed: ${run.stderr}`);
        const out = JSON.parse(run.stdout) as { jobs: JobRow[]; functions: FunctionRow[] };
        const has = (name: string, n: number) => out.functions.some((f) => f.function === name && f.invocations >= n);
        // the event functions the retrain went through (the local bus → launcher; the job's end → completion) too
        return has('predict', 12) && has('retraining', 2) && has('retrain-launcher', 1) && has('training-completion', 1) ? out : undefined;
      },
      30_000,
    );
    const cliJob = cli.jobs.find((j) => j.jobId === jobId);
    expect(cliJob?.resources?.cpuSeconds).toBe(job?.resources?.cpuSeconds);
    expect(cliJob?.resources?.peakRssBytes).toBe(job?.resources?.peakRssBytes);
    const usageFn = cli.functions.find((f) => f.function === 'retraining');
    expect(usageFn?.invocations).toBeGreaterThanOrEqual(2);
    for (const name of ['retrain-launcher', 'training-completion']) {
      const fn = cli.functions.find((f) => f.function === name);
      expect(fn).toMatchObject({ errors: 0 });
      expect(fn?.maxMs).toBeGreaterThan(0);
      expect(fn?.peakMemoryBytes).toBeGreaterThan(0);
    }
    // and over HTTP, as the server has flushed them
    const served = await http(`${platform.url}/api/ml/telemetry?by=function`);
    const names = (served.body.functions as FunctionRow[]).map((f) => f.function);
    expect(names).toEqual(expect.arrayContaining(['predict', 'retraining', 'retrain-launcher', 'training-completion']));

    const usage = await xdrCli(env, ['telemetry', '--window', 'soon']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--window must be hours or days');
  }, 420_000);
});
