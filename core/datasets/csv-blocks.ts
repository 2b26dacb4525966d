// The bulk path of the delimited-text loader: parses decompressed bytes straight into columns
// (Float64Array per numeric column), with no string per line or per numeric field. It keeps the
// row path's reading exactly (csv-line.ts readPlannedLine): the same rows, values, rejections and
// skipped-line counts. Lines it cannot read byte-wise (quotes, a lone CR, a multi-byte delimiter)
// are decoded and handed to that row reading.
import { parseNumericField } from '../data/numeric-field';
import { missingLabel, nonNumeric, readPlannedLine, type CsvPlan } from './csv-line';
import type { RejectedRow, RowBlock } from './source';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
/** Exact powers of ten: m / 10^k is correctly rounded (as Number() is) for m < 2^53 and k ≤ 22. */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Up to 15 decimal digits always fit 2^53 exactly. */
const MAX_FAST_DIGITS = 15;
/** Module-scope alias (global lookups are slow inside jest's vm context). */
const toNaN = NaN;

/** A byte range of a buffer holding whole lines. */
interface Segment {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
}

function grow<T extends Float64Array | Uint32Array>(a: T, capacity: number): T {
  const next = new (a.constructor as new (n: number) => T)(capacity);
  next.set(a);
  return next;
}

/**
 * Turns byte buffers into columnar row blocks. Feed the buffers in order with `push`, then call
 * `end` once.
 *
 * @example
 * const parser = new CsvBlockParser(plan);
 * for await (const buf of stream.chunks) { const block = parser.push(buf); ... }
 * const last = parser.end();
 */
export class CsvBlockParser {
  /** Lines skipped on purpose so far. */
  readonly skipped = { repeatedHeaders: 0, blankLines: 0 };
  private carry: Buffer | undefined;
  private line = 0;
  private first = true;
  private readonly delimiter: number;
  private readonly numeric: boolean[];
  /** Output column of each field, -1 for the label and dropped fields. */
  private readonly columnOfField: Int32Array;
  private lastLabelBytes = Buffer.alloc(0);
  private lastRawLabel = '';
  private lastLabel = '';

  constructor(private readonly plan: CsvPlan) {
    const d = plan.delimiter;
    // byte-wise only for a one-byte ASCII delimiter; anything else goes line by line as text
    this.delimiter = d.length === 1 && d.charCodeAt(0) < 128 && d !== '"' && d !== '\r' && d !== '\n' ? d.charCodeAt(0) : -1;
    this.numeric = plan.columns.map((c) => c.kind === 'numeric');
    this.columnOfField = new Int32Array(plan.fieldCount).fill(-1);
    plan.fieldIndex.forEach((f, j) => {
      this.columnOfField[f] = j;
    });
  }

  /** Parses every complete line in the bytes so far; keeps a trailing partial line for later. */
  push(chunk: Buffer): RowBlock | undefined {
    const last = chunk.lastIndexOf(LF);
    if (last < 0) {
      this.carry = this.carry === undefined ? Buffer.from(chunk) : Buffer.concat([this.carry, chunk]);
      return undefined;
    }
    const segments: Segment[] = [];
    let from = 0;
    if (this.carry !== undefined) {
      // only the carried partial line is joined to its end (not the whole buffer to the carry)
      const first = chunk.indexOf(LF);
      segments.push({ buf: Buffer.concat([this.carry, chunk.subarray(0, first + 1)]), start: 0, end: this.carry.length + first + 1 });
      from = first + 1;
    }
    if (from < last + 1) segments.push({ buf: chunk, start: from, end: last + 1 });
    this.carry = last + 1 < chunk.length ? Buffer.from(chunk.subarray(last + 1)) : undefined;
    return this.parse(segments);
  }

  /** Parses the last line (one without a line feed), if any. */
  end(): RowBlock | undefined {
    const rest = this.carry;
    this.carry = undefined;
    return rest === undefined || rest.length === 0 ? undefined : this.parse([{ buf: rest, start: 0, end: rest.length }]);
  }

