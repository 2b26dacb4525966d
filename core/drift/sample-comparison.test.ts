// The one-pass comparison of a window column with a reference profile against the sort-and-merge
// it replaced (sort the window's finite values, ksTwoSample and wasserstein1 against the sorted
// reservoir sample, numericBinIndex per value): bin counts, KS statistic and p-value identical,
// Wasserstein-1 equal up to rounding (relative 1e-12), on awkward synthetic columns and on the real
// CICIDS2017 and NSL-KDD files through detectDatasetDrift.
import { datasetPath, describeWithData } from '../../test/support/datasets';
import { createMatrix, type FeatureMatrix, type FeatureSchema } from '../data/table';
import { openCicids2017Source } from '../datasets/cicids2017';
import { openNslKddSource } from '../datasets/kdd';
import type { DatasetSource } from '../datasets/source';
import { SeededRandom } from '../util/random';
import { detectDatasetDrift, type DriftReport } from './dataset-drift';
import { ksTwoSample, wasserstein1 } from './distances';
import { buildReferenceProfile, numericBinIndex, type NumericFeatureProfile, type ReferenceProfile } from './reference-profile';
import { SampleComparer } from './sample-comparison';

/** The pre-change computation: sort the window's finite values and merge them with the sample. */
function sortAndMerge(feature: NumericFeatureProfile, column: Float64Array) {
  const counts = new Float64Array(feature.edges.length + 2);
  for (const x of column) counts[numericBinIndex(feature.edges, x)]++;
  const sorted = column.filter((x) => Number.isFinite(x)).sort();
  const comparable = sorted.length > 0 && feature.sample.length > 0;
  return {
    counts,
    finite: sorted.length,
    ks: comparable ? ksTwoSample(feature.sample, sorted) : null,
    wasserstein: comparable ? wasserstein1(feature.sample, sorted) : null,
  };
}

function expectSame(feature: NumericFeatureProfile, column: Float64Array, comparer = new SampleComparer()): void {
  const got = comparer.compare(feature, column, column.length);
  const want = sortAndMerge(feature, column);
  expect(Array.from(got.counts)).toEqual(Array.from(want.counts));
  expect(got.finite).toBe(want.finite);
  expect(got.ks).toEqual(want.ks); // exactly: the same integers divided the same way
  if (want.wasserstein === null) expect(got.wasserstein).toBeNull();
  else expect(Math.abs((got.wasserstein as number) - want.wasserstein)).toBeLessThanOrEqual(1e-12 * Math.max(want.wasserstein, feature.std, 1e-300));
}

/** A one-feature profile trained on `values`. */
function profileOf(values: Float64Array, sampleSize?: number): NumericFeatureProfile {
  const schema: FeatureSchema = { features: [{ name: 'x', kind: 'numeric' }] };
  return buildReferenceProfile(schema, { rows: values.length, cols: 1, data: values }, undefined, undefined, { seed: 7, ...(sampleSize ? { sampleSize } : {}) })
    .features[0] as NumericFeatureProfile;
}

describe('SampleComparer', () => {
  const rnd = new SeededRandom(11);
  const draw = (n: number, f: () => number) => Float64Array.from({ length: n }, f);
  const cases: Record<string, () => number> = {
    'normal around 0 (every exponent between)': () => rnd.normal(),
    'heavy tail with many zeros and ties': () => (rnd.next() < 0.3 ? 0 : Math.round(Math.exp(rnd.next() * 20))),
    'small integers (ties everywhere)': () => Math.floor(rnd.next() * 5),
    '±0, NaN and ±Infinity': () => {
      const u = rnd.next();
      return u < 0.1 ? NaN : u < 0.15 ? Infinity : u < 0.2 ? -Infinity : u < 0.35 ? -0 : u < 0.5 ? 0 : rnd.normal() * 3;
    },
    'narrow range far from 0': () => 1e6 + rnd.next(),
    'huge range': () => (rnd.next() < 0.5 ? -1 : 1) * 10 ** (rnd.next() * 600 - 300),
    denormals: () => (rnd.next() < 0.5 ? 5e-324 : -5e-324) * Math.round(rnd.next() * 9),
    'negatives only': () => -Math.exp(rnd.normal()),
  };
  for (const [name, make] of Object.entries(cases)) {
    it(`gives the sort-and-merge figures: ${name}`, () => {
      const feature = profileOf(draw(20_000, make));
      const comparer = new SampleComparer();
      expectSame(feature, draw(50_000, make), comparer); // same distribution: many crossings
      expectSame(
        feature,
        draw(3_000, () => make() * 1.5 + 0.25),
        comparer,
      ); // shifted
      expectSame(feature, draw(10, make), comparer); // fewer rows than the sample
    });
  }

  it('handles windows outside the sample, constant columns, empty windows and a profile without finite values', () => {
    const feature = profileOf(draw(5_000, () => rnd.normal()));
    expectSame(
      feature,
      draw(1_000, () => 100 + rnd.next()),
    ); // wholly above
    expectSame(
      feature,
      draw(1_000, () => -100 - rnd.next()),
    ); // wholly below
    expectSame(feature, new Float64Array(500).fill(feature.sample[17])); // one sample value
    expectSame(feature, new Float64Array(0));
    expectSame(feature, Float64Array.of(NaN, NaN, Infinity));
    expectSame(
      profileOf(new Float64Array(100).fill(7)),
      draw(1_000, () => (rnd.next() < 0.5 ? 7 : rnd.normal() + 7)),
    );
    expectSame(
      profileOf(Float64Array.of(NaN, Infinity, NaN)),
      draw(100, () => rnd.normal()),
    );
  });

  it('keeps working when the sample outgrows the scratch space of an earlier, smaller one', () => {
    const comparer = new SampleComparer();
    expectSame(
      profileOf(
        draw(200, () => rnd.normal()),
        50,
      ),
      draw(5_000, () => rnd.normal()),
      comparer,
    );
    expectSame(
      profileOf(
        draw(50_000, () => rnd.normal()),
        20_000,
      ),
      draw(40_000, () => rnd.normal() + 0.01),
      comparer,
    );
    expectSame(
      profileOf(
        draw(200, () => rnd.normal()),
        50,
      ),
      draw(5_000, () => rnd.normal()),
      comparer,
    );
  });
});

