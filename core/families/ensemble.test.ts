// The ensemble family on seeded mixed rows (numeric and categorical, with NaN, ±Inf and unseen
// categories): one model.onnx that answers like the TypeScript ensemble, attributions that add up
// to the weighted members' margins, and the refusals of a malformed document.
import { InferenceSession } from 'onnxruntime-node';
import type { FeatureMatrix, FeatureSchema } from '../data/table';
import { ENSEMBLE_FORMAT, ENSEMBLE_FORMAT_VERSION, type EnsembleModelDocument } from '../ensemble';
import { GbdtLearner } from '../learners/gbdt';
import { argmaxRows, type ModelDocument } from '../learners/learner';
import { MlpLearner } from '../learners/mlp/mlp-learner';
import { rowsToFeatureMatrix, type RawRow } from '../onnx/feeds';
import { buildOnnxFeeds } from '../onnx/session-feeds';
import { mixedSchema, randomRawRows } from '../onnx/testing/random-gbdt';
import { readOnnxMetadata } from '../onnx/testing/onnx-metadata';
import { SeededRandom } from '../util/random';
import { ENSEMBLE_FAMILY, FAMILY_IDS, modelFamily, TRAINABLE_FAMILY_IDS } from './index';

const CLASSES = ['normal', 'dos', 'probe'];
const schema: FeatureSchema = mixedSchema(4, [
  ['tcp', 'udp', 'icmp'],
  ['SF', 'REJ', 'S0'],
]);

function labelled(seed: number, rows: number): { X: FeatureMatrix; y: Int32Array } {
  const rnd = new SeededRandom(seed);
  const X = rowsToFeatureMatrix(schema, randomRawRows(seed, schema, rows));
  const y = new Int32Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    const a = X.data[i * X.cols];
    const cat = X.data[i * X.cols + 1];
    y[i] = cat === 1 ? 2 : a > 0.3 ? 1 : rnd.next() < 0.1 ? 2 : 0;
  }
  return { X, y };
}

const train = labelled(31, 1500);
const fit = <T extends { fit: GbdtLearner['fit']; toJSON(): ModelDocument }>(learner: T): ModelDocument => {
  learner.fit(train.X, train.y, { schema, classes: CLASSES });
  return learner.toJSON();
};
const gbdtA = fit(new GbdtLearner({ seed: 1, nRounds: 15, maxDepth: 4 }));
const gbdtB = fit(new GbdtLearner({ seed: 2, nRounds: 10, maxDepth: 3, multiOutput: true, colsampleByTree: 0.7 }));
const mlp = fit(new MlpLearner({ seed: 3, hiddenLayers: [16], maxEpochs: 15, learningRate: 0.01, batchSize: 64 }));

