// ROC-AUC cost (issue 19, third round): `rocAuc` (positives' and negatives' scores sorted apart
// with the typed array's own sort, pairs counted) against the rank-sum over row indices sorted
// with a JS comparator that it replaced, on the same seeded scores in the same run, and checks
// the two agree to the bit. The shape is an adaptation's registered evaluation: 20,000 rows,
// five classes, scores with many ties (boosted probabilities repeat). Prints CPU ms and the ratio.
//
//   node bin/run-ts.js bench/roc-auc.ts [--rows 20000] [--rounds 5]
//
// Benchmarks print figures; they never pass or fail.
import os from 'node:os';
import { rocAuc } from '../core/evaluation/metrics';
import { SeededRandom } from '../core/util/random';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The previous implementation: mean ranks over row indices sorted by a comparator. */
function comparatorRankAuc(positive: Uint8Array, scores: Float64Array): number | null {
  const n = scores.length;
  let P = 0;
  for (let i = 0; i < n; i++) P += positive[i] ? 1 : 0;
  const N = n - P;
  if (P === 0 || N === 0) return null;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && scores[order[j]] === scores[order[i]]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (positive[order[k]]) rankSumPos += avgRank;
    i = j;
  }
  return (rankSumPos - (P * (P + 1)) / 2) / (P * N);
}

function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const rows = arg('rows', 20_000);
const rounds = arg('rounds', 5);
const classes = 5;
const rnd = new SeededRandom(42);
const cases = Array.from({ length: classes }, (_, c) => ({
  positive: Uint8Array.from({ length: rows }, () => (rnd.next() < 0.2 ? 1 : 0)),
  // a quarter of the scores on a coarse grid (ties), the rest continuous
  scores: Float64Array.from({ length: rows }, () => (rnd.next() < 0.25 ? rnd.int(50) / 50 : rnd.next() ** (c + 1))),
}));
let mismatches = 0;
for (const { positive, scores } of cases) if (!Object.is(rocAuc(positive, scores), comparatorRankAuc(positive, scores))) mismatches++;
const load = os.loadavg()[0];
const oldMs: number[] = [];
const newMs: number[] = [];
for (let r = 0; r < rounds; r++) {
  oldMs.push(cpuMs(() => cases.forEach(({ positive, scores }) => comparatorRankAuc(positive, scores))));
  newMs.push(cpuMs(() => cases.forEach(({ positive, scores }) => rocAuc(positive, scores))));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| rows | classes | comparator rank sort CPU ms | rocAuc CPU ms | ratio | mismatches | load (1 min) |`);
console.log(`|---:|---:|---:|---:|---:|---:|---:|`);
console.log(
  `| ${rows} | ${classes} | ${median(oldMs).toFixed(1)} | ${median(newMs).toFixed(1)} | ${(median(newMs) / median(oldMs)).toFixed(3)} | ${mismatches} | ${load.toFixed(1)} → ${os.loadavg()[0].toFixed(1)} |`,
);