/** detectDatasetDrift's figures against the sort-and-merge, feature by feature, with the same decisions. */
function expectSameReport(profile: ReferenceProfile, window: FeatureMatrix, report: DriftReport): void {
  const column = new Float64Array(window.rows);
  profile.features.forEach((feature, j) => {
    if (feature.kind !== 'numeric') return;
    for (let i = 0; i < window.rows; i++) column[i] = window.data[i * window.cols + j];
    const want = sortAndMerge(feature, column);
    const got = report.features[j];
    expect(got.ksStatistic).toBe(want.ks?.statistic ?? null);
    expect(got.ksPValue).toBe(want.ks?.pValue ?? null);
    const scale = feature.std > 0 ? feature.std : 1;
    if (want.wasserstein === null) expect(got.wasserstein).toBeNull();
    else {
      const w = want.wasserstein / scale;
      expect(Math.abs((got.wasserstein as number) - w)).toBeLessThanOrEqual(1e-12 * Math.max(w, 1));
      if (got.method === 'wasserstein') expect(got.score >= got.threshold).toBe(w >= got.threshold); // the same decision
    }
    if (got.method === 'ks' && want.ks) expect(got.score).toBe(want.ks.pValue);
  });
}

async function readMatrix(source: DatasetSource, keep: (label: string, index: number) => boolean): Promise<FeatureMatrix> {
  const numeric = source.columns.map((c, j) => [c, j] as const).filter(([c]) => c.kind === 'numeric');
  const values: number[] = [];
  let rows = 0;
  let index = 0;
  for await (const r of source.rows()) {
    if (r.kind !== 'row') continue;
    if (keep(r.label, index++)) {
      for (const [, j] of numeric) values.push(r.values[j] as number);
      rows++;
    }
  }
  const X = createMatrix(rows, numeric.length);
  X.data.set(values);
  return X;
}

const CICIDS = 'cicids2017/cic_ids2017_multiclass.csv.gz';
const NSL = 'nsl_kdd/KDDTrain+_20Percent.txt';

describeWithData('detectDatasetDrift on real data: the sort-and-merge figures and decisions', [CICIDS, NSL], () => {
  it('CICIDS2017: benign training rows against benign and attack windows', async () => {
    const open = () => openCicids2017Source(datasetPath(CICIDS));
    const schema: FeatureSchema = { features: (await open()).columns.filter((c) => c.kind === 'numeric').map((c) => ({ name: c.name, kind: 'numeric' })) };
    const train = await readMatrix(await open(), (label, i) => label === 'BENIGN' && i % 2 === 0);
    const benign = await readMatrix(await open(), (label, i) => label === 'BENIGN' && i % 2 === 1);
    const attacks = await readMatrix(await open(), (label) => label !== 'BENIGN');
    const profile = buildReferenceProfile(schema, train);
    const same = detectDatasetDrift(profile, benign);
    const shifted = detectDatasetDrift(profile, attacks);
    expectSameReport(profile, benign, same);
    expectSameReport(profile, attacks, shifted);
    expect(same.datasetDrift).toBe(false);
    expect(shifted.datasetDrift).toBe(true);
    expect(shifted.features[0].method).toBe('wasserstein'); // ≥ 5,000 rows
  }, 60_000);

  it('NSL-KDD: normal training rows against normal and attack windows', async () => {
    const open = () => openNslKddSource(datasetPath(NSL));
    const columns = (await open()).columns;
    const schema: FeatureSchema = { features: columns.filter((c) => c.kind === 'numeric').map((c) => ({ name: c.name, kind: 'numeric' })) };
    const train = await readMatrix(await open(), (label, i) => label === 'normal' && i % 2 === 0);
    const normal = await readMatrix(await open(), (label, i) => label === 'normal' && i % 2 === 1);
    const attacks = await readMatrix(await open(), (label) => label !== 'normal');
    const profile = buildReferenceProfile(schema, train);
    const same = detectDatasetDrift(profile, normal);
    const shifted = detectDatasetDrift(profile, attacks);
    expectSameReport(profile, normal, same);
    expectSameReport(profile, attacks, shifted);
    expect(shifted.datasetDrift).toBe(true);
    expect(shifted.driftedFeatures).toBeGreaterThan(same.driftedFeatures);
  }, 60_000);
});
