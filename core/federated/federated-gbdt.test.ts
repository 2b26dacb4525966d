// Federated GBDT on real CICIDS2017 rows (cicids2017/cic_ids2017_multiclass.csv.gz, fine labels),
// split non-IID across three tenants: each holds a share of BENIGN and a different family of
// attacks; the test split is common. Without DP the federated model is the central model on the
// union (same bin mapper, same trees, predictions equal to 1e-6), and it beats every tenant's own.
import type { FeatureMatrix } from '../data/table';
import { takeLabels, takeRows } from '../data/table';
import { ingestDataset, readDataset } from '../datasets';
import { MemoryItemTable, MemoryObjectStore } from '../datasets/testing/memory-stores';
import { evaluate } from '../evaluation/metrics';
import { stratifiedGroupSplit } from '../evaluation/split';
import { GbdtLearner } from '../learners/gbdt';
import { SeededRandom } from '../util/random';
import { datasetPath, describeWithData } from '../../test/support/datasets';
import { FederatedTrainingError } from './errors';
import { centralEquivalentParams, GbdtParticipant, trainFederatedGbdt, type FederatedGbdtParams } from './federated-gbdt';
import { seededRandomBytes } from './random-bytes';
import { inProcessSecureSum } from './secure-sum';

const FILE = 'cicids2017/cic_ids2017_multiclass.csv.gz';
/** Attack families per tenant; every tenant also holds a third of BENIGN. */
const TENANT_FAMILIES: Record<string, readonly string[]> = {
  'tenant-dos': ['DDoS', 'DoS GoldenEye', 'DoS Hulk'],
  'tenant-scan': ['FTP-Patator', 'PortScan', 'SSH-Patator'],
  'tenant-web': ['Web Attack - Brute Force', 'Web Attack - Sql Injection', 'Web Attack - XSS'],
};
const PARAMS: FederatedGbdtParams = { seed: 42, nRounds: 20, maxDepth: 4, learningRate: 0.3 };

function concat(parts: readonly { X: FeatureMatrix; y: Int32Array }[]): { X: FeatureMatrix; y: Int32Array } {
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

describeWithData('federated GBDT on CICIDS2017 split non-IID across three tenants', [FILE], () => {
  let data: Awaited<ReturnType<typeof readDataset>>['data'];
  let tenants: Record<string, { X: FeatureMatrix; y: Int32Array }>;
  let test: { X: FeatureMatrix; y: Int32Array };

  beforeAll(async () => {
    const stores = { objects: new MemoryObjectStore(), manifests: new MemoryItemTable() };
    const { manifest } = await ingestDataset(stores, { name: 'cicids2017', sourcePath: datasetPath(FILE) });
    data = (await readDataset(manifest, stores.objects, { labels: 'fine' })).data;
    const split = stratifiedGroupSplit(data.X, data.y, { testFraction: 0.3, seed: 42 });
    test = { X: takeRows(data.X, split.test), y: takeLabels(data.y, split.test) };
    const benign = data.classes.indexOf('BENIGN');
    const owner = new Map<number, string>();
    for (const [tenant, families] of Object.entries(TENANT_FAMILIES)) for (const f of families) owner.set(data.classes.indexOf(f), tenant);
    expect([...owner.keys()].every((c) => c >= 0)).toBe(true);
    const rows: Record<string, number[]> = Object.fromEntries(Object.keys(TENANT_FAMILIES).map((t) => [t, []]));
    const names = Object.keys(TENANT_FAMILIES);
    const shuffled = new SeededRandom(7).shuffle(Int32Array.from(split.train));
    let dealt = 0;
    for (const i of shuffled) {
      const c = data.y[i];
      if (c === benign) rows[names[dealt++ % names.length]].push(i);
      else rows[owner.get(c) as string].push(i);
    }
    tenants = Object.fromEntries(names.map((t) => [t, { X: takeRows(data.X, rows[t]), y: takeLabels(data.y, rows[t]) }]));
  }, 60_000);

  it('equals central training on the union (same bins, same trees, predictions to 1e-6) and beats every tenant alone by 0.10 macro-F1', async () => {
    const names = Object.keys(tenants);
    const participants = names.map((t) => new GbdtParticipant(t, tenants[t].X, tenants[t].y, data.classes.length));
    const { secureSum, stats } = inProcessSecureSum((participant, session) => seededRandomBytes(`${participant}/${session}`));
    const { document, aggregations } = await trainFederatedGbdt(participants, { schema: data.schema, classes: data.classes, params: PARAMS, secureSum });
    const federated = GbdtLearner.fromJSON(document);

    const union = concat(names.map((t) => tenants[t]));
    const central = new GbdtLearner(centralEquivalentParams(PARAMS));
    central.fit(union.X, union.y, { schema: data.schema, classes: data.classes });
    const centralDoc = central.toJSON();

    expect(document.preprocessing).toEqual(centralDoc.preprocessing);
    expect(document.baseScore).toEqual(centralDoc.baseScore);
    expect(document.trees.map((t) => [t.classIndex, t.feature, t.threshold, t.left])).toEqual(
      centralDoc.trees.map((t) => [t.classIndex, t.feature, t.threshold, t.left]),
    );
    const pf = federated.predictProba(test.X);
    const pc = central.predictProba(test.X);
    let maxDiff = 0;
    for (let i = 0; i < pf.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pf[i] - pc[i]));
    expect(maxDiff).toBeLessThan(1e-6);

    const federatedF1 = evaluate(test.y, pf, data.classes).macroF1;
    const alone = names.map((t) => {
      const own = new GbdtLearner(centralEquivalentParams(PARAMS));
      own.fit(tenants[t].X, tenants[t].y, { schema: data.schema, classes: data.classes });
      return evaluate(test.y, own.predictProba(test.X), data.classes).macroF1;
    });
    expect(federatedF1).toBeGreaterThanOrEqual(Math.max(...alone) + 0.1);
    expect(aggregations).toBe(stats.aggregations);
    for (const t of names) expect(stats.bytesSent.get(t)).toBeGreaterThan(0);
    process.stdout.write(
      `federated GBDT: macro-F1 ${federatedF1.toFixed(4)} (alone: ${alone.map((f) => f.toFixed(4)).join(', ')}), max |Δp| vs central ${maxDiff.toExponential(2)}, ` +
        `${aggregations} secure sums, ${names.map((t) => `${t} ${((stats.bytesSent.get(t) ?? 0) / 1e6).toFixed(1)} MB`).join(', ')}\n`,
    );
  }, 300_000);

  it('refuses a single participant and a minChildWeight too small to imply the two-row rule', async () => {
    const { secureSum } = inProcessSecureSum();
    const [first, second] = Object.entries(tenants).map(([t, d]) => new GbdtParticipant(t, d.X, d.y, data.classes.length));
    await expect(trainFederatedGbdt([first], { schema: data.schema, classes: data.classes, params: PARAMS, secureSum })).rejects.toThrow(
      /at least 2 participants/,
    );
    await expect(
      trainFederatedGbdt([first, second], { schema: data.schema, classes: data.classes, params: { ...PARAMS, minChildWeight: 0.1 }, secureSum }),
    ).rejects.toThrow(FederatedTrainingError);
  });
});
