// Quality on real data: trainModel + GbdtLearner on NSL-KDD (KDDTrain+_20Percent, KDD categories),
// scored on the leakage-free held-out split and on the official KDDTest+ file.
import { datasetPath, describeWithData } from '../../test/support/datasets';
import type { FeatureSchema, FeatureSpec, LabelledData } from '../data/table';
import { openNslKddSource } from '../datasets/kdd';
import { KDD_CATEGORIES, mapLabel } from '../datasets/taxonomy';
import { evaluate } from '../evaluation/metrics';
import { GbdtLearner } from '../learners/gbdt/gbdt-learner';
import { trainModel, type TrainResult } from './train-model';

const TRAIN = 'nsl_kdd/KDDTrain+_20Percent.txt';
const TEST = 'nsl_kdd/KDDTest+.txt';
const CLASSES: readonly string[] = KDD_CATEGORIES;

/** Reads an NSL-KDD file into a LabelledData; categorical vocabularies come from `schema` or are built (sorted). */
async function loadNslKdd(file: string, schema?: FeatureSchema): Promise<LabelledData> {
  const src = await openNslKddSource(datasetPath(file));
  const values: (number | string)[][] = [];
  const labels: number[] = [];
  for await (const r of src.rows()) {
    if (r.kind === 'rejected') throw new Error(`${file} line ${r.line} rejected: ${r.reason}`);
    values.push([...r.values]);
    labels.push(CLASSES.indexOf(mapLabel(r.label, 'kdd-category')));
  }
  const features: FeatureSpec[] =
    schema?.features.slice() ??
    src.columns.map((c, j): FeatureSpec =>
      c.kind === 'numeric'
        ? { name: c.name, kind: 'numeric' }
        : { name: c.name, kind: 'categorical', vocabulary: [...new Set(values.map((v) => String(v[j])))].sort() },
    );
  const codes = features.map((f) => (f.kind === 'categorical' ? new Map(f.vocabulary.map((v, i) => [v, i])) : undefined));
  const cols = features.length;
  const data = new Float64Array(values.length * cols);
  values.forEach((row, i) => {
    for (let j = 0; j < cols; j++) {
      const code = codes[j];
      data[i * cols + j] = code ? (code.get(String(row[j])) ?? -1) : (row[j] as number);
    }
  });
  return { schema: { features }, X: { rows: values.length, cols, data }, y: Int32Array.from(labels), classes: CLASSES };
}

describeWithData('trainModel quality on NSL-KDD (GbdtLearner)', [TRAIN, TEST], () => {
  let train: LabelledData;
  let result: TrainResult;

  beforeAll(async () => {
    train = await loadNslKdd(TRAIN);
    result = trainModel(train, {
      learnerFactory: (seed, params) => new GbdtLearner({ seed, ...params }),
      params: { nRounds: 80, maxDepth: 6, learningRate: 0.2 },
      seed: 42,
      balancing: { mode: 'sqrt' },
    });
  }, 300_000);

  it('separates the five KDD categories on the leakage-free held-out split', () => {
    const m = result.summary.metrics;
    // measured (seed 42, 7557 held-out rows): accuracy 0.9968, macro-F1 0.900 (U2R: 3 rows, F1 0.57),
    // recall DoS 0.999, Probe 0.990, R2L 0.905; ROC-AUC macro 0.9998; thresholded macro-F1 0.897
    expect(m.accuracy).toBeGreaterThan(0.99);
    expect(m.perClass.DoS.recall).toBeGreaterThan(0.99);
    expect(m.perClass.Probe.recall).toBeGreaterThan(0.97);
    expect(m.perClass.R2L.recall).toBeGreaterThan(0.8);
    expect(m.rocAucMacro).toBeGreaterThan(0.99);
    // thresholds tuned on validation must not wreck the decision (a cutoff tuned on 1 U2R row did)
    expect(result.summary.thresholdedMetrics.macroF1).toBeGreaterThan(m.macroF1 - 0.05);
  });

  it('generalises to the official KDDTest+ file (new attack types) at the published level', async () => {
    const test = await loadNslKdd(TEST, train.schema);
    const report = evaluate(test.y, result.learner.predictProba(test.X), CLASSES);
    // measured (seed 42, 22544 rows): accuracy 0.771, recall normal 0.971, DoS 0.845, Probe 0.603,
    // R2L 0.068, U2R 0.025 (R2L/U2R in KDDTest+ are mostly attack types absent from the train file);
    // tree ensembles trained on KDDTrain+ typically land at 0.75-0.82 accuracy here.
    expect(report.accuracy).toBeGreaterThan(0.74);
    expect(report.perClass.normal.recall).toBeGreaterThan(0.95);
    expect(report.perClass.DoS.recall).toBeGreaterThan(0.75);
  }, 120_000);
});
