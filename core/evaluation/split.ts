// Leakage-free, stratified train/test splitting. Identical feature rows (same values, NaN equal to
// NaN, -0 equal to 0) form a group that always lands wholly on one side, so a duplicated flow can
// never be both trained on and tested on. Within each class the groups are shuffled with a seeded
// generator and assigned greedily until the class's test share is as close as possible to the target.
import type { FeatureMatrix } from '../data/table';
import { SeededRandom } from '../util/random';
import { EvaluationInputError } from './errors';

/** Identical-row groups of a matrix. */
export interface RowGroups {
  /** group id per row (0..count-1, numbered in order of first appearance) */
  readonly groupOf: Int32Array;
  /** number of distinct feature rows */
  readonly count: number;
  /** rows that repeat an earlier row exactly (rows - count) */
  readonly duplicateRows: number;
}

export interface SplitOptions {
  /** Share of the (selected) rows that goes to the test side, in (0, 1). */
  readonly testFraction: number;
  readonly seed: number;
  /**
   * Restrict the split to these row indices (e.g. the training part, to carve out a validation
   * set). Returned indices are still indices into X / y. Defaults to all rows.
   */
  readonly indices?: ArrayLike<number>;
  /** Precomputed groups from rowGroups(X), to avoid hashing the matrix twice. */
  readonly groups?: RowGroups;
}

/** Row indices (ascending) of both sides of a split. */
export interface Split {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

const NAN_HI = 0x7ff80000;

/**
 * Groups identical feature rows. Rows are hashed (value bits, with NaN and -0 canonicalised) into an
 * open-addressing table and confirmed by exact comparison, so hash collisions never merge rows.
 *
 * @example
 * const g = rowGroups({ rows: 3, cols: 1, data: Float64Array.from([1, NaN, 1]) });
 * // g.groupOf = [0, 1, 0], g.count = 2, g.duplicateRows = 1
 */
export function rowGroups(X: FeatureMatrix): RowGroups {
  const { rows, cols, data } = X;
  if (data.length !== rows * cols) throw new EvaluationInputError(`matrix data length ${data.length} != rows*cols ${rows * cols}`);
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length * 2);
  const hashes = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let h = 0x9747b28c ^ cols;
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[base + j];
      let lo: number;
      let hi: number;
      if (v !== v) {
        lo = 0;
        hi = NAN_HI;
      } else if (v === 0) {
        lo = 0;
        hi = 0;
      } else {
        lo = words[(base + j) * 2];
        hi = words[(base + j) * 2 + 1];
      }
      h = Math.imul(h ^ lo, 0xcc9e2d51);
      h = (h << 15) | (h >>> 17);
      h = Math.imul(h ^ hi, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    hashes[i] = h;
  }
  let size = 16;
  while (size < rows * 2) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size).fill(-1);
  const groupOf = new Int32Array(rows);
  let count = 0;
  for (let i = 0; i < rows; i++) {
    const h = hashes[i];
    let s = h & mask;
    while (true) {
      const rep = slots[s];
      if (rep === -1) {
        slots[s] = i;
        groupOf[i] = count++;
        break;
      }
      if (hashes[rep] === h && rowsEqual(data, cols, rep, i)) {
        groupOf[i] = groupOf[rep];
        break;
      }
      s = (s + 1) & mask;
    }
  }
  return { groupOf, count, duplicateRows: rows - count };
}

function rowsEqual(data: Float64Array, cols: number, a: number, b: number): boolean {
  const oa = a * cols;
  const ob = b * cols;
  for (let j = 0; j < cols; j++) {
    const u = data[oa + j];
    const v = data[ob + j];
    if (u !== v && !(u !== u && v !== v)) return false;
  }
  return true;
}

/**
 * Stratified split in which identical feature rows are never separated.
 *
 * Each group of identical rows is stratified by its majority label (ties: the smallest class index),
 * so duplicates with conflicting labels stay together too. Within each class, groups are visited in
 * seeded random order and a group goes to the test side when that brings the class's test row count
 * closer to `testFraction` × (class rows). A class with a single row therefore stays on the train side.
 *
 * @example
 * const { train, test } = stratifiedGroupSplit(data.X, data.y, { testFraction: 0.3, seed: 42 });
 * // carve a validation set out of the training part with the same function:
 * const { train: fit, test: validation } = stratifiedGroupSplit(data.X, data.y, { testFraction: 0.15, seed: 43, indices: train });
 */
