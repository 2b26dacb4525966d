// The local server's access log: one line per request once its answer is sent — time, client,
// method, path, status, duration, bytes out and the correlation id, in a stable, grep-able order.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One request as the access log records it. */
export interface AccessLogEntry {
  readonly at: Date;
  readonly client: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  readonly bytes: number;
  readonly correlationId?: string;
}

/**
 * The line for one request.
 * @example accessLogLine({ at, client: '127.0.0.1', method: 'GET', path: '/api/ml/health', status: 200, ms: 3.2, bytes: 120 })
 * // '2026-01-01T00:00:00.000Z 127.0.0.1 GET /api/ml/health 200 3ms 120B'
 */
export function accessLogLine(e: AccessLogEntry): string {
  return `${e.at.toISOString()} ${e.client} ${e.method} ${e.path} ${e.status} ${Math.round(e.ms)}ms ${e.bytes}B${e.correlationId ? ` ${e.correlationId}` : ''}`;
}

/**
 * Writes one access-log line when the response to `req` finishes (or the client goes away).
 * @example server.on('request', (req, res) => logAccess(req, res, console.log));
 */
export function logAccess(
  req: IncomingMessage,
  res: ServerResponse,
  write: (line: string) => void,
  now: () => number = performance.now.bind(performance),
): void {
  const started = now();
  let bytes = 0;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    const chunk = args[0];
    if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk);
    else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
    return end(...args);
  }) as ServerResponse['end'];
  // the correlation id the answer carries (headers given to writeHead are not kept for getHeader)
  let correlationId: string | undefined;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const headers = args.find((a) => a !== null && typeof a === 'object' && !Array.isArray(a)) as Record<string, unknown> | undefined;
    const id = headers?.['x-correlation-id'];
    if (typeof id === 'string') correlationId = id;
    return writeHead(...args);
  }) as ServerResponse['writeHead'];
  let written = false;
  const record = () => {
    if (written) return;
    written = true;
    const id = correlationId ?? res.getHeader('x-correlation-id');
    write(
      accessLogLine({
        at: new Date(),
        client: req.socket.remoteAddress ?? '-',
        method: req.method ?? '-',
        path: (req.url ?? '/').split('?')[0],
        status: res.statusCode,
        ms: now() - started,
        bytes,
        ...(typeof id === 'string' ? { correlationId: id } : {}),
      }),
    );
  };
  res.once('finish', record);
  res.once('close', record);
}
