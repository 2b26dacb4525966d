// Test fixtures of the pipeline: a seeded toy CSV (3 classes, one categorical feature) ingested into
// in-memory stores, for the unit tests of train-job and evaluate-model.
import { ingestDataset } from '../datasets';
import { MemoryItemTable, MemoryObjectStore, type WriteLog } from '../datasets/testing/memory-stores';
import { TmpDir } from '../datasets/testing/tmp-files';
import { SeededRandom } from '../util/random';

export const TOY_LABELS = ['BENIGN', 'DoS Hulk', 'PortScan'] as const;

/** Toy stores with a write log shared by the buckets and the manifest table. */
export interface ToyStores {
  readonly log: WriteLog;
  readonly datasetsBucket: MemoryObjectStore;
  readonly datasetsTable: MemoryItemTable;
  readonly artefactsBucket: MemoryObjectStore;
}

export function toyStores(): ToyStores {
  const log: WriteLog = [];
  return {
    log,
    datasetsBucket: new MemoryObjectStore('datasets', log),
    datasetsTable: new MemoryItemTable('datasets', 'name', 'version', log),
    artefactsBucket: new MemoryObjectStore('artefacts', log),
  };
}

/**
 * Toy CSV text: `proto` (categorical) decides PortScan vs the rest on udp, `rate` separates DoS Hulk.
 * `columns` reorders / drops columns; `protos` and `labels` override the value pools.
 */
export function toyCsv(
  options: { rows?: number; seed?: number; columns?: readonly string[]; protos?: readonly string[]; labels?: readonly string[] } = {},
): string {
  const rnd = new SeededRandom(options.seed ?? 7);
  const protos = options.protos ?? ['tcp', 'udp', 'icmp'];
  const labels = options.labels ?? TOY_LABELS;
  const columns = options.columns ?? ['proto', 'rate', 'count', 'noise', 'Label'];
  const lines = [columns.join(',')];
  for (let i = 0; i < (options.rows ?? 300); i++) {
    const c = i % labels.length;
    const row: Record<string, string> = {
      proto: c === 2 ? protos[1 % protos.length] : protos[(i * 7) % protos.length === 1 ? 0 : (i * 7) % protos.length],
      rate: (c === 1 ? 50 + rnd.next() * 50 : rnd.next() * 40).toFixed(3),
      count: String(1 + rnd.int(20)),
      noise: rnd.next().toFixed(4),
      Label: labels[c],
    };
    lines.push(columns.map((k) => row[k]).join(','));
  }
  return lines.join('\n');
}

/** Writes a toy CSV and ingests it as `name`. */
export async function ingestToy(stores: ToyStores, tmp: TmpDir, name: string, csv: string): Promise<void> {
  const file = tmp.write(`${name}.csv`, csv);
  const categorical = csv.split('\n', 1)[0].split(',').includes('proto') ? ['proto'] : [];
  await ingestDataset(
    { objects: stores.datasetsBucket, manifests: stores.datasetsTable },
    { name, sourcePath: file, format: 'csv', labelColumn: 'Label', categorical },
  );
}
