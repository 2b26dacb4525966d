// Ensemble combiners under shift (issue 21): on one quality task (seed 42), the quality members plus
// a strongly regularised GBDT are fitted once on one split; then several validation-only ways of
// combining them are applied to the same validation and test probabilities, and each one's test
// figures printed. Nothing here looks at the test rows to choose: every weight, temperature and
// threshold comes from the validation rows. The combiners (none of them the optimiser's default):
//   optimiser          optimiseEnsemble as the platform runs it (every validation row alike)
//   temperature        each member's probabilities temperature-scaled on validation (Guo et al. 2017:
//                      p ∝ p^(1/T), T minimising validation log-loss), then the optimiser
//   balanced           the optimiser with classBalanced (core/ensemble/balanced-rows.ts): the task's
//                      figure is macro-F1, so every class weighs alike in the weights' objective and
//                      thresholds too
//   temperature+balanced  both
// Each with the three quality members and with the regularised fourth member added.
//
//   node bin/run-ts.js bench/ensemble-combiners.ts [--task nsl-kdd] [--seed 42]
//
// Benchmarks print figures; they never pass or fail.
import { takeLabels, takeRows } from '../core/data/table';
import { optimiseEnsemble, mixProbabilities } from '../core/ensemble';
import { evaluate, predictWithThresholds } from '../core/evaluation';
import { ENSEMBLE_MEMBERS, fitEnsembleMembers, type MemberRecipe } from '../test/quality/ensemble-task';
import { QUALITY_TASKS, type TaskName } from '../test/quality/tasks';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A diverse member under shift: shallow trees on a third of the columns and half the rows, balanced classes. */
const REGULARISED: MemberRecipe = {
  name: 'gbdt-regularised',
  algorithm: 'gbdt',
  params: { maxDepth: 2, colsampleByTree: 0.3, subsample: 0.5, nRounds: 100, learningRate: 0.1 },
  balancing: 'balanced',
};

/** p ∝ p^(1/T) per row. */
function temper(p: Float64Array, K: number, T: number): Float64Array {
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i += K) {
    let s = 0;
    for (let k = 0; k < K; k++) s += out[i + k] = Math.pow(Math.max(p[i + k], 1e-15), 1 / T);
    for (let k = 0; k < K; k++) out[i + k] /= s;
  }
  return out;
}

/** The temperature minimising validation log-loss: golden-section search on log T in [-3, 3]. */
function fitTemperature(p: Float64Array, y: Int32Array, classes: readonly string[]): number {
  const loss = (logT: number): number => evaluate(y, temper(p, classes.length, Math.exp(logT)), classes).logLoss;
  let a = -3;
  let b = 3;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 40; it++) {
    const c = b - g * (b - a);
    const d = a + g * (b - a);
    if (loss(c) < loss(d)) b = d;
    else a = c;
  }
  return Math.exp((a + b) / 2);
}

async function main(): Promise<void> {
  const name = (arg('task') ?? 'nsl-kdd') as TaskName;
  const task = QUALITY_TASKS[name];
  if (!task) throw new Error(`unknown task "${name}" (one of ${Object.keys(QUALITY_TASKS).join(', ')})`);
  const seed = Number(arg('seed') ?? 42);
  const cpu0 = process.cpuUsage();
  const { data, fits, test } = await fitEnsembleMembers(task, seed, [...ENSEMBLE_MEMBERS, REGULARISED]);
  const classes = data.classes;
  const K = classes.length;
  const validation = fits[0].fit.split.validation;
  const XVal = takeRows(data.X, validation);
  const yVal = takeLabels(data.y, validation);
  const val = fits.map((f) => f.fit.learner.predictProba(XVal));
  const tst = fits.map((f) => f.fit.learner.predictProba(test.X));
  const temps = val.map((p) => fitTemperature(p, yVal, classes));

  const f = (v: number): string => v.toFixed(4);
  console.log(
    `== ${task.name} (seed ${seed}; validation ${yVal.length} rows, test ${test.y.length}; members fitted in ${((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e6).toFixed(0)} CPU s)`,
  );
  fits.forEach((fit, m) => {
    const e = evaluate(test.y, tst[m], classes, { predicted: predictWithThresholds(tst[m], fit.fit.thresholds) });
    const v = evaluate(yVal, val[m], classes);
    console.log(
      `member ${fit.recipe.name.padEnd(17)} val ll ${v.logLoss.toFixed(5)}  T ${temps[m].toFixed(3)}  test F1 ${f(e.macroF1)} (argmax ${f(evaluate(test.y, tst[m], classes).macroF1)}) ll ${f(e.logLoss)}`,
    );
  });

  for (const memberCount of [3, 4]) {
    for (const variant of ['optimiser', 'temperature', 'balanced', 'temperature+balanced'] as const) {
      const tempered = variant.startsWith('temperature');
      const vP = val.slice(0, memberCount).map((p, m) => (tempered ? temper(p, K, temps[m]) : p));
      const tP = tst.slice(0, memberCount).map((p, m) => (tempered ? temper(p, K, temps[m]) : p));
      const opt = optimiseEnsemble(vP, yVal, classes, { classBalanced: variant.endsWith('balanced') });
      const mixed = mixProbabilities(tP, opt.chosen.weights);
      const e = evaluate(test.y, mixed, classes, { predicted: predictWithThresholds(mixed, opt.chosen.thresholds) });
      console.log(
        `${memberCount} members, ${variant.padEnd(20)} ${opt.chosen.name.padEnd(11)} w [${opt.chosen.weights.map((w) => w.toFixed(3)).join(', ')}]  test F1 ${f(e.macroF1)} (argmax ${f(evaluate(test.y, mixed, classes).macroF1)}) ll ${f(e.logLoss)}`,
      );
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