function ensemble(members: readonly [ModelDocument, number][]): EnsembleModelDocument {
  return {
    format: ENSEMBLE_FORMAT,
    formatVersion: ENSEMBLE_FORMAT_VERSION,
    schema,
    classes: CLASSES,
    method: 'weights',
    members: members.map(([document, weight], i) => ({ model: `member-${i}`, version: i + 1, algorithm: document.format, weight, document })),
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('the ensemble family', () => {
  it('is a row of the family table that a training job cannot fit', () => {
    expect(FAMILY_IDS).toContain('ensemble');
    expect(TRAINABLE_FAMILY_IDS).not.toContain('ensemble');
    expect(modelFamily('ensemble')).toBe(ENSEMBLE_FAMILY);
    expect(() => ENSEMBLE_FAMILY.create(1, {})).toThrow(/built from registered versions by the ensemble optimiser/);
  });

  it('serves one model.onnx whose probabilities match the TypeScript ensemble within 1e-5 on 3,000 rows', async () => {
    // Prepare: a GBDT, a multi-output GBDT and an MLP, weighted
    const doc = ensemble([
      [gbdtA, 0.5],
      [gbdtB, 0.2],
      [mlp, 0.3],
    ]);
    const rows: RawRow[] = randomRawRows(32, schema, 3000);
    // Act
    const bytes = ENSEMBLE_FAMILY.exportOnnx(doc, {});
    const session = await InferenceSession.create(Buffer.from(bytes));
    const out = await session.run(buildOnnxFeeds(schema, rows));
    const ts = ENSEMBLE_FAMILY.predictProba(doc, rowsToFeatureMatrix(schema, rows));
    // Assess
    const onnx = out.probabilities.data as Float32Array;
    expect(onnx).toHaveLength(3000 * CLASSES.length);
    expect(maxAbsDiff(onnx, ts)).toBeLessThanOrEqual(1e-5);
    expect(Array.from(out.label.data as BigInt64Array, Number)).toEqual(Array.from(argmaxRows(ts, CLASSES.length)));
    // the TypeScript ensemble is the weighted sum of its members
    const X = rowsToFeatureMatrix(schema, rows);
    const members = [gbdtA, gbdtB, mlp].map((d) => modelFamily(d.format).predictProba(d, X));
    expect(
      maxAbsDiff(
        ts,
        ts.map((_, k) => 0.5 * members[0][k] + 0.2 * members[1][k] + 0.3 * members[2][k]),
      ),
    ).toBeLessThan(1e-12);
    // and it differs from every member alone (the graph really mixes them)
    for (const p of members) expect(maxAbsDiff(ts, p)).toBeGreaterThan(1e-3);
    const meta = readOnnxMetadata(bytes);
    expect(meta.format).toBe('ensemble');
    expect(JSON.parse(meta.members)).toEqual([
      { member: 'member-0@1 (gbdt)', weight: 0.5 },
      { member: 'member-1@2 (gbdt)', weight: 0.2 },
      { member: 'member-2@3 (mlp)', weight: 0.3 },
    ]);
  });

  it("attributes a tree-only ensemble exactly: per row and class, the attributions add up to the weighted members' margins", () => {
    const doc = ensemble([
      [gbdtA, 0.7],
      [gbdtB, 0.3],
    ]);
    const X = labelled(33, 200).X;
    const F = schema.features.length;
    const K = CLASSES.length;
    const phi = ENSEMBLE_FAMILY.attributions!(doc, X);
    const logs = [gbdtA, gbdtB].map((d) => modelFamily('gbdt').predictProba(d, X).map(Math.log));
    for (let i = 0; i < X.rows; i++) {
      const sum = (c: number): number => phi.subarray((i * K + c) * (F + 1), (i * K + c + 1) * (F + 1)).reduce((s, v) => s + v, 0);
      for (let c = 1; c < K; c++) {
        // softmax margins are defined up to a per-row constant: compare differences to class 0
        const expected = 0.7 * (logs[0][i * K + c] - logs[0][i * K]) + 0.3 * (logs[1][i * K + c] - logs[1][i * K]);
        expect(Math.abs(sum(c) - sum(0) - expected)).toBeLessThan(1e-6);
      }
    }
    const explained = ENSEMBLE_FAMILY.explanations(doc, X, { seed: 1 });
    expect(explained.method).toBe('tree-shap');
    expect(explained.note).toMatch(/sum exactly/);
    expect(explained.meanAbsShap).toHaveLength(F);
  });

  it('explains a mixed ensemble by its tree members and says so; refuses attributions without one', () => {
    const X = labelled(34, 100).X;
    const mixed = ENSEMBLE_FAMILY.explanations(
      ensemble([
        [gbdtA, 0.6],
        [mlp, 0.4],
      ]),
      X,
      { seed: 1 },
    );
    expect(mixed.note).toMatch(/tree members only \(weight 0\.6000 of 1\)/);
    expect(() => ENSEMBLE_FAMILY.attributions!(ensemble([[mlp, 1]]), X)).toThrow(/no member with exact attributions/);
    expect(ENSEMBLE_FAMILY.explanations(ensemble([[mlp, 1]]), X, { seed: 1 }).method).toBe('none');
  });

  it('refuses a malformed document: weights off the simplex, a nested ensemble, a member of another class space', () => {
    const X = labelled(35, 10).X;
    expect(() => ENSEMBLE_FAMILY.predictProba(ensemble([[gbdtA, 0.5]]), X)).toThrow(/weights sum to 0.5, not 1/);
    expect(() => ENSEMBLE_FAMILY.predictProba(ensemble([[ensemble([[gbdtA, 1]]), 1]]), X)).toThrow(/is itself an ensemble/);
    const otherClasses = { ...gbdtA, classes: ['normal', 'dos', 'r2l'] };
    expect(() => ENSEMBLE_FAMILY.exportOnnx(ensemble([[otherClasses, 1]]), {})).toThrow(/member-0@1 answers in another class space/);
    expect(
      ENSEMBLE_FAMILY.describe(
        ensemble([
          [gbdtA, 0.4],
          [mlp, 0.6],
        ]),
      ),
    ).toMatchObject({ members: 2, families: 'gbdt+mlp' });
  });
});
