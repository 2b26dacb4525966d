// Ensemble benchmark (issue 21): for each quality task (seed 42), the members (pipeline GBDT, MLP,
// loss-guided GBDT) and their weighted ensemble on the test rows — macro-F1 (thresholded and
// argmax), log-loss, the weights — and the serving cost: batch rows/s of the ensemble's single
// model.onnx through onnxruntime-node (one thread, batches of 1,000) against the best member's,
// measured in the same run. Each task runs in a child process (test/quality/run-ensemble.ts).
//
//   node bin/run-ts.js bench/ensemble.ts [--tasks nsl-kdd,cicids2017] [--seed 42]
//
// Benchmarks print figures; they never pass or fail.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { EnsembleRun } from '../test/quality/ensemble-task';
import { QUALITY_TASKS, type TaskName } from '../test/quality/tasks';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const ROOT = path.resolve(__dirname, '..');
const f = (v: number, digits = 4): string => v.toFixed(digits);

function main(): void {
  const tasks = (arg('tasks') ?? Object.keys(QUALITY_TASKS).join(',')).split(',') as TaskName[];
  const seed = arg('seed') ?? '42';
  for (const task of tasks) {
    if (!QUALITY_TASKS[task]) throw new Error(`unknown task "${task}" (one of ${Object.keys(QUALITY_TASKS).join(', ')})`);
    const out = execFileSync(
      process.execPath,
      [path.join(ROOT, 'bin', 'run-ts.js'), path.join(ROOT, 'test', 'quality', 'run-ensemble.ts'), task, seed, '--serving'],
      {
        cwd: ROOT,
        maxBuffer: 1 << 26,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const r = JSON.parse(out.toString().trim().split('\n').pop() as string) as EnsembleRun;
    console.log(`\n== ${r.task} (seed ${r.seed}; rows train ${r.rows.train}, validation ${r.rows.validation}, test ${r.rows.test})`);
    console.log('model             weight  test macro-F1 (thr / argmax)  test log-loss  val log-loss  train s');
    for (const m of r.members)
      console.log(
        `${m.name.padEnd(17)} ${f(m.weight, 3).padStart(6)}  ${f(m.macroF1)} / ${f(m.macroF1Argmax)}            ${f(m.logLoss).padStart(8)}      ${f(m.validationLogLoss, 5)}     ${m.trainSeconds.toFixed(1)}`,
      );
    const e = r.ensemble;
    console.log(
      `${`ensemble (${e.method})`.padEnd(24)} ${f(e.macroF1)} / ${f(e.macroF1Argmax)}            ${f(e.logLoss).padStart(8)}      ${f(e.validationLogLoss, 5)}`,
    );
    console.log(
      `vs best member on test: macro-F1 ${f(e.macroF1 - r.bestMember.macroF1)} (${f(r.bestMember.macroF1)}), log-loss ${f(e.logLoss - r.bestMember.logLoss)} (${f(r.bestMember.logLoss)})`,
    );
    console.log(
      `(reference: equal weights  ${f(r.uniform.macroF1)} / ${f(r.uniform.macroF1Argmax)}            ${f(r.uniform.logLoss).padStart(8)}      ${f(r.uniform.validationLogLoss, 5)})`,
    );
    for (const c of r.candidates)
      console.log(
        `  candidate ${c.name.padEnd(11)} weights [${c.weights.map((w) => f(w, 3)).join(', ')}]  val ll ${f(c.validation.logLoss, 5)} F1 ${f(c.validation.macroF1)}  test F1 ${f(c.test.macroF1)} ll ${f(c.test.logLoss)}`,
      );
    console.log(`model.onnx ${(r.onnx.bytes / 1024).toFixed(0)} KiB, parity ${r.onnx.parityMaxAbsDiff.toExponential(2)} on ${r.onnx.parityRows} rows`);
    if (r.serving) {
      const s = r.serving;
      console.log(
        `serving (onnxruntime, 1 thread, batches of ${s.batch}): ensemble ${Math.round(s.ensembleRowsPerSecond)} rows/s, best member ${Math.round(s.bestMemberRowsPerSecond)} rows/s, ratio ${f(s.ensembleRowsPerSecond / s.bestMemberRowsPerSecond, 2)}`,
      );
    }
  }
}

main();
