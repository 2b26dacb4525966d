// Where a running `xdr-ml serve` (what `npm start` runs) can be reached by other processes on the
// same state directory: <home>/server.json { pid, url }. CLI commands run beside it forward their
// events to its in-process bus (see server-event-forwarder.ts), as they would publish to
// EventBridge on AWS.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from '../adapters/process-alive';

export const SERVER_RECORD_FILE = 'server.json';

/** The server's local-only route for events: POST injects one into its bus, GET lists recent ones (never deployed to AWS). */
export const LOCAL_EVENTS_PATH = '/local/events';

interface ServerRecord {
  readonly pid: number;
  readonly url: string;
}

/** Records this process's API URL in the state directory (replaced atomically). */
export function writeServerRecord(home: string, url: string): void {
  const file = path.join(home, SERVER_RECORD_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, url } satisfies ServerRecord));
  renameSync(tmp, file);
}

/** Removes the record if this process wrote it (a newer server's record stays). */
export function removeServerRecord(home: string): void {
  if (readRecord(home)?.pid === process.pid) rmSync(path.join(home, SERVER_RECORD_FILE), { force: true });
}

/** The URL of the server recorded in the state directory, if its process is alive and is not this one. */
export function liveServerUrl(home: string): string | undefined {
  const record = readRecord(home);
  if (!record || record.pid === process.pid || !processAlive(record.pid)) return undefined;
  return record.url;
}

function readRecord(home: string): ServerRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path.join(home, SERVER_RECORD_FILE), 'utf8')) as Partial<ServerRecord>;
    return typeof parsed.pid === 'number' && typeof parsed.url === 'string' && /^http:\/\/127\.0\.0\.1:\d+$/.test(parsed.url)
      ? { pid: parsed.pid, url: parsed.url }
      : undefined;
  } catch {
    return undefined;
  }
}
