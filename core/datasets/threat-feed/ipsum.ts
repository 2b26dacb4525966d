// IPsum-style threat feed (`ip<TAB>lists`, '#' comments): a compact IPv4 reputation index
// (sorted Uint32Array + Uint8Array counts, binary-search lookup) and a DatasetSource with one
// feature row per listed IP.
import { XdrError } from '../../errors';
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { ColumnSpec, DatasetSource, ParsedRow, RejectedRow } from '../source';

/** Errors raised while reading a threat feed (I/O failure, unreadable file). */
export class ThreatFeedError extends XdrError {
  override readonly name: string = 'ThreatFeedError';
}

/** Number of blocklists listing an IPv4 address, answered from an in-memory sorted index. */
export interface IpReputation {
  /** Distinct IPs in the index. */
  readonly size: number;
  /** Lines of the feed that were rejected while loading (malformed or duplicate IPs). */
  readonly rejectedLines: number;
  /** Number of lists naming `ip` (dotted quad); 0 when absent or not a valid IPv4 address. */
  lookup(ip: string): number;
  /** Same as lookup for an address already packed as an unsigned 32-bit integer. */
  lookupUint32(ip: number): number;
  /** Number of listed IPs whose address lies in [first, last] (inclusive, uint32). */
  countInRange(first: number, last: number): number;
  /** Highest list count among listed IPs in [first, last] (inclusive, uint32); 0 when none. */
  maxInRange(first: number, last: number): number;
}

/**
 * Parses a dotted-quad IPv4 address into an unsigned 32-bit integer; -1 when malformed.
 * @example parseIpv4('10.0.0.1') // 167772161
 */
