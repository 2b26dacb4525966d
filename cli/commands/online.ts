// `xdr-ml online adapt|status`: online learning from the terminal. `adapt` raises the same
// AdaptationRequested trigger as POST /api/ml/online-learning/adapt and waits for its job: the
// running platform starts it (EventBridge on AWS, the bus of `npm start`), or, on an embedded cloud
// no server runs, this process starts it on the local backend and applies its completion itself.
import type { Command } from 'commander';
import { DatasetName, ModelName, tenantAlias, TenantId } from '../../core/names';
import type { OnlineStatus } from '../../core/online/status';
import type { TrainingJobRecord } from '../../core/retraining';
import type { ModelVersion } from '../../core/registry/types';
import { CliError, cliName, printJson, printTable } from '../output';
import { integer, requestIdOf, runTriggeredJob, type JobWording } from '../job-trigger';
import { cliActor, withPlatform } from '../session';

const ADAPTATION: JobWording = { subject: (model) => `adaptation of ${model}`, job: 'adaptation', preposition: 'of', statusCommand: 'online status' };

interface AdaptOptions {
  readonly model?: string;
  readonly dataset?: string;
  readonly datasetVersion?: string;
  readonly minSamples?: string;
  readonly reason?: string;
  readonly requestId?: string;
  readonly force?: boolean;
  readonly tenant?: string;
  readonly timeout: string;
  readonly json?: boolean;
}

/** What `online adapt --json` prints: the candidate, its parent, its samples and both evaluations. */
export interface AdaptAnswer {
  readonly model: string;
  readonly version: number;
  readonly parentVersion: number;
  readonly jobId: string;
  /** What the lineage's promotion policy did with the candidate. */
  readonly outcome: string;
  readonly samples: unknown;
  readonly metrics: { readonly macroF1: number; readonly accuracy: number };
  readonly learned: unknown;
  readonly forgetting: unknown;
  /** A tenant variant's tenant and the alias it serves at once deployed. */
  readonly tenant?: string;
  readonly alias?: string;
}

function answerOf(version: ModelVersion, job: TrainingJobRecord): AdaptAnswer {
  const figures = (version.metrics.adaptation ?? {}) as { learned?: unknown; forgetting?: unknown; samples?: unknown };
  return {
    model: version.model,
    version: version.version,
    parentVersion: version.parentVersion ?? job.training?.adaptation?.parentVersion ?? 0,
    jobId: job.jobId,
    outcome: job.outcome ?? 'registered',
    samples: figures.samples ?? null,
    metrics: { macroF1: Number(version.metrics.macroF1), accuracy: Number(version.metrics.accuracy) },
    learned: figures.learned ?? null,
    forgetting: figures.forgetting ?? null,
    ...(version.tenant ? { tenant: version.tenant, alias: tenantAlias(version.tenant) } : {}),
  };
}

