// `xdr-ml console`: the web console served on this machine (127.0.0.1), its API calls relayed to the
// platform's API — on AWS the deployed, IAM-authorised API, each call signed with SigV4 from the
// user's own credentials (platform/api.ts, as `xdr-ml api` does). Nothing is deployed for it: no
// public page, no unauthenticated route. Because this server signs with the user's credentials, it
// guards itself as the local API does (loopback Host with its port, no cross-site Origin or
// Sec-Fetch-Site, JSON for state changes) and requires a token of its own, made per start and handed
// to the browser in the URL fragment.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlatformConfig } from '../config/config';
import { MAX_BODY_BYTES } from '../core/bounds';
import { consoleAsset, consoleHeaders, isConsolePath } from '../local/console-assets';
import { CONSOLE_ROUTE_KEY, guardContentType, guardRequest, type GuardRefusal } from '../local/request-guard';
import { callPlatformApi } from './api';

export interface ConsoleServerOptions {
  /** Port on 127.0.0.1 (0: any free one). */
  readonly port: number;
  /** This server's token (default: a fresh random one). */
  readonly token?: string;
  /** Where relay failures are logged. */
  readonly log?: (line: string) => void;
}

export interface ConsoleServer {
  /** The console's address, the token in its fragment. */
  readonly url: string;
  readonly token: string;
  readonly server: Server;
  close(): Promise<void>;
}

const RELAYED_HEADERS = ['content-type', 'x-correlation-id'];

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.once('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/**
 * Serves the console on 127.0.0.1 and relays /api/… to the configured target (signed on AWS).
 * @example const c = await startConsoleServer({ ...config, local: { ...config.local, target: 'aws' } }, { port: 3100 });
 */
export async function startConsoleServer(config: PlatformConfig, options: ConsoleServerOptions): Promise<ConsoleServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  let port = 0;
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const refusal = (res: ServerResponse, r: GuardRefusal) =>
    json(res, r.status, { error: r.error, message: r.message, details: [{ field: r.field, message: r.message }] });
  // the local server's token, when the target is a local server that asks for one
  const upstreamHeaders: Record<string, string> = config.local.target !== 'aws' && config.local.token ? { authorization: `Bearer ${config.local.token}` } : {};

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const target = req.url ?? '/';
    if (!target.startsWith('/') || target.startsWith('//')) return json(res, 400, { error: 'BadRequest', message: 'the request target must be a path' });
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    if (isConsolePath(path)) {
      const asset = consoleAsset(path);
      const refused = guardRequest(
        { method, routeKey: asset && (method === 'GET' || method === 'HEAD') ? CONSOLE_ROUTE_KEY : undefined, headers: req.headers },
        { port, token },
      );
      if (refused) return refusal(res, refused);
      if (!asset) return json(res, 404, { error: 'NotFound', message: `no console file ${path.slice(0, 200)}` });
      if (method !== 'GET' && method !== 'HEAD')
        return json(res, 405, { error: 'MethodNotAllowed', message: `${method.slice(0, 16)} is not allowed on ${path.slice(0, 200)}` });
      res.writeHead(200, consoleHeaders(asset));
      res.end(method === 'HEAD' ? undefined : asset.body);
      return;
    }
    if (!path.startsWith('/api/')) return json(res, 404, { error: 'NotFound', message: `no route for ${path.slice(0, 200)}` });
    const refused = guardRequest({ method, headers: req.headers }, { port, token }) ?? guardContentType({ method, headers: req.headers });
    if (refused) return refusal(res, refused);
    const body = await readBody(req);
    if (body === null) return json(res, 413, { error: 'PayloadTooLarge', message: `request bodies are limited to ${MAX_BODY_BYTES} bytes` });
    let answer;
    try {
      answer = await callPlatformApi(config, { method, path: target, ...(body ? { body } : {}) }, {}, upstreamHeaders);
    } catch (error) {
      options.log?.(`[console] ${method} ${path.slice(0, 200)}: ${(error as Error).message}`);
      return json(res, 502, { error: 'BadGateway', message: `the platform's API did not answer: ${(error as Error).message}`.slice(0, 500) });
    }
    const headers: Record<string, string> = {};
    for (const h of RELAYED_HEADERS) if (answer.headers[h]) headers[h] = answer.headers[h];
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      options.log?.(`[console] request failed: ${(error as Error).message}`);
      if (!res.headersSent) json(res, 500, { error: 'InternalError', message: 'Internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
