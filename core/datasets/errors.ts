// Errors owned by the dataset module: loaders, format detection, taxonomy, Parquet chunks, ingestion.
// Problems with what the caller handed in (a file's layout, an unknown format, an unmapped label)
// are 400s; the rest are internal failures.
import { XdrError } from '../errors';

/** Base class of every dataset-module error. */
export class DatasetError extends XdrError {
  override readonly name: string = 'DatasetError';
}

/** The file's layout does not match the format (missing header column, unknown option column...). */
export class DatasetSchemaError extends DatasetError {
  override readonly name: string = 'DatasetSchemaError';
  override readonly statusCode: number = 400;
  override readonly expose: boolean = true;
  constructor(
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The format of a file could not be recognised from its first lines. */
export class UnknownFormatError extends DatasetError {
  override readonly name: string = 'UnknownFormatError';
  override readonly statusCode: number = 400;
  override readonly expose: boolean = true;
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A fine label has no entry in the taxonomy for the requested scheme. */
export class UnmappedLabelError extends DatasetError {
  override readonly name: string = 'UnmappedLabelError';
  override readonly statusCode: number = 400;
  override readonly expose: boolean = true;
  constructor(
    readonly label: string,
    readonly scheme: string,
    options?: { cause?: unknown },
  ) {
    super(
      `label "${label}" has no mapping in taxonomy scheme "${scheme}" (train on the fine labels, give the dataset a label map at ingest — xdr-ml datasets ingest --label-map FILE — or add it to datasets/taxonomy.json)`,
      options,
    );
  }
}

/** A Parquet chunk could not be written or read back. */
export class ChunkFormatError extends DatasetError {
  override readonly name: string = 'ChunkFormatError';
}

/** Ingestion failed (version allocation exhausted, stored manifest unreadable...). */
export class IngestError extends DatasetError {
  override readonly name: string = 'IngestError';
}
