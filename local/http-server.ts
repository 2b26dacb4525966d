// The local API server: serves every route of config/functions.ts from the same handler
// modules as the Lambda functions, by turning each HTTP request into an API Gateway v2 event.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logAccess } from './access-log';
import { apiGatewayEvent, lambdaContext } from './api-gateway-event';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventPublisher } from '../core/ports';
import type { PublishedEvent } from './event-bus';
import { HandlerModules } from './handler-modules';
import { LOCAL_EVENTS_PATH } from './server-record';
import { allRoutes, FUNCTIONS, type FunctionDefinition, type RouteDefinition } from '../config/functions';

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly fn: FunctionDefinition;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
}

const MAX_BODY_BYTES = 10 * 1024 * 1024; // API Gateway's payload limit

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

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('payload too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** How many of the bus's most recent events GET /local/events lists. */
const LOCAL_EVENTS_LISTED = 100;

async function publishLocalEvent(bus: EventPublisher, req: IncomingMessage): Promise<[number, unknown]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readBody(req));
  } catch {
    return [400, { error: 'InvalidInput', message: 'body must be JSON { "detailType": "...", "detail": { ... } }' }];
  }
  const { detailType, detail } = (parsed ?? {}) as { detailType?: unknown; detail?: unknown };
  const problems = [
    ...(typeof detailType === 'string' && /^[A-Za-z][\w.-]{0,127}$/.test(detailType) ? [] : [{ field: 'detailType', message: 'must be an event name' }]),
    ...(detail && typeof detail === 'object' && !Array.isArray(detail) ? [] : [{ field: 'detail', message: 'must be an object' }]),
  ];
  if (problems.length) return [400, { error: 'InvalidInput', message: 'invalid event', details: problems }];
  await bus.publish(detailType as string, detail as Record<string, unknown>);
  return [202, { published: detailType }];
}

export interface LocalApiServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Starts the local API on 127.0.0.1 (never another interface: locally there is no authorisation).
 *
 * @example const api = await startLocalApiServer({ port: 3000 }); console.log(api.url);
 */
export async function startLocalApiServer(
  options: {
    port?: number;
    functions?: readonly FunctionDefinition[];
    root?: string;
    /** Handler modules shared with the event runtime (default: loaded from `root`). */
    handlers?: HandlerModules;
    /** The in-process bus behind the local-only events route: POST publishes (like `aws events put-events`), GET lists its recent events. */
    localEvents?: EventPublisher & { readonly published?: readonly PublishedEvent[] };
    /** Receives one access-log line per request (none when absent). */
    accessLog?: (line: string) => void;
  } = {},
): Promise<LocalApiServer> {
  // Static routes win over parameterised ones (/models/performance before /models/{name}), as in API Gateway.
  const routes = allRoutes(options.functions ?? FUNCTIONS)
    .map(({ route, fn }) => compile(route, fn))
    .sort((a, b) => a.paramNames.length - b.paramNames.length);
  const handlers = options.handlers ?? new HandlerModules(options.root);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (options.accessLog) logAccess(req, res, options.accessLog);
    void (async () => {
      const requestId = randomUUID();
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toUpperCase();
      const send = (status: number, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
        res.writeHead(status, headers);
        res.end(body);
      };
      if (options.localEvents && url.pathname === LOCAL_EVENTS_PATH && method === 'POST') {
        return void publishLocalEvent(options.localEvents, req).then(([status, body]) => send(status, JSON.stringify(body)));
      }
      if (options.localEvents?.published && url.pathname === LOCAL_EVENTS_PATH && method === 'GET') {
        return void send(200, JSON.stringify({ events: options.localEvents.published.slice(-LOCAL_EVENTS_LISTED) }));
      }
      const candidates = routes.filter((r) => r.pattern.test(url.pathname));
      if (candidates.length === 0) return send(404, JSON.stringify({ error: 'NotFound', message: `no route for ${url.pathname}` }));
      const match = candidates.find((r) => r.route.method === method);
      if (!match) return send(405, JSON.stringify({ error: 'MethodNotAllowed', message: `${method} is not allowed on ${url.pathname}` }));
      let body: string;
      try {
        body = await readBody(req);
      } catch {
        return send(413, JSON.stringify({ error: 'PayloadTooLarge', message: `request bodies are limited to ${MAX_BODY_BYTES} bytes` }));
      }
      const values = match.pattern.exec(url.pathname)!.slice(1);
      const pathParameters = Object.fromEntries(match.paramNames.map((n, i) => [n, decodeURIComponent(values[i])]));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
      const event = apiGatewayEvent({
        method,
        path: url.pathname,
        routeKey: `${match.route.method} ${match.route.path}`,
        body: body || undefined,
        headers,
        query: Object.fromEntries(url.searchParams.entries()),
        pathParameters,
        requestId,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      });
      try {
        const result = await handlers.get<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(match.fn)(
          event,
          lambdaContext(match.fn.id, { timeoutSeconds: match.fn.timeoutSeconds, memoryMb: match.fn.memoryMb, requestId }),
        );
        const outHeaders: Record<string, string> = {};
        for (const [k, v] of Object.entries(result.headers ?? {})) outHeaders[k] = String(v);
        send(result.statusCode ?? 200, result.body ?? '', outHeaders);
      } catch (error) {
        console.error(`[local-api] ${fn(match)} crashed`, error);
        send(502, JSON.stringify({ error: 'BadGateway', message: 'the function failed', correlationId: requestId }));
      }
    })();
  });
  const fn = (m: CompiledRoute) => m.fn.id;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
