// Streaming delimited-text loader: the engine behind every tabular format (CICIDS2017, NSL-KDD,
// KDD Cup 99, generic CSV with a declared schema). A `CsvPlan` says which fields become which
// columns; rows that do not fit (field count, non-numeric text, missing label) become rejections.
import { stat } from 'node:fs/promises';
import { parseNumericField } from '../data/numeric-field';
import { CsvBlockParser } from './csv-blocks';
import { readPlannedLine, splitFields, type CsvPlan } from './csv-line';
import { DatasetSchemaError } from './errors';
import { openByteStream, openLineStream, readHeadLines } from './line-reader';
import type { ColumnSpec, DatasetFormat, DatasetSource, ParsedRow, RejectedRow, RowBlock } from './source';

export { parseNumericField, splitFields, readPlannedLine, type CsvPlan };

/** Counts of lines that were neither rows nor rejections. */
export interface SkippedLineCounts {
  /** Header lines repeated inside the data (concatenated day files). */
  readonly repeatedHeaders: number;
  /** Empty lines. */
  readonly blankLines: number;
}

/** A DatasetSource that also reports lines it skipped on purpose (counted, not rejected). */
export interface CountingDatasetSource extends DatasetSource {
  /** Lines skipped during the last (or current) `rows()` pass. */
  skipped(): SkippedLineCounts;
}

/** True when the source reports skipped lines. */
export function isCountingSource(source: DatasetSource): source is CountingDatasetSource {
  return typeof (source as Partial<CountingDatasetSource>).skipped === 'function';
}

/** Opens a delimited file with a ready plan (the plan was built from its header or format). */
export async function openPlannedSource(path: string, plan: CsvPlan): Promise<CountingDatasetSource> {
  const info = await stat(path);
  let bytes = 0;
  let repeatedHeaders = 0;
  let blankLines = 0;

  async function* rows(): AsyncGenerator<ParsedRow | RejectedRow> {
    const stream = await openLineStream(path);
    bytes = 0;
    repeatedHeaders = 0;
    blankLines = 0;
    let line = 0;
    try {
      for await (const text of stream.lines) {
        line++;
        bytes = stream.bytesRead();
        if (line <= plan.headerLines) continue;
        const outcome = readPlannedLine(plan, text, line);
        if (outcome === 'blank') blankLines++;
        else if (outcome === 'repeated-header') repeatedHeaders++;
        else yield outcome;
      }
      bytes = stream.bytesRead();
    } finally {
      stream.close();
    }
  }

  async function* blocks(): AsyncGenerator<RowBlock> {
    const stream = await openByteStream(path);
    const parser = new CsvBlockParser(plan);
    bytes = 0;
    try {
      for await (const chunk of stream.chunks) {
        const block = parser.push(chunk);
        bytes = stream.bytesRead();
        ({ repeatedHeaders, blankLines } = parser.skipped);
        if (block !== undefined) yield block;
      }
      const last = parser.end();
      bytes = stream.bytesRead();
      ({ repeatedHeaders, blankLines } = parser.skipped);
      if (last !== undefined) yield last;
    } finally {
      stream.close();
    }
  }

  return {
    format: plan.format,
    columns: plan.columns,
    rows,
    blocks,
    bytesRead: () => bytes,
    totalBytes: info.size,
    skipped: () => ({ repeatedHeaders, blankLines }),
  };
}

/** Options of a header-based plan (generic CSV and the CICIDS2017 variants). */
export interface HeaderPlanOptions {
  readonly format: DatasetFormat;
  readonly labelColumn: string;
  /** Columns removed; each must exist in the header unless `dropIfPresent`. */
  readonly drop?: readonly string[];
  /** Columns removed when present (no error when absent). */
  readonly dropIfPresent?: readonly string[];
  readonly categorical?: readonly string[];
  /** Header name → output name (applied after trimming). */
  readonly rename?: Readonly<Record<string, string>>;
  /** Drop a column whose name repeats an earlier one or is pandas' `X.1` copy of an existing `X`. */
  readonly dropDuplicateColumns?: boolean;
  readonly normaliseLabel?: (raw: string) => string;
  readonly delimiter?: string;
}

/** Builds a plan from a header line (names trimmed). Throws DatasetSchemaError on unknown names. */
export function planFromHeader(path: string, headerLine: string, options: HeaderPlanOptions): CsvPlan {
  const delimiter = options.delimiter ?? ',';
  const rawNames = splitFields(headerLine, delimiter).map((n) => n.trim());
  const names = rawNames.map((n) => options.rename?.[n] ?? n);
  const labelIndex = names.indexOf(options.labelColumn);
  if (labelIndex < 0) {
    throw new DatasetSchemaError(`label column "${options.labelColumn}" not in header of ${path}`, path);
  }
  const drop = new Set<string>([...(options.drop ?? []), ...(options.dropIfPresent ?? [])]);
  const categorical = new Set<string>(options.categorical ?? []);
  for (const [what, list] of [
    ['drop', options.drop ?? []],
    ['categorical', options.categorical ?? []],
  ] as const) {
    for (const name of list) {
      if (!names.includes(name)) {
        throw new DatasetSchemaError(`${what} column "${name}" not in header of ${path}`, path);
      }
    }
  }
  const seen = new Set<string>();
  const columns: ColumnSpec[] = [];
  const fieldIndex: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (i === labelIndex || drop.has(name)) continue;
    if (options.dropDuplicateColumns) {
      const base = /^(.*)\.\d+$/.exec(name)?.[1];
      if (seen.has(name) || (base !== undefined && names.includes(base))) continue;
    } else if (seen.has(name)) {
      throw new DatasetSchemaError(`column "${name}" appears twice in header of ${path}`, path);
    }
    seen.add(name);
    columns.push({ name, kind: categorical.has(name) ? 'categorical' : 'numeric' });
    fieldIndex.push(i);
  }
  return {
    format: options.format,
    columns,
    fieldIndex,
    fieldCount: names.length,
    labelIndex,
    labelName: options.labelColumn,
    delimiter,
    headerLines: 1,
    normaliseLabel: options.normaliseLabel ?? ((raw) => raw),
    repeatedHeaderLabel: rawNames[labelIndex],
  };
}

/** Reads the header line of a file (first line). */
export async function readHeaderLine(path: string): Promise<string> {
  const [header] = await readHeadLines(path, 1);
  if (header === undefined || header.trim().length === 0) {
    throw new DatasetSchemaError(`${path} is empty: a header line is expected`, path);
  }
  return header;
}

/** Options of the generic CSV loader. */
export interface CsvSourceOptions {
  /** Column holding the fine label. */
  readonly labelColumn: string;
  /** Columns to ignore (identifiers, label duplicates...). */
  readonly drop?: readonly string[];
  /** Columns holding text categories; all others are numeric. */
  readonly categorical?: readonly string[];
  readonly delimiter?: string;
}

/**
 * Opens a CSV with a header line and a declared schema (no code needed per dataset).
 *
 * @example
 * // UNSW-NB15
 * const src = await openCsvSource('UNSW_NB15_training-set.csv',
 *   { labelColumn: 'attack_cat', drop: ['id', 'label'], categorical: ['proto', 'service', 'state'] });
 */
export async function openCsvSource(path: string, options: CsvSourceOptions): Promise<CountingDatasetSource> {
  const header = await readHeaderLine(path);
  const plan = planFromHeader(path, header, {
    format: 'csv',
    labelColumn: options.labelColumn,
    drop: options.drop,
    categorical: options.categorical,
    delimiter: options.delimiter,
  });
  return openPlannedSource(path, plan);
}
