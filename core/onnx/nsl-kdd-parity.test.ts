// Real-data parity: models trained on NSL-KDD rows, exported to ONNX, compared with the
// TypeScript predictors on raw JSON rows (with some values blanked, made infinite or unseen).
import { InferenceSession } from 'onnxruntime-node';
import { datasetPath, describeWithData } from '../../test/support/datasets';
import type { FeatureSchema } from '../data/table';
import { KDD_FEATURE_NAMES, openNslKddSource } from '../datasets/kdd';
import { GbdtLearner } from '../learners/gbdt/gbdt-learner';
import type { GbdtModelDocument } from '../learners/gbdt/model-document';
import { predictProbaFromDocument } from '../learners/gbdt/predict';
import { MlpLearner } from '../learners/mlp/mlp-learner';
import { SeededRandom } from '../util/random';
import { exportGbdtToOnnx } from './export-gbdt';
import { exportMlpToOnnx } from './export-mlp';
import { rowsToFeatureMatrix, type RawRow } from './feeds';
import { buildOnnxFeeds } from './session-feeds';

const FILE = 'nsl_kdd/KDDTest+.txt';
const DOS = new Set(['back', 'land', 'neptune', 'pod', 'smurf', 'teardrop', 'apache2', 'mailbomb', 'processtable', 'udpstorm']);
const CLASSES = ['normal', 'dos', 'other-attack'];
const TRAIN_ROWS = 4000;
const TEST_ROWS = 4000;

interface KddRows {
  readonly rows: RawRow[];
  readonly labels: Int32Array;
}

async function readKdd(limit: number): Promise<KddRows> {
  const source = await openNslKddSource(datasetPath(FILE));
  const rows: RawRow[] = [];
  const labels: number[] = [];
  // every 5th row, so that train and test both span the file
  let seen = 0;
  for await (const r of source.rows()) {
    if (r.kind !== 'row' || seen++ % 5 !== 0) continue;
    const row: Record<string, number | string> = {};
    source.columns.forEach((c, j) => (row[c.name] = r.values[j]));
    rows.push(row);
    labels.push(r.label === 'normal' ? 0 : DOS.has(r.label) ? 1 : 2);
    if (rows.length >= limit) break;
  }
  return { rows, labels: Int32Array.from(labels) };
}

/** Schema with vocabularies from the training rows only (so test rows contain unseen values). */
function schemaFrom(rows: readonly RawRow[]): FeatureSchema {
  return {
    features: KDD_FEATURE_NAMES.map((name) =>
      ['protocol_type', 'service', 'flag'].includes(name)
        ? { name, kind: 'categorical' as const, vocabulary: [...new Set(rows.map((r) => String(r[name])))].sort() }
        : { name, kind: 'numeric' as const },
    ),
  };
}

/** Blanks, infinities, junk strings and unseen categories in ~5 % of the values. */
function damage(rows: readonly RawRow[], seed: number): RawRow[] {
  const rnd = new SeededRandom(seed);
  const specials = [null, Infinity, -Infinity, 'n/a', '', 1e12];
  return rows.map((r) => {
    const out: Record<string, number | string | null | undefined> = { ...r };
    for (const name of KDD_FEATURE_NAMES) {
      if (rnd.next() >= 0.05) continue;
      out[name] = ['protocol_type', 'service', 'flag'].includes(name) ? (rnd.next() < 0.5 ? 'never-seen' : null) : specials[rnd.int(specials.length)];
    }
    return out;
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function accuracy(pred: BigInt64Array, y: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (Number(pred[i]) === y[i]) ok++;
  return ok / y.length;
}

describeWithData('ONNX parity on NSL-KDD (KDDTest+)', [FILE], () => {
  let train: KddRows;
  let test: RawRow[];
  let testLabels: Int32Array;
  let schema: FeatureSchema;

  beforeAll(async () => {
    const all = await readKdd(TRAIN_ROWS + TEST_ROWS);
    train = { rows: all.rows.slice(0, TRAIN_ROWS), labels: all.labels.slice(0, TRAIN_ROWS) };
    schema = schemaFrom(train.rows);
    test = damage(all.rows.slice(TRAIN_ROWS), 99);
    testLabels = all.labels.slice(TRAIN_ROWS);
  });

  it('GBDT: ONNX probabilities match the TypeScript predictor within 1e-5 on 4,000 real rows', async () => {
    // Prepare
    const gbdt = new GbdtLearner({ seed: 1, nRounds: 25, maxDepth: 5, maxBins: 64, earlyStoppingRounds: 0 });
    gbdt.fit(rowsToFeatureMatrix(schema, train.rows), train.labels, { schema, classes: CLASSES });
    const doc = gbdt.toJSON() as GbdtModelDocument;
    const X = rowsToFeatureMatrix(schema, test);

    // Act
    const session = await InferenceSession.create(Buffer.from(exportGbdtToOnnx(doc)));
    const out = await session.run(buildOnnxFeeds(schema, test));
    const onnx = out.probabilities.data as Float32Array;
    const label = out.label.data as BigInt64Array;

    // Assess
    expect(doc.trees.length).toBe(25 * 3);
    expect(maxAbsDiff(onnx, gbdt.predictProba(X))).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(onnx, predictProbaFromDocument(doc, X))).toBeLessThanOrEqual(1e-5);
    expect(accuracy(label, testLabels)).toBeGreaterThan(0.9); // a real model, not a constant
  });

  it('MLP: ONNX probabilities match the TypeScript predictor within 1e-5 on 4,000 real rows', async () => {
    const mlp = new MlpLearner({ seed: 2, hiddenLayers: [32, 16], maxEpochs: 8, learningRate: 0.005 });
    mlp.fit(rowsToFeatureMatrix(schema, train.rows), train.labels, { schema, classes: CLASSES });
    const session = await InferenceSession.create(Buffer.from(exportMlpToOnnx(mlp.toJSON())));
    const out = await session.run(buildOnnxFeeds(schema, test));
    expect(maxAbsDiff(out.probabilities.data as Float32Array, mlp.predictProba(rowsToFeatureMatrix(schema, test)))).toBeLessThanOrEqual(1e-5);
    expect(accuracy(out.label.data as BigInt64Array, testLabels)).toBeGreaterThan(0.75); // majority class is ~0.43
  });
});
