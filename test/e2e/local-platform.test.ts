// `npm start` end to end: the local platform serves the catalogue's routes over HTTP on
// 127.0.0.1, and `xdr-ml status` run beside it joins the same embedded cloud.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isolatedEnv, ROOT, startServe, type ServedPlatform } from '../support/serve';

const run = promisify(execFile);

describe('local platform over HTTP', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-e2e-'));
  const env = isolatedEnv(home, { XDR_ML_STAGE: 'e2e' });
  let platform: ServedPlatform;

  beforeAll(async () => {
    platform = await startServe(env);
  });
  afterAll(async () => {
    await platform?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('binds to loopback and serves GET /api/ml/health', async () => {
    expect(platform.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${platform.url}/api/ml/health`, { headers: { 'x-correlation-id': 'e2e-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe('e2e-1');
    expect(await res.json()).toMatchObject({ status: 'ok', stage: 'e2e' });
  });

  it('serves its OpenAPI document and pages list routes', async () => {
    const res = await fetch(`${platform.url}/api/ml/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/ml/predict', '/api/ml/models/{name}/spec', '/api/ml/openapi.json']));
    expect((await fetch(`${platform.url}/api/ml/models?limit=0`)).status).toBe(400);
    expect(await (await fetch(`${platform.url}/api/ml/models?limit=1`)).json()).toEqual({ models: [] });
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    expect((await fetch(`${platform.url}/api/ml/nope`)).status).toBe(404);
    expect((await fetch(`${platform.url}/api/ml/health`, { method: 'DELETE' })).status).toBe(405);
  });

  it('lets the CLI join the running embedded cloud', async () => {
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'bin', 'xdr-ml.js'), 'status', '--json'], { cwd: ROOT, env });
    const status = JSON.parse(stdout) as {
      target: string;
      embeddedCloudOwner: string;
      stateDirectory: string;
      tables: { status: string }[];
      buckets: { exists: boolean }[];
    };
    expect(status).toMatchObject({ target: 'embedded', embeddedCloudOwner: 'another process', stateDirectory: home });
    expect(status.tables.every((t) => t.status === 'ACTIVE')).toBe(true);
    expect(status.buckets.every((b) => b.exists)).toBe(true);
  });

  it("forwards the CLI's registry events to the running platform's event bus", async () => {
    const cli = (...args: string[]) => run(process.execPath, [path.join(ROOT, 'bin', 'xdr-ml.js'), ...args], { cwd: home, env, timeout: 120_000 });
    await cli('datasets', 'synthesize', '--scenario', 'all', '--rows', '600', '--name', 'toy', '--seed', '3');
    await cli('train', '--dataset', 'toy', '--model', 'toy', '--param', 'nRounds=5', '--json');
    const deployed = await cli('deploy', 'toy', '1');
    expect(deployed.stdout).not.toMatch(/not published/);
    // the API's answer shape, and real item counts (dynalite never refreshes DescribeTable's ItemCount)
    const listed = JSON.parse((await cli('models', '--json')).stdout) as { models: { model: string }[] };
    expect(listed.models.map((m) => m.model)).toContain('toy');
    const status = JSON.parse((await cli('status', '--json')).stdout) as { tables: { id: string; items: number; itemsExact: boolean }[] };
    const registry = status.tables.find((t) => t.id === 'registry')!;
    expect(registry).toMatchObject({ itemsExact: true });
    expect(registry.items).toBeGreaterThan(0);

    const res = await fetch(`${platform.url}/local/events`);
    expect(res.status).toBe(200);
    const { events } = (await res.json()) as { events: { detailType: string; detail: Record<string, unknown> }[] };
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ detailType: 'ModelVersionRegistered', detail: expect.objectContaining({ model: 'toy', version: 1 }) }),
        expect.objectContaining({ detailType: 'ModelAliasChanged', detail: expect.objectContaining({ model: 'toy', alias: 'production', toVersion: 1 }) }),
      ]),
    );
  }, 180_000);

  it('refuses an invalid PORT with a message naming it', async () => {
    await expect(run(process.execPath, [path.join(ROOT, 'bin', 'xdr-ml.js'), 'serve'], { cwd: ROOT, env: { ...env, PORT: 'eighty' } })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/PORT/),
    });
  });
});
