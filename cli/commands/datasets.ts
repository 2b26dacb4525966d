// `xdr-ml datasets ingest|list|show|synthesize`: dataset versions in the platform's datasets bucket
// (Parquet chunks) and table (manifests). Thin: parses flags, calls core/datasets, prints.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DATASET_NAME_PATTERN, DATASET_NAME_RULE, MODEL_NAME_PATTERN, TENANT_ID_RULE, tenantDatasetName } from '../../core/names';
import { asManifest, ingestDataset, type DatasetManifest, type IngestStores } from '../../core/datasets';
import { parseLabelMap, type LabelMap } from '../../core/datasets/taxonomy';
import type { DatasetFormat } from '../../core/datasets/source';
import { findManifest, parseDatasetRef, synthesizeDataset, type DatasetRef, type SynthesizeResult } from '../../core/datasets/synthetic/synthesize';
import { CliError, printJson, printTable } from '../output';
import { openPlatform } from '../../platform';
import { createProgressBar } from '../progress';

/** Formats `datasets ingest --format` accepts. */
export const INGEST_FORMATS: readonly ('auto' | DatasetFormat)[] = [
  'auto',
  'cicids2017',
  'cicids2017-improved',
  'nsl-kdd',
  'kddcup99',
  'cowrie',
  'threat-feed',
  'csv',
];
/** Rejections printed by the human output. */
const REJECTIONS_SHOWN = 5;

/** Usage error (exit code 2) naming the flag. */
function usage(message: string): CliError {
  return new CliError(message, 2);
}

function requireName(name: string | undefined): string {
  if (name === undefined || name.length === 0) throw usage('--name <name> is required');
  if (!DATASET_NAME_PATTERN.test(name)) throw usage(`--name "${name}" ${DATASET_NAME_RULE}`);
  return name;
}

function checkTenant(tenant: string | undefined): string | undefined {
  if (tenant !== undefined && !MODEL_NAME_PATTERN.test(tenant)) throw usage(`--tenant "${tenant}" ${TENANT_ID_RULE}`);
  return tenant;
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

async function withDatasetStores<T>(fn: (stores: IngestStores) => Promise<T>): Promise<T> {
  const session = await openPlatform();
  try {
    return await fn(session.platform.datasets);
  } finally {
    await session.close();
  }
}

function printManifestSummary(m: DatasetManifest, created: boolean | undefined): void {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  if (created === false) out(`identical input matched existing version ${m.name}@${m.version}; nothing written`);
  else if (created === true) out(`created ${m.name}@${m.version}`);
  out(`dataset     ${m.name}@${m.version}${m.synthetic ? ' (synthetic)' : ''}`);
  out(`format      ${m.format}`);
  out(`source      ${m.sourcePath}`);
  out(`created at  ${m.createdAt}`);
  out(`rows        ${m.rowCount}`);
  out(`features    ${m.schema.features.length}`);
  out(`chunks      ${m.chunks.length}`);
  out(`duplicates  ${m.duplicateCount}`);
  out(`rejected    ${m.rejectedCount}`);
  for (const r of m.rejected.slice(0, REJECTIONS_SHOWN)) out(`  line ${r.line}: ${r.reason}`);
  if (m.rejectedCount > REJECTIONS_SHOWN) out(`  … ${m.rejectedCount - Math.min(REJECTIONS_SHOWN, m.rejected.length)} more`);
  out('');
  printTable(
    ['label', 'rows'],
    Object.entries(m.rowsPerLabel).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
  );
  if (m.labelMap !== undefined) out(`\nlabel map   ${Object.keys(m.labelMap).length} labels mapped to Mini-XDR classes`);
  if (m.unmappedLabels !== undefined && m.unmappedLabels.length > 0) {
    out(`\nunmapped    ${m.unmappedLabels.join(', ')}`);
    out('            kept as fine labels (train with --classes fine); --label-map FILE maps them to Mini-XDR classes');
  }
  if (Object.keys(m.rowsPerClass).length > 0) {
    out('');
    printTable(
      ['class', 'rows'],
      Object.entries(m.rowsPerClass).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    );
  }
}

interface IngestFlags {
  name?: string;
  format: string;
  labelColumn?: string;
  drop?: string;
  categorical?: string;
  labelMap?: string;
  tenant?: string;
  json?: boolean;
}

/** Reads and checks a `--label-map` file (JSON: fine label → Mini-XDR class); a usage error naming the flag otherwise. */
function readLabelMap(file: string): LabelMap {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw usage(`--label-map ${file}: ${(error as Error).message}`);
  }
  try {
    return parseLabelMap(document);
  } catch (error) {
    throw usage(`--label-map ${file}: ${(error as Error).message}`);
  }
}

