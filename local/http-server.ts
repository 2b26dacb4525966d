// The local API server: serves every route of config/functions.ts from the same handler
// modules as the Lambda functions, by turning each HTTP request into an API Gateway v2 event.
//
// No request can take it down: every step of a request — the request line, the guard
// (local/request-guard.ts), the path's percent escapes, the body, the handler — runs inside one
// error boundary. A malformed request line or path answers 400, a body over the bound 413 (and
// the connection is closed, since its rest is never read), and anything unexpected a 500 with a
// correlation id; the server keeps serving.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logAccess } from './access-log';
import { apiGatewayEvent, lambdaContext } from './api-gateway-event';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { bodyText, MAX_BODY_BYTES, parseBoundedJson } from '../core/bounds';
import { XdrError } from '../core/errors';
import type { EventPublisher } from '../core/ports';
import type { PublishedEvent } from './event-bus';
import { HandlerModules } from './handler-modules';
import { consoleAsset, consoleHeaders, isConsolePath } from './console-assets';
import { CONSOLE_ROUTE_KEY, guardContentType, guardRequest, type GuardRefusal } from './request-guard';
import { LOCAL_EVENTS_PATH } from './server-record';
import { allRoutes, FUNCTIONS, type FunctionDefinition, type RouteDefinition } from '../config/functions';

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly fn: FunctionDefinition;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
}

/** How long a refused (413) upload may keep sending before its connection is cut. */
const DRAIN_MS = 2000;
/** How long close() lets requests in flight finish before cutting their connections. */
const CLOSE_GRACE_MS = 5_000;
const CORRELATION_HEADER = 'x-correlation-id';

function compile(route: RouteDefinition, fn: FunctionDefinition): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path
    .split('/')
    .map((part) => {
      const m = /^\{(\w+)\}$/.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      paramNames.push(m[1]);
      return '([^/]+)';
    })
    .join('/');
  return { route, fn, pattern: new RegExp(`^${source}$`), paramNames };
}

/** A refusal answered with its status and the header or field to fix. */
class HttpRefusal extends XdrError {
  override readonly name: string = 'HttpRefusal';
  override readonly expose = true;
  constructor(
    override readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly field?: string,
    readonly closeConnection = false,
  ) {
    super(message);
  }
}

/** The request target, split: only origin-form (`/path?query`) is served; percent escapes are checked, not trusted. */
function parseTarget(raw: string | undefined): { path: string; query: Record<string, string> } {
  const target = raw ?? '';
  if (!target.startsWith('/') || target.startsWith('//')) {
    throw new HttpRefusal(400, 'BadRequest', 'the request target must be a path (origin-form, e.g. /api/ml/health)', 'target');
  }
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query: Record<string, string> = {};
  if (q >= 0) {
    for (const part of target.slice(q + 1).split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const key = decodeComponent(eq < 0 ? part : part.slice(0, eq), 'query');
      query[key] = decodeComponent(eq < 0 ? '' : part.slice(eq + 1), `query.${key.slice(0, 64)}`);
    }
  }
  return { path, query };
}

function decodeComponent(text: string, field: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new HttpRefusal(400, 'BadRequest', `${field} holds a malformed percent escape`, field);
  }
}

/** Reads the body up to MAX_BODY_BYTES; past it (or a content-length past it) a 413 that closes the connection. */
function readBody(req: IncomingMessage): Promise<string> {
  const tooLarge = () => new HttpRefusal(413, 'PayloadTooLarge', `request bodies are limited to ${MAX_BODY_BYTES} bytes`, 'body', true);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      outcome();
    };
    // Listeners, not `for await`: leaving an async iterator early destroys the socket before the 413 is written.
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) settle(() => reject(tooLarge()));
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => settle(() => resolve(bodyText(Buffer.concat(chunks, size)))));
    req.once('error', (error) => settle(() => reject(error)));
    req.once('close', () => settle(() => reject(new HttpRefusal(400, 'BadRequest', 'the client closed the request before its body ended', 'body'))));
  });
}

/** How many of the bus's most recent events GET /local/events lists. */
const LOCAL_EVENTS_LISTED = 100;

