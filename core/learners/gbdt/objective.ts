// The multiclass softmax objective of the booster: the starting scores, each round's gradients and
// hessians (and, for multi-output trees, their sketch), the log-loss, and which rows carry enough gradient to grow a tree on. (Splitting the
// gradient rows over helper threads was measured: within noise, about 3 % of a fit on 16
// classes, so it is not done.)

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
  /** Multi-output trees: the gradient sketch written alongside (see GradientSketch). */
  readonly sketch?: GradientSketch;
}

/**
 * What a multi-output tree's split search sees of a row: `dims` sketched gradient values (the
 * class gradients themselves when `projection` is null, else their products with the k × dims
 * projection, redrawn each round) and one shared hessian (half the summed class hessians), at
 * vals[row * (dims + 1)].
 */
export interface GradientSketch {
  readonly vals: Float32Array;
  readonly dims: number;
  readonly projection: Float64Array | null;
}

/**
 * Softmax gradients and hessians (XGBoost: g = p - y, h = max(2p(1-p), 1e-16)), weighted, for
 * rows [start, end). probs holds softmax numerators, so most rounds need no exp per row; they are
 * recomputed exactly from the scores when `exact` (and whenever they drift out of range). Returns
 * the rows' summed weighted log-loss of the scores as they stand when `wantLoss`, else 0.
 */
export function softmaxGradients(s: GradientState, start: number, end: number, exact: boolean, wantLoss: boolean): number {
  const { scores, probs, y, weight, gh, k } = s;
  const vals = s.sketch?.vals;
  const dims = s.sketch?.dims ?? 0;
  const projection = s.sketch?.projection ?? null;
  const S = dims + 1;
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
    // the common 3-dimensional sketch in locals; fround keeps the float32 sums of the general path
    const sketch3 = vals !== undefined && projection !== null && dims === 3;
    const base = i * S;
    if (vals && !sketch3) for (let d = 0; d < S; d++) vals[base + d] = 0;
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let hsum = 0;
    for (let c = 0; c < k; c++) {
      const pc = probs[off + c] * inv;
      probs[off + c] = pc;
      const arr = gh[c];
      const g = (c === yi ? pc - 1 : pc) * w;
      const h = Math.max(2 * pc * (1 - pc), 1e-16) * w;
      arr[2 * i] = g;
      arr[2 * i + 1] = h;
      if (!vals) continue;
      hsum += h;
      if (sketch3) {
        const at = c * 3;
        v0 = Math.fround(v0 + g * projection[at]);
        v1 = Math.fround(v1 + g * projection[at + 1]);
        v2 = Math.fround(v2 + g * projection[at + 2]);
      } else if (!projection) vals[base + c] = g;
      else for (let d = 0, at = c * dims; d < dims; d++) vals[base + d] += g * projection[at + d];
    }
    if (sketch3 && vals) {
      vals[base] = v0;
      vals[base + 1] = v1;
      vals[base + 2] = v2;
    }
    if (vals) vals[base + dims] = 0.5 * hsum;
  }
  return loss;
}

/** Centred log of the weighted class priors (the softmax starting point). */
export function priorBaseScore(y: Int32Array, k: number, weight: Float64Array | null): number[] {
  const prior = new Float64Array(k);
  let wtotal = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weight ? weight[i] : 1;
    prior[y[i]] += w;
    wtotal += w;
  }
  return baseScoreFromClassWeights(prior, wtotal);
}

/** priorBaseScore from the summed weight per class (a federated fit sums every tenant's class counts). */
export function baseScoreFromClassWeights(prior: ArrayLike<number>, wtotal: number): number[] {
  const k = prior.length;
  const baseScore: number[] = [];
  for (let c = 0; c < k; c++) baseScore.push(Math.log(Math.max(prior[c] / wtotal, 1e-6)));
  const meanBase = baseScore.reduce((a, b) => a + b, 0) / k;
  return baseScore.map((b) => b - meanBase);
}

/** Weighted mean multiclass log-loss of raw scores (softmax computed on the fly). */
export function multiclassLogLoss(scores: Float64Array, y: Int32Array, k: number, weight: Float64Array | null): number {
  let total = 0;
  let wsum = 0;
  for (let i = 0; i < y.length; i++) {
    const off = i * k;
    let max = -Infinity;
    for (let c = 0; c < k; c++) if (scores[off + c] > max) max = scores[off + c];
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(scores[off + c] - max);
    const logp = scores[off + y[i]] - max - Math.log(sum);
    const w = weight ? weight[i] : 1;
    total -= w * Math.max(logp, -34.5);
    wsum += w;
  }
  return wsum > 0 ? total / wsum : 0;
}

/**
 * Keeps, in place, the rows of rows[0..count) that carry gradient: rows are bucketed by the binary
 * exponent of a = max(|g|, h), and whole buckets are skipped from the smallest up while their summed
 * a stays within `share` of the total. Returns the number kept (the kept rows keep their order).
 * `importance` is scratch of at least max(row) + 1 floats.
 */
export function keepGradientRows(gh: Float32Array, rows: Int32Array, count: number, share: number, importance: Float32Array, bucketMass: Float64Array): number {
  const exponent = new Uint32Array(importance.buffer, importance.byteOffset, importance.length);
  bucketMass.fill(0);
  let total = 0;
  for (let q = 0; q < count; q++) {
    const r = rows[q];
    const g = gh[2 * r];
    const h = gh[2 * r + 1];
    const a = h > (g < 0 ? -g : g) ? h : g < 0 ? -g : g;
    importance[r] = a;
    bucketMass[exponent[r] >>> 23] += a;
    total += a;
  }
  const budget = share * total;
  let dropped = 0;
  let cut = 0;
  while (cut < 256 && dropped + bucketMass[cut] <= budget) dropped += bucketMass[cut++];
  if (cut === 0) return count;
  let kept = 0;
  for (let q = 0; q < count; q++) {
    const r = rows[q];
    if (exponent[r] >>> 23 >= cut) rows[kept++] = r;
  }
  return kept;
}
