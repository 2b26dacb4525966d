// `xdr-ml federated run|status`: federated learning from the terminal. `run` records the run as
// POST /api/federated/runs does; the running platform coordinates it (EventBridge on AWS, the bus
// of `npm start`), or, on an embedded cloud no server runs, this process coordinates it (its
// participants still run as separate training jobs). It waits for the run's job and prints the
// registered candidate.
import type { Command } from 'commander';
import type { FederatedRunRequest } from '../../core/federated/protocol/run-store';
import { DatasetName, ModelName, TenantId } from '../../core/names';
import type { FederatedRunStatus } from '../../platform/federated';
import { integer, waitForJob, type JobWording } from '../job-trigger';
import { CliError, cliName, printJson, printTable } from '../output';
import { cliActor, refreshLocalExports, withPlatform } from '../session';

const FEDERATED: JobWording = { subject: (model) => `federated run for ${model}`, job: 'federated', preposition: 'for', statusCommand: 'federated status' };

interface RunOptions {
  readonly model: string;
  readonly dataset: string;
  readonly tenants: string;
  readonly algorithm: string;
  readonly rounds?: string;
  readonly dpEpsilon?: string;
  readonly dpDelta: string;
  readonly timeout: string;
  readonly json?: boolean;
}

/** What `federated run --json` prints. */
export interface FederatedRunAnswer {
  readonly model: string;
  readonly version: number;
  readonly rounds: number;
  readonly participants: readonly string[];
  readonly metrics: { readonly macroF1: number; readonly accuracy: number; readonly logLoss: number; readonly rows: number };
  readonly privacy: { readonly epsilon: number; readonly delta: number } | null;
}

function positive(text: string, flag: string, below?: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (below !== undefined && value >= below))
    throw new CliError(`${flag} must be a number > 0${below !== undefined ? ` and < ${below}` : ''} (got '${text}')`, 2);
  return value;
}

function printRuns(runs: readonly FederatedRunStatus[]): void {
  if (runs.length === 0) return void process.stdout.write('no federated runs yet\n');
  printTable(
    ['run', 'model', 'algorithm', 'state', 'rounds', 'participants', 'dropouts', 'ε spent', 'version'],
    runs.map((r) => [
      r.runId,
      r.request.model,
      r.request.algorithm,
      r.state,
      String(r.roundsCompleted),
      r.participants.join(','),
      r.dropouts.map((d) => `${d.tenant}@${d.step}`).join(',') || '-',
      r.epsilonSpent === null ? '-' : r.epsilonSpent.toFixed(3),
      r.version ? `v${r.version}` : (r.failureReason ?? '-'),
    ]),
  );
}

