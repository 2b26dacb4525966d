// The append-only, hash-chained audit log: one DynamoDB partition per stream (`stream`, `seq`).
// Each record carries the hash of its predecessor (`prevHash`) and its own `hash`, the sha256 of
// the canonical JSON of the record without `hash`. Sequence numbers are allocated by a single-item
// conditional write (put seq = last + 1 only if absent, retry on conflict), so the chain is linear
// and has no gaps. A head item at seq 0 counts completed appends, which lets verify() notice a
// truncated tail.
//
// What the chain detects: a changed record (its hash no longer matches), a removed record in the
// middle (a gap in seq and a prevHash that no longer matches), reordered or re-numbered records
// (stream and seq are inside the hash), and a removed tail when the head counter says more records
// were appended than exist. What it cannot detect: someone with write access who rewrites a record
// AND every record after it AND the head counter (re-chaining) — anchor the head hash outside the
// table (the rendered change-control/audit-log.md kept in git does that); and a tail record lost
// together with the counter increment by a crash between the two writes (the counter lags; it never
// runs ahead of the records).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConditionFailedError, type Item, type ItemTable } from '../ports';
import { InvalidInputError, XdrError } from '../errors';
import { canonicalHash, toPlainJson } from './canonical-json';

/** prevHash of the first record of a stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** Sort key of the head item that counts completed appends (records start at seq 1). */
const HEAD_SEQ = 0;

/** The head item's counter of completed appends: the one attribute an append ever updates. */
export const HEAD_COUNTER_ATTRIBUTE = 'appended';

/** How many times append retries after losing a sequence number to a concurrent append. */
const MAX_APPEND_ATTEMPTS = 500;

/** What a caller records: who did what to which subject, why, and the state before and after. */
export interface AuditEntry {
  readonly actor: string;
  /** Dotted verb, e.g. `model.deploy`, `model.rollback`, `model.register`, `training.run`. */
  readonly action: string;
  /** What the action applies to, e.g. `model/general/version/3`. */
  readonly subject: string;
  readonly reason?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly metrics?: Readonly<Record<string, unknown>>;
  readonly dataset?: Readonly<Record<string, unknown>>;
  readonly parameters?: Readonly<Record<string, unknown>>;
  /**
   * The stored change this record is the record of (e.g. `model/general/alias/production#4`), when
   * it records one: `audit verify` matches every registry change to a record by it.
   */
  readonly ref?: string;
  /** Set on a record appended after the fact for a change whose own record a crash lost. */
  readonly recovered?: true;
}

/** A stored audit record. */
export interface AuditRecord extends AuditEntry {
  readonly stream: string;
  readonly seq: number;
  /** ISO-8601 time of the append. */
  readonly at: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  /** Records read. */
  readonly records: number;
  /** Hash of the last record (the value to anchor elsewhere); GENESIS_HASH for an empty stream. */
  readonly headHash: string;
  /** First record that fails a check (for a missing tail: the first missing seq). */
  readonly firstBadSeq?: number;
  /** What is wrong, in words. */
  readonly problem?: string;
}

export interface AuditLogOptions {
  readonly table: ItemTable;
  /** Partition of the audit table; default 'platform'. */
  readonly stream?: string;
  readonly clock?: () => Date;
}

/** Thrown when an append cannot get a sequence number (extreme contention). */
export class AuditAppendError extends XdrError {
  override readonly name: string = 'AuditAppendError';
}

/** The hash a record must carry: sha256 of its canonical JSON without `hash`. */
export function computeRecordHash(record: Omit<AuditRecord, 'hash'> | AuditRecord): string {
  const { hash: _hash, ...rest } = record as AuditRecord;
  return canonicalHash(rest);
}

/**
 * Checks a stream's records (in seq order) against the chain rules; `appended` is the head
 * counter (completed appends), when known.
 */
