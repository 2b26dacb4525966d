import { InferenceSession } from 'onnxruntime-node';
import { argmaxRows } from '../learners/learner';
import { MlpLearner } from '../learners/mlp/mlp-learner';
import { predictProbaFromMlpDocument, type MlpModelDocument } from '../learners/mlp/model-document';
import { SeededRandom } from '../util/random';
import { exportMlpToOnnx, MlpExportError } from './export-mlp';
import { onnxInputNames, rowsToFeatureMatrix, type RawRow } from './feeds';
import { buildOnnxFeeds } from './session-feeds';
import { mixedSchema, randomRawRows } from './testing/random-gbdt';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function runOnnx(doc: MlpModelDocument, rows: readonly RawRow[]) {
  const session = await InferenceSession.create(Buffer.from(exportMlpToOnnx(doc)));
  const out = await session.run(buildOnnxFeeds(doc.schema, rows));
  return { session, proba: out.probabilities.data as Float32Array, label: out.label.data as BigInt64Array };
}

describe('exportMlpToOnnx', () => {
  it('matches the MLP predictor within 1e-5 on 3,000 rows with NaN, ±Inf, out-of-range and unseen categories', async () => {
    // Prepare: fit a small MLP on seeded rows whose label depends on numeric and categorical values
    const schema = mixedSchema(4, [
      ['tcp', 'udp', 'icmp'],
      ['SF', 'REJ', 'S0'],
    ]);
    const rnd = new SeededRandom(21);
    const trainRows = randomRawRows(22, schema, 1200);
    const X = rowsToFeatureMatrix(schema, trainRows);
    const y = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      const a = X.data[i * X.cols];
      const cat = X.data[i * X.cols + 1];
      y[i] = cat === 1 ? 2 : a > 0.3 ? 1 : rnd.next() < 0.1 ? 2 : 0;
    }
    const mlp = new MlpLearner({ seed: 4, hiddenLayers: [32, 16], maxEpochs: 20, learningRate: 0.01, batchSize: 64 });
    mlp.fit(X, y, { schema, classes: ['normal', 'dos', 'probe'] });
    const doc = mlp.toJSON();
    const rows = randomRawRows(23, schema, 3000);

    // Act
    const onnx = await runOnnx(doc, rows);
    const ts = mlp.predictProba(rowsToFeatureMatrix(schema, rows));

    // Assess
    expect(onnx.session.inputNames).toEqual(onnxInputNames(schema));
    expect(maxAbsDiff(onnx.proba, ts)).toBeLessThanOrEqual(1e-5);
    expect(Array.from(onnx.label, Number)).toEqual(Array.from(argmaxRows(ts, 3)));
  });

  it('one-hot encodes categories (unseen and missing -> all zeros) and works without categorical inputs', async () => {
    // Prepare: a hand-made 1-layer model whose logits read the one-hot block directly
    const doc: MlpModelDocument = {
      format: 'mlp',
      formatVersion: 1,
      schema: {
        features: [
          { name: 'proto', kind: 'categorical', vocabulary: ['tcp', 'udp'] },
          { name: 'x', kind: 'numeric' },
        ],
      },
      classes: ['a', 'b'],
      preprocessing: { mean: [0, 1], scale: [1, 2], min: [0, -3], max: [0, 5] },
      // inputs: [z(x), tcp, udp]
      layers: [{ inputs: 3, outputs: 2, weights: [1, 0, 2, 0, 0, 3], bias: [0, 0] }],
      params: {},
    };
    const rows: RawRow[] = [
      { proto: 'tcp', x: 1 }, // logits [2, 0]
      { proto: 'udp', x: 3 }, // [1, 3]
      { proto: 'gre', x: null }, // unseen, NaN -> mean: [0, 0]
      { proto: null, x: Infinity }, // missing; x -> 5 -> z = 2: [2, 0]
    ];
    const expected = [
      [2, 0],
      [1, 3],
      [0, 0],
      [2, 0],
    ].flatMap(([a, b]) => [1 / (1 + Math.exp(b - a)), 1 / (1 + Math.exp(a - b))]);

    // Act
    const onnx = await runOnnx(doc, rows);
    const ts = predictProbaFromMlpDocument(doc, rowsToFeatureMatrix(doc.schema, rows));

    // Assess
    expect(maxAbsDiff(ts, expected)).toBeLessThan(1e-12);
    expect(maxAbsDiff(onnx.proba, expected)).toBeLessThan(1e-7);

    const numericOnly: MlpModelDocument = {
      ...doc,
      schema: { features: [doc.schema.features[1]] },
      preprocessing: { mean: [1], scale: [2], min: [-3], max: [5] },
      layers: [{ inputs: 1, outputs: 2, weights: [1, -1], bias: [0, 0] }],
    };
    const out = await runOnnx(numericOnly, [{ x: 3 }]);
    expect(out.session.inputNames).toEqual(['numeric']);
    expect(maxAbsDiff(out.proba, [1 / (1 + Math.exp(-2)), 1 / (1 + Math.exp(2))])).toBeLessThan(1e-7);
  });

  it('exports categorical-only schemas (the empty numeric input is accepted and unused)', async () => {
    const schema = mixedSchema(0, [
      ['tcp', 'udp', 'icmp'],
      ['SF', 'REJ'],
    ]);
    const trainRows = randomRawRows(51, schema, 300);
    const X = rowsToFeatureMatrix(schema, trainRows);
    const y = Int32Array.from({ length: X.rows }, (_, i) => (X.data[i * X.cols] === 0 ? 1 : 0));
    const mlp = new MlpLearner({ seed: 5, hiddenLayers: [8], maxEpochs: 3 });
    mlp.fit(X, y, { schema, classes: ['a', 'b'] });
    const rows = randomRawRows(52, schema, 500);
    const onnx = await runOnnx(mlp.toJSON(), rows);
    expect(maxAbsDiff(onnx.proba, mlp.predictProba(rowsToFeatureMatrix(schema, rows)))).toBeLessThanOrEqual(1e-5);
  });

  it('rejects documents whose layers do not fit the schema', () => {
    const doc: MlpModelDocument = {
      format: 'mlp',
      formatVersion: 1,
      schema: { features: [{ name: 'x', kind: 'numeric' }] },
      classes: ['a', 'b'],
      preprocessing: { mean: [0], scale: [1], min: [0], max: [1] },
      layers: [{ inputs: 2, outputs: 2, weights: [1, 0, 0, 1], bias: [0, 0] }],
      params: {},
    };
    expect(() => exportMlpToOnnx(doc)).toThrow(MlpExportError);
    expect(() => exportMlpToOnnx({ ...doc, layers: [{ inputs: 1, outputs: 3, weights: [1, 2, 3], bias: [0, 0, 0] }] })).toThrow(MlpExportError);
  });
});
