// xdr-ml: the command-line entry point. Each command lives in cli/commands/ and calls the core.
// Commands load lazily: the table below names each top-level command and how to register it, and
// only the command being run is imported (`--help` imports none), so start-up stays well under a
// second. bin/xdr-ml.js calls main() — whatever name or symlink the bin was reached through.
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error';
import { codeVersion, ConfigError } from '../config/code-version';

/** One top-level command: its name, argument usage and summary for `--help`, and its registration, loaded on use. */
export interface CommandEntry {
  readonly name: string;
  /** Arguments as the command declares them, e.g. `<model> <version>`. */
  readonly usage?: string;
  readonly summary: string;
  readonly register: () => (program: Command) => void;
  /** Runs before the command's modules load, only when it is the command being run. */
  readonly prepare?: () => void;
}

/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading: a command's module is required only when it runs */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'serve',
    summary: 'Start the embedded local cloud and serve the API on 127.0.0.1 (PORT, default 3000)',
    prepare: () => (require('./serve-environment') as typeof import('./serve-environment')).prepareServeEnvironment(),
    register: () => (require('./commands/serve') as typeof import('./commands/serve')).registerServe,
  },
  {
    name: 'datasets',
    summary: 'Ingest, list, show and synthesise dataset versions',
    register: () => (require('./commands/datasets') as typeof import('./commands/datasets')).registerDatasets,
  },
  {
    name: 'models',
    summary: 'List model lineages with their versions and aliases',
    register: () => (require('./commands/models') as typeof import('./commands/models')).registerModels,
  },
  {
    name: 'deploy',
    usage: '<model> <version>',
    summary: 'Move an alias (default production) to a version through the promotion gate',
    register: () => (require('./commands/models') as typeof import('./commands/models')).registerModels,
  },
  {
    name: 'rollback',
    usage: '<model>',
    summary: 'Return an alias (default production) to its previous version, or to --to N',
    register: () => (require('./commands/models') as typeof import('./commands/models')).registerModels,
  },
  {
    name: 'registry',
    summary: 'The model registry',
    register: () => (require('./commands/registry') as typeof import('./commands/registry')).registerRegistry,
  },
  {
    name: 'audit',
    summary: 'The append-only, hash-chained audit log',
    register: () => (require('./commands/audit') as typeof import('./commands/audit')).registerAudit,
  },
  {
    name: 'predict',
    summary: 'Score flows (CSV or JSON Lines, a file or - for stdin) with a model, streaming the answers',
    register: () => (require('./commands/predict') as typeof import('./commands/predict')).registerPredict,
  },
  {
    name: 'status',
    summary: 'Show the state directory, endpoints, tables and buckets of the platform',
    register: () => (require('./commands/status') as typeof import('./commands/status')).registerStatus,
  },
  {
    name: 'telemetry',
    summary:
      'Resource usage by job, model and function over a time window (wall and CPU time, peak RSS, threads, rows/s, GPUs; invocations and duration percentiles)',
    register: () => (require('./commands/telemetry') as typeof import('./commands/telemetry')).registerTelemetry,
  },
  {
    name: 'train',
    summary: 'Train a model on a dataset version and register it as a new version',
    register: () => (require('./commands/train') as typeof import('./commands/train')).registerTrain,
  },
  {
    name: 'ensemble',
    summary: 'Ensembles: optimise a weighted ensemble of registered versions into one candidate, and its status',
    register: () => (require('./commands/ensemble') as typeof import('./commands/ensemble')).registerEnsemble,
  },
  {
    name: 'federated',
    summary: 'Federated learning across tenants: run a federated training, and the status of runs and rounds',
    register: () => (require('./commands/federated') as typeof import('./commands/federated')).registerFederated,
  },
  {
    name: 'evaluate',
    summary: 'Score a registered model version on a dataset version with the same feature schema',
    register: () => (require('./commands/evaluate') as typeof import('./commands/evaluate')).registerEvaluate,
  },
  {
    name: 'online',
    summary: 'Online learning: adapt a production model on new labelled samples without a full retrain',
    register: () => (require('./commands/online') as typeof import('./commands/online')).registerOnline,
  },
  {
    name: 'report',
    summary: "Write a version's model card: one self-contained HTML file, also stored with the version's artefacts",
    register: () => (require('./commands/report') as typeof import('./commands/report')).registerReport,
  },
  {
    name: 'console',
    summary: 'Serve the web console on 127.0.0.1, relaying its API calls (signed with SigV4 to the deployed API with --target aws)',
    register: () => (require('./commands/console') as typeof import('./commands/console')).registerConsole,
  },
  {
    name: 'api',
    usage: '<method> <path>',
    summary: 'Call the HTTP API (the local server, or the deployed API signed with SigV4 when XDR_ML_TARGET=aws)',
    register: () => (require('./commands/api') as typeof import('./commands/api')).registerApi,
  },
  {
    name: 'ab-test',
    summary: 'A/B, shadow and canary tests of a challenger version against the champion',
    register: () => (require('./commands/ab-test') as typeof import('./commands/ab-test')).registerAbTest,
  },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** Commander's codes that mean "nothing went wrong" (help or version shown). */
