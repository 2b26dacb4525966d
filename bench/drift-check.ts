// Drift-check benchmark: one check over a window of 100,000 rows × 80 features (default), timed
// stage by stage — telemetry JSON parse, raw rows → FeatureMatrix, detectDatasetDrift — and end to
// end through runDriftCheck on in-memory stores (1,000 samples of 100 flows). Prints figures only.
//
//   node bin/run-ts.js bench/drift-check.ts [--rows 100000] [--features 80]
import { performance } from 'node:perf_hooks';
import { artefactKey, sha256Hex, type BundleRefs, type BundleRole } from '../core/artefacts/bundle';
import type { FeatureSchema } from '../core/data/table';
import { MemoryItemTable, MemoryObjectStore } from '../core/datasets/testing/memory-stores';
import { runDriftCheck } from '../core/drift-check';
import { buildReferenceProfile, detectDatasetDrift } from '../core/drift';
import { rowsToFeatureMatrix, type RawRow } from '../core/onnx/feeds';
import type { ModelVersion } from '../core/registry/model-registry';
import { sampleKey, type InferenceSample } from '../core/serving/prediction-log';
import { SeededRandom } from '../core/util/random';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROWS = arg('rows', 100_000);
const FEATURES = arg('features', 80);
const FLOWS_PER_SAMPLE = 100;

function time<T>(label: string, fn: () => T): T {
  const t = performance.now();
  const out = fn();
  console.log(`${label.padEnd(38)} ${(performance.now() - t).toFixed(0).padStart(7)} ms`);
  return out;
}

async function main(): Promise<void> {
  const rnd = new SeededRandom(1);
  const schema: FeatureSchema = { features: Array.from({ length: FEATURES }, (_, j) => ({ name: `f${j}`, kind: 'numeric' as const })) };
  const names = schema.features.map((f) => f.name);
  const trainRows = 50_000;
  const train = new Float64Array(trainRows * FEATURES);
  for (let i = 0; i < train.length; i++) train[i] = rnd.normal() * (1 + (i % FEATURES) / 10);
  const classes = ['benign', 'attack'];
  const profile = time(`reference profile (${trainRows} × ${FEATURES})`, () =>
    buildReferenceProfile(schema, { rows: trainRows, cols: FEATURES, data: train }, [40_000, 10_000], classes, { seed: 1 }),
  );

  // Window: half the features shifted by half a standard deviation.
  const samples: string[] = [];
  const start = Date.parse('2026-03-01T10:00:00Z');
  for (let s = 0; s < ROWS / FLOWS_PER_SAMPLE; s++) {
    const flows: RawRow[] = [];
    for (let r = 0; r < FLOWS_PER_SAMPLE; r++) {
      const row: Record<string, number> = {};
      for (let j = 0; j < FEATURES; j++) row[names[j]] = rnd.normal() * (1 + j / 10) + (j % 2 === 0 ? 0.5 * (1 + j / 10) : 0);
      flows.push(row);
    }
    const sample: InferenceSample = {
      model: 'bench',
      version: 1,
      at: new Date(start + s * 1000).toISOString(),
      requestId: `r${s}`,
      flows,
      labels: flows.map(() => (rnd.next() < 0.3 ? 'attack' : 'benign')),
    };
    samples.push(JSON.stringify(sample));
  }
  const parsed = time(`parse ${samples.length} telemetry samples`, () => samples.map((s) => JSON.parse(s) as InferenceSample));
  const rows = parsed.flatMap((s) => s.flows);
  const window = time(`rows → FeatureMatrix (${rows.length} × ${FEATURES})`, () => rowsToFeatureMatrix(schema, rows));
  const report = time('detectDatasetDrift', () => detectDatasetDrift(profile, window, { predictedClassCounts: [70_000, 30_000] }));
  console.log(`  → ${report.driftedFeatures}/${FEATURES} features drifted (expected ${FEATURES / 2}), dataset drift ${report.datasetDrift}`);

  // End to end on in-memory stores.
  const artefacts = new MemoryObjectStore('artefacts');
  const telemetry = new MemoryObjectStore('telemetry');
  const refs: Record<string, { key: string; sha256: string; bytes: number }> = {};
  const bodies: Partial<Record<BundleRole, string>> = {
    onnx: 'x',
    model: JSON.stringify({ schema }),
    summary: '{}',
    reference: JSON.stringify(profile),
    explanations: '{}',
  };
  for (const role of Object.keys(bodies) as BundleRole[]) {
    const body = bodies[role] as string;
    const sha = sha256Hex(body);
    refs[role] = { key: artefactKey('bench', role, sha), sha256: sha, bytes: body.length };
    await artefacts.put(refs[role].key, body);
  }
  for (let s = 0; s < samples.length; s++) await telemetry.put(sampleKey('bench', new Date(start + s * 1000), `r${s}`), samples[s]);
  const version = { model: 'bench', version: 1, artefacts: refs as unknown as BundleRefs } as ModelVersion;
  const registry = { resolveAlias: async () => ({ version: 1, revision: 1 }), getVersion: async () => version };
  const t = performance.now();
  const result = await runDriftCheck(
    { telemetry, artefacts, registry, reports: new MemoryItemTable('drift', 'model', 'windowEnd'), feedback: async () => [] },
    { model: 'bench', since: '2026-03-01T09:59:59Z', now: new Date(start + samples.length * 1000) },
  );
  console.log(
    `${'runDriftCheck end to end'.padEnd(38)} ${(performance.now() - t).toFixed(0).padStart(7)} ms  (${result.report.rows} rows, verdict ${result.report.verdict})`,
  );
}

void main();
