// `xdr-ml console [--target aws|local] [--port N]`: serves the web console on 127.0.0.1 and relays
// its API calls to the platform — with `--target aws`, the deployed API at XDR_ML_API_URL, each call
// signed with SigV4 from the default credential chain (as `xdr-ml api` does), so no page is ever
// deployed in front of the API. Runs until Ctrl-C.
import type { Command } from 'commander';
import { loadConfig } from '../../config/config';
import { startConsoleServer } from '../../platform';
import { CliError } from '../output';

const TARGETS = ['aws', 'local'] as const;

/** Registers `console`. */
export function registerConsole(program: Command): void {
  program
    .command('console')
    .description('Serve the web console on 127.0.0.1, relaying its API calls (signed with SigV4 to the deployed API with --target aws)')
    .option('--target <aws|local>', 'the API to reach: the deployed one (XDR_ML_API_URL, SigV4) or the local server (default: XDR_ML_TARGET, else local)')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free one)', '3100')
    .action(async (opts: { target?: string; port: string }) => {
      if (opts.target !== undefined && !(TARGETS as readonly string[]).includes(opts.target))
        throw new CliError(`--target must be aws or local, got '${opts.target}'`, 2);
      if (!/^\d{1,5}$/.test(opts.port) || Number(opts.port) > 65535) throw new CliError(`--port must be 0-65535, got '${opts.port}'`, 2);
      const loaded = loadConfig();
      const target = (opts.target as (typeof TARGETS)[number] | undefined) ?? loaded.local.target ?? 'local';
      if (target === 'aws' && !loaded.local.apiUrl)
        throw new CliError("XDR_ML_API_URL is not set: give the deployed API's URL (the Api stack's ApiUrl output)", 2);
      const config = { ...loaded, local: { ...loaded.local, target } };
      const server = await startConsoleServer(config, { port: Number(opts.port), log: (line) => process.stderr.write(`${line}\n`) });
      const upstream =
        target === 'aws' ? `${loaded.local.apiUrl} (SigV4, region ${loaded.region})` : (loaded.local.apiUrl ?? `http://127.0.0.1:${loaded.local.port}`);
      process.stdout.write(`console: ${server.url}\n  API calls go to ${upstream}; Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
