// `xdr-ml console --target aws`: the console served on 127.0.0.1 with its API calls relayed to the
// deployed API, each signed with SigV4 from the user's credentials — checked by re-signing every
// request the stand-in API received (as cli/commands/api.test.ts does) — and guarded as the local
// API is, with a token of its own. The stand-in plays API Gateway's part only: it checks signatures
// and answers a lineage list, so the console's first page renders through the relay in Chromium.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { describeWithBrowser, launchChromium, screenshot, watchPage } from '../../test/support/browser';

const CLI = path.resolve(__dirname, '..', '..', 'bin', 'xdr-ml.js');
const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

const view = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string' ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d);

class Sha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', view(secret));
  }
  update(d: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(view(d));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

interface Received {
  readonly method: string;
  readonly url: string;
  readonly body: string;
  /** The request's SigV4 signature, re-computed from what arrived, matches its Authorization header. */
  readonly signatureValid: boolean;
}

/** Re-signs what arrived, at the time it says, with the known keys: true when the signature is the same. */
async function signatureHolds(req: IncomingMessage, body: string, port: number): Promise<boolean> {
  const auth = String(req.headers.authorization ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/.exec(
    auth,
  );
  if (!m) return false;
  const amzDate = String(req.headers['x-amz-date']);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  const signer = new SignatureV4({ service: 'execute-api', region: 'eu-west-1', credentials: KEYS, sha256: Sha256 });
  const again = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(m[1].split(';').map((h) => [h, String(req.headers[h])])),
      ...(body ? { body } : {}),
    },
    { signingDate },
  );
  return again.headers.authorization === auth;
}

describe('xdr-ml console --target aws', () => {
  jest.setTimeout(120_000);
  const received: Received[] = [];
  let upstreamPort = 0;
  const upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      void signatureHolds(req, body, upstreamPort).then((signatureValid) => {
        received.push({ method: req.method ?? '', url: req.url ?? '', body, signatureValid });
        // API Gateway with AWS_IAM: an unsigned or badly signed call is refused
        if (!signatureValid) {
          res.writeHead(403, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ message: 'The request signature we calculated does not match the signature you provided.' }));
        }
        res.writeHead(200, { 'content-type': 'application/json', 'x-correlation-id': 'up-1' });
        res.end(
          req.url?.startsWith('/api/ml/models?')
            ? JSON.stringify({ models: [{ model: 'general', versions: 3, latestVersion: 3, aliases: { production: { version: 2, revision: 4 } } }] })
            : JSON.stringify({ echoed: body ? JSON.parse(body) : null }),
        );
      });
    });
  });
  let child: ChildProcess;
  let consoleUrl = '';
  let base = '';
  let token = '';

  beforeAll(async () => {
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    upstreamPort = (upstream.address() as AddressInfo).port;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDR_ML_API_URL: `http://127.0.0.1:${upstreamPort}`,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
    };
    delete env.AWS_PROFILE;
    delete env.AWS_SESSION_TOKEN;
    child = spawn(process.execPath, [CLI, 'console', '--target', 'aws', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    consoleUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no console URL: ${out}`)), 30_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /console: (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    });
    base = consoleUrl.slice(0, consoleUrl.indexOf('/#'));
    token = consoleUrl.slice(consoleUrl.indexOf('#token=') + 7);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  beforeEach(() => (received.length = 0));

  it('serves the console pages and relays API calls signed with SigV4, body included', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/console/app.js">');
    // Act: a read and a write through the relay
    const list = await fetch(`${base}/api/ml/models?limit=1000`, { headers: { authorization: `Bearer ${token}` } });
    const deploy = await fetch(`${base}/api/ml/models/general/deploy`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: 3, reason: 'from the console' }),
    });
    // Assess: the answers relayed, both calls signed over what they carried
    expect(list.status).toBe(200);
    expect(((await list.json()) as { models: unknown[] }).models).toHaveLength(1);
    expect(list.headers.get('x-correlation-id')).toBe('up-1');
    expect(await deploy.json()).toEqual({ echoed: { version: 3, reason: 'from the console' } });
    expect(received.map((r) => [r.method, r.url, r.signatureValid])).toEqual([
      ['GET', '/api/ml/models?limit=1000', true],
      ['POST', '/api/ml/models/general/deploy', true],
    ]);
  });

  it('guards the relay as the local API is guarded: its token, no cross-site page, JSON writes only', async () => {
    expect((await fetch(`${base}/api/ml/models`)).status).toBe(401);
    expect((await fetch(`${base}/api/ml/models`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const crossSite = await fetch(`${base}/api/ml/models`, { headers: { authorization: `Bearer ${token}`, 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    const form = await fetch(`${base}/api/ml/models/general/deploy`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(415);
    expect((await fetch(`${base}/elsewhere`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    // nothing of it reached the deployed API
    expect(received).toEqual([]);
  });

  it('refuses a bad target or a missing API URL before serving anything', async () => {
    const run = (args: string[], env: NodeJS.ProcessEnv) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [CLI, 'console', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        p.once('exit', (code) => resolve({ code, stderr }));
      });
    const bad = await run(['--target', 'gcp'], process.env);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toMatch(/--target must be aws or local/);
    const noUrl = await run(['--target', 'aws'], { ...process.env, XDR_ML_API_URL: '' });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/XDR_ML_API_URL is not set/);
  });

  describeWithBrowser('in headless Chromium', () => {
    it('renders the lineages page from the deployed API through the signed relay', async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const { problems } = watchPage(page);
        await page.goto(consoleUrl);
        await page.locator('#lineages a[data-model="general"]').waitFor();
        expect(await page.locator('#lineages').textContent()).toContain('production → v2');
        await screenshot(page, 'console', 'aws-relay-lineages');
        expect(problems).toEqual([]);
        expect(received.every((r) => r.signatureValid)).toBe(true);
        expect(received.map((r) => r.url)).toContain('/api/ml/models?limit=1000');
      } finally {
        await browser.close();
      }
    });
  });
});
