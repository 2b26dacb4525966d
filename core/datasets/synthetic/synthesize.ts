// Synthesises a dataset version: resolves scenarios (optionally refitted to an ingested dataset's own
// rows of each scenario's class), generates seeded flows and ingests them as a version marked
// synthetic. Identical requests (same scenario definitions, rows, seed, fit dataset) dedupe to one
// version through ingestDataset's sourceIdentity.
import { createHash } from 'node:crypto';
import { asManifest, ingestDataset, type DatasetManifest, type IngestResult, type IngestStores } from '../ingest';
import { DATASET_NAME_PATTERN } from '../../names';
import { IngestError } from '../errors';
import { decodeChunk } from '../parquet-chunk';
import { hasMapping, loadTaxonomy, mapLabel, type Taxonomy } from '../taxonomy';
import { FIT_COLUMNS, fitScenario } from './fit-scenario';
import { DEFAULT_SCENARIO_DIR, listScenarios, type ScenarioDefinition } from './scenario';
import { openSyntheticSource, resolveScenarios } from './synthetic-source';

/** Rows per scenario kept for fitting (the first ones in dataset order); bounds memory on big datasets. */
export const MAX_FIT_ROWS = 200_000;

/** A dataset version reference: `name` (latest version) or `name@version`. */
export interface DatasetRef {
  readonly name: string;
  readonly version?: number;
}

/** Parses `name` or `name@version` (version a positive integer). */
export function parseDatasetRef(text: string): DatasetRef {
  const m = /^([^@\s]+)(?:@(\d+))?$/.exec(text.trim());
  if (m === null || !DATASET_NAME_PATTERN.test(m[1]) || (m[2] !== undefined && Number(m[2]) < 1)) {
    throw new IngestError(`invalid dataset reference "${text}" (expected <name> or <name>@<version>)`);
  }
  return m[2] === undefined ? { name: m[1] } : { name: m[1], version: Number(m[2]) };
}

/**
 * The manifest of a dataset version (latest when `ref.version` is omitted), or undefined when the
 * name or version does not exist.
 */
export async function findManifest(stores: Pick<IngestStores, 'manifests'>, ref: DatasetRef): Promise<DatasetManifest | undefined> {
  if (ref.version !== undefined) {
    const item = await stores.manifests.get({ name: ref.name, version: ref.version });
    return item === undefined ? undefined : asManifest(item);
  }
  const [latest] = await stores.manifests.query({ name: ref.name }, { descending: true, limit: 1 });
  return latest === undefined ? undefined : asManifest(latest);
}

/** Options of synthesizeDataset. */
export interface SynthesizeOptions {
  /** Dataset name to ingest into. */
  readonly name: string;
  /** Scenario names (files in scenarioDir) or 'all'. */
  readonly scenarios: readonly string[] | 'all';
  readonly rows: number;
  readonly seed: number;
  /** Refit each scenario to this ingested dataset's rows of the scenario's class. */
  readonly fit?: DatasetRef;
  readonly scenarioDir?: string;
  readonly taxonomy?: Taxonomy;
  readonly now?: () => Date;
  readonly onProgress?: (progress: { rows: number; bytesRead: number; totalBytes?: number }) => void;
}

/** How one scenario was fitted: the rows used and how they matched. */
export interface ScenarioFit {
  readonly scenario: string;
  readonly rows: number;
  /** 'fine' = same fine label as the scenario; 'class' = same Mini-XDR class; 'none' = kept unfitted. */
  readonly matchedBy: 'fine' | 'class' | 'none';
}

/** Result of synthesizeDataset: the ingest result and, with `fit`, how each scenario was fitted. */
export interface SynthesizeResult extends IngestResult {
  readonly fits?: readonly ScenarioFit[];
}

/**
 * Generates `rows` seeded flows of the scenarios and ingests them as a synthetic dataset version.
 * With `fit`, each scenario's distributions are re-estimated from the fit dataset's rows with the
 * scenario's fine label, else of its Mini-XDR class; a scenario with no such rows is kept as written.
 * @throws IngestError for an unknown fit dataset/version or one lacking the CICIDS2017 columns;
 *   ScenarioError for unknown scenarios or invalid options
 * @example
 * const { manifest } = await synthesizeDataset(stores, { name: 'syn', scenarios: ['port-scan'], rows: 1000, seed: 7 });
 */
