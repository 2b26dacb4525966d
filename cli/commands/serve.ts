// `xdr-ml serve` (npm start): the local platform — embedded cloud, API on 127.0.0.1, event rules,
// schedules and the local training backend (platform/local-platform.ts).
import type { Command } from 'commander';
import { loadConfig } from '../../config/config';
import { startLocalPlatform, targetsRemote } from '../../platform';
import { CliError } from '../output';

/** How often `--stop-with-parent` checks that the parent is still there. */
const PARENT_CHECK_MS = 1000;

/** Calls `onGone` once this process is re-parented (its parent, e.g. npm, exited or was killed). */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, PARENT_CHECK_MS);
  timer.unref();
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the embedded local cloud and serve the API on 127.0.0.1 (PORT, default 3000)')
    .option('--port <port>', 'port to listen on (default: $PORT or 3000)')
    .option('--stop-with-parent', 'stop when the parent process (npm start) exits, however it was stopped')
    .action(async (opts: { port?: string; stopWithParent?: boolean }) => {
      const config = loadConfig(undefined, opts.port !== undefined ? { port: opts.port } : {});
      if (targetsRemote(config))
        throw new CliError('xdr-ml serve runs the embedded local cloud; unset XDR_ML_TARGET=aws and the endpoint overrides (the deployed API serves AWS)', 2);
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const err = (line: string) => process.stderr.write(`${line}\n`);
      let running;
      try {
        running = await startLocalPlatform({ config, port: config.local.port, cwd: process.cwd(), out, err });
      } catch (error) {
        throw new CliError(`Could not start the local platform: ${(error as Error).message}`);
      }
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        out(`\n${signal}: stopping`);
        void running.close().then(() => process.exit(0));
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGHUP', () => shutdown('SIGHUP'));
      if (opts.stopWithParent) watchParent(() => shutdown('parent process exited'));
    });
}
