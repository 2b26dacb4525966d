// `xdr-ml ab-test create|list|results|stop`: A/B, shadow and canary experiments from the terminal,
// on the platform's experiments service — the one the HTTP API uses.
import type { Command } from 'commander';
import type { Experiment, ExperimentMode, ExperimentResults, ExperimentResultsWithHistory } from '../../core/experiments';
import { ModelName } from '../../core/names';
import { CliError, cliName, printJson, printTable } from '../output';
import { cliActor, refreshLocalExports, withPlatform } from '../session';

function number(value: string, what: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new CliError(`${what} must be a number in [${min}, ${max}] (got '${value}')`, 2);
  return n;
}

function integer(value: string, what: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${what} must be an integer >= ${min} (got '${value}')`, 2);
  return n;
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(2)}%`);

function describeExperiment(e: Experiment): string {
  return `${e.id}  ${e.model}  ${e.mode}  v${e.championVersion} vs v${e.challengerVersion}  split ${pct(e.trafficSplit)}  ${e.state}${e.outcome ? ` (${e.outcome})` : ''}`;
}

function printResults(r: ExperimentResults | ExperimentResultsWithHistory): void {
  const { champion, challenger } = r.arms;
  process.stdout.write(`${r.experimentId}  ${r.model}  ${r.mode}  ${r.state}  split ${pct(r.trafficSplit)}\n`);
  printTable(
    ['arm', 'version', 'routed', 'labelled', 'accuracy', '95% CI', 'benign FPR', 'median ms'],
    [champion, challenger].map((a) => [
      a.arm,
      `v${a.version}`,
      a.routedFlows,
      a.labelled,
      pct(a.labelled ? a.accuracy : null),
      a.labelled ? `${pct(a.accuracyCi.low)} – ${pct(a.accuracyCi.high)}` : '-',
      pct(a.benign.falsePositiveRate),
      a.medianLatencyMs ?? '-',
    ]),
  );
  const d = r.difference;
  process.stdout.write(
    `difference ${d.accuracy >= 0 ? '+' : ''}${(100 * d.accuracy).toFixed(2)} pp (95% CI ${(100 * d.ci.low).toFixed(2)} – ${(100 * d.ci.high).toFixed(2)} pp)\n`,
  );
  process.stdout.write(
    `p-values: z-test ${r.zTest ? r.zTest.pValue.toPrecision(3) : '-'}, always-valid mSPRT ${r.sequential ? r.sequential.pValue.toPrecision(3) : '-'}\n`,
  );
  process.stdout.write(
    r.srm.applicable
      ? `sample ratio: ${r.srm.observedChampion} / ${r.srm.observedChallenger} (expected split ${pct(r.srm.expectedSplit)}), p = ${r.srm.pValue?.toPrecision(3)}${r.srm.mismatch ? '  MISMATCH: routing is broken, do not trust these results' : ''}\n`
      : `sample ratio: not checked (${r.srm.note})\n`,
  );
  process.stdout.write(`recommendation: ${r.recommendation} (winner ${r.winner ?? 'none'}) — ${r.reason}\n`);
  const history = 'history' in r ? r.history : [];
  if (history.length > 0) {
    const p = (x: number | null) => (x === null ? '-' : x.toPrecision(3));
    const [first, last] = [history[0], history[history.length - 1]];
    process.stdout.write(
      `history: ${history.length} point(s) from ${first.at} to ${last.at}; mSPRT p ${p(first.pValue)} → ${p(last.pValue)} (--json for every point)\n`,
    );
  }
}

