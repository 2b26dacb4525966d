// The console's one way to the platform: the same HTTP API as every other client, on this origin.
// A local token (XDR_ML_LOCAL_TOKEN) arrives once in the URL fragment (#token=…, never sent to a
// server), is kept in this tab's sessionStorage and sent as `Authorization: Bearer`.
const TOKEN_KEY = 'xdr-ml-token';

/** Moves a `#token=…` fragment into sessionStorage and out of the address bar. */
export function adoptToken() {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  history.replaceState(null, '', `${location.pathname}#/`);
}

/** An API answer that was not 2xx: the status and the platform's error body. */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/**
 * One JSON call. GETs answer the body; a non-2xx answer throws ApiError carrying the platform's message.
 * @example const { models } = await api('GET', '/api/ml/models');
 */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { message: text.slice(0, 300) };
  }
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}
