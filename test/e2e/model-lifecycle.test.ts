// The model lifecycle over HTTP on the local platform, on real data: the first start ingests the
// CICIDS2017 sample and trains/deploys v1 (bootstrap) → a second version is trained from the CLI
// → deploy → predict answers from v2 within seconds → rollback → predict answers from v1 again;
// feedback and the performance view follow.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { datasetsDir, describeWithData } from '../support/datasets';
import { isolatedEnv, ROOT, startServe, type ServedPlatform } from '../support/serve';

const run = promisify(execFile);

/** Runs a command with `input` on its stdin; never throws. */
function runWithStdin(
  file: string,
  args: string[],
  input: string,
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

describeWithData('model lifecycle on the local platform', ['cicids2017/cic_ids2017_multiclass.csv.gz'], () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-lifecycle-'));
  const env = isolatedEnv(home, { XDR_ML_STAGE: 'lifecycle', XDR_ML_BOOTSTRAP: 'true', DATASETS_DIR: datasetsDir() });
  let platform: ServedPlatform;
  let example: { model: string; flows: unknown[] };

  const predict = () => json(`${platform.url}/api/ml/predict`, { method: 'POST', body: JSON.stringify(example) });

  beforeAll(async () => {
    platform = await startServe(env);
    await waitFor('the bootstrap', async () => /ready: curl|bootstrap failed/.test(platform.output()), 240_000);
    expect(platform.output()).toMatch(/bootstrap: ingesting .*cic_ids2017_multiclass\.csv\.gz \(DATASETS_DIR\)/);
    example = JSON.parse(readFileSync(path.join(home, 'example-predict.json'), 'utf8'));
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('serves the bootstrapped model with the curl it printed', async () => {
    const r = await predict();
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ model: 'general', modelVersion: 1 });
    const p = (r.body.predictions as { label: string; confidence: number; alert: boolean }[])[0];
    expect(p.confidence).toBeGreaterThan(0.5);
  });

  it('deploys a newly trained version, follows it within seconds, and rolls back', async () => {
    const trained = await run(
      process.execPath,
      [path.join(ROOT, 'bin', 'xdr-ml.js'), 'train', '--dataset', 'cicids2017', '--model', 'general', '--classes', 'taxonomy', '--seed', '7', '--json'],
      {
        cwd: home,
        env,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const v2 = JSON.parse(trained.stdout) as { model: string; version: number; metrics: { macroF1: number } };
    expect(v2).toMatchObject({ model: 'general', version: 2 });

    const deployed = await json(`${platform.url}/api/ml/models/general/deploy`, { method: 'POST', body: JSON.stringify({ version: 2 }) });
    expect(deployed.status).toBe(200);
    const followMs = await waitFor('predict to answer from v2', async () => (await predict()).body.modelVersion === 2, 15_000);
    expect(followMs).toBeLessThan(10_000);

    const rolled = await json(`${platform.url}/api/ml/models/general/rollback`, { method: 'POST', body: JSON.stringify({}) });
    expect(rolled.status).toBe(200);
    await waitFor('predict to answer from v1 again', async () => (await predict()).body.modelVersion === 1, 15_000);

    const described = await json(`${platform.url}/api/ml/models/general`);
    const history = described.body.history as { kind: string; version: number }[];
    expect(history.map((h) => [h.kind, h.version])).toEqual([
      ['deploy', 1],
      ['deploy', 2],
      ['rollback', 1],
    ]);
  });

  it('joins feedback and reports per-version performance', async () => {
    const r = await predict();
    const id = (r.body.predictions as { predictionId: string; label: string }[])[0];
    const fb = await json(`${platform.url}/api/ml/feedback`, {
      method: 'POST',
      body: JSON.stringify({ feedback: [{ predictionId: id.predictionId, label: id.label }] }),
    });
    expect(fb).toMatchObject({ status: 201, body: { accepted: 1 } });
    const perf = await json(`${platform.url}/api/ml/models/performance?model=general`);
    const versions = (perf.body.models as { versions: { version: number; requests: number; onlineAccuracy: number | null }[] }[])[0].versions;
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2]);
    expect(versions.every((v) => v.requests > 0)).toBe(true);
    expect(versions.find((v) => v.version === 1)!.onlineAccuracy).toBe(1);
  });

  it('keeps models/model_registry.json current and scores a CSV from the CLI', async () => {
    const exported = JSON.parse(readFileSync(path.join(home, 'models', 'model_registry.json'), 'utf8')) as {
      models: Record<string, { aliases: Record<string, { version: number }> }>;
    };
    expect(exported.models.general.aliases.production.version).toBe(1);
    expect(readFileSync(path.join(home, 'change-control', 'audit-log.md'), 'utf8')).toMatch(/model\.rollback/);

    const flow = example.flows[0] as Record<string, unknown>;
    const columns = [...Object.keys(flow), 'Label'];
    const csv = path.join(home, 'flows.csv');
    writeFileSync(csv, `${columns.join(',')}\n${columns.map((c) => (c === 'Label' ? 'BENIGN' : String(flow[c] ?? ''))).join(',')}\n`);
    const cli = (args: string[]) => run(process.execPath, [path.join(ROOT, 'bin', 'xdr-ml.js'), ...args], { cwd: home, env, maxBuffer: 64 << 20 });
    const scored = JSON.parse((await cli(['predict', '--input', csv, '--json'])).stdout) as {
      modelVersion: number;
      predictions: { line: number; label: string }[];
    };
    expect(scored.modelVersion).toBe(1);
    expect(scored.predictions).toHaveLength(1);
    expect(scored.predictions[0].line).toBe(2);

    // the real training file, inf values and all: every row scored, streamed as JSON Lines
    const training = path.join(datasetsDir(), 'cicids2017', 'cic_ids2017_multiclass.csv.gz');
    const rows = gunzipSync(readFileSync(training))
      .toString('utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() !== '');
    expect(rows.some((l) => /(^|,)inf(,|$)/.test(l))).toBe(true);
    const streamed = await cli(['predict', '--input', training, '--output', 'jsonl']);
    const answers = streamed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; label?: string; error?: string });
    expect(answers).toHaveLength(rows.length);
    expect(answers.filter((a) => a.error !== undefined)).toEqual([]);
    expect(streamed.stderr).toMatch(new RegExp(`${rows.length} flow\\(s\\) scored`));

    // stdin, a bad row among good ones: the good ones scored, the bad one named by line, exit 1
    const header = gunzipSync(readFileSync(training)).toString('utf8').split('\n')[0];
    const bad = rows[0].replace(/^[^,]*/, 'eighty');
    const piped = await runWithStdin(
      process.execPath,
      [path.join(ROOT, 'bin', 'xdr-ml.js'), 'predict', '--input', '-', '--output', 'csv'],
      `${header}\n${rows[0]}\n${bad}\n${rows[1]}\n`,
      { cwd: home, env },
    );
    expect(piped.code).toBe(1);
    const lines = piped.stdout.trim().split('\n');
    expect(lines[0]).toBe('line,label,confidence,alert,prediction_id,error');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['2', '3', '4']);
    expect(lines[2]).toBe('3,,,,,"""Destination Port"" must be a number (got ""eighty"")"'); // CSV-quoted
    expect(piped.stderr).toMatch(/2 flow\(s\) scored .*; 1 row\(s\) refused/);

    writeFileSync(csv, 'Destination Port,Label\n80,BENIGN\n');
    await expect(cli(['predict', '--input', csv])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/lacks feature column\(s\) the model needs: Flow Duration/),
    });
  });

  it('answers bad predict input with 400 naming the fields', async () => {
    const flow = { ...(example.flows[0] as Record<string, unknown>) };
    delete flow['Flow Duration'];
    flow['Destination Port'] = 'http';
    flow.bogus = 1;
    const r = await json(`${platform.url}/api/ml/predict`, { method: 'POST', body: JSON.stringify({ flows: [flow] }) });
    expect(r.status).toBe(400);
    expect((r.body.details as { field: string }[]).map((d) => d.field).sort()).toEqual(['flows.0.Destination Port', 'flows.0.Flow Duration', 'flows.0.bogus']);
  });
});
