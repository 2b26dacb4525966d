// The local API server's edge, against the real handler modules over the embedded cloud: the crash
// vectors of issue 16 replayed (each once killed the process), the local request guard (Host,
// Origin / Sec-Fetch-Site, content-type, the optional token), 413 closing the connection, and the
// last-resort boundary. After each, the server still answers.
import { FUNCTIONS, type FunctionDefinition } from '../../config/functions';
import { startLocalApiServer, type LocalApiServer } from '../../local/http-server';
import { portOf, rawRequest } from '../support/raw-http';

const TOKEN = 'a-local-token-of-32-characters!!';

describe('local API edge', () => {
  let api: LocalApiServer;
  let guarded: LocalApiServer;
  let host: string;
  const logged: string[] = [];
  const broken: FunctionDefinition = {
    ...FUNCTIONS.find((f) => f.id === 'health')!,
    id: 'broken',
    entry: 'test/support/fixtures/throwing-handler.ts',
    routes: [{ method: 'GET', path: '/api/ml/broken' }],
  };

  beforeAll(async () => {
    api = await startLocalApiServer({ port: 0, functions: [...FUNCTIONS, broken], log: (line) => logged.push(line) });
    guarded = await startLocalApiServer({ port: 0, token: TOKEN });
    host = `127.0.0.1:${portOf(api.url)}`;
  });
  afterAll(async () => {
    await api?.close();
    await guarded?.close();
  });

  const get = (path: string, headers = '') => rawRequest(api.url, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${headers}Connection: close\r\n\r\n`);
  async function expectAlive(server: LocalApiServer = api): Promise<void> {
    const res = await fetch(`${server.url}/api/ml/health`);
    expect(res.status).toBe(200);
  }

  it.each([['/api/ml/models/%ZZ'], ['/api/ml/models/%C0%AF'], ['/api/ml/models/%'], ['/api/ml/ab-test/%E0%A4%A'], ['/api/ml/models?model=%ZZ']])(
    'answers a malformed percent escape (%s) with 400 and keeps serving',
    async (path) => {
      const answer = await get(path);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'BadRequest', details: [{ field: expect.stringMatching(/^(path\.name|path\.id|query)/) }] });
      await expectAlive();
    },
  );

  it.each([
    ['GET http://[zz/api/ml/health HTTP/1.1'],
    ['GET http://127.0.0.1/api/ml/health HTTP/1.1'],
    ['GET //evil/api/ml/health HTTP/1.1'],
    ['GET * HTTP/1.1'],
    ['\u0000\u0001 garbage'],
  ])('answers a request line that is not origin-form (%j) with 400 and keeps serving', async (line) => {
    const answer = await rawRequest(api.url, `${line}\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(answer.status).toBe(400);
    await expectAlive();
  });

  it('answers a body nested 50,000 deep with 400 naming the field', async () => {
    const body = `{"flows":[{"Flow Duration":${'['.repeat(50_000)}0${']'.repeat(50_000)}}]}`;
    const res = await fetch(`${api.url}/api/ml/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { details: { field: string }[] };
    expect(answer.details[0].field).toMatch(/^body\.flows\.0\.Flow Duration\./);
  });

  it('refuses a Host that is not this loopback server (DNS rebinding 403, another port 421)', async () => {
    const rebinding = await rawRequest(api.url, `GET /api/ml/models HTTP/1.1\r\nHost: attacker.example:${portOf(api.url)}\r\nConnection: close\r\n\r\n`);
    expect(rebinding.status).toBe(403);
    expect(rebinding.body).toMatch(/headers\.host/);
    const misdirected = await rawRequest(api.url, `GET /api/ml/models HTTP/1.1\r\nHost: localhost:1\r\nConnection: close\r\n\r\n`);
    expect(misdirected.status).toBe(421);
    const none = await rawRequest(api.url, `GET /api/ml/models HTTP/1.0\r\n\r\n`);
    expect(none.status).toBe(403);
    expect((await fetch(`${api.url.replace('127.0.0.1', 'localhost')}/api/ml/health`)).status).toBe(200);
  });

  it('refuses what a cross-site page can send: a simple POST, a cross-origin fetch, a form', async () => {
    const deploy = `${api.url}/api/ml/models/general/deploy`;
    const simple = await fetch(deploy, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ version: 1, force: true, reason: 'x' }),
    });
    expect(simple.status).toBe(415);
    const form = await fetch(`${api.url}/api/ml/retrain`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'model=general',
    });
    expect(form.status).toBe(415);
    const noType = await fetch(`${api.url}/api/ml/models/general/rollback`, { method: 'POST' });
    expect(noType.status).toBe(415);
    // the headers a browser adds to a cross-origin fetch of application/json (after a preflight it would fail anyway)
    const crossOrigin = await fetch(deploy, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
      body: JSON.stringify({ version: 1, force: true, reason: 'x' }),
    });
    expect(crossOrigin.status).toBe(403);
    const sameSite = await fetch(`${api.url}/api/ml/models`, { headers: { 'sec-fetch-site': 'same-site' } });
    expect(sameSite.status).toBe(403);
    const otherLocalOrigin = await fetch(`${api.url}/api/ml/models`, { headers: { origin: 'http://127.0.0.1:1' } });
    expect(otherLocalOrigin.status).toBe(403);
    const own = await fetch(`${api.url}/api/ml/models`, { headers: { origin: api.url, 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBe(200);
  });

  it('requires the token when one is set, except for the health check', async () => {
    expect((await fetch(`${guarded.url}/api/ml/models`)).status).toBe(401);
    expect((await fetch(`${guarded.url}/api/ml/models`, { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong!!' } })).status).toBe(401);
    expect((await fetch(`${guarded.url}/api/ml/models`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${guarded.url}/api/ml/models`, { headers: { 'x-xdr-ml-token': TOKEN } })).status).toBe(200);
    await expectAlive(guarded);
  });

  it('answers 413 to an oversized body and closes the connection', async () => {
    const declared = await rawRequest(
      api.url,
      `POST /api/ml/predict HTTP/1.1\r\nHost: ${host}\r\ncontent-type: application/json\r\ncontent-length: ${11 * 1024 * 1024}\r\n\r\n{"flows":[`,
    );
    expect(declared.status).toBe(413);
    expect(declared.head).toMatch(/connection: close/i);
    expect(declared.closed).toBe(true);
    const streamed = await fetch(`${api.url}/api/ml/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ flows: [{ x: 'y'.repeat(11 * 1024 * 1024) }] }),
    }).catch((error: Error) => error);
    // the client either reads the 413 or sees the connection cut while still sending; never a 2xx or 5xx
    if (!(streamed instanceof Error)) expect(streamed.status).toBe(413);
    await expectAlive();
  });

  it('answers a handler failure with a 500 carrying the correlation id, and keeps serving', async () => {
    const res = await fetch(`${api.url}/api/ml/broken`, { headers: { 'x-correlation-id': 'edge-500' } });
    expect(res.status).toBe(500);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ error: 'InternalError', message: expect.stringMatching(/correlation id/), correlationId: expect.any(String) });
    expect(JSON.stringify(body)).not.toMatch(/secret/);
    expect(logged.some((line) => line.includes(String(body.correlationId)))).toBe(true);
    await expectAlive();
  });

  it('keeps answering on a keep-alive connection after a refusal', async () => {
    const two = await rawRequest(
      api.url,
      `GET /api/ml/models/%ZZ HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /api/ml/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    expect(two.head).toMatch(/^HTTP\/1\.1 400/);
    expect(two.raw).toMatch(/\r\n\r\nHTTP\/1\.1 200 OK/);
  });
});