const NOT_ERRORS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** Usage errors exit 2 (docs/cli.md); failures exit 1. */
export const USAGE_EXIT_CODE = 2;

/**
 * The program for `argv`: the command being run registered for real, every other one as a
 * summary line for `--help` and for suggestions on an unknown command.
 * @example await buildProgram(process.argv).parseAsync(process.argv);
 */
export function buildProgram(argv: readonly string[] = [], options: { all?: boolean } = {}): Command {
  const program = new Command();
  program
    .name('xdr-ml')
    .description('Mini-XDR ML: train, ship, watch and retrain network-intrusion-detection models')
    .version(codeVersion())
    .showHelpAfterError()
    .exitOverride();
  const args = argv.slice(2);
  const first = args[0] === 'help' ? args[1] : args.find((a) => !a.startsWith('-'));
  const registered = new Set<(program: Command) => void>();
  for (const entry of COMMANDS) {
    if (!(options.all || entry.name === first)) continue;
    if (!options.all && !args.includes('--help') && !args.includes('-h')) entry.prepare?.();
    const register = entry.register();
    if (registered.has(register)) continue;
    registered.add(register);
    register(program);
  }
  for (const entry of COMMANDS) {
    if (program.commands.some((c) => c.name() === entry.name)) continue;
    program.command(entry.usage ? `${entry.name} ${entry.usage}` : entry.name).description(entry.summary);
  }
  // --help lists the commands in the table's order, whichever were registered for real
  const order = new Map(COMMANDS.map((c, i) => [c.name, i]));
  (program.commands as Command[]).sort((a, b) => (order.get(a.name()) ?? 0) - (order.get(b.name()) ?? 0));
  exitOverrideEverywhere(program);
  return program;
}

function exitOverrideEverywhere(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideEverywhere(sub);
}

/**
 * Runs the CLI on `argv` and sets process.exitCode: 0, 1 for a failure, 2 for a usage error
 * (commander's own included).
 * @example await main(['node', 'xdr-ml', 'status', '--json']);
 */
export async function main(argv: readonly string[]): Promise<void> {
  // `xdr-ml … | head` closes stdout early: stop quietly instead of crashing on EPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    await buildProgram(argv).parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = NOT_ERRORS.has(error.code) ? 0 : USAGE_EXIT_CODE;
      return;
    }
    if (error instanceof CliError || error instanceof ConfigError) {
      process.stderr.write(`xdr-ml: ${error.message}\n`);
      process.exitCode = error instanceof CliError ? error.exitCode : USAGE_EXIT_CODE;
      return;
    }
    process.stderr.write(`xdr-ml: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv);
