// The middy chain every HTTP function uses: correlation id + structured logs (Powertools),
// JSON body parsing, zod validation (400 naming the failing fields), one error mapper (domain
// 4xx exposed; anything else a generic 500 carrying the correlation id, never a stack trace),
// metrics, and a Powertools Tracer segment (the platform's SDK clients are captured in
// platform/lambda.ts). Handlers stay thin: a schema and one call into the core.
import middy, { type MiddlewareObj } from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { isEarlyTimeout, limitMetrics, MIDDY_PLUGIN } from './limits';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { bodyText, boundIssues, fieldName, MAX_ERROR_MESSAGE_CHARS, parseBoundedJson, truncate, type FieldIssue } from '../../core/bounds';
import { DomainError, XdrError } from '../../core/errors';
import { ConditionFailedError, NotFoundError } from '../../core/ports';
import { FUNCTIONS } from '../../config/functions';
import { currentPlatform, logger, metrics, metricsPublished, tracer } from '../../platform/lambda';
import { processRss } from './process-memory';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** A successful answer: a JSON body and an optional status (default 200). */
export interface Reply {
  readonly statusCode?: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export interface RequestInput<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly params: P;
  readonly correlationId: string;
  readonly event: HttpEvent;
}

export interface HttpHandlerOptions<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  /** Operation name for logs and metrics, e.g. "health". */
  readonly name: string;
  readonly body?: B;
  readonly query?: Q;
  readonly params?: P;
  readonly handle: (input: RequestInput<z.output<B>, z.output<Q>, z.output<P>>) => Promise<Reply>;
}

type Internal = { correlationId: string; startedAt: number };

const CORRELATION_HEADER = 'x-correlation-id';

function json(statusCode: number, body: unknown, correlationId: string, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', [CORRELATION_HEADER]: correlationId, ...headers },
    body: JSON.stringify(body),
  };
}

/** Turns zod issues into `{ field, message }` pairs naming the offending paths (bounded: core/bounds.ts). */
export function describeIssues(where: string, error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ field: fieldName([where, ...i.path.map(String)]), message: truncate(i.message, 200) }));
}

/** What an exposed error's body may carry: its message and at most MAX_REPORTED_ISSUES details, each bounded. */
function boundedDetails(details: unknown): unknown {
  if (!Array.isArray(details)) return details;
  const issues = details.every((d) => d && typeof d === 'object' && typeof (d as FieldIssue).field === 'string');
  return issues
    ? boundIssues(details as FieldIssue[]).map((d) => ({ ...d, field: truncate(d.field, 600), message: truncate(String(d.message), 300) }))
    : details.slice(0, 50);
}

class RequestValidationError extends DomainError {
  override readonly name = 'RequestValidationError';
  override readonly statusCode = 400;
}

function correlationMiddleware(): MiddlewareObj<HttpEvent, HttpResult, Error, Context & Partial<Internal>> {
  return {
    before: function setCorrelationId(request) {
      const headerId = request.event.headers?.[CORRELATION_HEADER];
      const id = headerId && /^[\w.:-]{1,128}$/.test(headerId) ? headerId : request.event.requestContext?.requestId || randomUUID();
      request.context.correlationId = id;
      request.context.startedAt = Date.now();
      logger.addContext(request.context);
      logger.setCorrelationId(id);
    },
  };
}

function errorMapper(name: string): MiddlewareObj<HttpEvent, HttpResult, Error, Context & Partial<Internal>> {
  return {
    onError: function mapError(request) {
      const correlationId = request.context.correlationId ?? 'unknown';
      const error = request.error;
      if (error instanceof XdrError && error.expose) {
        logger.info('request refused', { operation: name, status: error.statusCode, error: error.message });
        request.response = json(
          error.statusCode,
          { error: error.name, message: truncate(error.message, MAX_ERROR_MESSAGE_CHARS), details: boundedDetails(error.details), correlationId },
          correlationId,
        );
      } else if (error instanceof NotFoundError) {
        request.response = json(404, { error: 'NotFound', message: error.message, correlationId }, correlationId);
      } else if (error instanceof ConditionFailedError) {
        request.response = json(409, { error: 'Conflict', message: `lost a concurrent update: ${error.message}`, correlationId }, correlationId);
      } else {
        logger.error('unhandled error', { operation: name, error });
        metrics.addMetric('UnhandledErrors', MetricUnit.Count, 1);
        request.response = json(
          500,
          { error: 'InternalError', message: 'Internal error; quote the correlation id when reporting it.', correlationId },
          correlationId,
        );
      }
    },
  };
}

/** The catalogue id of the function a Lambda context names (`xdr-ml-<stage>-predict` → predict), else its name. */
function functionId(context: Context): string {
  const name = context.functionName ?? 'unknown';
  return CATALOGUE_IDS.find((id) => name === id || name.endsWith(`-${id}`)) ?? name;
}
const CATALOGUE_IDS = FUNCTIONS.map((f) => f.id).sort((a, b) => b.length - a.length);