export function verifyRecords(records: readonly AuditRecord[], appended?: number): AuditVerification {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const r of records) {
    const bad = (problem: string, firstBadSeq = r.seq): AuditVerification => ({
      ok: false,
      records: records.length,
      headHash: prevHash,
      firstBadSeq,
      problem,
    });
    if (r.seq !== expectedSeq) {
      return bad(
        r.seq > expectedSeq
          ? `record(s) ${expectedSeq}${r.seq - 1 > expectedSeq ? `-${r.seq - 1}` : ''} removed: seq jumps from ${expectedSeq - 1} to ${r.seq}`
          : `seq ${r.seq} out of order (expected ${expectedSeq})`,
        expectedSeq,
      );
    }
    if (r.prevHash !== prevHash) return bad(`record ${r.seq} does not follow record ${r.seq - 1}: prevHash mismatch (a record was removed or replaced)`);
    if (computeRecordHash(r) !== r.hash) return bad(`record ${r.seq} was modified: its content no longer matches its hash`);
    prevHash = r.hash;
    expectedSeq += 1;
  }
  if (appended !== undefined && appended > records.length) {
    return {
      ok: false,
      records: records.length,
      headHash: prevHash,
      firstBadSeq: records.length + 1,
      problem: `truncated: ${appended} records were appended but only ${records.length} remain (seq ${records.length + 1}-${appended} removed)`,
    };
  }
  return { ok: true, records: records.length, headHash: prevHash };
}

function requireText(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '')
    throw new InvalidInputError(`${field}: must be a non-empty string`, { details: [{ field, message: 'must be a non-empty string' }] });
}

/**
 * An append-only, hash-chained audit stream over an ItemTable (the `audit` table).
 *
 * @example
 * const audit = new AuditLog({ table: stores.tables.audit });
 * await audit.append({ actor: 'alice', action: 'model.deploy', subject: 'model/general/version/3', reason: 'better recall' });
 * const { ok, problem } = await audit.verify();
 */
export class AuditLog {
  readonly stream: string;
  private readonly table: ItemTable;
  private readonly clock: () => Date;

  constructor(options: AuditLogOptions) {
    this.table = options.table;
    this.stream = options.stream ?? 'platform';
    this.clock = options.clock ?? (() => new Date());
    requireText('stream', this.stream);
  }

  /**
   * Appends a record at the end of the chain and returns it. Concurrent appends are serialised by
   * conditional writes on the sequence number; the loser re-reads the new tail and retries.
   */
  async append(entry: AuditEntry): Promise<AuditRecord> {
    requireText('actor', entry.actor);
    requireText('action', entry.action);
    requireText('subject', entry.subject);
    const content = toPlainJson({
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      reason: entry.reason === '' ? undefined : entry.reason,
      before: entry.before,
      after: entry.after,
      metrics: entry.metrics,
      dataset: entry.dataset,
      parameters: entry.parameters,
      ref: entry.ref,
      recovered: entry.recovered,
    });
    let tail = await this.tail();
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const unsigned = { ...content, stream: this.stream, seq: (tail?.seq ?? 0) + 1, at: this.clock().toISOString(), prevHash: tail?.hash ?? GENESIS_HASH };
      const record = { ...unsigned, hash: computeRecordHash(unsigned) } as AuditRecord;
      try {
        await this.table.putIfAbsent(record as unknown as Item);
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        // Lost this seq to a concurrent append: the record now there is the new tail.
        tail = ((await this.table.get({ stream: this.stream, seq: record.seq })) as AuditRecord | undefined) ?? (await this.tail());
        continue;
      }
      await this.table.increment({ stream: this.stream, seq: HEAD_SEQ }, HEAD_COUNTER_ATTRIBUTE);
      return record;
    }
    throw new AuditAppendError(`audit stream ${this.stream}: no free sequence number after ${MAX_APPEND_ATTEMPTS} attempts`);
  }

  /** Every record of the stream in seq order (the head item excluded). */
  async records(): Promise<AuditRecord[]> {
    const items = await this.table.query({ stream: this.stream });
    return items.filter((i) => i.seq !== HEAD_SEQ) as unknown as AuditRecord[];
  }

  /** Re-computes the chain; see the module header for what it can and cannot detect. */
  async verify(): Promise<AuditVerification> {
    const [records, head] = await Promise.all([this.records(), this.table.get({ stream: this.stream, seq: HEAD_SEQ })]);
    const appended = typeof head?.appended === 'number' ? head.appended : undefined;
    return verifyRecords(records, appended);
  }

  /**
   * The newest `limit` records, newest first, each marked `verified` (the chain holds up to it),
   * with the whole chain's verification: what the console's audit page shows.
   * @example const { verification, records } = await audit.trail(50);
   */
  async trail(limit: number): Promise<{ verification: AuditVerification; records: (AuditRecord & { readonly verified: boolean })[] }> {
    const [records, head] = await Promise.all([this.records(), this.table.get({ stream: this.stream, seq: HEAD_SEQ })]);
    const verification = verifyRecords(records, typeof head?.appended === 'number' ? head.appended : undefined);
    const newest = records.slice(-Math.max(0, limit)).reverse();
    return { verification, records: newest.map((r) => ({ ...r, verified: verification.firstBadSeq === undefined || r.seq < verification.firstBadSeq })) };
  }

  private async tail(): Promise<AuditRecord | undefined> {
    const [last] = await this.table.query({ stream: this.stream }, { descending: true, limit: 1 });
    return last && last.seq !== HEAD_SEQ ? (last as unknown as AuditRecord) : undefined;
  }
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export interface RenderOptions {
  readonly stream?: string;
  /** Result of verify(), shown at the top. */
  readonly verification?: AuditVerification;
}

