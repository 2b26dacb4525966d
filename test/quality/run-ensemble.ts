// Child-process entry of the ensemble quality test and bench:
// `node bin/run-ts.js test/quality/run-ensemble.ts <task> [seed] [--serving]` prints the run as one JSON line.
import { runEnsembleTask } from './ensemble-task';
import { QUALITY_TASKS, type TaskName } from './tasks';

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const [name, seedArg] = args;
  const task = QUALITY_TASKS[name as TaskName];
  if (!task) throw new Error(`unknown task "${name}" (one of ${Object.keys(QUALITY_TASKS).join(', ')})`);
  const run = await runEnsembleTask(task, seedArg ? Number(seedArg) : 42, { serving: process.argv.includes('--serving') });
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
