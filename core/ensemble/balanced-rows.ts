// Class-balanced validation rows for the ensemble optimiser: the platform's figure is macro-F1, where
// every class counts alike, so the weights' log-loss and the re-tuned thresholds should weigh every
// class alike too — not by how many validation rows it happens to have. Each class contributes the
// same number of rows (its rows picked evenly, repeated when it has fewer), deterministic, no seed.

/** Rows the balanced set may hold in all: beyond it, every class is thinned evenly instead of the small ones repeated further. */
export const MAX_BALANCED_ROWS = 200_000;

/**
 * Row indices in which every present class appears `target` times: target = the largest class's
 * count, capped so the whole stays within MAX_BALANCED_ROWS (and never below the largest of 1 row).
 * Class c's rows are picked at positions ⌊i·count_c/target⌋, i < target: evenly repeated when the
 * class is smaller, evenly thinned when it is larger.
 * @example balancedRows(Int32Array.from([0, 0, 0, 1]), 2) // → [0, 1, 2, 3, 3, 3]
 */
export function balancedRows(y: Int32Array, classCount: number, maxRows = MAX_BALANCED_ROWS): Int32Array {
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  y.forEach((c, i) => byClass[c]?.push(i));
  const present = byClass.filter((rows) => rows.length > 0);
  if (present.length === 0) return new Int32Array(0);
  const target = Math.max(1, Math.min(Math.max(...present.map((r) => r.length)), Math.floor(maxRows / present.length)));
  const out = new Int32Array(target * present.length);
  let at = 0;
  for (const rows of present) for (let i = 0; i < target; i++) out[at++] = rows[Math.floor((i * rows.length) / target)];
  return out;
}

/** The rows `rows` of a rows × K probability matrix (row-major). */
export function takeProbabilityRows(p: Float64Array, rows: Int32Array, classCount: number): Float64Array {
  const out = new Float64Array(rows.length * classCount);
  rows.forEach((r, i) => out.set(p.subarray(r * classCount, (r + 1) * classCount), i * classCount));
  return out;
}
