// `xdr-ml ensemble optimize|status`: ensembles from the terminal. `optimize` raises the same
// EnsembleRequested trigger as POST /api/ml/ensemble/optimize and waits for its job: the running
// platform starts it (EventBridge on AWS, the bus of `npm start`), or, on an embedded cloud no
// server runs, this process starts it on the local backend and applies its completion itself.
import type { Command } from 'commander';
import type { EnsembleStatus } from '../../core/ensemble/status';
import { MAX_EXTRA_MEMBERS } from '../../core/ensemble/extra-member-count';
import { ModelName } from '../../core/names';
import { CliError, cliName, printJson, printTable } from '../output';
import { integer, requestIdOf, runTriggeredJob, type JobWording } from '../job-trigger';
import { cliActor, withPlatform } from '../session';

const ENSEMBLE: JobWording = { subject: (model) => `ensemble for ${model}`, job: 'ensemble', preposition: 'for', statusCommand: 'ensemble status' };

interface OptimizeOptions {
  readonly model?: string;
  readonly members?: string;
  readonly method?: string;
  readonly extraMembers?: string;
  readonly reason: string;
  readonly requestId?: string;
  readonly force?: boolean;
  readonly timeout: string;
  readonly json?: boolean;
}

/** What `ensemble optimize --json` prints. */
export interface OptimizeAnswer {
  readonly model: string;
  readonly version: number;
  readonly jobId: string;
  /** What the lineage's promotion policy did with the candidate. */
  readonly outcome: string;
  readonly method: string;
  readonly members: readonly { readonly model: string; readonly version: number; readonly weight: number; readonly metrics?: unknown }[];
  readonly metrics: { readonly macroF1: number; readonly accuracy: number; readonly logLoss: number };
  readonly bestMember: unknown;
}

const METHODS = ['selection', 'weights', 'auto'] as const;

/** `--members a@1,b@3` → [{ model: 'a', version: 1 }, …]; usage errors exit 2. `extraMembers`: how many the job trains besides. */
export function parseMembers(text: string, extraMembers = 0): { model: string; version: number }[] {
  const members = text.split(',').map((part) => {
    const at = part.lastIndexOf('@');
    const version = Number(part.slice(at + 1));
    if (at <= 0 || !/^[1-9]\d*$/.test(part.slice(at + 1)) || !Number.isSafeInteger(version))
      throw new CliError(`--members must look like model@version[,model@version…] (got '${part}')`, 2);
    return { model: cliName(ModelName, '--members', part.slice(0, at)), version };
  });
  if (members.length + extraMembers < 2)
    throw new CliError('--members needs at least two versions (an ensemble of one is that version), or one with --extra-members', 2);
  return members;
}

function printStatus(status: EnsembleStatus): void {
  process.stdout.write(
    `${status.model}: production v${status.production ?? '-'}; ensemble versions ${status.ensembleVersions.map((v) => `v${v}`).join(', ') || 'none'}\n`,
  );
  if (status.jobs.length) {
    process.stdout.write('\n');
    printTable(
      ['job', 'state', 'members', 'version', 'macro-F1', 'best member'],
      status.jobs.map((j) => {
        const best = j.bestMember as { model?: string; version?: number; metrics?: { macroF1?: number } } | undefined;
        return [
          j.jobId,
          j.state,
          ((j.members as { model: string; version: number; weight: number }[] | undefined) ?? j.requested.members.map((m) => ({ ref: m })))
            .map((m) => ('ref' in m ? m.ref : `${m.model}@${m.version}:${m.weight.toFixed(3)}`))
            .join(' '),
          j.version ? `v${j.version}` : '-',
          j.metrics ? Number(j.metrics.macroF1).toFixed(4) : (j.failureReason ?? '-'),
          best?.model ? `${best.model}@${best.version} ${Number(best.metrics?.macroF1).toFixed(4)}` : '-',
        ];
      }),
    );
  }
  if (status.requests.length) {
    process.stdout.write('\n');
    printTable(
      ['requested', 'outcome', 'why'],
      status.requests.map((r) => [r.at, r.outcome, r.why]),
    );
  }
}

