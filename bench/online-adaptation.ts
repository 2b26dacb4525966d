// Online adaptation against a full retrain (issue 19), on the prequential NSL-KDD task
// (test/quality/online-task.ts): train on KDDTrain+ (5 categories), adapt with the first half of
// KDDTest+, score the second half. Prints macro-F1 of the static, adapted and fully retrained
// models, and wall times of the adaptation job against the full retrain's training job (both
// through the platform's jobs, same run; wall and CPU seconds, which other load on the machine does
// not change), and of their learning steps alone, with the machine's load average (1 min) before
// and after each seed.
//
//   node bin/run-ts.js bench/online-adaptation.ts [--algorithms gbdt,mlp] [--seeds 42,1,7]
//
// Benchmarks print figures; they never pass or fail.
import os from 'node:os';
import { isTrainableFamilyId as isFamilyId, type TrainableFamilyId as FamilyId } from '../core/families';
import { runPrequentialNslKdd } from '../test/quality/online-task';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const algorithms = (arg('algorithms') ?? 'gbdt').split(',').filter((a): a is FamilyId => isFamilyId(a));
  const seeds = (arg('seeds') ?? '42,1,7').split(',').map(Number);
  const f3 = (x: number): string => x.toFixed(3);
  const s1 = (x: number): string => x.toFixed(1);
  console.log(
    '| family | seed | static | adapted | full retrain | adapted − static | adapted − full | adapt job s | full job s | ratio | adapt job CPU s | full job CPU s | CPU ratio | adapt step s | full train step s | ratio | worst attack-class recall change (support ≥ 30) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  const phases: string[] = [];
  for (const algorithm of algorithms) {
    for (const seed of seeds) {
      const loadBefore = os.loadavg()[0];
      const r = await runPrequentialNslKdd(algorithm, seed);
      const loadAfter = os.loadavg()[0];
      const attacks = Object.entries(r.forgetting).filter(([c, f]) => c !== 'normal' && f.support >= 30);
      const worst = attacks.reduce((w, [c, f]) => (f.change < w.change ? { c, change: f.change } : w), { c: '-', change: Infinity });
      console.log(
        `| ${algorithm} | ${seed} | ${f3(r.staticMacroF1)} | ${f3(r.adaptedMacroF1)} | ${f3(r.fullRetrainMacroF1)} | ${f3(r.adaptedMacroF1 - r.staticMacroF1)} | ${f3(r.adaptedMacroF1 - r.fullRetrainMacroF1)} | ${s1(r.adaptationSeconds)} | ${s1(r.fullRetrainSeconds)} | ${f3(r.adaptationSeconds / r.fullRetrainSeconds)} | ${s1(r.adaptationCpuSeconds)} | ${s1(r.fullRetrainCpuSeconds)} | ${f3(r.adaptationCpuSeconds / r.fullRetrainCpuSeconds)} | ${s1(r.adaptStepSeconds)} | ${s1(r.fullTrainStepSeconds)} | ${f3(r.adaptStepSeconds / r.fullTrainStepSeconds)} | ${worst.c} ${f3(worst.change)} |`,
      );
      const ms = (t: Readonly<Record<string, number>>) =>
        Object.entries(t)
          .map(([k, v]) => `${k} ${Math.round(v)}`)
          .join(', ');
      phases.push(
        `${algorithm} seed ${seed}: load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} on ${os.cpus().length} cores; adaptation job ms: ${ms(r.adaptationTimings)}; full retrain job ms: ${ms(r.fullRetrainTimings)}`,
      );
    }
  }
  console.log(`\n${phases.join('\n')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