/**
 * Renders records as the Markdown of change-control/audit-log.md: a summary table, then one
 * section per record with its before/after, metrics, dataset and parameters.
 */
export function renderMarkdown(records: readonly AuditRecord[], options: RenderOptions = {}): string {
  const lines: string[] = ['# Audit log', ''];
  lines.push('Rendered from the hash-chained audit table by `xdr-ml audit export`. Do not edit by hand:');
  lines.push('`xdr-ml audit verify` recomputes the chain.', '');
  if (options.stream) lines.push(`- stream: \`${options.stream}\``);
  lines.push(`- records: ${records.length}`);
  lines.push(`- head hash: \`${records.length > 0 ? records[records.length - 1].hash : GENESIS_HASH}\``);
  if (options.verification) {
    lines.push(`- chain: ${options.verification.ok ? 'verified' : `BROKEN at seq ${options.verification.firstBadSeq}: ${options.verification.problem}`}`);
  }
  lines.push('', '| seq | time (UTC) | actor | action | subject | reason |', '|---:|---|---|---|---|---|');
  for (const r of records) lines.push(`| ${r.seq} | ${r.at} | ${cell(r.actor)} | ${cell(r.action)} | ${cell(r.subject)} | ${cell(r.reason)} |`);
  for (const r of records) {
    lines.push('', `## ${r.seq}. ${r.action} — ${r.subject}`, '');
    lines.push(`- at: ${r.at}`, `- actor: ${r.actor}`);
    if (r.reason) lines.push(`- reason: ${cell(r.reason)}`);
    for (const key of ['before', 'after', 'metrics', 'dataset', 'parameters'] as const) {
      if (r[key] !== undefined) lines.push(`- ${key}: \`${cell(r[key]).replace(/`/g, "'")}\``);
    }
    lines.push(`- prevHash: \`${r.prevHash}\``, `- hash: \`${r.hash}\``);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Verifies the stream and writes its Markdown rendering to `file` (parent folders created).
 *
 * @example await exportAuditLog(audit, 'change-control/audit-log.md');
 */
export async function exportAuditLog(audit: AuditLog, file: string): Promise<{ path: string; records: number; verification: AuditVerification }> {
  const [records, verification] = await Promise.all([audit.records(), audit.verify()]);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, renderMarkdown(records, { stream: audit.stream, verification }), 'utf8');
  return { path: file, records: records.length, verification };
}
