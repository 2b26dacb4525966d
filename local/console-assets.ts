// The web console's static files (console/ and Chart.js from node_modules), served by the local
// server at `/` and `/console/…`. A fixed list, read once: no path from a request ever reaches the
// file system. The pages carry no data (they fetch it from /api/… with the same guard and token as
// any client), so they need no token themselves; every other rule of the request guard applies.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './handler-modules';

/** Where the console's sources live. */
export const CONSOLE_DIR = path.join(PROJECT_ROOT, 'console');

/** One servable file: its bytes and media type. */
export interface ConsoleAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * The Content-Security-Policy of every console file: only this origin's scripts, styles and API;
 * no inline script, no framing, no form posts elsewhere.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Chart.js's self-contained UMD build (served as /console/vendor/chart.umd.min.js, inlined in reports). */
export function chartJsPath(): string {
  return path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
}

const FILES: Readonly<Record<string, { readonly file: () => string; readonly type: string }>> = {
  '/': { file: () => path.join(CONSOLE_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/console/app.js': { file: () => path.join(CONSOLE_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/console/api.js': { file: () => path.join(CONSOLE_DIR, 'api.js'), type: 'text/javascript; charset=utf-8' },
  '/console/dom.js': { file: () => path.join(CONSOLE_DIR, 'dom.js'), type: 'text/javascript; charset=utf-8' },
  '/console/charts.js': { file: () => path.join(CONSOLE_DIR, 'charts.js'), type: 'text/javascript; charset=utf-8' },
  '/console/style.css': { file: () => path.join(CONSOLE_DIR, 'style.css'), type: 'text/css; charset=utf-8' },
  '/console/vendor/chart.umd.min.js': { file: chartJsPath, type: 'text/javascript; charset=utf-8' },
};

const cache = new Map<string, ConsoleAsset>();

/** True when `path` names a console file (`/`, `/index.html` or one under /console/). */
export function isConsolePath(urlPath: string): boolean {
  return urlPath === '/' || urlPath === '/index.html' || urlPath.startsWith('/console/');
}

/** The console file at `urlPath`, or undefined when there is none. */
export function consoleAsset(urlPath: string): ConsoleAsset | undefined {
  const key = urlPath === '/index.html' ? '/' : urlPath;
  const entry = FILES[key];
  if (!entry) return undefined;
  let asset = cache.get(key);
  if (!asset) {
    asset = { body: readFileSync(entry.file()), contentType: entry.type };
    cache.set(key, asset);
  }
  return asset;
}

/** Response headers of a console file. */
export function consoleHeaders(asset: ConsoleAsset): Record<string, string> {
  return {
    'content-type': asset.contentType,
    'content-length': String(asset.body.length),
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
}