export function stratifiedGroupSplit(X: FeatureMatrix, y: Int32Array, options: SplitOptions): Split {
  const { testFraction, seed } = options;
  if (!(testFraction > 0 && testFraction < 1)) throw new EvaluationInputError(`testFraction must be in (0, 1), got ${testFraction}`);
  if (y.length !== X.rows) throw new EvaluationInputError(`labels length ${y.length} != matrix rows ${X.rows}`);
  const groups = options.groups ?? rowGroups(X);
  if (groups.groupOf.length !== X.rows) throw new EvaluationInputError(`groups cover ${groups.groupOf.length} rows, matrix has ${X.rows}`);
  const n = options.indices ? options.indices.length : X.rows;
  const rowAt = (k: number): number => (options.indices ? options.indices[k] : k);

  let nClasses = 0;
  for (let k = 0; k < n; k++) {
    const r = rowAt(k);
    if (r < 0 || r >= X.rows || !Number.isInteger(r)) throw new EvaluationInputError(`row index ${r} out of range`);
    const label = y[r];
    if (label < 0) throw new EvaluationInputError(`negative class index ${label} at row ${r}`);
    if (label + 1 > nClasses) nClasses = label + 1;
  }

  // Per group (within the selection): size, first label, conflict flag.
  const G = groups.count;
  const size = new Int32Array(G);
  const label = new Int32Array(G).fill(-1);
  const conflicting: number[] = [];
  for (let k = 0; k < n; k++) {
    const r = rowAt(k);
    const g = groups.groupOf[r];
    size[g]++;
    if (label[g] === -1) label[g] = y[r];
    else if (label[g] !== y[r] && label[g] >= 0) {
      label[g] = -2 - label[g]; // mark conflicting, keep nothing else
      conflicting.push(g);
    }
  }
  if (conflicting.length > 0) {
    const counts = new Map<number, Int32Array>();
    for (const g of conflicting) counts.set(g, new Int32Array(nClasses));
    for (let k = 0; k < n; k++) {
      const r = rowAt(k);
      const c = counts.get(groups.groupOf[r]);
      if (c) c[y[r]]++;
    }
    for (const [g, c] of counts) {
      let best = 0;
      for (let j = 1; j < nClasses; j++) if (c[j] > c[best]) best = j;
      label[g] = best;
    }
  }

  // Groups per stratum, then seeded shuffle and greedy assignment.
  const classRows = new Float64Array(nClasses);
  const classGroups = new Int32Array(nClasses);
  for (let g = 0; g < G; g++) {
    if (size[g] === 0) continue;
    classRows[label[g]] += size[g];
    classGroups[label[g]]++;
  }
  const offsets = new Int32Array(nClasses + 1);
  for (let c = 0; c < nClasses; c++) offsets[c + 1] = offsets[c] + classGroups[c];
  const order = new Int32Array(offsets[nClasses]);
  const fill = offsets.slice(0, nClasses);
  for (let g = 0; g < G; g++) if (size[g] > 0) order[fill[label[g]]++] = g;

  const rnd = new SeededRandom(seed);
  const isTest = new Uint8Array(G);
  let testRows = 0;
  for (let c = 0; c < nClasses; c++) {
    const slice = order.subarray(offsets[c], offsets[c + 1]);
    rnd.shuffle(slice);
    const target = testFraction * classRows[c];
    let current = 0;
    for (let k = 0; k < slice.length; k++) {
      const s = size[slice[k]];
      if (Math.abs(current + s - target) < Math.abs(current - target)) {
        isTest[slice[k]] = 1;
        current += s;
      }
    }
    testRows += current;
  }

  const train = new Int32Array(n - testRows);
  const test = new Int32Array(testRows);
  let a = 0;
  let b = 0;
  for (let k = 0; k < n; k++) {
    const r = rowAt(k);
    if (isTest[groups.groupOf[r]]) test[b++] = r;
    else train[a++] = r;
  }
  train.sort();
  test.sort();
  return { train, test };
}
