// Federated GBDT against the central fit on the union, in the same run: wall time of the whole
// fit and of a boosting round, secure aggregations, and bytes each participant sends (keys,
// encrypted shares, masked histograms, unmasking shares; base64 JSON as stored), on real
// CICIDS2017 rows split non-IID across three tenants (core/federated/testing/cicids-tenants.ts).
// All three parties run in this process, so the figures are compute and volume, not network.
// With --algorithm mlp: the central MLP on the union against FedAdam (one local SGD step per round,
// server Adam) and record-level DP-SGD at ε = 8, δ = 1e-5 (expected batch --dp-batch rows of the union
// per step, default participants × batch), per seed: macro-F1, gap, wall and CPU time, rounds and
// bytes. Prints figures only.
//
//   node bin/run-ts.js bench/federated.ts [--rounds 10] [--depth 4] [--bins 256]
//   node bin/run-ts.js bench/federated.ts --algorithm mlp [--epochs 30] [--seeds 42,1,7] [--no-dp] [--no-fedadam] [--dp-batch 1536]
import { performance } from 'node:perf_hooks';
import {
  centralEquivalentParams,
  GbdtParticipant,
  inProcessSecureSum,
  MlpParticipant,
  seededRandomBytes,
  trainFederatedGbdt,
  trainFederatedMlp,
  type FederatedGbdtParams,
} from '../core/federated';
import { MlpLearner } from '../core/learners/mlp';
import { loadTenantSplit, unionOf } from '../core/federated/testing/cicids-tenants';
import { GbdtLearner } from '../core/learners/gbdt';
import { evaluate } from '../core/evaluation/metrics';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};

const option = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};

/** The central MLP's settings; the federated fits share them and the central fit's computation (epochs over the union). */
const MLP = { hiddenLayers: [64, 32], learningRate: 0.003, batchSize: 64 };

async function mlp(): Promise<void> {
  const epochs = flag('epochs', 30);
  const seeds = (option('seeds') ?? '42').split(',').map(Number);
  const dpBatch = option('dp-batch') === undefined ? undefined : Number(option('dp-batch'));
  const split = await loadTenantSplit();
  const { data, test } = split;
  const union = unionOf(split);
  const f1 = (document: Parameters<typeof MlpLearner.fromJSON>[0]): number =>
    evaluate(test.y, MlpLearner.fromJSON(document).predictProba(test.X), data.classes).macroF1;
  const runs = [];
  for (const seed of seeds) {
    let t = performance.now();
    const centralCpu0 = process.cpuUsage();
    const central = new MlpLearner({ ...MLP, seed, maxEpochs: epochs });
    central.fit(union.X, union.y, { schema: data.schema, classes: data.classes });
    const centralMs = performance.now() - t;
    const centralCpu = process.cpuUsage(centralCpu0);
    const centralF1 = f1(central.toJSON());
    const federated = async (dp: boolean) => {
      const participants = Object.entries(split.tenants).map(([id, d]) => new MlpParticipant(id, d.X, d.y, seed));
      const { secureSum, stats } = inProcessSecureSum((p, s) => seededRandomBytes(`${p}/${s}`));
      t = performance.now();
      const cpu = process.cpuUsage();
      const result = await trainFederatedMlp(participants, {
        schema: data.schema,
        classes: data.classes,
        rounds: 1,
        epochs,
        localEpochs: 1,
        localSteps: 1,
        serverOptimizer: 'adam',
        mlp: { ...MLP, seed },
        secureSum,
        ...(dp ? { dp: { epsilon: 8, delta: 1e-5, level: 'record' as const, ...(dpBatch ? { expectedBatch: dpBatch } : {}) } } : {}),
      });
      const ms = performance.now() - t;
      const cpuUsed = process.cpuUsage(cpu);
      const macroF1 = f1(result.document);
      return {
        macroF1: Number(macroF1.toFixed(4)),
        gapToCentral: Number((centralF1 - macroF1).toFixed(4)),
        rounds: result.rounds,
        fitMs: Math.round(ms),
        fitCpuMs: Math.round((cpuUsed.user + cpuUsed.system) / 1000),
        roundMs: Math.round(ms / result.rounds),
        ratioFitToCentral: Number((ms / centralMs).toFixed(1)),
        megabytesSentPerParticipant: Number(([...stats.bytesSent.values()][0] / 1e6).toFixed(1)),
        privacy: result.privacy,
      };
    };
    runs.push({
      seed,
      central: { macroF1: Number(centralF1.toFixed(4)), fitMs: Math.round(centralMs), fitCpuMs: Math.round((centralCpu.user + centralCpu.system) / 1000) },
      ...(args.includes('--no-fedadam') ? {} : { fedAdam: await federated(false) }),
      ...(args.includes('--no-dp') ? {} : { dpRecordLevel: await federated(true) }),
    });
  }
  process.stdout.write(
    `${JSON.stringify({ epochs, mlp: MLP, dpExpectedBatch: dpBatch ?? 'participants × batch', rows: { union: union.X.rows, test: test.X.rows }, runs }, null, 2)}\n`,
  );
}

async function main(): Promise<void> {
  if (option('algorithm') === 'mlp') return mlp();
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
