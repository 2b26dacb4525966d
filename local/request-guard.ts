// Local API protection, in the manner of Jupyter's and Docker Desktop's local servers: the local
// API has no IAM, so a request is only served when it comes from this machine's own clients and
// not from a web page the user happens to have open.
//   Host          must name a loopback host (127.0.0.1, localhost, [::1]) with this server's port:
//                 another name is a DNS-rebinding page (403), another port a misdirected request (421)
//   Origin,       a browser's cross-origin request (an Origin other than this server's, or
//   Sec-Fetch-Site  Sec-Fetch-Site other than same-origin / none) is refused (403)
//   token         when XDR_ML_LOCAL_TOKEN is set: `Authorization: Bearer <token>` (or
//                 `x-xdr-ml-token`) on every route but GET /api/ml/health (401)
//                 The console's static files (local/console-assets.ts) need no token either: they
//                 hold no data, and every API call they make carries it
//   content-type  a state-changing request (POST, PUT, PATCH, DELETE) must be application/json
//                 (415): a page can send a "simple" cross-site POST only as text/plain, a form or
//                 multipart, never as JSON
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The header a client may send the token in (besides `Authorization: Bearer`). */
export const LOCAL_TOKEN_HEADER = 'x-xdr-ml-token';

/** The route key the request guard sees for the console's static files. */
export const CONSOLE_ROUTE_KEY = 'GET /console';

/** Routes that answer without the token (liveness, the console's static files). */
const OPEN_ROUTES = new Set(['GET /api/ml/health', CONSOLE_ROUTE_KEY]);

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RequestGuardOptions {
  /** The port the server listens on. */
  readonly port: number;
  /** When set, every route but the open ones requires it. */
  readonly token?: string;
}

/** A refusal: the status, an error name and a message naming the header to fix. */
export interface GuardRefusal {
  readonly status: 400 | 401 | 403 | 415 | 421;
  readonly error: string;
  readonly message: string;
  readonly field: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries, if any. */
function tokenOf(headers: IncomingHttpHeaders): string | undefined {
  const auth = header(headers, 'authorization');
  const bearer = auth && /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return bearer ? bearer[1] : header(headers, LOCAL_TOKEN_HEADER);
}

/**
 * Checks who may talk to the local API (Host, Origin / Sec-Fetch-Site, the token). Call with the
 * method, the request's route key when it matched one (for the open routes) and its headers;
 * answers the refusal, or undefined to serve it.
 *
 * @example
 * const refusal = guardRequest({ method: 'POST', headers: req.headers }, { port: 3000 });
 * if (refusal) return send(refusal.status, refusal);
 */
export function guardRequest(
  request: { readonly method: string; readonly routeKey?: string; readonly headers: IncomingHttpHeaders },
  options: RequestGuardOptions,
): GuardRefusal | undefined {
  const { headers } = request;
  const host = header(headers, 'host')?.toLowerCase();
  const own = LOOPBACK_HOSTS.map((h) => `${h}:${options.port}`);
  if (!host || !own.includes(host)) {
    const loopbackName = host !== undefined && LOOPBACK_HOSTS.some((h) => host === h || host.startsWith(`${h}:`));
    return loopbackName
      ? {
          status: 421,
          error: 'MisdirectedRequest',
          field: 'headers.host',
          message: `this server answers on port ${options.port}, not as ${host.slice(0, 100)}`,
        }
      : {
          status: 403,
          error: 'Forbidden',
          field: 'headers.host',
          message: `the local API answers only to a loopback Host (${own.join(', ')})${host ? '' : '; the request has none'}`,
        };
  }
  const origin = header(headers, 'origin');
  if (origin !== undefined && !own.includes(origin.toLowerCase().replace(/^http:\/\//, ''))) {
    return { status: 403, error: 'Forbidden', field: 'headers.origin', message: 'cross-origin requests to the local API are refused' };
  }
  const site = header(headers, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { status: 403, error: 'Forbidden', field: 'headers.sec-fetch-site', message: `${site.slice(0, 40)} requests to the local API are refused` };
  }
  if (options.token && !(request.routeKey && OPEN_ROUTES.has(request.routeKey))) {
    const given = tokenOf(headers);
    if (!given || !sameSecret(given, options.token)) {
      return {
        status: 401,
        error: 'Unauthorized',
        field: 'headers.authorization',
        message: `this local API requires its token (XDR_ML_LOCAL_TOKEN): send 'Authorization: Bearer <token>'`,
      };
    }
  }
  return undefined;
}

/**
 * The media-type rule, checked once a request has found its route (an unknown route stays a 404,
 * a wrong method a 405): a state-changing request must be application/json, else 415.
 */
export function guardContentType(request: { readonly method: string; readonly headers: IncomingHttpHeaders }): GuardRefusal | undefined {
  if (!STATE_CHANGING.has(request.method)) return undefined;
  const type = header(request.headers, 'content-type');
  const mediaType = type?.split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json') return undefined;
  return {
    status: 415,
    error: 'UnsupportedMediaType',
    field: 'headers.content-type',
    message: `${request.method.slice(0, 16)} requests must send 'content-type: application/json'${type ? ` (got ${JSON.stringify(type.slice(0, 60))})` : ''}`,
  };
}
