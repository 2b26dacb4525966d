// `xdr-ml serve` (npm start): the embedded cloud plus the local API server on 127.0.0.1.
import type { Command } from 'commander';
import { setProcessEventPublisher } from '../../functions/shared/events';
import { InProcessEventBus } from '../../local/event-bus';
import { startLocalApiServer, type LocalApiServer } from '../../local/http-server';
import path from 'node:path';
import { AuditLog } from '../../core/audit/audit-log';
import { ModelRegistry } from '../../core/registry/model-registry';
import { bootstrapDefaultModel } from '../../local/bootstrap';
import { openPlatform, type PlatformSession } from '../platform';
import { CliError } from '../output';

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`Invalid configuration: PORT must be an integer 0-65535 (got '${value}')`, 2);
  return port;
}

/** First start: make sure the default model serves, then print a predict request that works. */
async function bootstrap(platform: PlatformSession, url: string): Promise<void> {
  const registry = new ModelRegistry({ table: platform.stores.tables.registry, audit: new AuditLog({ table: platform.stores.tables.audit }), events: new InProcessEventBus() });
  try {
    const result = await bootstrapDefaultModel({
      config: platform.config,
      stores: platform.stores,
      registry,
      home: platform.cloud!.home,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    if (!result.created) {
      process.stdout.write(`model "${result.model}" v${result.version} is in production\n`);
      return;
    }
    const relative = path.relative(process.cwd(), result.examplePath!);
    const body = relative.startsWith('..') ? result.examplePath! : relative;
    process.stdout.write(`ready: curl -s -X POST ${url}/api/ml/predict -H 'content-type: application/json' -d @${body}\n`);
  } catch (error) {
    process.stderr.write(`bootstrap failed (the API keeps running): ${(error as Error).message}\n`);
  }
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
      if (platform.cloud && process.env.XDR_ML_BOOTSTRAP !== 'false') await bootstrap(platform, api.url);
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