export async function synthesizeDataset(stores: IngestStores, options: SynthesizeOptions): Promise<SynthesizeResult> {
  const dir = options.scenarioDir ?? DEFAULT_SCENARIO_DIR;
  const names = options.scenarios === 'all' ? listScenarios(dir) : options.scenarios;
  let definitions = resolveScenarios(options.scenarios, dir);
  let fitManifest: DatasetManifest | undefined;
  let fits: ScenarioFit[] | undefined;
  if (options.fit !== undefined) {
    fitManifest = await findManifest(stores, options.fit);
    if (fitManifest === undefined) {
      const v = options.fit.version === undefined ? '' : ` version ${options.fit.version}`;
      throw new IngestError(`fit dataset "${options.fit.name}"${v} does not exist`);
    }
    const fitted = await fitToDataset(stores, fitManifest, definitions, options.taxonomy ?? loadTaxonomy());
    definitions = fitted.definitions;
    fits = fitted.fits;
  }
  // Source generation is independent of the first checks above: validate options before hashing.
  const source = openSyntheticSource({ scenarios: definitions, rows: options.rows, seed: options.seed });
  const identityDoc = {
    generator: 'mini-xdr-ml synthetic v1',
    scenarios: definitions,
    rows: options.rows,
    seed: options.seed,
    fit: fitManifest === undefined ? null : { name: fitManifest.name, version: fitManifest.version, sourceSha256: fitManifest.sourceSha256 },
  };
  const sha256 = createHash('sha256').update(JSON.stringify(identityDoc)).digest('hex');
  const description = `synthetic:${names.join(',')}?rows=${options.rows}&seed=${options.seed}${
    fitManifest === undefined ? '' : `&fit=${fitManifest.name}@${fitManifest.version}`
  }`;
  const result = await ingestDataset(stores, {
    name: options.name,
    sourcePath: description,
    sourceIdentity: { sha256 },
    format: 'synthetic',
    synthetic: true,
    open: async () => source,
    taxonomy: options.taxonomy,
    now: options.now,
    onProgress: options.onProgress,
    lineage: {
      synthetic: {
        scenarios: names,
        rows: options.rows,
        seed: options.seed,
        fit: identityDoc.fit,
        fits: fits ?? null,
      },
    },
  });
  return fits === undefined ? result : { ...result, fits };
}

async function fitToDataset(
  stores: IngestStores,
  manifest: DatasetManifest,
  scenarios: readonly ScenarioDefinition[],
  taxonomy: Taxonomy,
): Promise<{ definitions: ScenarioDefinition[]; fits: ScenarioFit[] }> {
  const featureIndex = new Map(manifest.schema.features.map((f, j) => [f.name, j]));
  const missing = FIT_COLUMNS.filter((c) => manifest.schema.features[featureIndex.get(c) ?? -1]?.kind !== 'numeric');
  if (missing.length > 0) {
    throw new IngestError(
      `cannot fit to ${manifest.name} v${manifest.version}: it lacks the numeric CICIDS2017 column(s) ${missing.map((m) => `"${m}"`).join(', ')}`,
    );
  }
  const classOf = (label: string): string | undefined => (hasMapping(label, 'mini-xdr', taxonomy) ? mapLabel(label, 'mini-xdr', taxonomy) : undefined);
  const wanted = scenarios.map((s) => ({ fine: s.label, cls: classOf(s.label) }));
  const byFine = scenarios.map((): Record<string, number>[] => []);
  const byClass = scenarios.map((): Record<string, number>[] => []);
  const columnIdx = FIT_COLUMNS.map((c) => featureIndex.get(c) ?? -1);
  for (const ref of manifest.chunks) {
    const chunk = await decodeChunk(await stores.objects.get(ref.key));
    for (let i = 0; i < chunk.rowCount; i++) {
      const label = chunk.labels[i];
      const cls = classOf(label);
      for (let s = 0; s < scenarios.length; s++) {
        const fineMatch = wanted[s].fine === label;
        if (!fineMatch && (cls === undefined || wanted[s].cls !== cls)) continue;
        const into = (fineMatch ? byFine : byClass)[s];
        if (into.length >= MAX_FIT_ROWS) continue;
        const row: Record<string, number> = {};
        for (let c = 0; c < FIT_COLUMNS.length; c++) row[FIT_COLUMNS[c]] = (chunk.values[columnIdx[c]] as Float64Array)[i];
        into.push(row);
      }
    }
  }
  const definitions: ScenarioDefinition[] = [];
  const fits: ScenarioFit[] = [];
  for (let s = 0; s < scenarios.length; s++) {
    const rows = byFine[s].length > 0 ? byFine[s] : byClass[s];
    const matchedBy = byFine[s].length > 0 ? 'fine' : byClass[s].length > 0 ? 'class' : 'none';
    definitions.push(rows.length > 0 ? fitScenario(scenarios[s], rows) : scenarios[s]);
    fits.push({ scenario: scenarios[s].name, rows: rows.length, matchedBy });
  }
  return { definitions, fits };
}