/** Registers `ab-test create|list|results|stop`. */
export function registerAbTest(program: Command): void {
  const ab = program.command('ab-test').description('A/B, shadow and canary tests of a challenger version against the champion');

  ab.command('create <model> <challengerVersion>')
    .description('Start a test (refused when the challenger does not load or the model already has a running test)')
    .option('--champion <version>', 'champion version (default: production)')
    .option('--split <share>', 'challenger share of traffic, 0..1 (ab, shadow); first canary step otherwise')
    .option('--mode <mode>', 'ab | shadow | canary', 'ab')
    .option('--routing-key <field>', "flow field to route by, sticky per value (e.g. 'Source IP'); default: per request")
    .option('--min-samples <n>', 'labelled samples per arm before a decision')
    .option('--max-duration-hours <h>', 'keep the champion when no decision after this long')
    .option('--canary-steps <list>', 'canary split steps, e.g. 0.05,0.25,0.5,1')
    .option('--max-error-rate <rate>', 'canary: roll back above this challenger error rate')
    .option('--max-latency-ms <ms>', 'canary: roll back above this challenger median latency')
    .option('--step-after-samples <n>', 'canary: labelled challenger samples per step')
    .option('--reason <reason>', 'why (recorded in the audit log)')
    .option('--json', 'machine-readable output')
    .action(
      async (
        model: string,
        challengerText: string,
        opts: {
          champion?: string;
          split?: string;
          mode: string;
          routingKey?: string;
          minSamples?: string;
          maxDurationHours?: string;
          canarySteps?: string;
          maxErrorRate?: string;
          maxLatencyMs?: string;
          stepAfterSamples?: string;
          reason?: string;
          json?: boolean;
        },
      ) => {
        cliName(ModelName, '<model>', model);
        if (!['ab', 'shadow', 'canary'].includes(opts.mode)) throw new CliError(`--mode must be ab, shadow or canary (got '${opts.mode}')`, 2);
        const mode = opts.mode as ExperimentMode;
        const canaryOptions = [opts.canarySteps, opts.maxErrorRate, opts.maxLatencyMs, opts.stepAfterSamples].some((v) => v !== undefined);
        if (canaryOptions && mode !== 'canary')
          throw new CliError('--canary-steps, --max-error-rate, --max-latency-ms and --step-after-samples need --mode canary', 2);
        const input = {
          model,
          challengerVersion: integer(challengerText, 'challengerVersion'),
          championVersion: opts.champion === undefined ? undefined : integer(opts.champion, '--champion'),
          trafficSplit: opts.split === undefined ? undefined : number(opts.split, '--split', 0, 1),
          mode,
          routingKey: opts.routingKey,
          minSamples: opts.minSamples === undefined ? undefined : integer(opts.minSamples, '--min-samples'),
          maxDurationHours: opts.maxDurationHours === undefined ? undefined : number(opts.maxDurationHours, '--max-duration-hours', 0, 24 * 365),
          canary: canaryOptions
            ? {
                steps: opts.canarySteps?.split(',').map((s) => number(s, '--canary-steps', 0, 1)),
                maxErrorRate: opts.maxErrorRate === undefined ? undefined : number(opts.maxErrorRate, '--max-error-rate', 0, 1),
                maxLatencyMs: opts.maxLatencyMs === undefined ? undefined : number(opts.maxLatencyMs, '--max-latency-ms', 0, 3_600_000),
                stepAfterSamples: opts.stepAfterSamples === undefined ? undefined : integer(opts.stepAfterSamples, '--step-after-samples'),
              }
            : undefined,
          reason: opts.reason,
        };
        return withPlatform(async (session) => {
          const experiment = await session.platform.experiments.create({ ...input, actor: cliActor(session.platform.config) }).catch(async (error: unknown) => {
            await refreshLocalExports(session).catch(() => undefined); // a refusal is audited
            throw error;
          });
          const updated = await refreshLocalExports(session);
          if (opts.json) return printJson({ id: experiment.id, experiment, updated });
          process.stdout.write(`started ${describeExperiment(experiment)}\n`);
        });
      },
    );

  ab.command('list')
    .description('List experiments, newest first')
    .option('--model <model>', 'only this model')
    .option('--state <state>', 'running | stopped | rolled-back')
    .option('--json', 'machine-readable output')
    .action(async (opts: { model?: string; state?: string; json?: boolean }) => {
      if (opts.state !== undefined && !['running', 'stopped', 'rolled-back'].includes(opts.state))
        throw new CliError(`--state must be running, stopped or rolled-back (got '${opts.state}')`, 2);
      if (opts.model !== undefined) cliName(ModelName, '--model', opts.model);
      return withPlatform(async (session) => {
        const experiments = await session.platform.experiments.list({ model: opts.model, state: opts.state as Experiment['state'] | undefined });
        if (opts.json) return printJson({ experiments });
        if (experiments.length === 0) return void process.stdout.write('no experiments\n');
        printTable(
          ['id', 'model', 'mode', 'champion', 'challenger', 'split', 'state', 'created'],
          experiments.map((e) => [
            e.id,
            e.model,
            e.mode,
            `v${e.championVersion}`,
            `v${e.challengerVersion}`,
            pct(e.trafficSplit),
            e.outcome ? `${e.state} (${e.outcome})` : e.state,
            e.createdAt,
          ]),
        );
      });
    });

  ab.command('results <id>')
    .description('Per-arm metrics with intervals, p-values (z-test, always-valid mSPRT), sample-ratio check and the recommendation')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) =>
      withPlatform(async (session) => {
        const results = await session.platform.experiments.results(id);
        if (opts.json) return printJson(results);
        printResults(results);
      }),
    );

  ab.command('stop <id>')
    .description('End a test; --promote deploys the challenger to production (gated) when the results justify it')
    .option('--promote', 'promote the challenger when the recommendation is promote_challenger')
    .option('--force', 'promote even when the recommendation does not justify it (needs --reason)')
    .option('--reason <reason>', 'why (recorded in the audit log)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { promote?: boolean; force?: boolean; reason?: string; json?: boolean }) =>
      withPlatform(async (session) => {
        const result = await session.platform.experiments.stop(id, {
          promote: opts.promote,
          force: opts.force,
          reason: opts.reason,
          actor: cliActor(session.platform.config),
        });
        const updated = await refreshLocalExports(session);
        if (opts.json) return printJson({ ...result, updated });
        process.stdout.write(`stopped ${describeExperiment(result.experiment)}\n`);
        process.stdout.write(`recommendation was ${result.results.recommendation}: ${result.results.reason}\n`);
        if (result.promotion) process.stdout.write(`promoted v${result.promotion.move.version} to production (revision ${result.promotion.move.revision})\n`);
        if (updated.length > 0) process.stdout.write(`updated ${updated.join(', ')}\n`);
      }),
    );
}
