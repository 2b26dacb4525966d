// First-start bootstrap of the local platform: when the default model has no production version,
// ingest the default dataset (the real CICIDS2017 sample from DATASETS_DIR, default
// ../shared/datasets beside the checkout, when it is there; otherwise the synthetic scenarios, and
// say which), train, deploy, and hand back a working predict request.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ingestDataset } from '../core/datasets/ingest';
import { synthesizeDataset } from '../core/datasets/synthetic/synthesize';
import { loadDataset, loadManifest, runTrainingJob } from '../core/pipeline';
import { flowOf } from '../local/example-flows';
import type { Platform } from './compose';

/** The real sample used when the datasets directory has it (CICIDS2017 official columns, 9,971 rows). */
export const DEFAULT_REAL_DATASET = path.join('cicids2017', 'cic_ids2017_multiclass.csv.gz');
/** Rows generated from the synthetic scenarios otherwise. */
export const SYNTHETIC_ROWS = 6000;

export interface BootstrapResult {
  readonly created: boolean;
  readonly model: string;
  readonly version: number;
  readonly source?: 'datasets' | 'synthetic';
  readonly dataset?: string;
  /** A ready-to-send predict body (written to <home>/example-predict.json). */
  readonly examplePath?: string;
}

/** Makes sure the default model has a production version; a no-op when it has one. */
export async function bootstrapDefaultModel(
  platform: Platform,
  options: { readonly home: string; readonly log?: (line: string) => void },
): Promise<BootstrapResult> {
  const { config, registry, stores } = platform;
  const log = options.log ?? (() => undefined);
  const model = config.defaultModel;
  const current = await registry.resolveAlias(model, 'production');
  if (current) return { created: false, model, version: current.version };

  const datasetsDir = config.local.datasetsDir;
  const which = config.local.datasetsDirSet ? 'DATASETS_DIR' : 'DATASETS_DIR default';
  const real = path.join(datasetsDir, DEFAULT_REAL_DATASET);
  let source: 'datasets' | 'synthetic';
  let dataset: string;
  if (existsSync(real)) {
    source = 'datasets';
    dataset = 'cicids2017';
    log(`bootstrap: ingesting ${real} (${which}) as dataset "${dataset}"`);
    await ingestDataset(platform.datasets, { name: dataset, sourcePath: real, format: 'cicids2017' });
  } else {
    source = 'synthetic';
    dataset = 'synthetic-bootstrap';
    log(
      `bootstrap: ${datasetsDir} (${which}) has no ${DEFAULT_REAL_DATASET}; generating ${SYNTHETIC_ROWS} flows from the synthetic scenarios as dataset "${dataset}"`,
    );
    await synthesizeDataset(platform.datasets, { name: dataset, scenarios: 'all', rows: SYNTHETIC_ROWS, seed: 1 });
  }
  log(`bootstrap: training "${model}" (gbdt, Mini-XDR classes) on "${dataset}"`);
  const job = await runTrainingJob(platform.trainingJobDeps(), { dataset, model, algorithm: 'gbdt', classes: 'taxonomy', seed: 1, author: 'bootstrap' });
  await registry.deploy(model, job.version, { actor: 'bootstrap', thresholds: platform.gate });
  log(
    `bootstrap: deployed ${model} v${job.version} to production (held-out macro-F1 ${job.metrics.macroF1.toFixed(3)}, accuracy ${job.metrics.accuracy.toFixed(3)})`,
  );

  const { data } = await loadDataset(await loadManifest(stores.tables.datasets, dataset), stores.buckets.datasets, 'taxonomy');
  mkdirSync(options.home, { recursive: true });
  const examplePath = path.join(options.home, 'example-predict.json');
  writeFileSync(examplePath, `${JSON.stringify({ model, flows: [flowOf(data, 0)] }, null, 2)}\n`);
  return { created: true, model, version: job.version, source, dataset, examplePath };
}
