// Test data for the federated trainers: real CICIDS2017 rows (cicids2017/cic_ids2017_multiclass.csv.gz,
// fine labels), a common 30 % test split (stratified, duplicates kept together, seed 42), and the
// training rows split non-IID across three tenants: BENIGN dealt out evenly (seeded), each tenant
// holding one family of attacks.
import type { FeatureMatrix, LabelledData } from '../../data/table';
import { takeLabels, takeRows } from '../../data/table';
import { ingestDataset, readDataset } from '../../datasets';
import { MemoryItemTable, MemoryObjectStore } from '../../datasets/testing/memory-stores';
import { stratifiedGroupSplit } from '../../evaluation/split';
import { SeededRandom } from '../../util/random';
import { datasetPath } from '../../../test/support/datasets';

export const CICIDS_FILE = 'cicids2017/cic_ids2017_multiclass.csv.gz';

/** Attack families per tenant; every tenant also holds a third of BENIGN. */
export const TENANT_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  'tenant-dos': ['DDoS', 'DoS GoldenEye', 'DoS Hulk'],
  'tenant-scan': ['FTP-Patator', 'PortScan', 'SSH-Patator'],
  'tenant-web': ['Web Attack - Brute Force', 'Web Attack - Sql Injection', 'Web Attack - XSS'],
};

export interface TenantSplit {
  readonly data: LabelledData;
  readonly tenants: Readonly<Record<string, { readonly X: FeatureMatrix; readonly y: Int32Array }>>;
  readonly test: { readonly X: FeatureMatrix; readonly y: Int32Array };
}

export async function loadTenantSplit(): Promise<TenantSplit> {
  const stores = { objects: new MemoryObjectStore(), manifests: new MemoryItemTable() };
  const { manifest } = await ingestDataset(stores, { name: 'cicids2017', sourcePath: datasetPath(CICIDS_FILE) });
  const data = (await readDataset(manifest, stores.objects, { labels: 'fine' })).data;
  const split = stratifiedGroupSplit(data.X, data.y, { testFraction: 0.3, seed: 42 });
  const test = { X: takeRows(data.X, split.test), y: takeLabels(data.y, split.test) };
  const benign = data.classes.indexOf('BENIGN');
  const owner = new Map<number, string>();
  for (const [tenant, families] of Object.entries(TENANT_FAMILIES)) {
    for (const f of families) {
      const c = data.classes.indexOf(f);
      if (c < 0) throw new Error(`class ${f} is not in the data (${data.classes.join(', ')})`);
      owner.set(c, tenant);
    }
  }
  const names = Object.keys(TENANT_FAMILIES);
  const rows: Record<string, number[]> = Object.fromEntries(names.map((t) => [t, []]));
  let dealt = 0;
  for (const i of new SeededRandom(7).shuffle(Int32Array.from(split.train))) {
    const c = data.y[i];
    if (c === benign) rows[names[dealt++ % names.length]].push(i);
    else rows[owner.get(c) as string].push(i);
  }
  const tenants = Object.fromEntries(names.map((t) => [t, { X: takeRows(data.X, rows[t]), y: takeLabels(data.y, rows[t]) }]));
  return { data, tenants, test };
}

/** The tenants' rows stacked in tenant order (the union a central fit trains on). */
export function unionOf(split: TenantSplit): { X: FeatureMatrix; y: Int32Array } {
  const parts = Object.values(split.tenants);
  const cols = parts[0].X.cols;
  const rows = parts.reduce((n, p) => n + p.X.rows, 0);
  const data = new Float64Array(rows * cols);
  const y = new Int32Array(rows);
  let at = 0;
  for (const p of parts) {
    data.set(p.X.data, at * cols);
    y.set(p.y, at);
    at += p.X.rows;
  }
  return { X: { rows, cols, data }, y };
}
