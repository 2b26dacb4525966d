// One entry point to open any dataset file: detects (or takes) the format and calls its loader.
import { openCicids2017ImprovedSource, openCicids2017Source } from './cicids2017';
import { openCsvSource } from './csv-source';
import { detectFormat } from './detect-format';
import { DatasetError, DatasetSchemaError } from './errors';
import { openKddCup99Source, openNslKddSource } from './kdd';
import type { DatasetFormat, DatasetSource } from './source';
import { openCowrieSource } from './honeypot/cowrie';
import { openThreatFeedSource } from './threat-feed/ipsum';

/** Options of openDatasetSource. The schema options apply to the generic 'csv' format only. */
export interface OpenDatasetOptions {
  /** 'auto' (default) detects the format from the first lines. */
  readonly format?: 'auto' | DatasetFormat;
  /** Generic CSV: column holding the fine label. */
  readonly labelColumn?: string;
  /** Generic CSV: columns to ignore. */
  readonly drop?: readonly string[];
  /** Generic CSV: text columns; all others are numeric. */
  readonly categorical?: readonly string[];
}

/**
 * Opens a dataset file as a DatasetSource.
 *
 * @example
 * const src = await openDatasetSource('UNSW_NB15_training-set.csv',
 *   { format: 'csv', labelColumn: 'attack_cat', drop: ['id', 'label'], categorical: ['proto', 'service', 'state'] });
 * for await (const row of src.rows()) { ... }
 */
export async function openDatasetSource(path: string, options: OpenDatasetOptions = {}): Promise<DatasetSource> {
  const format = await resolveFormat(path, options);
  if (format !== 'csv' && (options.labelColumn !== undefined || options.drop !== undefined || options.categorical !== undefined)) {
    throw new DatasetSchemaError(`labelColumn/drop/categorical apply to format 'csv' only; ${path} is '${format}', whose schema is fixed`, path);
  }
  switch (format) {
    case 'cicids2017':
      return openCicids2017Source(path);
    case 'cicids2017-improved':
      return openCicids2017ImprovedSource(path);
    case 'nsl-kdd':
      return openNslKddSource(path);
    case 'kddcup99':
      return openKddCup99Source(path);
    case 'threat-feed':
      return openThreatFeedSource(path);
    case 'csv':
      return openCsvSource(path, {
        labelColumn: options.labelColumn ?? 'label',
        drop: options.drop,
        categorical: options.categorical,
      });
    case 'cowrie':
      return openCowrieSource(path);
    case 'synthetic':
      throw new DatasetError(
        `${path} is a synthetic scenario definition, not a data file: generate rows with ` +
          `openSyntheticSource({ scenarios, rows, seed }) from core/datasets/synthetic/synthetic-source`,
      );
  }
}

/** The format to use: the declared one, or the detected one for 'auto'. */
export async function resolveFormat(path: string, options: OpenDatasetOptions): Promise<DatasetFormat> {
  const declared = options.format ?? 'auto';
  if (declared !== 'auto') return declared;
  return detectFormat(path);
}
