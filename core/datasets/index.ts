// Public surface of the dataset module: loaders, format detection, taxonomy, Parquet chunks and
// ingestion. Import from 'core/datasets' rather than from the individual files.
export type { ColumnSpec, DatasetFormat, DatasetSource, ParsedRow, RejectedRow } from './source';
export { ChunkFormatError, DatasetError, DatasetSchemaError, IngestError, UnknownFormatError, UnmappedLabelError } from './errors';
export { openCsvSource, isCountingSource, parseNumericField } from './csv-source';
export type { CountingDatasetSource, CsvSourceOptions, SkippedLineCounts } from './csv-source';
export { normaliseCicidsLabel, openCicids2017ImprovedSource, openCicids2017Source } from './cicids2017';
export { KDD_FEATURE_NAMES, openKddCup99Source, openNslKddSource } from './kdd';
export { detectFormat, detectFormatFromLines } from './detect-format';
export { openDatasetSource, resolveFormat } from './open-dataset-source';
export type { OpenDatasetOptions } from './open-dataset-source';
export { KDD_CATEGORIES, MINI_XDR_CLASSES, hasMapping, loadTaxonomy, mapLabel } from './taxonomy';
export type { LabelScheme, Taxonomy } from './taxonomy';
export { LABEL_COLUMN, decodeChunk, encodeChunk } from './parquet-chunk';
export type { ChunkData, ColumnValues, DecodedChunk } from './parquet-chunk';
export { DEFAULT_CHUNK_ROWS, MAX_REJECTED_KEPT, asManifest, chunkKey, ingestDataset, manifestKey, readDataset, sha256File } from './ingest';
export type { ChunkRef, DatasetManifest, IngestOptions, IngestResult, IngestStores, LoadedDataset, ReadDatasetOptions } from './ingest';
