// Child-process entry: `node bin/run-ts.js test/quality/run-online.ts <gbdt|mlp> [seed] [--second]` runs the
// prequential NSL-KDD task and prints its figures as one JSON line on stdout (without the model documents).
import { isTrainableFamilyId as isFamilyId } from '../../core/families';
import { runPrequentialNslKdd } from './online-task';

async function main(): Promise<void> {
  const [algorithm, seedArg, flag] = process.argv.slice(2);
  if (!isFamilyId(algorithm)) throw new Error(`unknown algorithm "${algorithm}"`);
  const run = await runPrequentialNslKdd(algorithm, seedArg ? Number(seedArg) : 42, { secondAdaptation: flag === '--second' });
  const brief = (a: typeof run.adaptation) => ({
    version: a.version,
    parentVersion: a.parentVersion,
    samples: a.adaptation.samples,
    learned: a.adaptation.learned,
    forgetting: a.adaptation.forgetting,
    iterations: a.adaptation.iterations,
    provenance: a.provenance,
    trainingKind: a.summary.trainingKind,
    jobTimings: a.summary.jobTimings,
  });
  process.stdout.write(
    `${JSON.stringify({ ...run, adaptation: brief(run.adaptation), ...(run.secondAdaptation ? { secondAdaptation: brief(run.secondAdaptation) } : {}) })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
