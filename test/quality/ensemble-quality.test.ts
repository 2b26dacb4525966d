/** @jest-environment node */
// Ensemble quality (issue 21) on the three shared tasks, seed 42, each task in a child process
// (training under jest's vm sandbox is several times slower than under plain node): the pipeline
// GBDT, an MLP and a loss-guided GBDT fitted on one split; weights and thresholds from the
// validation rows only. On the test rows the ensemble must reach the macro-F1 and log-loss of the
// member the validation rows pick, on every task, and beat the best member on test (per figure,
// any member) on at least two; its model.onnx must answer like the TypeScript ensemble.
// Known gap: on NSL-KDD the validation rows (a split of KDDTrain+) pick the loss-guided GBDT alone,
// and KDDTest+ (another distribution) favours the MLP, which no validation-only method can see:
// that check is expected to fail there and flags itself once it passes (docs/ensembles.md). Measured
// and not adopted (bench/ensemble-combiners.ts): temperature scaling (no change on NSL-KDD) and
// class-balanced validation rows (meets NSL-KDD, drops cicids2017 below its best member).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describeWithData } from '../support/datasets';
import type { EnsembleRun } from './ensemble-task';
import { QUALITY_TASKS, type TaskName } from './tasks';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const SEED = 42;

async function runTask(task: TaskName): Promise<EnsembleRun> {
  const { stdout } = await run(
    process.execPath,
    [path.join(ROOT, 'bin', 'run-ts.js'), path.join(ROOT, 'test', 'quality', 'run-ensemble.ts'), task, String(SEED)],
    {
      cwd: ROOT,
      maxBuffer: 1 << 24,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop() as string) as EnsembleRun;
}

const tasks = Object.values(QUALITY_TASKS);
/** Tasks where the ensemble is known not to reach the best member on test (see the header). */
const KNOWN_GAP: ReadonlySet<TaskName> = new Set(['nsl-kdd']);
const files = tasks.flatMap((t) => (t.test ? [t.train, t.test] : [t.train]));

describeWithData('ensemble quality on the three shared tasks', files, () => {
  const runs = new Map<TaskName, EnsembleRun>();
  beforeAll(async () => {
    for (const task of tasks) runs.set(task.name, await runTask(task.name));
  }, 3_600_000);

  for (const task of tasks) {
    it(`${task.name}: the ensemble's test macro-F1 and log-loss are at least those of the member the validation rows pick`, () => {
      const r = runs.get(task.name)!;
      const picked = r.members.find((m) => m.name === r.bestMember.byValidation)!;
      expect(r.ensemble.macroF1).toBeGreaterThanOrEqual(picked.macroF1);
      expect(r.ensemble.logLoss).toBeLessThanOrEqual(picked.logLoss);
    });

    const againstBest = (): void => {
      const r = runs.get(task.name)!;
      expect(r.ensemble.macroF1).toBeGreaterThanOrEqual(r.bestMember.macroF1);
      expect(r.ensemble.logLoss).toBeLessThanOrEqual(r.bestMember.logLoss);
    };
    const title = `${task.name}: the ensemble's test macro-F1 and log-loss are at least the best member's on test`;
    if (KNOWN_GAP.has(task.name)) it.failing(`${title} [known gap: validation rows from another distribution]`, againstBest);
    else it(title, againstBest);

    it(`${task.name}: model.onnx answers like the TypeScript ensemble within 1e-5 on real rows`, () => {
      const r = runs.get(task.name)!;
      expect(r.onnx.parityRows).toBeGreaterThan(1000);
      expect(r.onnx.parityMaxAbsDiff).toBeLessThanOrEqual(1e-5);
    });

    it(`${task.name}: the optimiser never ends worse than the best member on validation`, () => {
      const r = runs.get(task.name)!;
      expect(r.ensemble.validationLogLoss).toBeLessThanOrEqual(Math.min(...r.members.map((m) => m.validationLogLoss)) + 1e-12);
    });
  }

  it('beats the best member on both figures on at least two tasks', () => {
    const better = tasks.filter((t) => {
      const r = runs.get(t.name)!;
      return r.ensemble.macroF1 > r.bestMember.macroF1 && r.ensemble.logLoss < r.bestMember.logLoss;
    });
    expect(better.length).toBeGreaterThanOrEqual(2);
  });
});
