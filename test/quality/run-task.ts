// Child-process entry of the quality tests: `node bin/run-ts.js test/quality/run-task.ts <task> [seed] [params-json] [training-json]`
// runs one task through the real pipeline and prints its figures as one JSON line on stdout.
import type { TrainingJobOptions } from '../../core/pipeline';
import { QUALITY_TASKS, runQualityTask, type TaskName } from './tasks';

async function main(): Promise<void> {
  const [name, seedArg, paramsArg, trainingArg] = process.argv.slice(2);
  const task = QUALITY_TASKS[name as TaskName];
  if (!task) throw new Error(`unknown task "${name}" (one of ${Object.keys(QUALITY_TASKS).join(', ')})`);
  const params = paramsArg ? (JSON.parse(paramsArg) as Record<string, unknown>) : {};
  const training = trainingArg ? (JSON.parse(trainingArg) as TrainingJobOptions) : {};
  const run = await runQualityTask(task, seedArg ? Number(seedArg) : 42, params, training);
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
