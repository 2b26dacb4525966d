// Federated GBDT against the central fit on the union, in the same run: wall time of the whole
// fit and of a boosting round, secure aggregations, and bytes each participant sends (keys,
// encrypted shares, masked histograms, unmasking shares; base64 JSON as stored), on real
// CICIDS2017 rows split non-IID across three tenants (core/federated/testing/cicids-tenants.ts).
// All three parties run in this process, so the figures are compute and volume, not network.
// Prints figures only.
//
//   node bin/run-ts.js bench/federated.ts [--rounds 10] [--depth 4] [--bins 256]
import { performance } from 'node:perf_hooks';
import { centralEquivalentParams, GbdtParticipant, inProcessSecureSum, trainFederatedGbdt, type FederatedGbdtParams } from '../core/federated';
import { loadTenantSplit, unionOf } from '../core/federated/testing/cicids-tenants';
import { GbdtLearner } from '../core/learners/gbdt';
import { evaluate } from '../core/evaluation/metrics';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};

async function main(): Promise<void> {
  const nRounds = flag('rounds', 10);
  const params: FederatedGbdtParams = { seed: 42, nRounds, maxDepth: flag('depth', 4), maxBins: flag('bins', 256), learningRate: 0.3 };
  const split = await loadTenantSplit();
  const { data, test } = split;
  const union = unionOf(split);

  let t = performance.now();
  const central = new GbdtLearner({ ...centralEquivalentParams(params), threads: 1 });
  central.fit(union.X, union.y, { schema: data.schema, classes: data.classes });
  const centralMs = performance.now() - t;

  const participants = Object.entries(split.tenants).map(([id, d]) => new GbdtParticipant(id, d.X, d.y, data.classes.length));
  const { secureSum, stats } = inProcessSecureSum();
  const roundEnds: number[] = [];
  t = performance.now();
  const { document, aggregations } = await trainFederatedGbdt(participants, {
    schema: data.schema,
    classes: data.classes,
    params,
    secureSum,
    onRound: () => void roundEnds.push(performance.now()),
  });
  const federatedMs = performance.now() - t;
  const roundMs = roundEnds.map((end, i) => end - (i === 0 ? t : roundEnds[i - 1]));
  const sorted = [...roundMs].sort((a, b) => a - b);

  const pf = GbdtLearner.fromJSON(document).predictProba(test.X);
  const pc = central.predictProba(test.X);
  let maxDiff = 0;
  for (let i = 0; i < pf.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pf[i] - pc[i]));
  const rows = Object.fromEntries(Object.entries(split.tenants).map(([id, d]) => [id, d.X.rows]));
  const out = {
    params,
    rows: { ...rows, union: union.X.rows, test: test.X.rows },
    centralFitMs: Math.round(centralMs),
    federatedFitMs: Math.round(federatedMs),
    ratioFederatedToCentral: Number((federatedMs / centralMs).toFixed(1)),
    roundMs: { median: Math.round(sorted[sorted.length >> 1]), max: Math.round(sorted[sorted.length - 1]), firstIncludesSketch: Math.round(roundMs[0]) },
    secureAggregations: aggregations,
    megabytesSentPerParticipant: Object.fromEntries([...stats.bytesSent].map(([id, b]) => [id, Number((b / 1e6).toFixed(1))])),
    megabytesPerRoundPerParticipant: Number(([...stats.bytesSent.values()][0] / 1e6 / nRounds).toFixed(1)),
    macroF1: { central: evaluate(test.y, pc, data.classes).macroF1, federated: evaluate(test.y, pf, data.classes).macroF1 },
    maxAbsProbabilityDifference: maxDiff,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
