// Softmax gradients and hessians of one boosting round over a range of rows. (Splitting the rows
// over helper threads was measured: within noise, about 3 % of a fit on 16 classes, so it is not done.)

/** Rounds between exact softmax recomputations from the raw scores (others update incrementally). */
export const EXACT_SOFTMAX_EVERY = 8;

/** What a round's gradients are computed from and written to. */
export interface GradientState {
  /** Raw scores, rows * k. */
  readonly scores: Float64Array;
  /** Softmax numerators (scaled by exp(leaf value) as trees are added); normalised here. */
  readonly probs: Float64Array;
  readonly y: Int32Array;
  /** Row weights, or null for 1. */
  readonly weight: Float64Array | null;
  /** Per class: interleaved float32 [g, h] per row. */
  readonly gh: readonly Float32Array[];
  readonly k: number;
}

/**
 * Softmax gradients and hessians (XGBoost: g = p - y, h = max(2p(1-p), 1e-16)), weighted, for
 * rows [start, end). probs holds softmax numerators, so most rounds need no exp per row; they are
 * recomputed exactly from the scores when `exact` (and whenever they drift out of range). Returns
 * the rows' summed weighted log-loss of the scores as they stand when `wantLoss`, else 0.
 */
export function softmaxGradients(s: GradientState, start: number, end: number, exact: boolean, wantLoss: boolean): number {
  const { scores, probs, y, weight, gh, k } = s;
  let loss = 0;
  for (let i = start; i < end; i++) {
    const off = i * k;
    let sum = 0;
    if (!exact) for (let c = 0; c < k; c++) sum += probs[off + c];
    if (exact || !(sum > 1e-100 && sum < 1e100)) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) if (scores[off + c] > max) max = scores[off + c];
      sum = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp(scores[off + c] - max);
        probs[off + c] = e;
        sum += e;
      }
    }
    const inv = 1 / sum;
    const w = weight ? weight[i] : 1;
    const yi = y[i];
    if (wantLoss) loss -= w * Math.max(Math.log(probs[off + yi] * inv), -34.5);
    for (let c = 0; c < k; c++) {
      const pc = probs[off + c] * inv;
      probs[off + c] = pc;
      const arr = gh[c];
      arr[2 * i] = (c === yi ? pc - 1 : pc) * w;
      arr[2 * i + 1] = Math.max(2 * pc * (1 - pc), 1e-16) * w;
    }
  }
  return loss;
}
