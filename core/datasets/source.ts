// The contract between dataset loaders and ingestion: a loader streams parsed rows (or
// rejections with line numbers and reasons) in a fixed column layout.

export type DatasetFormat = 'cicids2017' | 'cicids2017-improved' | 'nsl-kdd' | 'kddcup99' | 'csv' | 'cowrie' | 'threat-feed' | 'synthetic';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
}

/** A row that passed validation. values[j] belongs to columns[j]: number for numeric (NaN = missing, ±Infinity allowed), string for categorical. */
export interface ParsedRow {
  readonly kind: 'row';
  /** 1-based line (or record) number in the source. */
  readonly line: number;
  readonly values: readonly (number | string)[];
  /** Fine label, normalised spelling (e.g. "Web Attack - XSS"). */
  readonly label: string;
}

/** A row that failed validation; never silently dropped. */
export interface RejectedRow {
  readonly kind: 'rejected';
  readonly line: number;
  readonly reason: string;
}

/**
 * Parsed rows in columns (the bulk path: no object per row). values[j] belongs to columns[j]:
 * Float64Array for numeric columns, strings for categorical ones; each holds at least rowCount
 * entries. `rejected` holds the block's rejections, all on lines inside the block.
 */
export interface RowBlock {
  readonly rowCount: number;
  readonly values: readonly (Float64Array | readonly string[])[];
  readonly labels: readonly string[];
  /** 1-based line of each row. */
  readonly lines: Uint32Array;
  readonly rejected: readonly RejectedRow[];
}

/** An opened source: its column layout (known after the header) and its row stream. */
export interface DatasetSource {
  readonly format: DatasetFormat;
  readonly columns: readonly ColumnSpec[];
  /** Streams rows in source order; memory stays bounded whatever the file size. */
  rows(): AsyncIterable<ParsedRow | RejectedRow>;
  /**
   * The same rows and rejections in columnar blocks, in source order (when the source has a bulk
   * path). Each block is the reader's to keep: its typed arrays may be transferred to a worker
   * thread, so a source must not reuse them for a later block.
   */
  blocks?(): AsyncIterable<RowBlock>;
  /** Bytes of source read so far (for progress bars). */
  bytesRead(): number;
  /** Total source bytes when known. */
  readonly totalBytes?: number;
}