export function registerEnsemble(program: Command): void {
  const ensemble = program.command('ensemble').description('Ensembles: optimise a weighted ensemble of registered versions into one candidate, and its status');

  ensemble
    .command('optimize')
    .description('Optimise an ensemble of registered versions for a lineage, wait for the job, print the candidate')
    .option('--model <name>', 'the lineage that receives the candidate (default: the platform default model)')
    .option('--members <list>', "model@version,model@version… (default: production and the lineage's compatible versions)")
    .option('--method <name>', `how the weights are found: ${METHODS.join(', ')}`)
    .option(
      '--extra-members <n>',
      `extra members the job trains on the first member's dataset and split (1-${MAX_EXTRA_MEMBERS}): the other family, a loss-guided GBDT, another seed`,
    )
    .option('--reason <text>', 'why, for the audit log', 'ensemble optimisation requested from the CLI')
    .option('--request-id <id>', 'idempotency key: the same id twice is one job (default: a new one)')
    .option('--force', 'skip the cooldown (audited; never the one-job-per-model rule)')
    .option('--timeout <seconds>', 'how long to wait for the job', '3600')
    .option('--json', 'machine-readable output')
    .action(async (opts: OptimizeOptions) => {
      const timeoutS = integer(opts.timeout, '--timeout', 1) as number;
      const requested = opts.model === undefined ? undefined : cliName(ModelName, '--model', opts.model);
      const extraMembers = opts.extraMembers === undefined ? undefined : integer(opts.extraMembers, '--extra-members', 1);
      if (extraMembers !== undefined && extraMembers > MAX_EXTRA_MEMBERS)
        throw new CliError(`--extra-members must be at most ${MAX_EXTRA_MEMBERS} (got ${extraMembers})`, 2);
      const members = opts.members === undefined ? undefined : parseMembers(opts.members, extraMembers);
      if (opts.method !== undefined && !(METHODS as readonly string[]).includes(opts.method))
        throw new CliError(`--method must be one of ${METHODS.join(', ')} (got '${opts.method}')`, 2);
      const requestId = requestIdOf(opts.requestId);
      await withPlatform(async (s) => {
        const model = requested ?? s.platform.config.defaultModel;
        const request = {
          type: 'EnsembleRequested',
          model,
          requestId,
          actor: cliActor(s.platform.config),
          reason: opts.reason,
          ...(members ? { members } : {}),
          ...(opts.method ? { method: opts.method } : {}),
          ...(extraMembers !== undefined ? { extraMembers } : {}),
          ...(opts.force ? { force: true } : {}),
        };
        const { job, version } = await runTriggeredJob(s, request, { wording: ENSEMBLE, timeoutMs: timeoutS * 1000, quiet: opts.json });
        const jobId = job.jobId;
        const figures = (version.metrics.ensemble ?? {}) as { method?: string; members?: OptimizeAnswer['members']; bestMember?: unknown };
        const answer: OptimizeAnswer = {
          model,
          version: version.version,
          jobId,
          outcome: job.outcome ?? 'registered',
          method: figures.method ?? 'unknown',
          members: (figures.members ?? []).map((m) => ({ model: m.model, version: m.version, weight: m.weight, metrics: m.metrics })),
          metrics: { macroF1: Number(version.metrics.macroF1), accuracy: Number(version.metrics.accuracy), logLoss: Number(version.metrics.logLoss) },
          bestMember: figures.bestMember ?? null,
        };
        if (opts.json) return printJson(answer);
        process.stdout.write(
          `${model} v${answer.version}: ensemble (${answer.method}) of ${answer.members.map((m) => `${m.model}@${m.version} × ${m.weight.toFixed(3)}`).join(', ')} ` +
            `(job ${jobId}, ${answer.outcome}); macro-F1 ${answer.metrics.macroF1.toFixed(4)}, log-loss ${answer.metrics.logLoss.toFixed(4)}\n`,
        );
      });
    });

  ensemble
    .command('status')
    .description('The last ensemble jobs with their members, weights and figures, and the last requests')
    .option('--model <name>', 'the lineage (default: the platform default model)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { model?: string; json?: boolean }) => {
      const requested = opts.model === undefined ? undefined : cliName(ModelName, '--model', opts.model);
      await withPlatform(async (s) => {
        const model = requested ?? s.platform.config.defaultModel;
        const status = await s.platform.retraining.ensembleStatus(model);
        if (!status) throw new CliError(`unknown model ${model}`, 1);
        if (opts.json) return printJson(status);
        printStatus(status);
      });
    });
}
