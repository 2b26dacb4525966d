// Builds API Gateway (HTTP API, payload v2) events and Lambda contexts, so handlers run exactly
// as in AWS: the local server uses it for every request, tests and benchmarks to drive a handler
// directly.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

export interface ApiRequest {
  readonly method: string;
  /** The concrete path, e.g. /api/ml/models/general/deploy. */
  readonly path: string;
  /** The route template, e.g. "POST /api/ml/models/{name}/deploy"; default `${method} ${path}`. */
  readonly routeKey?: string;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly requestId?: string;
  readonly sourceIp?: string;
}

/** An HTTP API v2 event for a request. */
export function apiGatewayEvent(request: ApiRequest): APIGatewayProxyEventV2 {
  const now = Date.now();
  const method = request.method.toUpperCase();
  const routeKey = request.routeKey ?? `${method} ${request.path}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(request.headers ?? {}) };
  const query = request.query && Object.keys(request.query).length ? { ...request.query } : undefined;
  return {
    version: '2.0',
    routeKey,
    rawPath: request.path,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers,
    queryStringParameters: query,
    pathParameters: request.pathParameters && Object.keys(request.pathParameters).length ? { ...request.pathParameters } : undefined,
    body: request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: 'local',
      http: { method, path: request.path, protocol: 'HTTP/1.1', sourceIp: request.sourceIp ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: request.requestId ?? randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
  };
}

/** A Lambda context for a local invocation. */
export function lambdaContext(functionName: string, options: { timeoutSeconds?: number; memoryMb?: number; requestId?: string } = {}): Context {
  const name = `xdr-ml-local-${functionName}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: String(options.memoryMb ?? 1024),
    awsRequestId: options.requestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => (options.timeoutSeconds ?? 30) * 1000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export type HttpLambda = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2 | string | void>;

/** Invokes an HTTP handler directly and parses its JSON answer. */
export async function invokeHttp<T = Record<string, unknown>>(
  handler: HttpLambda,
  request: ApiRequest,
): Promise<{ status: number; body: T; headers: Record<string, unknown> }> {
  const result = (await handler(apiGatewayEvent(request), lambdaContext('invoke'))) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode ?? 0, body: JSON.parse(result.body || '{}') as T, headers: (result.headers ?? {}) as Record<string, unknown> };
}
