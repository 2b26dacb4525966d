// Reads flows to score from text, one record at a time, with the ingest's rules: numeric fields
// through parseNumericField ("inf", "NaN", empty = missing …), categorical fields as text, a
// header's names trimmed and the first of duplicated columns kept. A record that cannot be read
// is answered with its line number and reason; the next one is read all the same.
import { parseNumericField } from '../data/numeric-field';
import type { FeatureSchema } from '../data/table';
import { InvalidInputError } from '../errors';
import type { RawRow } from '../onnx/feeds';

/** One input record: a flow ready to score, or why it cannot be. Lines are 1-based. */
export type FlowRecord = { readonly line: number; readonly flow: RawRow } | { readonly line: number; readonly error: string };

const SHOWN = 40;
const show = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
};

/**
 * Turns CSV rows (after their header) or JSON Lines objects into flows for a model's schema.
 *
 * @example
 * const reader = new FlowReader(schema);
 * const { ignored } = reader.csvHeader(splitFields(firstLine, ','));
 * reader.csvRow(2, splitFields(secondLine, ',')); // { line: 2, flow: { 'Flow Bytes/s': Infinity, … } }
 */
export class FlowReader {
  private header: readonly string[] = [];
  private fieldOf: readonly number[] = [];

  constructor(private readonly schema: FeatureSchema) {}

  /**
   * Takes a CSV header: each feature's column (the first, when a name repeats). Throws
   * InvalidInputError naming the features it lacks; answers the columns the model does not use.
   */
  csvHeader(fields: readonly string[]): { readonly ignored: readonly string[] } {
    this.header = fields.map((f) => f.trim());
    const missing: string[] = [];
    this.fieldOf = this.schema.features.map((f) => {
      const j = this.header.indexOf(f.name);
      if (j < 0) missing.push(f.name);
      return j;
    });
    if (missing.length > 0) {
      throw new InvalidInputError(`the header lacks feature column(s) the model needs: ${missing.join(', ')}`, {
        details: missing.map((name) => ({ field: name, message: 'missing feature column' })),
      });
    }
    const used = new Set(this.fieldOf);
    return { ignored: this.header.filter((_, j) => !used.has(j)) };
  }

  /** One CSV data row (fields already split). */
  csvRow(line: number, fields: readonly string[]): FlowRecord {
    if (fields.length !== this.header.length) return { line, error: `${fields.length} fields, the header has ${this.header.length}` };
    const flow: Record<string, number | string | null> = {};
    for (let k = 0; k < this.schema.features.length; k++) {
      const f = this.schema.features[k];
      const problem = this.put(flow, f.name, f.kind, fields[this.fieldOf[k]].trim());
      if (problem !== undefined) return { line, error: problem };
    }
    return { line, flow };
  }

  /** One JSON Lines record: an object of feature name → value (other keys are ignored). */
  jsonRow(line: number, text: string): FlowRecord {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { line, error: `not JSON: ${(error as Error).message}` };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { line, error: 'must be a JSON object of feature name → value' };
    const record = value as Record<string, unknown>;
    const flow: Record<string, number | string | null> = {};
    for (const f of this.schema.features) {
      if (!(f.name in record)) return { line, error: `"${f.name}" is missing` };
      const v = record[f.name];
      if (v === null) flow[f.name] = null;
      else if (typeof v === 'number') flow[f.name] = f.kind === 'numeric' ? v : String(v);
      else if (typeof v === 'string') {
        const problem = this.put(flow, f.name, f.kind, v.trim());
        if (problem !== undefined) return { line, error: problem };
      } else return { line, error: `"${f.name}" must be a number or text (got ${show(v)})` };
    }
    return { line, flow };
  }

  private put(flow: Record<string, number | string | null>, name: string, kind: 'numeric' | 'categorical', text: string): string | undefined {
    if (text === '') {
      flow[name] = null;
      return undefined;
    }
    if (kind === 'categorical') {
      flow[name] = text;
      return undefined;
    }
    const n = parseNumericField(text);
    if (n === undefined) return `"${name}" must be a number (got ${show(text)})`;
    flow[name] = n;
    return undefined;
  }
}
