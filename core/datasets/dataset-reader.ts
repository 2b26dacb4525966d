// The read path: a stored dataset version back into a labelled table (its chunks decoded, labels
// mapped into the requested class space).
import type { LabelledData } from '../data/table';
import type { ObjectStore } from '../ports';
import { IngestError } from './errors';
import { sha256Hex, type DatasetManifest } from './manifest';
import { decodeChunk } from './parquet-chunk';
import { KDD_CATEGORIES, MINI_XDR_CLASSES, loadTaxonomy, mapLabel, withLabelMap, type LabelScheme, type Taxonomy } from './taxonomy';

/** A dataset version loaded for training: features + labels in the chosen scheme, and fine labels. */
export interface LoadedDataset {
  /** y / classes follow the chosen label scheme. */
  readonly data: LabelledData;
  /** Fine label per row, as an index into fine.classes (sorted). */
  readonly fine: { readonly y: Int32Array; readonly classes: readonly string[] };
}

/** Options of readDataset. */
export interface ReadDatasetOptions {
  /** Class space of `data.y`: 'fine' (default), 'mini-xdr' or 'kdd-category'. */
  readonly labels?: 'fine' | LabelScheme;
  readonly taxonomy?: Taxonomy;
}

/**
 * Loads every chunk of a dataset version (sha256 verified) into one LabelledData: numeric values
 * as read (NaN/±Infinity kept), categorical values as codes into the manifest vocabularies
 * (-1 = unknown, NaN = empty).
 *
 * @example const { data, fine } = await readDataset(manifest, objects, { labels: 'mini-xdr' });
 */
export async function readDataset(manifest: DatasetManifest, objects: ObjectStore, options: ReadDatasetOptions = {}): Promise<LoadedDataset> {
  const features = manifest.schema.features;
  const cols = features.length;
  const rows = manifest.rowCount;
  const X = new Float64Array(rows * cols);
  const fineClasses = Object.keys(manifest.rowsPerLabel).sort();
  const fineIndex = new Map(fineClasses.map((c, i) => [c, i]));
  const fineY = new Int32Array(rows);
  const codeMaps = features.map((f) => (f.kind === 'categorical' ? new Map(f.vocabulary.map((v, i) => [v, i])) : undefined));
  let offset = 0;
  for (const ref of manifest.chunks) {
    const bytes = await objects.get(ref.key);
    const actual = sha256Hex(bytes);
    if (actual !== ref.sha256) {
      throw new IngestError(`chunk ${ref.key} of ${manifest.name} v${manifest.version} is corrupt (sha256 ${actual}, expected ${ref.sha256})`);
    }
    const chunk = await decodeChunk(bytes);
    if (chunk.rowCount !== ref.rows || offset + chunk.rowCount > rows || chunk.columns.length !== cols) {
      throw new IngestError(`chunk ${ref.key} does not match the manifest of ${manifest.name} v${manifest.version}`);
    }
    for (let j = 0; j < cols; j++) {
      const values = chunk.values[j];
      const codes = codeMaps[j];
      if (codes === undefined) {
        const col = values as Float64Array;
        for (let i = 0; i < chunk.rowCount; i++) X[(offset + i) * cols + j] = col[i];
      } else {
        const col = values as readonly string[];
        for (let i = 0; i < chunk.rowCount; i++) {
          const s = col[i];
          X[(offset + i) * cols + j] = s.length === 0 ? NaN : (codes.get(s) ?? -1);
        }
      }
    }
    for (let i = 0; i < chunk.rowCount; i++) {
      const code = fineIndex.get(chunk.labels[i]);
      if (code === undefined) throw new IngestError(`chunk ${ref.key} holds label "${chunk.labels[i]}" missing from the manifest`);
      fineY[offset + i] = code;
    }
    offset += chunk.rowCount;
  }
  if (offset !== rows) throw new IngestError(`${manifest.name} v${manifest.version}: chunks hold ${offset} rows, manifest says ${rows}`);

  const scheme = options.labels ?? 'fine';
  let classes: readonly string[] = fineClasses;
  let y = fineY;
  if (scheme !== 'fine') {
    const taxonomy = withLabelMap(options.taxonomy ?? loadTaxonomy(), manifest.labelMap);
    const canonical: readonly string[] = scheme === 'mini-xdr' ? MINI_XDR_CLASSES : KDD_CATEGORIES;
    const mapped = fineClasses.map((l) => mapLabel(l, scheme, taxonomy));
    classes = canonical.filter((c) => mapped.includes(c));
    const fineToClass = Int32Array.from(mapped, (c) => classes.indexOf(c));
    y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) y[i] = fineToClass[fineY[i]];
  }
  return {
    data: { schema: { features }, X: { rows, cols, data: X }, y, classes },
    fine: { y: fineY, classes: fineClasses },
  };
}