function printStatus(status: OnlineStatus): void {
  const c = status.collection;
  process.stdout.write(
    `${status.model}: production v${status.production ?? '-'} (${status.adaptable ? 'adaptable' : 'not adaptable: retrain it once'}); ` +
      `${c.samplesWaiting} samples waiting in ${c.dataset} (${c.rowsUsed} of ${c.rows} rows used)\n`,
  );
  if (status.adaptations.length) {
    process.stdout.write('\n');
    printTable(
      ['job', 'state', 'parent', 'version', 'rows', 'finished'],
      status.adaptations.map((a) => [
        a.jobId,
        a.state,
        `v${a.parentVersion}`,
        a.version ? `v${a.version}` : '-',
        `${a.rows.fromRow}-${a.rows.toRow}`,
        a.finishedAt ?? '-',
      ]),
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

export function registerOnline(program: Command): void {
  const online = program.command('online').description('Online learning: adapt a production model on new labelled samples without a full retrain');

  online
    .command('adapt')
    .description('Adapt the production version of a lineage on its new labelled samples, wait for the job, print the candidate')
    .option('--model <name>', 'the lineage (default: the platform default model)')
    .option('--dataset <name>', 'adapt on every row of this labelled dataset instead of the collected samples')
    .option('--dataset-version <n>', 'the dataset version (default: its latest)')
    .option('--min-samples <n>', 'refuse below this many new samples')
    .option('--reason <text>', 'why, for the audit log', 'online adaptation requested from the CLI')
    .option('--request-id <id>', 'idempotency key: the same id twice is one job (default: a new one)')
    .option('--force', 'skip the cooldown (audited; never the one-job-per-model rule)')
    .option(
      '--tenant <id>',
      "a tenant variant: adapt production on this tenant's own dataset (--dataset, default the federated run's); served at alias tenant-<id>",
    )
    .option('--timeout <seconds>', 'how long to wait for the job', '3600')
    .option('--json', 'machine-readable output')
    .action(async (opts: AdaptOptions) => {
      const timeoutS = integer(opts.timeout, '--timeout', 1) as number;
      const datasetVersion = integer(opts.datasetVersion, '--dataset-version', 1);
      const minSamples = integer(opts.minSamples, '--min-samples', 1);
      if (opts.datasetVersion !== undefined && opts.dataset === undefined) throw new CliError('--dataset-version needs --dataset', 2);
      const dataset = opts.dataset === undefined ? undefined : cliName(DatasetName, '--dataset', opts.dataset);
      const requested = opts.model === undefined ? undefined : cliName(ModelName, '--model', opts.model);
      const requestId = requestIdOf(opts.requestId);
      const tenant = opts.tenant === undefined ? undefined : cliName(TenantId, '--tenant', opts.tenant);
      await withPlatform(async (s) => {
        const model = requested ?? s.platform.config.defaultModel;
        const request = {
          type: 'AdaptationRequested',
          model,
          requestId,
          actor: cliActor(s.platform.config),
          reason: opts.reason,
          ...(dataset ? { dataset } : {}),
          ...(datasetVersion ? { datasetVersion } : {}),
          ...(minSamples ? { minSamples } : {}),
          ...(opts.force ? { force: true } : {}),
          ...(tenant ? { tenant } : {}),
        };
        const { job, version } = await runTriggeredJob(s, request, { wording: ADAPTATION, timeoutMs: timeoutS * 1000, quiet: opts.json });
        const jobId = job.jobId;
        if (job.training?.overrides?.fullRetrainInstead && version.trainingKind !== 'online-adaptation') {
          // the samples held a class the model does not know: the launcher retrained in full instead
          const why = String(job.training.overrides.fullRetrainInstead);
          if (opts.json)
            return printJson({
              model,
              version: version.version,
              jobId,
              outcome: job.outcome ?? 'registered',
              fullRetrainInstead: why,
              metrics: version.metrics,
            });
          process.stdout.write(
            `${model} v${version.version}: a full retrain instead of an adaptation (${why}); macro-F1 ${Number(version.metrics.macroF1).toFixed(4)}\n`,
          );
          return;
        }
        const answer = answerOf(version, job);
        if (opts.json) return printJson(answer);
        const learned = answer.learned as { parent?: { macroF1: number }; adapted?: { macroF1: number } } | null;
        process.stdout.write(
          `${model} v${answer.version} adapted from v${answer.parentVersion} (job ${jobId}, ${answer.outcome}); macro-F1 ${answer.metrics.macroF1.toFixed(4)}` +
            (learned?.parent && learned.adapted
              ? `; on the held-out new samples ${learned.parent.macroF1.toFixed(4)} → ${learned.adapted.macroF1.toFixed(4)}`
              : '') +
            '\n',
        );
      });
    });

  online
    .command('status')
    .description('Samples waiting, the last adaptations with their figures, and the last requests with what became of them')
    .option('--model <name>', 'the lineage (default: the platform default model)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { model?: string; json?: boolean }) => {
      const requested = opts.model === undefined ? undefined : cliName(ModelName, '--model', opts.model);
      await withPlatform(async (s) => {
        const model = requested ?? s.platform.config.defaultModel;
        const status = await s.platform.retraining.onlineStatus(model);
        if (!status) throw new CliError(`unknown model ${model}`, 1);
        if (opts.json) return printJson(status);
        printStatus(status);
      });
    });
}
