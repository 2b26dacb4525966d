// Cowrie SSH/Telnet honeypot JSON event logs (cowrie.json, JSONL or .gz) → one behavioural feature
// row per attacking source IP, with a weak behaviour-derived label and an optional reputation feature.
import { XdrError } from '../../errors';
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { ColumnSpec, DatasetSource, ParsedRow, RejectedRow } from '../source';
import type { IpReputation } from '../threat-feed/ipsum';

/** Errors raised while opening or reading a Cowrie log (I/O, bad options). */
export class CowrieSourceError extends XdrError {
  override readonly name: string = 'CowrieSourceError';
}

/** Options of openCowrieSource. */
export interface CowrieSourceOptions {
  /** Threat feed; fills the `reputation_lists` column (NaN = missing when absent). */
  readonly reputation?: IpReputation;
  /** Failed logins from which a source is labelled `<proto>-bruteforce` (default 5). */
  readonly bruteForceMinFailures?: number;
}

/** Numeric feature columns, in order (the categorical ones follow). */
const NUMERIC_COLUMNS = [
  'sessions',
  'sessions_closed',
  'login_attempts',
  'login_failures',
  'login_successes',
  'distinct_usernames',
  'distinct_passwords',
  'commands',
  'distinct_commands',
  'failed_commands',
  'file_downloads',
  'failed_downloads',
  'tcpip_forward_requests',
  'distinct_forward_targets',
  'distinct_dst_ports',
  'distinct_src_ports',
  'mean_session_duration_s',
  'max_session_duration_s',
  'tty_log_bytes',
  'client_vars',
  'terminal_size_events',
  'distinct_client_versions',
  'active_span_s',
  'sessions_per_hour',
  'events',
  'error_events',
  'reputation_lists',
] as const;

/** Columns of the cowrie source: the numeric features above, then `client_version` and `protocol`. */
export const COWRIE_COLUMNS: readonly ColumnSpec[] = [
  ...NUMERIC_COLUMNS.map((name): ColumnSpec => ({ name, kind: 'numeric' })),
  /** most common SSH client version string ('' when none was sent) */
  { name: 'client_version', kind: 'categorical' },
  { name: 'protocol', kind: 'categorical' },
];

/** Per-source aggregate; memory is bounded by distinct sources and their distinct values. */
interface SourceStats {
  readonly firstLine: number;
  firstTs: number;
  lastTs: number;
  events: number;
  errorEvents: number;
  sessions: Set<string>;
  sessionsClosed: number;
  durationSum: number;
  durationMax: number;
  loginFailures: number;
  loginSuccesses: number;
  usernames: Set<string>;
  passwords: Set<string>;
  commands: number;
  commandSet: Set<string>;
  failedCommands: number;
  downloads: number;
  failedDownloads: number;
  forwardRequests: number;
  forwardTargets: Set<string>;
  dstPorts: Set<number>;
  srcPorts: Set<number>;
  ttyBytes: number;
  clientVars: number;
  terminalSizes: number;
  versions: Map<string, number>;
  protocols: Map<string, number>;
}

