// `xdr-ml api`: with XDR_ML_TARGET=aws it signs with SigV4 (service execute-api, the default
// credential chain) exactly what it sends — checked by re-signing the request the server received;
// on the local target it calls the local server unsigned.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

const CLI = path.resolve(__dirname, '..', '..', 'bin', 'xdr-ml.js');
const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

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

describe('xdr-ml api', () => {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(req.url?.startsWith('/api/ml/nope') ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok' }));
    });
  });
  let port = 0;
  const base: NodeJS.ProcessEnv = { ...process.env, XDR_ML_CLI_BUNDLE: process.env.XDR_ML_CLI_BUNDLE };
  delete base.XDR_ML_TARGET;
  delete base.AWS_PROFILE;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => (received.length = 0));

  it('signs the deployed API call with SigV4 for execute-api, and the signature covers what was sent', async () => {
    // Act
    const env = {
      ...base,
      XDR_ML_TARGET: 'aws',
      XDR_ML_API_URL: `http://127.0.0.1:${port}`,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
    };
    const { code, stdout } = await cli(['api', 'POST', '/api/ml/predict?explain=true', '--data', '{"flows":[{"a":1}]}'], env);
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ status: 'ok' });
    const [r] = received;
    const auth = String(r.headers.authorization);
    expect(auth).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    // re-sign what arrived, at the time it says: the same signature
    const amzDate = String(r.headers['x-amz-date']);
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1].split(';');
    const url = new URL(r.url, `http://127.0.0.1:${port}`);
    const signer = new SignatureV4({ service: 'execute-api', region: 'eu-west-1', credentials: KEYS, sha256: Sha256 });
    const again = await signer.sign(
      {
        method: r.method,
        protocol: 'http:',
        hostname: '127.0.0.1',
        port,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(signedHeaders.map((h) => [h, String(r.headers[h])])),
        body: r.body,
      },
      { signingDate },
    );
    expect(again.headers.authorization).toBe(auth);
  });

  it('calls the local server unsigned, and exits 1 on an error answer', async () => {
    const ok = await cli(['api', 'get', '/api/ml/health'], { ...base, PORT: String(port) });
    expect(ok.code).toBe(0);
    expect(received[0].headers.authorization).toBeUndefined();
    const missing = await cli(['api', 'GET', '/api/ml/nope'], { ...base, PORT: String(port) });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/answered 404/);
  });

  it('refuses to guess the deployed URL', async () => {
    const { code, stderr } = await cli(['api', 'GET', '/api/ml/health'], { ...base, XDR_ML_TARGET: 'aws', XDR_ML_API_URL: '' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/XDR_ML_API_URL is not set/);
  });
});
