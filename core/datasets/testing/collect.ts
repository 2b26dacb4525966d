// Test helper: drains a DatasetSource into label counts, rejections and a few sample rows.
import type { DatasetSource, ParsedRow, RejectedRow } from '../source';

/** What a full pass over a source produced. */
export interface Collected {
  rows: number;
  perLabel: Record<string, number>;
  rejected: RejectedRow[];
  /** Rows whose line is in `keepLines`. */
  kept: Map<number, ParsedRow>;
}

/** Streams the whole source, counting rows per label. */
export async function collectSource(src: DatasetSource, keepLines: readonly number[] = []): Promise<Collected> {
  const keep = new Set(keepLines);
  const out: Collected = { rows: 0, perLabel: {}, rejected: [], kept: new Map() };
  for await (const r of src.rows()) {
    if (r.kind === 'rejected') {
      out.rejected.push(r);
      continue;
    }
    out.rows++;
    out.perLabel[r.label] = (out.perLabel[r.label] ?? 0) + 1;
    if (keep.has(r.line)) out.kept.set(r.line, r);
  }
  return out;
}
