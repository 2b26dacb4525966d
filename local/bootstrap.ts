// First-start bootstrap of the local platform: when the default model has no production version,
// ingest the default dataset (the real CICIDS2017 sample from DATASETS_DIR, default
// ../shared/datasets beside the checkout, when it is there; otherwise the synthetic scenarios, and
// say which), train, deploy, and hand back a working predict request.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PlatformConfig } from '../config/config';
import type { PlatformStores } from '../adapters/platform-stores';
import { ingestDataset } from '../core/datasets/ingest';
import { synthesizeDataset } from '../core/datasets/synthetic/synthesize';
import { loadDataset, loadManifest, runTrainingJob } from '../core/pipeline';
import type { ModelRegistry } from '../core/registry/model-registry';
import { flowOf } from './example-flows';

/** Where the real datasets are when DATASETS_DIR is not set: ../shared/datasets beside the checkout. */
export const DEFAULT_DATASETS_DIR = path.resolve(__dirname, '..', '..', 'shared', 'datasets');
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

export interface BootstrapDeps {
  readonly config: PlatformConfig;
  readonly stores: PlatformStores;
  readonly registry: ModelRegistry;
  /** Where the example request is written (the state directory). */
  readonly home: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

/** Makes sure the default model has a production version; a no-op when it has one. */
export async function bootstrapDefaultModel(deps: BootstrapDeps): Promise<BootstrapResult> {
  const env = deps.env ?? process.env;
  const log = deps.log ?? (() => undefined);
  const model = deps.config.defaultModel;
  const current = await deps.registry.resolveAlias(model, 'production');
  if (current) return { created: false, model, version: current.version };

  const datasetStores = { objects: deps.stores.buckets.datasets, manifests: deps.stores.tables.datasets };
  const datasetsDir = env.DATASETS_DIR || DEFAULT_DATASETS_DIR;
  const real = path.join(datasetsDir, DEFAULT_REAL_DATASET);
  let source: 'datasets' | 'synthetic';
  let dataset: string;
  if (existsSync(real)) {
    source = 'datasets';
    dataset = 'cicids2017';
    log(`bootstrap: ingesting ${real} (${env.DATASETS_DIR ? 'DATASETS_DIR' : 'DATASETS_DIR default'}) as dataset "${dataset}"`);
    await ingestDataset(datasetStores, { name: dataset, sourcePath: real, format: 'cicids2017' });
  } else {
    source = 'synthetic';
    dataset = 'synthetic-bootstrap';
    log(`bootstrap: ${datasetsDir} (${env.DATASETS_DIR ? 'DATASETS_DIR' : 'DATASETS_DIR default'}) has no ${DEFAULT_REAL_DATASET}; generating ${SYNTHETIC_ROWS} flows from the synthetic scenarios as dataset "${dataset}"`);
    await synthesizeDataset(datasetStores, { name: dataset, scenarios: 'all', rows: SYNTHETIC_ROWS, seed: 1 });
  }
  log(`bootstrap: training "${model}" (gbdt, Mini-XDR classes) on "${dataset}"`);
  const job = await runTrainingJob(
    {
      datasetsTable: deps.stores.tables.datasets,
      datasetsBucket: deps.stores.buckets.datasets,
      artefactsBucket: deps.stores.buckets.artefacts,
      register: (input) => deps.registry.registerVersion(input),
      onnx: deps.config.onnx,
    },
    { dataset, model, algorithm: 'gbdt', classes: 'taxonomy', seed: 1, author: 'bootstrap' },
  );
  await deps.registry.deploy(model, job.version, {
    actor: 'bootstrap',
    thresholds: { minMacroF1: deps.config.thresholds.minMacroF1, maxRecallDrop: deps.config.thresholds.maxRecallDrop },
  });
  log(`bootstrap: deployed ${model} v${job.version} to production (held-out macro-F1 ${job.metrics.macroF1.toFixed(3)}, accuracy ${job.metrics.accuracy.toFixed(3)})`);

  const { data } = await loadDataset(await loadManifest(deps.stores.tables.datasets, dataset), deps.stores.buckets.datasets, 'taxonomy');
  mkdirSync(deps.home, { recursive: true });
  const examplePath = path.join(deps.home, 'example-predict.json');
  writeFileSync(examplePath, `${JSON.stringify({ model, flows: [flowOf(data, 0)] }, null, 2)}\n`);
  return { created: true, model, version: job.version, source, dataset, examplePath };
}
