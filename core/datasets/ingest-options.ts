// What ingestDataset takes and answers.
import type { EncoderThread } from './chunk-encoder';
import type { OpenDatasetOptions } from './open-dataset-source';
import type { DatasetSource } from './source';
import type { DatasetManifest } from './manifest';
import type { Taxonomy } from './taxonomy';

/** Options of ingestDataset. */
export interface IngestOptions extends OpenDatasetOptions {
  /** Dataset name (the table's partition key), e.g. 'nsl-kdd-train'. */
  readonly name: string;
  /**
   * The tenant that owns the dataset: it is stored as `tenants/<tenant>/<name>` with its chunks under
   * the tenant's prefix, readable by that tenant's participant role only. Default: a shared dataset.
   */
  readonly tenant?: string;
  /** The file to ingest; for a non-file source (sourceIdentity), a description shown as the source path. */
  readonly sourcePath: string;
  /**
   * Identity of a non-file source (e.g. a synthetic generator's options): its sha256 replaces the
   * file's, so identical inputs dedupe to one version. Requires a declared `format` (not 'auto') and
   * `open`; the path is never read.
   */
  readonly sourceIdentity?: { readonly sha256: string; readonly bytes?: number };
  /** Rows per Parquet chunk (default 100,000). */
  readonly chunkRows?: number;
  /** Extra lineage recorded in the manifest (origin URL, citation, parent datasets...). */
  readonly lineage?: Readonly<Record<string, unknown>>;
  /** True for generated data (synthetic scenarios). Default: format === 'synthetic'. */
  readonly synthetic?: boolean;
  /**
   * When false, a label without a Mini-XDR mapping stops the ingest (a mangled file of a known
   * format). Default: true for the generic `csv` format (its labels are the user's; they are kept as
   * fine labels and listed in the manifest's `unmappedLabels`), false for the named formats.
   */
  readonly allowUnmappedLabels?: boolean;
  /** Fine label → Mini-XDR class for labels the taxonomy does not know (see parseLabelMap); recorded in the manifest. */
  readonly labelMap?: Readonly<Record<string, string>>;
  readonly taxonomy?: Taxonomy;
  /** Opens the source; default openDatasetSource (tests inject sources here). */
  readonly open?: (path: string, options: OpenDatasetOptions) => Promise<DatasetSource>;
  readonly now?: () => Date;
  /**
   * Where chunks are hashed, encoded and checksummed: 'auto' (default) on a worker thread when the
   * source is large enough to pay for one (chunk-encoder.ts), 'worker', or 'inline' (this thread).
   */
  readonly encoderThread?: EncoderThread;
  /** Tests only: the encoding worker exits on this block (0-based), to check a crash is reported and no version written. */
  readonly encoderExitOnBlock?: number;
  readonly onProgress?: (progress: { rows: number; bytesRead: number; totalBytes?: number }) => void;
}

/** Result of ingestDataset: the manifest and whether a new version was written. */
export interface IngestResult {
  readonly manifest: DatasetManifest;
  readonly created: boolean;
}
