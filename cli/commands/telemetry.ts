// `xdr-ml telemetry`: resource usage over a time window, by job, by model and by function (what
// GET /api/ml/telemetry answers; core/resources/telemetry.ts), read from the platform's stores.
import type { Command } from 'commander';
import { InvalidInputError } from '../../core/errors';
import { ModelName } from '../../core/names';
import { telemetryWindow, type ResourceTelemetry } from '../../core/resources/telemetry';
import { openPlatform } from '../../platform';
import { CliError, cliName, printJson, printTable } from '../output';

const mib = (bytes: number | undefined) => (bytes === undefined ? '' : (bytes / 1048576).toFixed(0));
const num = (n: number | undefined, digits = 1) => (n === undefined ? '' : n.toFixed(digits));

function printText(usage: ResourceTelemetry): void {
  process.stdout.write(`resource usage ${usage.window.from} → ${usage.window.to}\n\njobs\n`);
  printTable(
    ['job', 'model', 'kind', 'state', 'backend', 'wall s', 'cpu s', 'peak RSS MiB', 'threads', 'rows/s', 'gpu', 'instance', 'billable s'],
    usage.jobs.map((j) => {
      const r = j.resources;
      return [
        j.jobId,
        j.model,
        j.kind,
        j.state,
        j.backend,
        num(r?.wallSeconds),
        num(r?.cpuSeconds),
        mib(r?.peakRssBytes),
        r?.threads ?? '',
        num(r?.rowsPerSecond, 0),
        r?.gpus?.map((g) => `${g.model} ${g.peakMemoryUsedMiB} MiB ${g.peakUtilisationPercent}%`).join('; ') ?? '',
        r?.instanceType ?? '',
        num(r?.billableSeconds, 0),
      ];
    }),
  );
  process.stdout.write('\nmodels\n');
  printTable(
    ['model', 'jobs', 'measured', 'cpu s', 'wall s', 'billable s', 'rows', 'peak RSS MiB'],
    usage.models.map((m) => [m.model, m.jobs, m.measuredJobs, num(m.cpuSeconds), num(m.wallSeconds), num(m.billableSeconds, 0), m.rows, mib(m.peakRssBytes)]),
  );
  process.stdout.write('\nfunctions\n');
  printTable(
    ['function', 'invocations', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms', 'max ms', 'peak memory MiB'],
    usage.functions.map((f) => [f.function, f.invocations, f.errors, f.p50Ms, f.p90Ms, f.p99Ms, f.meanMs, f.maxMs, mib(f.peakMemoryBytes)]),
  );
}

export function registerTelemetry(program: Command): void {
  program
    .command('telemetry')
    .description(
      'Resource usage by job, model and function over a time window (wall and CPU time, peak RSS, threads, rows/s, GPUs; invocations and duration percentiles)',
    )
    .option('--window <span>', 'how far back from --to: hours or days, e.g. 24h, 7d (default 24h, at most 90d)')
    .option('--from <iso>', 'window start (ISO-8601), instead of --window')
    .option('--to <iso>', 'window end (ISO-8601; default now)')
    .option('--model <name>', 'one lineage only')
    .option('--json', 'machine-readable output')
    .action(async (opts: { window?: string; from?: string; to?: string; model?: string; json?: boolean }) => {
      const model = opts.model !== undefined ? cliName(ModelName, '--model', opts.model) : undefined;
      let window: { from: Date; to: Date };
      try {
        window = telemetryWindow(opts);
      } catch (error) {
        if (error instanceof InvalidInputError) throw new CliError(`--${error.message}`, 2);
        throw error;
      }
      const session = await openPlatform();
      try {
        const usage = await session.platform.resourceTelemetry({ ...window, ...(model ? { model } : {}) });
        if (opts.json) return printJson(usage);
        printText(usage);
      } finally {
        await session.close();
      }
    });
}
