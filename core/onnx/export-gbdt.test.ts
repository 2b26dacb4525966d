import { InferenceSession } from 'onnxruntime-node';
import { argmaxRows } from '../learners/learner';
import { GbdtLearner } from '../learners/gbdt/gbdt-learner';
import { SeededRandom } from '../util/random';
import type { GbdtModelDocument } from '../learners/gbdt/model-document';
import { predictProbaFromDocument } from '../learners/gbdt/predict';
import { exportGbdtToOnnx, GbdtExportError } from './export-gbdt';
import { onnxInputNames, rowsToFeatureMatrix, type RawRow } from './feeds';
import { buildOnnxFeeds } from './session-feeds';
import { mixedSchema, randomGbdtDocument, randomRawRows } from './testing/random-gbdt';

async function runOnnx(bytes: Uint8Array, doc: GbdtModelDocument, rows: readonly RawRow[]) {
  const session = await InferenceSession.create(Buffer.from(bytes));
  const out = await session.run(buildOnnxFeeds(doc.schema, rows));
  return { session, proba: out.probabilities.data as Float32Array, label: out.label.data as BigInt64Array, dims: out.probabilities.dims };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('exportGbdtToOnnx', () => {
  it('carries target-ordered categories (categoryOrder: target) into the LabelEncoder: same probabilities as the reference, unseen and missing included', async () => {
    // Prepare: a label set by a grouping of 8 services that alphabetical codes interleave
    const services = ['dns', 'ftp', 'http', 'imap', 'irc', 'smtp', 'ssh', 'telnet'];
    const group: Record<string, number> = { dns: 0, ftp: 1, http: 0, imap: 2, irc: 1, smtp: 2, ssh: 1, telnet: 0 };
    const schema = {
      features: [
        { name: 'bytes', kind: 'numeric' as const },
        { name: 'service', kind: 'categorical' as const, vocabulary: services },
      ],
    };
    const rnd = new SeededRandom(4);
    const n = 3000;
    const X = { rows: n, cols: 2, data: new Float64Array(n * 2) };
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const s = rnd.int(services.length);
      X.data[i * 2] = rnd.normal();
      X.data[i * 2 + 1] = s;
      y[i] = rnd.next() < 0.9 ? group[services[s]] : rnd.int(3);
    }
    const fit = (categoryOrder: 'code' | 'target', maxDepth = 2) => {
      const learner = new GbdtLearner({ seed: 1, nRounds: 5, maxDepth, categoryOrder });
      learner.fit(X, y, { schema, classes: ['a', 'b', 'c'] });
      return learner;
    };

    // Act
    const ranked = fit('target');
    const doc = ranked.toJSON();
    const rows: RawRow[] = [...services.map((service, i) => ({ bytes: i - 3, service })), { bytes: 0, service: 'gopher' }, { bytes: null, service: null }];
    const onnx = await runOnnx(exportGbdtToOnnx(doc), doc, rows);

    // Assess: a permutation of the codes that groups the services; ONNX agrees with the reference
    const rank = doc.preprocessing.categoryRank?.[1] ?? [];
    expect([...rank].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(doc.preprocessing.categoryRank?.[0]).toBeNull();
    const ts = predictProbaFromDocument(doc, rowsToFeatureMatrix(schema, rows));
    expect(maxAbsDiff(onnx.proba, ts)).toBeLessThanOrEqual(1e-5);
    // stumps: target order separates the groups in fewer splits than the alphabetical codes
    const accuracy = (learner: GbdtLearner): number => {
      const p = learner.predict(X);
      return p.filter((c, i) => c === y[i]).length / n;
    };
    expect(accuracy(fit('target', 1))).toBeGreaterThan(accuracy(fit('code', 1)) + 0.05);
    // a continued fit keeps the ranks it was grown under, and the document round-trips
    const more = new GbdtLearner({ seed: 1, nRounds: 2, maxDepth: 2, categoryOrder: 'target' });
    more.fit(X, y, { schema, classes: ['a', 'b', 'c'], init: doc });
    expect(more.toJSON().preprocessing.categoryRank).toEqual(doc.preprocessing.categoryRank);
    expect(maxAbsDiff(GbdtLearner.fromJSON(JSON.parse(JSON.stringify(doc))).predictProba(X), ranked.predictProba(X))).toBe(0);
    await onnx.session.release();
  });

  it('matches predictProbaFromDocument within 1e-5 on 3,000 rows with NaN, ±Inf, on-threshold and unseen values', async () => {
    // Prepare
    const schema = mixedSchema(5, [
      ['tcp', 'udp', 'icmp'],
      ['SF', 'REJ', 'S0', 'RSTO'],
    ]);
    const doc = randomGbdtDocument(11, schema, ['normal', 'dos', 'probe', 'r2l'], 30);
    const rows = randomRawRows(12, schema, 3000);

    // Act
    const onnx = await runOnnx(exportGbdtToOnnx(doc), doc, rows);
    const ts = predictProbaFromDocument(doc, rowsToFeatureMatrix(schema, rows));

    // Assess
    expect(onnx.dims).toEqual([3000, 4]);
    expect(onnx.session.inputNames).toEqual(onnxInputNames(schema));
    expect(maxAbsDiff(onnx.proba, ts)).toBeLessThanOrEqual(1e-5);
    const tsLabel = argmaxRows(ts, 4);
    let agree = 0;
    for (let i = 0; i < rows.length; i++) if (Number(onnx.label[i]) === tsLabel[i]) agree++;
    expect(agree).toBeGreaterThanOrEqual(rows.length - 3); // only exact float32 ties may differ
  });

  it('matches the reference within 1e-5 for multi-output trees, alone and after per-class trees (a continued model)', async () => {
    // Prepare
    const schema = mixedSchema(5, [['tcp', 'udp', 'icmp']]);
    const classes = ['normal', 'dos', 'probe', 'r2l', 'u2r'];
    const multiOnly = randomGbdtDocument(21, schema, classes, 0, 5, 40);
    const mixed = randomGbdtDocument(22, schema, classes, 10, 4, 30);
    const rows = randomRawRows(23, schema, 2000);
    const X = rowsToFeatureMatrix(schema, rows);

    for (const doc of [multiOnly, mixed]) {
      // Act
      const onnx = await runOnnx(exportGbdtToOnnx(doc), doc, rows);

      // Assess
      expect(onnx.dims).toEqual([2000, 5]);
      expect(maxAbsDiff(onnx.proba, predictProbaFromDocument(doc, X))).toBeLessThanOrEqual(1e-5);
      await onnx.session.release();
    }
    expect(multiOnly.trees.every((t) => t.classIndex === -1)).toBe(true);
  });

  it('leaves missing values and clipping to the trees when every split lies inside the range, with the same results', async () => {
    // Prepare: thresholds come from a grid inside [-2, 4] or are 2·N(0, 1); a range of ±1000 holds them
    const schema = mixedSchema(5, [
      ['tcp', 'udp', 'icmp'],
      ['SF', 'REJ', 'S0', 'RSTO'],
    ]);
    const base = randomGbdtDocument(31, schema, ['normal', 'dos', 'probe'], 20, 4, 10);
    const wide: GbdtModelDocument = {
      ...base,
      preprocessing: {
        fill: base.preprocessing.fill,
        min: schema.features.map(() => -1000),
        max: schema.features.map(() => 1000),
      },
    };
    const rows = randomRawRows(32, schema, 3000); // NaN, ±Inf, ±1e30 (outside the range), on-threshold, unseen

    // Act
    const fast = exportGbdtToOnnx(wide);
    const onnx = await runOnnx(fast, wide, rows);

    // Assess: no preprocessing ops in the graph, same probabilities as the reference
    const ops = (bytes: Uint8Array): boolean => Buffer.from(bytes).includes('IsNaN');
    expect(ops(fast)).toBe(false);
    expect(ops(exportGbdtToOnnx(base))).toBe(true); // the base range [-2.7, 2.7] cuts through the grid
    expect(maxAbsDiff(onnx.proba, predictProbaFromDocument(wide, rowsToFeatureMatrix(schema, rows)))).toBeLessThanOrEqual(1e-5);
    await onnx.session.release();
  });

  it('treats the edge cases exactly as the reference: missing -> fill, ±Inf -> range ends, on-threshold goes left', async () => {
    // Prepare: one numeric feature, one stump: x <= 0.5 -> class a, else class b
    const doc: GbdtModelDocument = {
      format: 'gbdt',
      formatVersion: 1,
      schema: {
        features: [
          { name: 'x', kind: 'numeric' },
          { name: 'proto', kind: 'categorical', vocabulary: ['tcp', 'udp'] },
        ],
      },
      classes: ['a', 'b'],
      preprocessing: { fill: [1, 0], min: [-10, -1], max: [10, 1] },
      baseScore: [0, 0],
      trees: [
        { classIndex: 0, feature: [0, 0, 0], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 2, -2], cover: [1, 1, 1] },
        // code <= -0.5 (unknown) -> +3 for class b, code <= 0.5 (tcp) -> 0, else (udp) -> -1
        {
          classIndex: 1,
          feature: [1, 1, 0, 0, 0],
          threshold: [-0.5, 0.5, 0, 0, 0],
          left: [2, 3, -1, -1, -1],
          right: [1, 4, -1, -1, -1],
          value: [0, 0, 3, 0, -1],
          cover: [1, 1, 1, 1, 1],
        },
      ],
      params: {},
      featureGain: [0, 0],
    };
    const rows: RawRow[] = [
      { x: 0.5, proto: 'tcp' }, // on threshold -> left
      { x: null, proto: 'udp' }, // missing -> fill 1 -> right
      { x: -Infinity, proto: 'ftp' }, // -> -10, unseen -> -1
      { x: Infinity, proto: null }, // -> 10, missing category -> fill 0 (tcp)
    ];

    // Act
    const onnx = await runOnnx(exportGbdtToOnnx(doc), doc, rows);
    const ts = predictProbaFromDocument(doc, rowsToFeatureMatrix(doc.schema, rows));

    // Assess: raw scores [a, b] = [2, 0], [-2, -1], [2, 3], [-2, 0]
    const expected = [
      [2, 0],
      [-2, -1],
      [2, 3],
      [-2, 0],
    ].flatMap(([a, b]) => [1 / (1 + Math.exp(b - a)), 1 / (1 + Math.exp(a - b))]);
    expect(maxAbsDiff(ts, expected)).toBeLessThan(1e-12);
    expect(maxAbsDiff(onnx.proba, expected)).toBeLessThan(1e-6);
    expect(Array.from(onnx.label, Number)).toEqual([0, 1, 1, 1]);

    // a split exactly at the top of the range: values above it are clipped onto it and go left
    const atTop: GbdtModelDocument = { ...doc, trees: [{ ...doc.trees[0], threshold: [10, 0, 0] }] };
    const above = await runOnnx(exportGbdtToOnnx(atTop), atTop, [
      { x: 12, proto: 'tcp' },
      { x: Infinity, proto: 'tcp' },
    ]);
    expect(
      maxAbsDiff(
        above.proba,
        [
          [2, 0],
          [2, 0],
        ].flatMap(([a, b]) => [1 / (1 + Math.exp(b - a)), 1 / (1 + Math.exp(a - b))]),
      ),
    ).toBeLessThan(1e-6);
    // a split below the range: values below it are clipped up to the range and go right
    const below = { ...doc, trees: [{ ...doc.trees[0], threshold: [-10.5, 0, 0] }] };
    const under = await runOnnx(exportGbdtToOnnx(below), below, [
      { x: -12, proto: 'tcp' },
      { x: -Infinity, proto: 'tcp' },
    ]);
    expect(
      maxAbsDiff(
        under.proba,
        [
          [-2, 0],
          [-2, 0],
        ].flatMap(([a, b]) => [1 / (1 + Math.exp(b - a)), 1 / (1 + Math.exp(a - b))]),
      ),
    ).toBeLessThan(1e-6);
  });

  it('exports numeric-only schemas (no categorical input), two classes and documents without trees', async () => {
    const schema = mixedSchema(3, []);
    const doc = randomGbdtDocument(5, schema, ['benign', 'attack'], 10, 3);
    const rows = randomRawRows(6, schema, 1000);
    const onnx = await runOnnx(exportGbdtToOnnx(doc), doc, rows);
    expect(onnx.session.inputNames).toEqual(['numeric']);
    expect(maxAbsDiff(onnx.proba, predictProbaFromDocument(doc, rowsToFeatureMatrix(schema, rows)))).toBeLessThanOrEqual(1e-5);

    const empty: GbdtModelDocument = { ...doc, trees: [], baseScore: [0.25, -0.5] };
    const emptyOut = await runOnnx(exportGbdtToOnnx(empty), empty, rows.slice(0, 5));
    expect(maxAbsDiff(emptyOut.proba, predictProbaFromDocument(empty, rowsToFeatureMatrix(schema, rows.slice(0, 5))))).toBeLessThan(1e-6);
  });

  it('maps a missing category to the code of "" when the vocabulary contains it, like rowsToFeatureMatrix', async () => {
    const schema = mixedSchema(2, [['', 'tcp', 'udp']]);
    const doc = randomGbdtDocument(31, schema, ['a', 'b', 'c'], 10);
    const rows = randomRawRows(32, schema, 1000);
    const onnx = await runOnnx(exportGbdtToOnnx(doc), doc, rows);
    expect(maxAbsDiff(onnx.proba, predictProbaFromDocument(doc, rowsToFeatureMatrix(schema, rows)))).toBeLessThanOrEqual(1e-5);
  });

  it('exports categorical-only schemas (empty numeric input)', async () => {
    const schema = mixedSchema(0, [
      ['tcp', 'udp', 'icmp'],
      ['SF', 'REJ'],
    ]);
    const doc = randomGbdtDocument(41, schema, ['a', 'b'], 5);
    const rows = randomRawRows(42, schema, 500);
    const onnx = await runOnnx(exportGbdtToOnnx(doc), doc, rows);
    expect(maxAbsDiff(onnx.proba, predictProbaFromDocument(doc, rowsToFeatureMatrix(schema, rows)))).toBeLessThanOrEqual(1e-5);
  });

  it('rejects malformed documents', () => {
    const doc = randomGbdtDocument(1, mixedSchema(2, [['a']]), ['x', 'y'], 1);
    expect(() => exportGbdtToOnnx({ ...doc, baseScore: [0] })).toThrow(GbdtExportError);
    expect(() => exportGbdtToOnnx({ ...doc, trees: [{ ...doc.trees[0], classIndex: 5 }] })).toThrow(GbdtExportError);
    expect(() => exportGbdtToOnnx({ ...doc, preprocessing: { ...doc.preprocessing, fill: [0] } })).toThrow(GbdtExportError);
    const multi = randomGbdtDocument(2, mixedSchema(2, [['a']]), ['x', 'y'], 0, 3, 1);
    expect(() => exportGbdtToOnnx({ ...multi, trees: [{ ...multi.trees[0], classIndex: 0 }] })).toThrow(/classIndex 0 \(must be -1\)/);
    expect(() => exportGbdtToOnnx({ ...multi, trees: [{ ...multi.trees[0], values: [1] }] })).toThrow(/1 values for/);
  });
});