interface SynthesizeFlags {
  scenario?: string;
  rows?: string;
  seed: string;
  name?: string;
  fit?: string;
  json?: boolean;
}

/** Registers `xdr-ml datasets …`. */
export function registerDatasets(program: Command): void {
  const datasets = program.command('datasets').description('Ingest, list, show and synthesise dataset versions');

  datasets
    .command('ingest <path>')
    .description('Ingest a dataset file as a new version (identical input reuses the existing version)')
    .option('--name <name>', 'dataset name')
    .option('--format <format>', `one of ${INGEST_FORMATS.join(', ')}`, 'auto')
    .option('--label-column <column>', 'generic csv: column holding the label')
    .option('--drop <columns>', 'generic csv: comma-separated columns to ignore')
    .option('--categorical <columns>', 'generic csv: comma-separated text columns')
    .option('--label-map <file>', 'JSON { "<fine label>": "<Mini-XDR class>" } for labels the taxonomy does not know (e.g. datasets/label-maps/unsw-nb15.json)')
    .option('--tenant <id>', "the tenant that owns it: stored as tenants/<id>/<name>, under the tenant's own prefix (federated learning)")
    .option('--json', 'print the manifest as JSON')
    .action(async (path: string, opts: IngestFlags) => {
      const name = requireName(opts.name);
      const tenant = checkTenant(opts.tenant);
      const labelMap = opts.labelMap !== undefined ? readLabelMap(opts.labelMap) : undefined;
      if (!(INGEST_FORMATS as readonly string[]).includes(opts.format)) {
        throw usage(`--format "${opts.format}" is not one of ${INGEST_FORMATS.join(', ')}`);
      }
      const format = opts.format as 'auto' | DatasetFormat;
      const bar = createProgressBar(`ingest ${name}`);
      const result = await withDatasetStores((stores) =>
        ingestDataset(stores, {
          name,
          ...(tenant !== undefined ? { tenant } : {}),
          sourcePath: path,
          format,
          labelColumn: opts.labelColumn,
          drop: list(opts.drop),
          categorical: list(opts.categorical),
          ...(labelMap !== undefined ? { labelMap } : {}),
          onProgress: (p) => bar.update(p.bytesRead, p.totalBytes, `${p.rows} rows`),
        }).finally(() => bar.finish()),
      );
      if (opts.json) return printJson(result.manifest);
      printManifestSummary(result.manifest, result.created);
    });

  datasets
    .command('list')
    .description('List every dataset version')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const manifests = await withDatasetStores(async (stores) => {
        const items = await stores.manifests.scan();
        return items
          .filter((item) => typeof item.name === 'string' && typeof item.version === 'number' && item.version > 0 && Array.isArray(item.chunks))
          .map((item) => asManifest(item))
          .sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version);
      });
      const rows = manifests.map((m) => ({
        name: m.name,
        version: m.version,
        format: m.format,
        rowCount: m.rowCount,
        labels: Object.keys(m.rowsPerLabel).length,
        rejectedCount: m.rejectedCount,
        synthetic: m.synthetic,
        createdAt: m.createdAt,
      }));
      if (opts.json) return printJson(rows);
      if (rows.length === 0) return void process.stdout.write('no datasets yet: xdr-ml datasets ingest <path> --name <name>\n');
      printTable(
        ['name', 'version', 'format', 'rows', 'labels', 'rejected', 'synthetic', 'created'],
        rows.map((r) => [r.name, r.version, r.format, r.rowCount, r.labels, r.rejectedCount, r.synthetic ? 'yes' : 'no', r.createdAt]),
      );
    });

  datasets
    .command('show <dataset>')
    .description('Show the manifest of <name>[@version] (latest version when omitted)')
    .option('--tenant <id>', "a tenant's own dataset (ingested with --tenant)")
    .option('--json', 'print the manifest as JSON')
    .action(async (text: string, opts: { json?: boolean; tenant?: string }) => {
      let ref: DatasetRef;
      try {
        ref = parseDatasetRef(text);
      } catch (err) {
        throw usage((err as Error).message);
      }
      const tenant = checkTenant(opts.tenant);
      if (tenant !== undefined) ref = { ...ref, name: tenantDatasetName(tenant, ref.name) };
      const manifest = await withDatasetStores((stores) => findManifest(stores, ref));
      if (manifest === undefined) {
        throw new CliError(
          ref.version === undefined ? `unknown dataset "${ref.name}" (see xdr-ml datasets list)` : `dataset "${ref.name}" has no version ${ref.version}`,
        );
      }
      if (opts.json) return printJson(manifest);
      printManifestSummary(manifest, undefined);
    });

  datasets
    .command('synthesize')
    .description('Generate seeded synthetic flows from scenarios and ingest them as a synthetic dataset version')
    .option('--scenario <names>', "comma-separated scenario names, or 'all'")
    .option('--rows <n>', 'number of flows')
    .option('--seed <s>', 'generator seed (integer)', '1')
    .option('--name <name>', 'dataset name')
    .option('--fit <dataset>', 'refit scenarios to <dataset>[@version] rows of the matching class')
    .option('--json', 'print the manifest as JSON')
    .action(async (opts: SynthesizeFlags) => {
      const name = requireName(opts.name);
      if (opts.scenario === undefined || list(opts.scenario)?.length === 0) throw usage("--scenario <names> is required (comma-separated, or 'all')");
      const names = list(opts.scenario) ?? [];
      const scenarios = names.length === 1 && names[0] === 'all' ? 'all' : names;
      if (opts.rows === undefined || !/^[1-9]\d*$/.test(opts.rows) || !Number.isSafeInteger(Number(opts.rows))) {
        throw usage(`--rows must be a positive integer, got ${opts.rows === undefined ? 'nothing' : `"${opts.rows}"`}`);
      }
      if (!/^-?\d+$/.test(opts.seed) || !Number.isSafeInteger(Number(opts.seed))) throw usage(`--seed must be an integer, got "${opts.seed}"`);
      let fit: DatasetRef | undefined;
      if (opts.fit !== undefined) {
        try {
          fit = parseDatasetRef(opts.fit);
        } catch (err) {
          throw usage(`--fit: ${(err as Error).message}`);
        }
      }
      const rows = Number(opts.rows);
      const bar = createProgressBar(`synthesize ${name}`, process.stderr, { unit: (n) => `${n} rows` });
      const result: SynthesizeResult = await withDatasetStores((stores) =>
        synthesizeDataset(stores, {
          name,
          scenarios,
          rows,
          seed: Number(opts.seed),
          fit,
          onProgress: (p) => bar.update(p.rows, rows),
        }).finally(() => bar.finish()),
      );
      if (opts.json) return printJson(result.manifest);
      for (const f of result.fits ?? []) {
        process.stdout.write(
          `fit ${f.scenario}: ${f.matchedBy === 'none' ? 'no matching rows, kept as written' : `${f.rows} rows (matched by ${f.matchedBy} label)`}\n`,
        );
      }
      printManifestSummary(result.manifest, result.created);
    });
}