async function publishLocalEvent(bus: EventPublisher, body: string): Promise<[number, unknown]> {
  const parsed = parseBoundedJson(body || 'null', { where: 'body' });
  const { detailType, detail } = (parsed && typeof parsed === 'object' ? parsed : {}) as { detailType?: unknown; detail?: unknown };
  const problems = [
    ...(typeof detailType === 'string' && /^[A-Za-z][\w.-]{0,127}$/.test(detailType) ? [] : [{ field: 'body.detailType', message: 'must be an event name' }]),
    ...(detail && typeof detail === 'object' && !Array.isArray(detail) ? [] : [{ field: 'body.detail', message: 'must be an object' }]),
  ];
  if (problems.length) return [400, { error: 'InvalidInput', message: 'body must be JSON { "detailType": "...", "detail": { ... } }', details: problems }];
  await bus.publish(detailType as string, detail as Record<string, unknown>);
  return [202, { published: detailType }];
}

export interface LocalApiServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export interface LocalApiServerOptions {
  port?: number;
  functions?: readonly FunctionDefinition[];
  root?: string;
  /** Handler modules shared with the event runtime (default: loaded from `root`). */
  handlers?: HandlerModules;
  /** The in-process bus behind the local-only events route: POST publishes (like `aws events put-events`), GET lists its recent events. */
  localEvents?: EventPublisher & { readonly published?: readonly PublishedEvent[] };
  /** When set, every route but the health check requires it (XDR_ML_LOCAL_TOKEN; local/request-guard.ts). */
  token?: string;
  /** Serve the web console at `/` (default true). */
  console?: boolean;
  /** Where unexpected failures are logged (default: stderr). */
  log?: (line: string, error?: unknown) => void;
  /** Receives one access-log line per request (none when absent). */
  accessLog?: (line: string) => void;
}

/**
 * Starts the local API on 127.0.0.1 (never another interface: locally there is no IAM), behind the
 * local request guard.
 *
 * @example const api = await startLocalApiServer({ port: 3000 }); console.log(api.url);
 */
