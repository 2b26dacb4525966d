// Parquet encoding of dataset chunks: numeric columns as DOUBLE (NaN and ±Infinity preserved),
// categorical columns and the fine `label` as STRING, written by parquet-writer.ts (one row group,
// dictionary-encoded where a column has few distinct values). The column layout travels in the file's
// key-value metadata so a chunk decodes on its own.
import { parquetMetadata, parquetRead } from 'hyparquet';
import { ChunkFormatError } from './errors';
import { writeParquet, type WriterColumn } from './parquet-writer';
import type { ColumnSpec } from './source';

/** Values of one column: Float64Array for numeric columns, strings for categorical ones. */
export type ColumnValues = Float64Array | readonly string[];

/** A columnar block of rows. values[j] belongs to columns[j]; each holds at least rowCount entries. */
export interface ChunkData {
  readonly rowCount: number;
  readonly values: readonly ColumnValues[];
  /** Fine label per row. */
  readonly labels: readonly string[];
}

/** A decoded chunk: its column layout and exactly rowCount values per column. */
export interface DecodedChunk extends ChunkData {
  readonly columns: readonly ColumnSpec[];
}

/** Name of the label column inside a chunk. */
export const LABEL_COLUMN = 'label';
const COLUMNS_METADATA_KEY = 'mini-xdr.columns';
/** Module-scope aliases (global lookups are slow inside jest's vm context). */
const toNumber = Number;
const toText = String;

/**
 * Encodes a chunk as one Parquet file (one row group).
 *
 * @example
 * const bytes = encodeChunk([{ name: 'x', kind: 'numeric' }],
 *   { rowCount: 2, values: [new Float64Array([1, NaN])], labels: ['a', 'b'] });
 */
export function encodeChunk(columns: readonly ColumnSpec[], data: ChunkData): Uint8Array {
  const { rowCount } = data;
  if (data.values.length !== columns.length) {
    throw new ChunkFormatError(`chunk has ${data.values.length} value columns for ${columns.length} column specs`);
  }
  if (data.labels.length < rowCount) {
    throw new ChunkFormatError(`chunk has ${data.labels.length} labels for ${rowCount} rows`);
  }
  const written: WriterColumn[] = columns.map((spec, j) => {
    if (spec.name === LABEL_COLUMN) {
      throw new ChunkFormatError(`feature column may not be named "${LABEL_COLUMN}" (reserved for the label)`);
    }
    const values = data.values[j];
    if (values.length < rowCount) {
      throw new ChunkFormatError(`column "${spec.name}" has ${values.length} values for ${rowCount} rows`);
    }
    if (spec.kind === 'numeric') {
      if (!(values instanceof Float64Array)) {
        throw new ChunkFormatError(`numeric column "${spec.name}" must be a Float64Array`);
      }
      return { name: spec.name, kind: 'double', values };
    }
    if (values instanceof Float64Array) {
      throw new ChunkFormatError(`categorical column "${spec.name}" must hold strings`);
    }
    return { name: spec.name, kind: 'string', values };
  });
  written.push({ name: LABEL_COLUMN, kind: 'string', values: data.labels });
  try {
    return writeParquet({
      rowCount,
      columns: written,
      keyValueMetadata: [{ key: COLUMNS_METADATA_KEY, value: JSON.stringify(columns) }],
      createdBy: 'mini-xdr-ml',
    });
  } catch (err) {
    throw new ChunkFormatError(`cannot encode chunk of ${rowCount} rows: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Decodes a chunk written by encodeChunk (values and labels exactly as encoded).
 *
 * @example const { columns, values, labels, rowCount } = await decodeChunk(bytes);
 */
export async function decodeChunk(bytes: Uint8Array): Promise<DecodedChunk> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let columns: ColumnSpec[];
  let rowCount: number;
  try {
    const metadata = parquetMetadata(file);
    rowCount = Number(metadata.num_rows);
    const entry = metadata.key_value_metadata?.find((kv) => kv.key === COLUMNS_METADATA_KEY);
    if (entry?.value === undefined) throw new Error(`no "${COLUMNS_METADATA_KEY}" metadata`);
    columns = parseColumns(entry.value);
  } catch (err) {
    throw new ChunkFormatError(`not a dataset chunk: ${(err as Error).message}`, { cause: err });
  }
  const values: (Float64Array | string[])[] = columns.map((c) => (c.kind === 'numeric' ? new Float64Array(rowCount) : new Array<string>(rowCount)));
  const labels = new Array<string>(rowCount);
  const indexOf = new Map(columns.map((c, j) => [c.name, j]));
  try {
    await parquetRead({
      file,
      onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
        const end = Math.min(rowEnd, rowCount);
        const j = indexOf.get(columnName);
        const target = columnName === LABEL_COLUMN ? labels : j === undefined ? undefined : values[j];
        if (target === undefined) return;
        if (target instanceof Float64Array) {
          if (columnData instanceof Float64Array) target.set(columnData.subarray(0, end - rowStart), rowStart);
          else for (let i = rowStart; i < end; i++) target[i] = toNumber(columnData[i - rowStart]);
        } else {
          for (let i = rowStart; i < end; i++) {
            const v: unknown = columnData[i - rowStart];
            target[i] = typeof v === 'string' ? v : toText(v);
          }
        }
      },
    });
  } catch (err) {
    throw new ChunkFormatError(`cannot decode chunk: ${(err as Error).message}`, { cause: err });
  }
  return { columns, rowCount, values, labels };
}

function parseColumns(text: string): ColumnSpec[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error('column metadata is not an array');
  return parsed.map((c: unknown) => {
    const spec = c as Partial<ColumnSpec>;
    if (typeof spec.name !== 'string' || (spec.kind !== 'numeric' && spec.kind !== 'categorical')) {
      throw new Error(`bad column spec ${JSON.stringify(c)}`);
    }
    return { name: spec.name, kind: spec.kind };
  });
}