export function registerFederated(program: Command): void {
  const federated = program.command('federated').description('Federated learning across tenants: run a federated training, and the status of runs and rounds');

  federated
    .command('run')
    .description('Train one model across tenants (only securely aggregated sums leave them), wait, print the registered candidate')
    .requiredOption('--model <name>', 'the lineage that receives the candidate')
    .requiredOption('--dataset <name>', 'the dataset name every tenant ingested (datasets ingest --tenant)')
    .requiredOption('--tenants <list>', 'tenant ids, comma-separated (at least two)')
    .requiredOption('--algorithm <name>', 'gbdt (lossless) or mlp (FedAvg, optional DP)')
    .option('--rounds <n>', 'boosting rounds (gbdt, default 20) or FedAvg rounds (mlp, default 15)')
    .option('--dp-epsilon <e>', 'client-level differential privacy budget ε (mlp only)')
    .option('--dp-delta <d>', 'the DP δ', '1e-5')
    .option('--timeout <seconds>', 'how long to wait for the run', '3600')
    .option('--json', 'machine-readable output')
    .action(async (opts: RunOptions) => {
      const model = cliName(ModelName, '--model', opts.model);
      const dataset = cliName(DatasetName, '--dataset', opts.dataset);
      const tenants = opts.tenants.split(',').map((t) => cliName(TenantId, '--tenants', t.trim()));
      if (opts.algorithm !== 'gbdt' && opts.algorithm !== 'mlp') throw new CliError(`--algorithm must be gbdt or mlp (got '${opts.algorithm}')`, 2);
      const rounds = integer(opts.rounds, '--rounds', 1);
      const timeoutS = integer(opts.timeout, '--timeout', 1) as number;
      const request: FederatedRunRequest = {
        model,
        dataset,
        tenants,
        algorithm: opts.algorithm,
        ...(rounds !== undefined ? { rounds } : {}),
        ...(opts.dpEpsilon !== undefined ? { dp: { epsilon: positive(opts.dpEpsilon, '--dp-epsilon'), delta: positive(opts.dpDelta, '--dp-delta', 1) } } : {}),
      };
      await withPlatform(async (s) => {
        let started: { runId: string; jobId: string };
        try {
          started = await s.platform.federated.start(request, cliActor(s.platform.config));
        } catch (error) {
          throw new CliError(`federated run for ${model} refused: ${(error as Error).message}`);
        }
        if (!opts.json) process.stderr.write(`federated run ${started.runId} (job ${started.jobId}) for ${model}: waiting for it…\n`);
        // no server delivers FederatedRunStarted: coordinate here (the participants are separate jobs all the same)
        const coordinating = s.session.eventsReachRules ? undefined : s.platform.federated.coordinate(started.runId).catch((error: Error) => error);
        const job = await waitForJob(s, started.jobId, timeoutS * 1000, FEDERATED);
        const failure = coordinating ? await coordinating : undefined;
        if (job.state === 'Failed')
          throw new CliError(
            `the federated run ${started.runId} failed: ${job.failureReason ?? (failure instanceof Error ? failure.message : 'no reason given')}`,
          );
        if (job.registeredVersion === undefined) throw new CliError(`the federated run ${started.runId} completed without registering a version`);
        const version = await s.registry.getVersion(model, job.registeredVersion);
        await refreshLocalExports(s);
        const [run] = (await s.platform.federated.status({ runId: started.runId })).runs;
        const answer: FederatedRunAnswer = {
          model,
          version: version.version,
          rounds: run.roundsCompleted,
          participants: run.participants,
          metrics: {
            macroF1: Number(version.metrics.macroF1),
            accuracy: Number(version.metrics.accuracy),
            logLoss: Number(version.metrics.logLoss),
            rows: Number(version.metrics.rows),
          },
          privacy: run.epsilonSpent === null || !request.dp ? null : { epsilon: run.epsilonSpent, delta: request.dp.delta },
        };
        if (opts.json) return printJson(answer);
        process.stdout.write(
          `${model} v${answer.version}: federated ${request.algorithm} over ${answer.participants.join(', ')} in ${answer.rounds} rounds (job ${job.jobId}, ${job.outcome ?? 'registered'}); ` +
            `macro-F1 ${answer.metrics.macroF1.toFixed(4)} on ${answer.metrics.rows} held-out rows of the tenants${answer.privacy ? `; ε = ${answer.privacy.epsilon.toFixed(3)}, δ = ${answer.privacy.delta}` : ''}\n`,
        );
      });
    });

  federated
    .command('status')
    .description('Federated runs, newest first, with their rounds')
    .option('--run <id>', 'one run, with every round')
    .option('--json', 'machine-readable output')
    .action(async (opts: { run?: string; json?: boolean }) => {
      await withPlatform(async (s) => {
        const status = await s.platform.federated.status(opts.run ? { runId: opts.run } : {});
        if (opts.json) return printJson(status);
        printRuns(status.runs);
        if (opts.run && status.runs[0]) {
          process.stdout.write('\n');
          printTable(
            ['round', 'state', 'opened', 'deadline', 'participants', 'dropouts'],
            status.runs[0].rounds.map((r) => [String(r.round), r.state, r.openedAt, r.deadline, r.participants.join(','), r.dropouts.join(',') || '-']),
          );
        }
      });
    });
}
