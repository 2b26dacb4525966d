// Target-ordered categories: a categorical feature's vocabulary codes are alphabetical, so a
// numeric split on them groups categories by name. Ordering the categories by their class
// distributions instead (the multiclass form of sorting categories by target mean, as LightGBM and
// CatBoost do for one target) puts categories that behave alike next to each other, so one split
// can separate them. The order is fitted once, on the training rows, and stored in the document's
// preprocessing (`categoryRank`); every predictor (TypeScript, ONNX's LabelEncoder) applies it.
import type { FeatureMatrix, FeatureSchema } from '../../data/table';

/** Weight of the class prior mixed into each category's class distribution (rare categories lean on it). */
const PRIOR_WEIGHT = 10;
const POWER_ITERATIONS = 50;

/**
 * Per feature, null (numeric) or each vocabulary code's rank: categories sorted by the projection of
 * their smoothed class distribution on the first principal direction of those distributions
 * (count-weighted), ties by code. Categories absent from the training rows sit at the prior's place.
 * @example categoryRanks(X, y, 5, weights, schema) // [null, [2, 0, 1], ...]
 */
export function categoryRanks(X: FeatureMatrix, y: Int32Array, K: number, weight: Float64Array | null, schema: FeatureSchema): (number[] | null)[] {
  const prior = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weight ? weight[i] : 1;
    prior[y[i]] += w;
    total += w;
  }
  for (let c = 0; c < K; c++) prior[c] = total > 0 ? prior[c] / total : 1 / K;
  return schema.features.map((feature, j) => {
    if (feature.kind !== 'categorical' || feature.vocabulary.length < 3) return null;
    const V = feature.vocabulary.length;
    const counts = new Float64Array(V * K);
    const mass = new Float64Array(V);
    for (let i = 0; i < X.rows; i++) {
      const v = X.data[i * X.cols + j];
      if (!(Number.isInteger(v) && v >= 0 && v < V)) continue;
      const w = weight ? weight[i] : 1;
      counts[v * K + y[i]] += w;
      mass[v] += w;
    }
    // smoothed distributions, centred on the prior
    const dist = new Float64Array(V * K);
    for (let v = 0; v < V; v++)
      for (let c = 0; c < K; c++) dist[v * K + c] = (counts[v * K + c] + PRIOR_WEIGHT * prior[c]) / (mass[v] + PRIOR_WEIGHT) - prior[c];
    const direction = principalDirection(dist, mass, V, K);
    const score = Array.from({ length: V }, (_, v) => {
      let s = 0;
      for (let c = 0; c < K; c++) s += dist[v * K + c] * direction[c];
      return s;
    });
    const order = Array.from({ length: V }, (_, v) => v).sort((a, b) => score[a] - score[b] || a - b);
    const rank = new Array<number>(V);
    order.forEach((code, r) => (rank[code] = r));
    return rank;
  });
}

/** The leading eigenvector of Σ_v w_v d_v d_vᵀ by power iteration (deterministic start, sign fixed). */
function principalDirection(dist: Float64Array, mass: Float64Array, V: number, K: number): Float64Array {
  let u = new Float64Array(K).fill(1 / Math.sqrt(K));
  u[0] += 0.5; // a start not orthogonal to a centred direction
  for (let it = 0; it < POWER_ITERATIONS; it++) {
    const next = new Float64Array(K);
    for (let v = 0; v < V; v++) {
      let dot = 0;
      for (let c = 0; c < K; c++) dot += dist[v * K + c] * u[c];
      for (let c = 0; c < K; c++) next[c] += mass[v] * dot * dist[v * K + c];
    }
    let norm = 0;
    for (let c = 0; c < K; c++) norm += next[c] * next[c];
    norm = Math.sqrt(norm);
    if (norm === 0) return u;
    for (let c = 0; c < K; c++) next[c] /= norm;
    u = next;
  }
  let biggest = 0;
  for (let c = 1; c < K; c++) if (Math.abs(u[c]) > Math.abs(u[biggest])) biggest = c;
  if (u[biggest] < 0) for (let c = 0; c < K; c++) u[c] = -u[c];
  return u;
}