function timing(name: string): MiddlewareObj<HttpEvent, HttpResult, Error, Context & Partial<Internal>> {
  const record = (request: { context: Context & Partial<Internal>; response: HttpResult | null; error?: Error | null }) => {
    const ms = Date.now() - (request.context.startedAt ?? Date.now());
    const memoryBytes = processRss();
    // a timeout (middy gave up just before Lambda would have) and invocations near the timeout or the memory limit
    limitMetrics(name, request.context, { ms, memoryBytes, timedOut: isEarlyTimeout(request.error) });
    // metrics off (the local server's default): nothing is published, so nothing is stored (their calls were ~4 % of a 1-flow request)
    if (metricsPublished) {
      metrics.addDimension('operation', name);
      metrics.addMetric('Latency', MetricUnit.Milliseconds, ms);
      metrics.addMetric('MemoryUsed', MetricUnit.Megabytes, Math.round(memoryBytes / 1048576));
    }
    // the bounded usage aggregates (the local platform records them; core/resources/function-usage.ts)
    currentPlatform()?.functionUsage?.recorder.record(functionId(request.context), {
      ms,
      memoryBytes,
      error: (request.response?.statusCode ?? 500) >= 500,
      at: new Date(),
    });
    if (!metricsPublished) return;
    if (request.response?.statusCode && request.response.statusCode >= 500) metrics.addMetric('ServerErrors', MetricUnit.Count, 1);
    else if (request.response?.statusCode && request.response.statusCode >= 400) metrics.addMetric('ClientErrors', MetricUnit.Count, 1);
  };
  return { after: record, onError: record };
}

/** The body as JSON, within core/bounds.ts: 413 over the size bound, 400 naming the field nested too deep or when not JSON. */
function parseBody(event: HttpEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? bodyText(Buffer.from(event.body, 'base64')) : event.body;
  return parseBoundedJson(text, { where: 'body' });
}

type Issue = FieldIssue;

function validate<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string, issues: Issue[]): z.output<T> {
  if (!schema) return value as z.output<T>;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  issues.push(...describeIssues(where, parsed.error));
  return undefined as z.output<T>;
}

/** The schemas a route validates its input with (what the fuzz suite generates requests from). */
export interface RouteSchemas {
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly params?: z.ZodType;
}

/**
 * Builds a Lambda handler for an HTTP API route; the handler carries its `schemas`.
 *
 * @example
 * export const handler = createHttpHandler({
 *   name: 'health',
 *   handle: async () => ({ body: { status: 'ok' } }),
 * });
 */
export function createHttpHandler<B extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, P extends z.ZodType = z.ZodUnknown>(
  options: HttpHandlerOptions<B, Q, P>,
) {
  const core = async (event: HttpEvent, context: Context & Partial<Internal>): Promise<HttpResult> => {
    const correlationId = context.correlationId ?? randomUUID();
    const issues: Issue[] = [];
    const body = validate(options.body, parseBody(event), 'body', issues);
    const query = validate(options.query, event.queryStringParameters ?? {}, 'query', issues);
    const params = validate(options.params, event.pathParameters ?? {}, 'path', issues);
    if (issues.length) {
      const shown = issues
        .slice(0, 5)
        .map((d) => `${d.field} ${d.message}`)
        .join('; ');
      throw new RequestValidationError(`Invalid request: ${shown}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`, {
        details: boundIssues(issues),
      });
    }
    const reply = await options.handle({ body, query, params, correlationId, event });
    return json(reply.statusCode ?? 200, reply.body, correlationId, reply.headers);
  };
  // metrics off (the local server's default): no EMF flush per request
  const publish = metricsPublished ? [logMetrics(metrics)] : [];
  const handler = middy<HttpEvent, HttpResult, Error, Context & Partial<Internal>>(core, MIDDY_PLUGIN).use([
    captureLambdaHandler(tracer),
    correlationMiddleware(),
    ...publish,
    timing(options.name),
    errorMapper(options.name),
  ]);
  const schemas: RouteSchemas = { body: options.body, query: options.query, params: options.params };
  return Object.assign(handler, { schemas });
}

type RouteHandler = ((event: HttpEvent, context: Context) => Promise<HttpResult>) & { readonly schemas?: RouteSchemas };

/** A handler serving several routes, with each route's schemas by route key. */
export type HttpRouter = ((event: HttpEvent, context: Context) => Promise<HttpResult>) & {
  readonly routes: Readonly<Record<string, { readonly schemas?: RouteSchemas }>>;
};

/**
 * One Lambda serving several routes: dispatches on the API Gateway route key
 * (e.g. "GET /api/ml/models/{name}") to a handler built with createHttpHandler.
 */
export function createHttpRouter(routes: Readonly<Record<string, RouteHandler>>): HttpRouter {
  async function route(event: HttpEvent, context: Context): Promise<HttpResult> {
    const target = routes[event.routeKey];
    if (!target) {
      return json(404, { error: 'NotFound', message: `no handler for ${event.routeKey}` }, event.requestContext?.requestId ?? 'unknown');
    }
    return target(event, context);
  }
  return Object.assign(route, { routes });
}

/** Who a request acts as: the IAM caller in AWS, `local` on the local server. */
export function requestActor(event: { requestContext?: object }): string {
  const context = event.requestContext as { authorizer?: { iam?: { userArn?: string; userId?: string } } } | undefined;
  const iam = context?.authorizer?.iam;
  return iam?.userArn ?? iam?.userId ?? 'local';
}
