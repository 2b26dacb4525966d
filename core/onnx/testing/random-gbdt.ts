// Test helpers: seeded random GBDT documents and raw JSON rows that hit the awkward cases
// (values exactly on thresholds, NaN/missing, ±Infinity, out-of-range values, unseen categories).
import type { FeatureSchema, FeatureSpec } from '../../data/table';
import type { GbdtModelDocument, GbdtTree } from '../../learners/gbdt/model-document';
import { SeededRandom } from '../../util/random';
import type { RawRow } from '../feeds';

/** A schema mixing numeric and categorical features (categoricals not all at the end). */
export function mixedSchema(nNumeric: number, vocabularies: readonly (readonly string[])[]): FeatureSchema {
  const features: FeatureSpec[] = [];
  for (let j = 0; j < nNumeric; j++) features.push({ name: `num_${j}`, kind: 'numeric' });
  vocabularies.forEach((vocabulary, c) => features.splice(Math.min(features.length, 1 + c * 2), 0, { name: `cat_${c}`, kind: 'categorical', vocabulary }));
  return { features };
}

/** Candidate split values per feature: a grid (so test rows can sit exactly on thresholds). */
export function thresholdGrid(schema: FeatureSchema): number[][] {
  return schema.features.map((f) =>
    f.kind === 'numeric' ? Array.from({ length: 17 }, (_, i) => -2 + i * 0.25) : Array.from({ length: f.vocabulary.length * 2 }, (_, i) => i / 2 - 0.5),
  );
}

function randomTree(rnd: SeededRandom, nFeatures: number, grid: number[][], classIndex: number, maxDepth: number): GbdtTree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const cover: number[] = [];
  // breadth-first so children always have larger indices than their parent
  const queue: { index: number; depth: number }[] = [];
  const push = (): number => {
    feature.push(0);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    value.push(0);
    cover.push(1);
    return feature.length - 1;
  };
  queue.push({ index: push(), depth: 0 });
  while (queue.length > 0) {
    const { index, depth } = queue.shift() as { index: number; depth: number };
    if (depth >= maxDepth || (depth > 0 && rnd.next() < 0.25)) {
      value[index] = rnd.normal() * 0.5;
      continue;
    }
    const f = rnd.int(nFeatures);
    feature[index] = f;
    const g = grid[f];
    threshold[index] = rnd.next() < 0.8 ? g[rnd.int(g.length)] : Math.fround(rnd.normal() * 2);
    left[index] = push();
    right[index] = push();
    queue.push({ index: left[index], depth: depth + 1 }, { index: right[index], depth: depth + 1 });
  }
  return { classIndex, feature, threshold, left, right, value, cover };
}

/**
 * A seeded random GBDT document: `rounds` trees per class, float32-representable thresholds; with
 * `multiOutputRounds`, that many multi-output trees (classIndex -1, a value per class in each leaf)
 * follow them.
 */
export function randomGbdtDocument(
  seed: number,
  schema: FeatureSchema,
  classes: readonly string[],
  rounds: number,
  maxDepth = 4,
  multiOutputRounds = 0,
): GbdtModelDocument {
  const rnd = new SeededRandom(seed);
  const n = schema.features.length;
  const k = classes.length;
  const grid = thresholdGrid(schema);
  const trees: GbdtTree[] = [];
  for (let r = 0; r < rounds; r++) for (let c = 0; c < k; c++) trees.push(randomTree(rnd, n, grid, c, maxDepth));
  for (let r = 0; r < multiOutputRounds; r++) {
    const tree = randomTree(rnd, n, grid, -1, maxDepth);
    const values = tree.left.flatMap((l) => Array.from({ length: k }, () => (l === -1 ? rnd.normal() * 0.5 : 0)));
    trees.push({ ...tree, value: tree.value.map(() => 0), values });
  }
  const numeric = schema.features.map((f) => f.kind === 'numeric');
  return {
    format: 'gbdt',
    formatVersion: 1,
    schema,
    classes,
    // min/max deliberately not float32-representable; fill inside the range
    preprocessing: {
      fill: schema.features.map((_, j) => (numeric[j] ? rnd.normal() : -1)),
      min: schema.features.map((_, j) => (numeric[j] ? -1.7000000001 - rnd.next() : -1)),
      max: schema.features.map((f) => (f.kind === 'numeric' ? 1.7000000001 + rnd.next() : f.vocabulary.length - 1)),
    },
    baseScore: classes.map(() => rnd.normal() * 0.3),
    trees,
    params: { seed },
    featureGain: schema.features.map(() => 0),
  };
}

/** Seeded raw rows mixing grid values (exactly on thresholds) with the edge cases. */
export function randomRawRows(seed: number, schema: FeatureSchema, rows: number): RawRow[] {
  const rnd = new SeededRandom(seed);
  const grid = thresholdGrid(schema);
  const out: RawRow[] = [];
  const specials: (number | string | null | undefined)[] = [NaN, Infinity, -Infinity, null, undefined, 'not-a-number', '', '0.75', 1e30, -1e30, 5, -5];
  for (let i = 0; i < rows; i++) {
    const row: Record<string, number | string | null | undefined> = {};
    schema.features.forEach((f, j) => {
      const u = rnd.next();
      if (f.kind === 'numeric') {
        if (u < 0.5) row[f.name] = grid[j][rnd.int(grid[j].length)];
        else if (u < 0.8) row[f.name] = rnd.normal() * 2;
        else row[f.name] = specials[rnd.int(specials.length)];
      } else {
        if (u < 0.8) row[f.name] = f.vocabulary[rnd.int(f.vocabulary.length)];
        else if (u < 0.9) row[f.name] = `unseen_${rnd.int(5)}`;
        else row[f.name] = rnd.next() < 0.5 ? null : '';
      }
    });
    out.push(row);
  }
  return out;
}
