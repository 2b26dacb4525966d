// One line of delimited text read by a plan: the reading both the row path (csv-source.ts) and the
// columnar bulk path (csv-blocks.ts) use, so the two cannot disagree.
import { parseNumericField } from '../data/numeric-field';
import type { ColumnSpec, DatasetFormat, ParsedRow, RejectedRow } from './source';

/** How the fields of a line map to output columns. */
export interface CsvPlan {
  readonly format: DatasetFormat;
  readonly columns: readonly ColumnSpec[];
  /** For output column j, the index of its field in the line. */
  readonly fieldIndex: readonly number[];
  /** Number of fields every data line must have. */
  readonly fieldCount: number;
  readonly labelIndex: number;
  /** Name of the label field, used in rejection reasons. */
  readonly labelName: string;
  readonly delimiter: string;
  /** Number of leading lines that are a header (0 or 1). */
  readonly headerLines: number;
  /** Normalises a trimmed, non-empty raw label. */
  readonly normaliseLabel: (raw: string) => string;
  /** When set, a data line whose label field equals this text is a repeated header: skipped and counted. */
  readonly repeatedHeaderLabel?: string;
}

/** What one text line is: a row, a rejection, or a line skipped on purpose. */
export type LineOutcome = ParsedRow | RejectedRow | 'blank' | 'repeated-header';

const MAX_SHOWN_VALUE = 40;

/** Splits one delimited line; honours double quotes ("" escapes) only when the line contains one. */
export function splitFields(line: string, delimiter: string): string[] {
  if (line.indexOf('"') < 0) return line.split(delimiter);
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === delimiter) {
      out.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  out.push(field);
  return out;
}

function shown(text: string): string {
  return text.length > MAX_SHOWN_VALUE ? `${text.slice(0, MAX_SHOWN_VALUE)}…` : text;
}

/** Reads one data line (not a header line) by the plan: the one reading both the row and the block paths use. */
export function readPlannedLine(plan: CsvPlan, text: string, line: number): LineOutcome {
  const { columns, fieldIndex, fieldCount, labelIndex, delimiter } = plan;
  if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim().length === 0)) return 'blank';
  const fields = splitFields(text, delimiter);
  if (plan.repeatedHeaderLabel !== undefined && fields.length > labelIndex && fields[labelIndex].trim() === plan.repeatedHeaderLabel) {
    return 'repeated-header';
  }
  if (fields.length !== fieldCount) return { kind: 'rejected', line, reason: `expected ${fieldCount} fields, got ${fields.length}` };
  const rawLabel = fields[labelIndex].trim();
  if (rawLabel.length === 0) return missingLabel(plan, line);
  const width = columns.length;
  const values = new Array<number | string>(width);
  for (let j = 0; j < width; j++) {
    const field = fields[fieldIndex[j]];
    if (columns[j].kind === 'numeric') {
      const v = parseNumericField(field);
      if (v === undefined) return nonNumeric(plan, line, j, field);
      values[j] = v;
    } else {
      values[j] = field.trim();
    }
  }
  return { kind: 'row', line, values, label: plan.normaliseLabel(rawLabel) };
}

/** The rejection of a line whose label field is empty. */
export function missingLabel(plan: CsvPlan, line: number): RejectedRow {
  return { kind: 'rejected', line, reason: `missing label (column "${plan.labelName}" is empty)` };
}

/** The rejection of a line whose numeric column `j` holds `field`. */
export function nonNumeric(plan: CsvPlan, line: number, j: number, field: string): RejectedRow {
  return { kind: 'rejected', line, reason: `non-numeric value "${shown(field)}" in numeric column "${plan.columns[j].name}"` };
}
