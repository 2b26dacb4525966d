// Where a running `xdr-ml serve` (what `npm start` runs) can be reached by other processes on the
// same state directory: <home>/server.json { pid, url, token? } (readable by its owner only: it
// carries the local API token when XDR_ML_LOCAL_TOKEN is set). CLI commands run beside it forward their
// events to its in-process bus (see server-event-forwarder.ts), as they would publish to
// EventBridge on AWS.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from '../adapters/process-alive';

export const SERVER_RECORD_FILE = 'server.json';

/** The server's local-only route for events: POST injects one into its bus, GET lists recent ones (never deployed to AWS). */
export const LOCAL_EVENTS_PATH = '/local/events';

/** A running local API: where it answers and, when it requires one, its token. */
export interface ServerRecord {
  readonly pid: number;
  readonly url: string;
  readonly token?: string;
}

/** Records this process's API URL (and token) in the state directory (replaced atomically, mode 0600). */
export function writeServerRecord(home: string, url: string, token?: string): void {
  const file = path.join(home, SERVER_RECORD_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, url, ...(token ? { token } : {}) } satisfies ServerRecord), { mode: 0o600 });
  renameSync(tmp, file);
}

/** Removes the record if this process wrote it (a newer server's record stays). */
export function removeServerRecord(home: string): void {
  if (readRecord(home)?.pid === process.pid) rmSync(path.join(home, SERVER_RECORD_FILE), { force: true });
}

/** The URL of the server recorded in the state directory, if its process is alive and is not this one. */
export function liveServerUrl(home: string): string | undefined {
  return liveServer(home)?.url;
}

/** The server recorded in the state directory (URL and token), if its process is alive and is not this one. */
export function liveServer(home: string): ServerRecord | undefined {
  const record = readRecord(home);
  if (!record || record.pid === process.pid || !processAlive(record.pid)) return undefined;
  return record;
}

function readRecord(home: string): ServerRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path.join(home, SERVER_RECORD_FILE), 'utf8')) as Partial<ServerRecord>;
    return typeof parsed.pid === 'number' && typeof parsed.url === 'string' && /^http:\/\/127\.0\.0\.1:\d+$/.test(parsed.url)
      ? { pid: parsed.pid, url: parsed.url, ...(typeof parsed.token === 'string' ? { token: parsed.token } : {}) }
      : undefined;
  } catch {
    return undefined;
  }
}