  private parse(segments: readonly Segment[]): RowBlock {
    if (this.first) {
      this.first = false;
      const { buf, start, end } = segments[0];
      if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) {
        segments = [{ buf, start: start + 3, end }, ...segments.slice(1)];
      }
    }
    let capacity = 1;
    // one row per line feed at most; a lone CR read as a line end (text path) can add more
    for (const { buf, start, end } of segments) {
      for (let p = buf.indexOf(LF, start); p >= 0 && p < end; p = buf.indexOf(LF, p + 1)) capacity++;
    }
    const { plan } = this;
    // the numeric columns are views of one buffer: one allocation (and one transfer) per block
    const numericCount = this.numeric.reduce((n, x) => n + (x ? 1 : 0), 0);
    const numbers = new Float64Array(numericCount * capacity);
    let slot = 0;
    let values: (Float64Array | string[])[] = plan.columns.map((c) =>
      c.kind === 'numeric' ? numbers.subarray(capacity * slot, capacity * ++slot) : new Array<string>(capacity),
    );
    const labels = new Array<string>(capacity); // a plain array grows on its own
    let lines = new Uint32Array(capacity);
    const rejected: RejectedRow[] = [];
    let rows = 0;
    for (const { buf, start, end } of segments) {
      let pos = start;
      while (pos < end) {
        const nl = buf.indexOf(LF, pos);
        const lineEnd = nl < 0 || nl >= end ? end : nl;
        let contentEnd = lineEnd;
        if (contentEnd > pos && buf[contentEnd - 1] === CR) contentEnd--;
        const s = pos;
        pos = lineEnd + 1;
        const line = ++this.line;
        if (line <= plan.headerLines) continue;
        if (contentEnd === s || (buf[s] <= 32 && buf.toString('utf8', s, contentEnd).trim().length === 0)) {
          this.skipped.blankLines++;
          continue;
        }
        const outcome = this.delimiter < 0 ? undefined : this.readBytes(buf, s, contentEnd, line, values, rows);
        if (outcome === 'row') {
          labels[rows] = this.lastLabel;
          lines[rows++] = line;
        } else if (outcome === 'repeated-header') {
          this.skipped.repeatedHeaders++;
        } else if (outcome !== undefined) {
          rejected.push(outcome);
        } else {
          // read as text: a lone CR also ends a line there, as node:readline reads it
          const pieces = buf.toString('utf8', s, contentEnd).split('\r');
          for (let k = 0; k < pieces.length; k++) {
            const at = k === 0 ? line : ++this.line;
            const read = readPlannedLine(plan, pieces[k], at);
            if (read === 'blank') this.skipped.blankLines++;
            else if (read === 'repeated-header') this.skipped.repeatedHeaders++;
            else if (read.kind === 'rejected') rejected.push(read);
            else {
              if (rows === capacity) {
                capacity *= 2;
                values = values.map((col) => (col instanceof Float64Array ? grow(col, capacity) : col));
                lines = grow(lines, capacity);
              }
              for (let j = 0; j < read.values.length; j++) {
                const col = values[j];
                if (col instanceof Float64Array) col[rows] = read.values[j] as number;
                else col[rows] = read.values[j] as string;
              }
              labels[rows] = read.label;
              lines[rows++] = at;
            }
          }
        }
      }
    }
    return { rowCount: rows, values, labels, lines, rejected };
  }

  /**
   * Reads one line's fields from bytes into row `r` of the block's columns. Returns 'row' (the
   * label in `lastLabel`), a rejection, 'repeated-header', or undefined when the line needs the text
   * path (a quote or a CR inside it).
   */
  private readBytes(
    buf: Buffer,
    s: number,
    e: number,
    line: number,
    values: (Float64Array | string[])[],
    r: number,
  ): 'row' | 'repeated-header' | RejectedRow | undefined {
    const { plan, numeric, columnOfField, delimiter } = this;
    const fieldCount = plan.fieldCount;
    const labelIndex = plan.labelIndex;
    let f = 0;
    let p = s;
    let bad = -1;
    let badStart = 0;
    let badEnd = 0;
    let labelStart = -1;
    let labelEnd = -1;
    for (;;) {
      const fs = p;
      const j = f < fieldCount ? columnOfField[f] : -1;
      if (j >= 0 && numeric[j]) {
        let neg = false;
        let mant = 0;
        let digits = 0;
        let scale = 0;
        let dot = false;
        let simple = true;
        if (p < e && buf[p] === MINUS) {
          neg = true;
          p++;
        }
        for (; p < e; p++) {
          const c = buf[p];
          if (c === delimiter) break;
          const d = c - ZERO;
          if (d >= 0 && d <= 9) {
            mant = mant * 10 + d;
            digits++;
            if (dot) scale++;
          } else if (c === DOT && !dot) {
            dot = true;
          } else {
            if (c === QUOTE || c === CR) return undefined;
            simple = false;
          }
        }
        let v: number;
        if (p === fs) {
          v = toNaN; // empty: missing
        } else if (simple && digits > 0 && digits <= MAX_FAST_DIGITS && scale < POW10.length) {
          v = scale === 0 ? mant : mant / POW10[scale];
          if (neg) v = -v;
        } else {
          const parsed = parseNumericField(buf.toString('utf8', fs, p));
          if (parsed === undefined) {
            if (bad < 0 || j < bad) {
              bad = j;
              badStart = fs;
              badEnd = p;
            }
            v = toNaN;
          } else {
            v = parsed;
          }
        }
        (values[j] as Float64Array)[r] = v;
      } else {
        for (; p < e; p++) {
          const c = buf[p];
          if (c === delimiter) break;
          if (c === QUOTE || c === CR) return undefined;
        }
        if (f === labelIndex) {
          labelStart = fs;
          labelEnd = p;
        } else if (j >= 0) {
          (values[j] as string[])[r] = buf.toString('utf8', fs, p).trim();
        }
      }
      f++;
      if (p >= e) break;
      p++; // the delimiter
    }
    if (labelStart >= 0) this.readLabel(buf, labelStart, labelEnd);
    if (plan.repeatedHeaderLabel !== undefined && labelStart >= 0 && this.lastRawLabel === plan.repeatedHeaderLabel) return 'repeated-header';
    if (f !== fieldCount) return { kind: 'rejected', line, reason: `expected ${fieldCount} fields, got ${f}` };
    if (this.lastRawLabel.length === 0) return missingLabel(plan, line);
    // the lowest bad column, as the row path reports it
    if (bad >= 0) return nonNumeric(plan, line, bad, buf.toString('utf8', badStart, badEnd));
    return 'row';
  }

  /** Decodes, trims and normalises the label field; consecutive rows mostly repeat it, so that is cached. */
  private readLabel(buf: Buffer, s: number, e: number): void {
    const prev = this.lastLabelBytes;
    if (prev.length === e - s) {
      let same = true;
      for (let i = 0; i < prev.length; i++) {
        if (prev[i] !== buf[s + i]) {
          same = false;
          break;
        }
      }
      if (same) return;
    }
    this.lastLabelBytes = Buffer.from(buf.subarray(s, e));
    this.lastRawLabel = buf.toString('utf8', s, e).trim();
    this.lastLabel = this.lastRawLabel.length === 0 ? '' : this.plan.normaliseLabel(this.lastRawLabel);
  }
}
