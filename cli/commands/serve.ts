// `xdr-ml serve` (npm start): the embedded cloud plus the local API server on 127.0.0.1.
import type { Command } from 'commander';
import { setProcessEventPublisher } from '../../functions/shared/events';
import { InProcessEventBus } from '../../local/event-bus';
import { startLocalApiServer, type LocalApiServer } from '../../local/http-server';
import { openPlatform } from '../platform';
import { CliError } from '../output';

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`Invalid configuration: PORT must be an integer 0-65535 (got '${value}')`, 2);
  return port;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the embedded local cloud and serve the API on 127.0.0.1 (PORT, default 3000)')
    .option('--port <port>', 'port to listen on (default: $PORT or 3000)')
    .action(async (opts: { port?: string }) => {
      const port = parsePort(opts.port ?? process.env.PORT);
      const platform = await openPlatform();
      // Handlers loaded by the local server publish to this process's bus, where the same event
      // rules as in AWS run.
      const bus = new InProcessEventBus();
      if (platform.target === 'embedded') setProcessEventPublisher(bus);
      let api: LocalApiServer;
      try {
        api = await startLocalApiServer({ port });
      } catch (error) {
        await platform.close();
        throw new CliError(`Could not listen on 127.0.0.1:${port}: ${(error as Error).message}`);
      }
      const where = platform.cloud ? `state in ${platform.cloud.home}` : `target ${platform.target}`;
      process.stdout.write(`Mini-XDR ML local platform (${where})\n`);
      process.stdout.write(`  dynamodb ${platform.config.endpoints.dynamodb ?? 'AWS'}\n  s3       ${platform.config.endpoints.s3 ?? 'AWS'}\n`);
      process.stdout.write(`API listening on ${api.url}\n  try: curl ${api.url}/api/ml/health\n`);
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`\n${signal}: stopping\n`);
        void api
          .close()
          .then(() => platform.close())
          .then(() => process.exit(0));
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });
}