export function parseIpv4(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1; // leading zero ("01") is ambiguous (octal)
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** Formats an unsigned 32-bit integer as a dotted quad. */
export function formatIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** One parsed feed line: an entry, a comment/blank line, or a rejection reason. */
type FeedLine = { kind: 'entry'; ip: number; lists: number } | { kind: 'skip' } | { kind: 'bad'; reason: string };

const SKIP: FeedLine = { kind: 'skip' };

/**
 * Parses one feed line. Accepted: `ip<whitespace>count` (count a positive integer) or a bare `ip`
 * (plain blocklists; count 1). Blank lines and lines starting with '#' are skipped.
 */
function parseFeedLine(raw: string): FeedLine {
  const line = raw.trim();
  if (line.length === 0 || line.charCodeAt(0) === 35) return SKIP;
  const fields = line.split(/\s+/);
  if (fields.length > 2) return { kind: 'bad', reason: `expected "ip<TAB>lists", got ${fields.length} fields` };
  const ip = parseIpv4(fields[0]);
  if (ip < 0) return { kind: 'bad', reason: `invalid IPv4 address "${fields[0].slice(0, 60)}"` };
  if (fields.length === 1) return { kind: 'entry', ip, lists: 1 };
  const countText = fields[1];
  if (!/^[0-9]+$/.test(countText)) return { kind: 'bad', reason: `list count "${countText.slice(0, 60)}" is not a non-negative integer` };
  const lists = Number(countText);
  if (lists < 1) return { kind: 'bad', reason: 'list count must be at least 1' };
  return { kind: 'entry', ip, lists };
}

function openLines(path: string, onBytes: (n: number) => void): { lines: AsyncIterable<string>; input: Readable } {
  const file = createReadStream(path);
  file.on('data', (chunk) => onBytes(chunk.length));
  const input: Readable = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  file.on('error', (err) => input.destroy(err));
  return { lines: createInterface({ input, crlfDelay: Infinity }), input };
}

class SortedIpReputation implements IpReputation {
  readonly size: number;

  constructor(
    private readonly ips: Uint32Array,
    private readonly counts: Uint8Array,
    readonly rejectedLines: number,
  ) {
    this.size = ips.length;
  }

  lookup(ip: string): number {
    const v = parseIpv4(ip);
    return v < 0 ? 0 : this.lookupUint32(v);
  }

  lookupUint32(ip: number): number {
    const i = this.lowerBound(ip);
    return i < this.ips.length && this.ips[i] === ip ? this.counts[i] : 0;
  }

  countInRange(first: number, last: number): number {
    if (last < first) return 0;
    return this.lowerBound(last + 1) - this.lowerBound(first);
  }

  maxInRange(first: number, last: number): number {
    let max = 0;
    for (let i = this.lowerBound(first); i < this.ips.length && this.ips[i] <= last; i++) {
      if (this.counts[i] > max) max = this.counts[i];
    }
    return max;
  }

  /** First index whose ip is >= value. */
  private lowerBound(value: number): number {
    let lo = 0;
    let hi = this.ips.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ips[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

interface LoadResult {
  reputation: IpReputation;
  /** Line numbers (1-based) of entries that repeat an earlier IP, with the first line. */
  duplicates: Map<number, number>;
}

async function loadIndex(path: string, onRejected?: (row: RejectedRow) => void): Promise<LoadResult> {
  let ips: Uint32Array = new Uint32Array(1024);
  let counts: Uint8Array = new Uint8Array(1024);
  let lines: Uint32Array = new Uint32Array(1024);
  let n = 0;
  let rejected = 0;
  let lineNo = 0;
  try {
    for await (const raw of openLines(path, () => undefined).lines) {
      lineNo++;
      const parsed = parseFeedLine(raw);
      if (parsed.kind === 'skip') continue;
      if (parsed.kind === 'bad') {
        rejected++;
        onRejected?.({ kind: 'rejected', line: lineNo, reason: parsed.reason });
        continue;
      }
      if (n === ips.length) {
        const grow = (a: Uint32Array): Uint32Array => {
          const b = new Uint32Array(a.length * 2);
          b.set(a);
          return b;
        };
        ips = grow(ips);
        lines = grow(lines);
        const c = new Uint8Array(counts.length * 2);
        c.set(counts);
        counts = c;
      }
      ips[n] = parsed.ip;
      counts[n] = Math.min(parsed.lists, 255);
      lines[n] = lineNo;
      n++;
    }
  } catch (err) {
    throw new ThreatFeedError(`cannot read threat feed ${path}: ${(err as Error).message}`, { cause: err });
  }
  // Sort an index permutation by (ip, line) so duplicates keep their first occurrence.
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => ips[a] - ips[b] || lines[a] - lines[b]);
  const sortedIps = new Uint32Array(n);
  const sortedCounts = new Uint8Array(n);
  const duplicates = new Map<number, number>();
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (m > 0 && sortedIps[m - 1] === ips[i]) {
      duplicates.set(lines[i], lines[order[k - 1]]);
      continue;
    }
    sortedIps[m] = ips[i];
    sortedCounts[m] = counts[i];
    m++;
  }
  for (const [line, first] of duplicates) {
    onRejected?.({ kind: 'rejected', line, reason: `duplicate IP (first listed on line ${first})` });
  }
  return {
    reputation: new SortedIpReputation(sortedIps.slice(0, m), sortedCounts.slice(0, m), rejected + duplicates.size),
    duplicates,
  };
}

/**
 * Loads an IPsum-style feed into a compact reputation index (about 5 bytes per IP). Malformed lines
 * and repeated IPs are skipped, counted in `rejectedLines` and passed to `onRejected` (duplicates keep
 * the first occurrence); counts above 255 saturate at 255.
 * @example
 * const rep = await loadIpReputation('ipsum.txt');
 * rep.lookup('77.90.185.20'); // 10
 */
export async function loadIpReputation(path: string, options: { onRejected?: (row: RejectedRow) => void } = {}): Promise<IpReputation> {
  return (await loadIndex(path, options.onRejected)).reputation;
}

/** Columns of the threat-feed source, in order. */
export const THREAT_FEED_COLUMNS: readonly ColumnSpec[] = [
  { name: 'lists', kind: 'numeric' },
  { name: 'listed_in_24', kind: 'numeric' },
  { name: 'listed_in_16', kind: 'numeric' },
  { name: 'max_lists_in_24', kind: 'numeric' },
  { name: 'first_octet', kind: 'numeric' },
  { name: 'last_octet', kind: 'numeric' },
];

/** Highest list count that gets its own label; higher counts share `malicious-ip-<MAX>`. */
export const THREAT_FEED_MAX_LABEL_LEVEL = 10;

/**
 * Opens a threat feed as a DatasetSource (format 'threat-feed'): one row per listed IP, in file order.
 * Columns: `lists` (blocklists naming the IP), `listed_in_24` / `listed_in_16` (listed IPs in the same
 * /24 and /16, the IP itself included), `max_lists_in_24` (highest count in its /24), `first_octet`,
 * `last_octet`. Label scheme: `malicious-ip-<k>` with k = min(lists, 10) — IPsum's own "levels";
 * every row is malicious, so the feed alone is a one-class (graded) dataset. Malformed lines and
 * repeated IPs come out as RejectedRow with their line number.
 * The file is read twice: once to build the neighbourhood index, once to stream rows.
 */
export async function openThreatFeedSource(path: string): Promise<DatasetSource> {
  let totalBytes: number;
  try {
    totalBytes = statSync(path).size;
  } catch (err) {
    throw new ThreatFeedError(`cannot open threat feed ${path}: ${(err as Error).message}`, { cause: err });
  }
  const { reputation, duplicates } = await loadIndex(path);
  let bytesRead = 0;
  return {
    format: 'threat-feed',
    columns: THREAT_FEED_COLUMNS,
    totalBytes,
    bytesRead: () => bytesRead,
    async *rows(): AsyncGenerator<ParsedRow | RejectedRow> {
      bytesRead = 0;
      let lineNo = 0;
      const { lines } = openLines(path, (n) => (bytesRead += n));
      try {
        for await (const raw of lines) {
          lineNo++;
          const parsed = parseFeedLine(raw);
          if (parsed.kind === 'skip') continue;
          if (parsed.kind === 'bad') {
            yield { kind: 'rejected', line: lineNo, reason: parsed.reason };
            continue;
          }
          const first = duplicates.get(lineNo);
          if (first !== undefined) {
            yield { kind: 'rejected', line: lineNo, reason: `duplicate IP (first listed on line ${first})` };
            continue;
          }
          const ip = parsed.ip;
          const base24 = ip - (ip & 255);
          const base16 = ip - (ip & 65535);
          yield {
            kind: 'row',
            line: lineNo,
            values: [
              parsed.lists,
              reputation.countInRange(base24, base24 + 255),
              reputation.countInRange(base16, base16 + 65535),
              reputation.maxInRange(base24, base24 + 255),
              ip >>> 24,
              ip & 255,
            ],
            label: `malicious-ip-${Math.min(parsed.lists, THREAT_FEED_MAX_LABEL_LEVEL)}`,
          };
        }
      } catch (err) {
        throw new ThreatFeedError(`cannot read threat feed ${path}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
