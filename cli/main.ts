// xdr-ml: the command-line entry point. Each command lives in cli/commands/ and calls the core.
import { Command, CommanderError } from 'commander';
import { registerDatasets } from './commands/datasets';
import { registerAbTest } from './commands/ab-test';
import { registerRegistryCommands } from './commands/models';
import { registerPredict } from './commands/predict';
import { registerServe } from './commands/serve';
import { registerStatus } from './commands/status';
import { registerEvaluate } from './commands/evaluate';
import { registerTrain } from './commands/train';
import { CliError } from './output';
import { codeVersion, ConfigError } from '../config/config';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('xdr-ml')
    .description('Mini-XDR ML: train, ship, watch and retrain network-intrusion-detection models')
    .version(codeVersion())
    .showHelpAfterError()
    .exitOverride();
  registerServe(program);
  registerDatasets(program);
  registerRegistryCommands(program);
  registerPredict(program);
  registerStatus(program);
  registerTrain(program);
  registerEvaluate(program);
  registerAbTest(program);
  return program;
}

// `xdr-ml … | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof CliError || error instanceof ConfigError) {
      process.stderr.write(`xdr-ml: ${error.message}\n`);
      process.exitCode = error instanceof CliError ? error.exitCode : 2;
      return;
    }
    process.stderr.write(`xdr-ml: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module || process.argv[1]?.endsWith('xdr-ml.js')) {
  void main(process.argv);
}
