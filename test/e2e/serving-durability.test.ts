// The predict path's durability contract, on the local platform as a user runs it (`xdr-ml serve`
// over HTTP): a prediction id is joinable by feedback as soon as its predict answered; a SIGTERM
// under load stores every acknowledged request's record, its counters and its telemetry sample
// (buffered in memory until then) before the process exits.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTelemetry } from '../../core/serving/telemetry';
import { openPlatform } from '../../platform/open';
import { http, isolatedEnv, startServe, waitFor, type Json, type ServedPlatform } from '../support/serve';

interface Predicted {
  readonly requestId: string;
  readonly predictions: { predictionId: string; label: string }[];
}

describe('predict durability on the local server', () => {
  jest.setTimeout(400_000);
  const home = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-durable-'));
  const noData = mkdtempSync(path.join(os.tmpdir(), 'xdr-ml-nodata-')); // the bootstrap synthesizes (quicker)
  // a long telemetry window: only the shutdown flush can have written the samples
  const env = isolatedEnv(home, { XDR_ML_STAGE: 'durable', XDR_ML_BOOTSTRAP: 'true', DATASETS_DIR: noData, XDR_ML_TELEMETRY_FLUSH_MS: '60000' });
  let server: ServedPlatform | undefined;
  let example: { model: string; flows: Record<string, unknown>[] };

  beforeAll(async () => {
    server = await startServe(env);
    await waitFor('the bootstrap', async () => (/ready: curl|bootstrap failed/.test(server!.output()) ? true : undefined), 300_000);
    expect(server.output()).toMatch(/ready: curl/);
    example = JSON.parse(readFileSync(path.join(home, 'example-predict.json'), 'utf8')) as typeof example;
  }, 320_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(noData, { recursive: true, force: true });
  });

  it('accepts feedback for a prediction id the moment its predict answered', async () => {
    const pairs = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const p = await http(`${server!.url}/api/ml/predict`, 'POST', { model: example.model, flows: example.flows.slice(0, 1 + (i % 3)) });
        expect(p.status).toBe(200);
        const { predictions } = p.body as unknown as Predicted;
        const f = await http(`${server!.url}/api/ml/feedback`, 'POST', {
          feedback: predictions.map((x) => ({ predictionId: x.predictionId, label: x.label })),
        });
        return { status: f.status, body: f.body, expected: predictions.length };
      }),
    );
    for (const f of pairs) {
      expect(f.status).toBe(201);
      expect(f.body).toMatchObject({ accepted: f.expected, rejected: [] });
    }
  });

  it('stores every acknowledged record, counter and telemetry sample when SIGTERM arrives under load', async () => {
    const url = server!.url;
    const statsBefore = await requestsServed(example.model);
    const acked: Predicted[] = [];
    let sent = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        sent++;
        try {
          const p = await http(`${url}/api/ml/predict`, 'POST', { model: example.model, flows: example.flows.slice(0, 2) });
          if (p.status === 200) acked.push(p.body as unknown as Predicted);
        } catch {
          return; // the server stopped taking connections
        }
      }
    };
    const startedAt = new Date(Date.now() - 1000);
    const workers = Array.from({ length: 32 }, worker);
    await waitFor('200 acknowledged predicts', async () => (acked.length >= 200 ? true : undefined), 120_000);
    const exited = new Promise<number | null>((resolve) => server!.child.once('exit', (code) => resolve(code)));
    server!.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    stop = true;
    await Promise.all(workers);
    expect(server!.output()).not.toMatch(/flushing serving writes failed|telemetry flush failed/);

    // Restarted: every acknowledged prediction id takes feedback, and its flows are in telemetry.
    server = await startServe({ ...env, XDR_ML_BOOTSTRAP: 'false' });
    const ids = acked.flatMap((a) => a.predictions.map((p) => p.predictionId));
    for (let i = 0; i < ids.length; i += 100) {
      const f = await http(`${server.url}/api/ml/feedback`, 'POST', {
        feedback: ids.slice(i, i + 100).map((predictionId) => ({ predictionId, label: 'BENIGN' })),
      });
      expect(f.status).toBe(201);
      expect((f.body as Json).rejected).toEqual([]);
    }
    const served = (await requestsServed(example.model)) - statsBefore;
    expect(served).toBeGreaterThanOrEqual(acked.length);
    expect(served).toBeLessThanOrEqual(sent);
    const session = await openPlatform({ env });
    try {
      const telemetry = await readTelemetry(session.platform.stores.buckets.telemetry, { model: example.model, from: startedAt, to: new Date() });
      const sampled = new Set(telemetry.requestId.map((r, i) => `${r}:${telemetry.flowIndex[i]}`));
      expect(ids.filter((id) => !sampled.has(id))).toEqual([]);
    } finally {
      await session.close();
    }
  });

  async function requestsServed(model: string): Promise<number> {
    const perf = await http(`${server!.url}/api/ml/models/performance?model=${model}`);
    expect(perf.status).toBe(200);
    return JSON.stringify(perf.body)
      .match(/"requests":(\d+)/g)!
      .map((m) => Number(m.slice(11)))
      .reduce((a, b) => a + b, 0);
  }
});