export async function startLocalApiServer(options: LocalApiServerOptions = {}): Promise<LocalApiServer> {
  // Static routes win over parameterised ones (/models/performance before /models/{name}), as in API Gateway.
  const routes = allRoutes(options.functions ?? FUNCTIONS)
    .map(({ route, fn }) => compile(route, fn))
    .sort((a, b) => a.paramNames.length - b.paramNames.length);
  const handlers = options.handlers ?? new HandlerModules(options.root);
  const log = options.log ?? ((line: string, error?: unknown) => console.error(line, error ?? ''));
  let port = 0; // known once listening; no request arrives before

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string>) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const headerId = req.headers[CORRELATION_HEADER];
    const correlationId = typeof headerId === 'string' && /^[\w.:-]{1,128}$/.test(headerId) ? headerId : requestId;
    const reply = (status: number, body: unknown) => send(res, status, JSON.stringify(body), { [CORRELATION_HEADER]: correlationId });

    const { path, query } = parseTarget(req.url);
    const candidates = routes.filter((r) => r.pattern.test(path));
    const match = candidates.find((r) => r.route.method === method);
    const refuse = (refusal: GuardRefusal | undefined) => {
      if (refusal) throw new HttpRefusal(refusal.status, refusal.error, refusal.message, refusal.field);
    };
    if (options.console !== false && isConsolePath(path)) {
      // the web console's static files: the same guard (Host, Origin, Sec-Fetch-Site), no token (they hold no data)
      const asset = consoleAsset(path);
      refuse(
        guardRequest(
          { method, routeKey: asset && (method === 'GET' || method === 'HEAD') ? CONSOLE_ROUTE_KEY : undefined, headers: req.headers },
          { port, token: options.token },
        ),
      );
      if (!asset) throw new HttpRefusal(404, 'NotFound', `no console file ${path.slice(0, 200)}`);
      if (method !== 'GET' && method !== 'HEAD')
        throw new HttpRefusal(405, 'MethodNotAllowed', `${method.slice(0, 16)} is not allowed on ${path.slice(0, 200)}`);
      if (res.headersSent) return;
      res.writeHead(200, consoleHeaders(asset));
      res.end(method === 'HEAD' ? undefined : asset.body);
      return;
    }
    refuse(
      guardRequest({ method, routeKey: match ? `${match.route.method} ${match.route.path}` : undefined, headers: req.headers }, { port, token: options.token }),
    );

    if (options.localEvents && path === LOCAL_EVENTS_PATH) {
      if (method === 'POST') {
        refuse(guardContentType({ method, headers: req.headers }));
        const [status, body] = await publishLocalEvent(options.localEvents, await readBody(req));
        return reply(status, body);
      }
      if (method === 'GET' && options.localEvents.published) return reply(200, { events: options.localEvents.published.slice(-LOCAL_EVENTS_LISTED) });
    }
    if (candidates.length === 0) throw new HttpRefusal(404, 'NotFound', `no route for ${path.slice(0, 200)}`);
    if (!match) throw new HttpRefusal(405, 'MethodNotAllowed', `${method.slice(0, 16)} is not allowed on ${path.slice(0, 200)}`);
    refuse(guardContentType({ method, headers: req.headers }));
    const values = match.pattern.exec(path)!.slice(1);
    const pathParameters = Object.fromEntries(match.paramNames.map((n, i) => [n, decodeComponent(values[i], `path.${n}`)]));
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
    const event = apiGatewayEvent({
      method,
      path,
      routeKey: `${match.route.method} ${match.route.path}`,
      body: body || undefined,
      headers,
      query,
      pathParameters,
      requestId,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    });
    const result = await handlers.get<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(match.fn)(
      event,
      lambdaContext(match.fn.id, { timeoutSeconds: match.fn.timeoutSeconds, memoryMb: match.fn.memoryMb, requestId }),
    );
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(result.headers ?? {})) outHeaders[k] = String(v);
    send(res, result.statusCode ?? 200, result.body ?? '', outHeaders);
  }

  /** The last-resort boundary: a refusal answers its status; anything else a 500 with the correlation id. */
  function fail(req: IncomingMessage, res: ServerResponse, requestId: string, error: unknown): void {
    if (res.destroyed || req.socket.destroyed) return; // the client went away: nobody to answer
    if (error instanceof HttpRefusal) {
      const headers: Record<string, string> = { [CORRELATION_HEADER]: requestId };
      if (error.closeConnection) headers.connection = 'close';
      send(
        res,
        error.statusCode,
        JSON.stringify({
          error: error.error,
          message: error.message,
          details: error.field ? [{ field: error.field, message: error.message }] : undefined,
          correlationId: requestId,
        }),
        headers,
      );
      if (error.closeConnection) closeAfterDrain(req);
      return;
    }
    log(`[local-api] ${req.method ?? '?'} request ${requestId} failed`, error);
    send(
      res,
      500,
      JSON.stringify({ error: 'InternalError', message: 'Internal error; quote the correlation id when reporting it.', correlationId: requestId }),
      {
        [CORRELATION_HEADER]: requestId,
      },
    );
  }

  // Set by close(): the requests still arriving on open keep-alive connections are answered with
  // `connection: close`, so busy clients cannot keep a stopping server alive.
  let closing = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (closing) res.setHeader('connection', 'close');
    if (options.accessLog) logAccess(req, res, options.accessLog);
    const requestId = randomUUID();
    let served: Promise<void>;
    try {
      served = serve(req, res, requestId);
    } catch (error) {
      served = Promise.reject(error);
    }
    served.catch((error: unknown) => {
      try {
        fail(req, res, requestId, error);
      } catch (inner) {
        log(`[local-api] could not answer request ${requestId}`, inner);
        res.destroy();
      }
    });
  });
  // A request Node cannot parse (a malformed request line, a bad header) never reaches the handler: answer 400 and close.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
    const body = JSON.stringify({ error: 'BadRequest', message: 'malformed HTTP request' });
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeIdleConnections();
        // a connection still busy after the grace period is cut (its answer was never acknowledged)
        setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      }),
  };
}

/** After a 413: discard what the client still sends for a moment (so it reads the answer rather than a reset), then close. */
function closeAfterDrain(req: IncomingMessage): void {
  const socket = req.socket;
  req.resume();
  const timer = setTimeout(() => socket.destroy(), DRAIN_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