function newStats(line: number, ts: number): SourceStats {
  return {
    firstLine: line,
    firstTs: ts,
    lastTs: ts,
    events: 0,
    errorEvents: 0,
    sessions: new Set(),
    sessionsClosed: 0,
    durationSum: 0,
    durationMax: 0,
    loginFailures: 0,
    loginSuccesses: 0,
    usernames: new Set(),
    passwords: new Set(),
    commands: 0,
    commandSet: new Set(),
    failedCommands: 0,
    downloads: 0,
    failedDownloads: 0,
    forwardRequests: 0,
    forwardTargets: new Set(),
    dstPorts: new Set(),
    srcPorts: new Set(),
    ttyBytes: 0,
    clientVars: 0,
    terminalSizes: 0,
    versions: new Map(),
    protocols: new Map(),
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Most frequent key (ties: first seen); '' when empty. */
function mode(map: Map<string, number>): string {
  let best = '';
  let bestN = 0;
  for (const [k, n] of map) {
    if (n > bestN) {
      best = k;
      bestN = n;
    }
  }
  return best;
}

/** Folds one parsed event into its source; returns a rejection reason or undefined. */
function applyEvent(sources: Map<string, SourceStats>, event: Record<string, unknown>, line: number): string | undefined {
  const eventid = str(event.eventid);
  if (eventid === undefined) return 'missing or non-string "eventid"';
  const srcIp = str(event.src_ip);
  if (srcIp === undefined || srcIp.length === 0) return 'missing or non-string "src_ip"';
  const tsText = str(event.timestamp);
  const ts = tsText === undefined ? NaN : Date.parse(tsText);
  if (!Number.isFinite(ts)) return `missing or invalid "timestamp"`;
  let s = sources.get(srcIp);
  if (s === undefined) {
    s = newStats(line, ts);
    sources.set(srcIp, s);
  }
  s.events++;
  if (event.isError === 1 || event.isError === true) s.errorEvents++;
  if (ts < s.firstTs) s.firstTs = ts;
  if (ts > s.lastTs) s.lastTs = ts;
  const session = str(event.session);
  if (session !== undefined) s.sessions.add(session);
  switch (eventid) {
    case 'cowrie.session.connect': {
      const dp = num(event.dst_port);
      if (dp !== undefined) s.dstPorts.add(dp);
      const sp = num(event.src_port);
      if (sp !== undefined) s.srcPorts.add(sp);
      const proto = str(event.protocol);
      if (proto !== undefined) bump(s.protocols, proto);
      break;
    }
    case 'cowrie.session.closed': {
      s.sessionsClosed++;
      const d = num(event.duration);
      if (d !== undefined) {
        s.durationSum += d;
        if (d > s.durationMax) s.durationMax = d;
      }
      break;
    }
    case 'cowrie.login.failed':
    case 'cowrie.login.success': {
      if (eventid === 'cowrie.login.failed') s.loginFailures++;
      else s.loginSuccesses++;
      const u = str(event.username);
      if (u !== undefined) s.usernames.add(u);
      const p = str(event.password);
      if (p !== undefined) s.passwords.add(p);
      break;
    }
    case 'cowrie.command.input': {
      s.commands++;
      const input = str(event.input);
      if (input !== undefined) s.commandSet.add(input);
      break;
    }
    case 'cowrie.command.failed':
      s.failedCommands++;
      break;
    case 'cowrie.session.file_download':
    case 'cowrie.session.file_upload':
      s.downloads++;
      break;
    case 'cowrie.session.file_download.failed':
      s.failedDownloads++;
      break;
    case 'cowrie.direct-tcpip.request': {
      s.forwardRequests++;
      const dp = num(event.dst_port);
      if (dp !== undefined) s.dstPorts.add(dp);
      s.forwardTargets.add(`${str(event.dst_ip) ?? '?'}:${dp ?? '?'}`);
      break;
    }
    case 'cowrie.client.version': {
      const v = str(event.version);
      if (v !== undefined) bump(s.versions, v);
      break;
    }
    case 'cowrie.client.var':
      s.clientVars++;
      break;
    case 'cowrie.client.size':
      s.terminalSizes++;
      break;
    case 'cowrie.log.closed': {
      const size = num(event.size);
      if (size !== undefined) s.ttyBytes += size;
      break;
    }
    default:
      break; // other event ids only count as events (and keep the session/time span)
  }
  return undefined;
}

/**
 * The weak label of a source, first matching rule wins (`<proto>` is its most common protocol,
 * `ssh` when unknown):
 * 1. `<proto>-intrusion` — a login succeeded and it ran ≥ 1 command or downloaded/uploaded a file;
 * 2. `<proto>-tunnel-abuse` — it asked the honeypot to forward TCP (direct-tcpip), i.e. used it as a proxy;
 * 3. `<proto>-bruteforce` — ≥ bruteForceMinFailures (default 5) failed logins;
 * 4. `<proto>-credential-check` — a login succeeded, nothing was run (credential validation bots);
 * 5. `<proto>-login-attempt` — a few failed logins (1 … N-1), no success;
 * 6. `scanner` — connected without any login attempt.
 */
export function cowrieLabel(
  s: {
    loginFailures: number;
    loginSuccesses: number;
    commands: number;
    downloads: number;
    failedDownloads: number;
    forwardRequests: number;
    protocol: string;
  },
  bruteForceMinFailures = 5,
): string {
  const proto = s.protocol === '' ? 'ssh' : s.protocol;
  if (s.loginSuccesses > 0 && s.commands + s.downloads + s.failedDownloads > 0) return `${proto}-intrusion`;
  if (s.forwardRequests > 0) return `${proto}-tunnel-abuse`;
  if (s.loginFailures >= bruteForceMinFailures) return `${proto}-bruteforce`;
  if (s.loginSuccesses > 0) return `${proto}-credential-check`;
  if (s.loginFailures > 0) return `${proto}-login-attempt`;
  return 'scanner';
}

function toRow(srcIp: string, s: SourceStats, options: CowrieSourceOptions): ParsedRow {
  const spanS = (s.lastTs - s.firstTs) / 1000;
  const protocol = mode(s.protocols);
  const values: (number | string)[] = [
    s.sessions.size,
    s.sessionsClosed,
    s.loginFailures + s.loginSuccesses,
    s.loginFailures,
    s.loginSuccesses,
    s.usernames.size,
    s.passwords.size,
    s.commands,
    s.commandSet.size,
    s.failedCommands,
    s.downloads,
    s.failedDownloads,
    s.forwardRequests,
    s.forwardTargets.size,
    s.dstPorts.size,
    s.srcPorts.size,
    s.sessionsClosed > 0 ? s.durationSum / s.sessionsClosed : NaN,
    s.sessionsClosed > 0 ? s.durationMax : NaN,
    s.ttyBytes,
    s.clientVars,
    s.terminalSizes,
    s.versions.size,
    spanS,
    // sessions per hour over the active span, at least one hour so single bursts are not inflated
    s.sessions.size / Math.max(spanS / 3600, 1),
    s.events,
    s.errorEvents,
    options.reputation === undefined ? NaN : options.reputation.lookup(srcIp),
    mode(s.versions),
    protocol,
  ];
  return {
    kind: 'row',
    line: s.firstLine,
    values,
    label: cowrieLabel({ ...s, protocol }, options.bruteForceMinFailures),
  };
}

/**
 * Opens a Cowrie JSON log (`cowrie.json`, one event per line; `.gz` is gunzipped while streaming) as
 * a DatasetSource with format 'cowrie' and one feature row per source IP (`src_ip`). See COWRIE_COLUMNS
 * for the features and {@link cowrieLabel} for the weak labelling rule; `reputation_lists` is the
 * number of blocklists naming the IP when `options.reputation` is given, NaN otherwise.
 *
 * The file is streamed line by line; memory grows with the number of distinct sources (and their
 * distinct usernames/passwords/commands), not with the file size. Because a source's behaviour is
 * only known once the whole log has been read, **feature rows are emitted at the end of the stream**
 * (in order of each source's first event; `line` is the line of that first event). Malformed lines
 * (bad JSON, not an object, missing eventid/src_ip/timestamp) are yielded as RejectedRow as they are met.
 * @example
 * const src = await openCowrieSource('cowrie.json.gz', { reputation: await loadIpReputation('ipsum.txt') });
 * for await (const r of src.rows()) if (r.kind === 'row') console.log(r.label, r.values);
 */
export async function openCowrieSource(path: string, options: CowrieSourceOptions = {}): Promise<DatasetSource> {
  const unknown = Object.keys(options).filter((k) => k !== 'reputation' && k !== 'bruteForceMinFailures');
  if (unknown.length > 0) throw new CowrieSourceError(`unknown option(s): ${unknown.join(', ')}`);
  const n = options.bruteForceMinFailures;
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) {
    throw new CowrieSourceError(`bruteForceMinFailures must be a positive integer, got ${n}`);
  }
  let totalBytes: number;
  try {
    totalBytes = statSync(path).size;
  } catch (err) {
    throw new CowrieSourceError(`cannot open cowrie log ${path}: ${(err as Error).message}`, { cause: err });
  }
  let bytesRead = 0;
  return {
    format: 'cowrie',
    columns: COWRIE_COLUMNS,
    totalBytes,
    bytesRead: () => bytesRead,
    async *rows(): AsyncGenerator<ParsedRow | RejectedRow> {
      bytesRead = 0;
      const file = createReadStream(path);
      file.on('data', (chunk) => (bytesRead += chunk.length));
      const input: Readable = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
      file.on('error', (err) => input.destroy(err));
      const sources = new Map<string, SourceStats>();
      let lineNo = 0;
      try {
        for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
          lineNo++;
          if (raw.trim().length === 0) continue;
          let event: unknown;
          try {
            event = JSON.parse(raw);
          } catch (err) {
            yield { kind: 'rejected', line: lineNo, reason: `malformed JSON: ${(err as Error).message}` };
            continue;
          }
          if (typeof event !== 'object' || event === null || Array.isArray(event)) {
            yield { kind: 'rejected', line: lineNo, reason: 'not a JSON object' };
            continue;
          }
          const reason = applyEvent(sources, event as Record<string, unknown>, lineNo);
          if (reason !== undefined) yield { kind: 'rejected', line: lineNo, reason };
        }
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'Z_BUF_ERROR') {
          throw new CowrieSourceError(`cannot read cowrie log ${path} (line ${lineNo + 1}): ${(err as Error).message}`, { cause: err });
        }
        // A truncated .gz (e.g. a log still being written): report it and keep what was read.
        yield { kind: 'rejected', line: lineNo + 1, reason: `gzip stream truncated: ${(err as Error).message}` };
      }
      for (const [srcIp, s] of sources) yield toRow(srcIp, s, options);
    },
  };
}
