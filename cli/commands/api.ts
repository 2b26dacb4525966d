// `xdr-ml api <METHOD> <path>`: one call to the platform's HTTP API — the local server, or with
// XDR_ML_TARGET=aws the deployed, IAM-authorised API at XDR_ML_API_URL, signed with SigV4 from the
// default credential chain (what awscurl does). Prints the answer; exit 1 on a 4xx/5xx.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/config';
import { callPlatformApi } from '../../platform/api';
import { CliError } from '../output';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

export function registerApi(program: Command): void {
  program
    .command('api <method> <path>')
    .description('Call the HTTP API (the local server, or the deployed API signed with SigV4 when XDR_ML_TARGET=aws)')
    .option('--data <json|@file>', 'JSON request body, inline or @file')
    .action(async (methodText: string, path: string, opts: { data?: string }) => {
      const method = methodText.toUpperCase();
      if (!METHODS.includes(method)) throw new CliError(`<method> must be one of ${METHODS.join(', ')} (got '${methodText}')`, 2);
      if (!path.startsWith('/')) throw new CliError(`<path> must start with / (e.g. /api/ml/health), got '${path}'`, 2);
      let body: string | undefined;
      if (opts.data !== undefined) {
        try {
          body = opts.data.startsWith('@') ? readFileSync(opts.data.slice(1), 'utf8') : opts.data;
          JSON.parse(body);
        } catch (error) {
          throw new CliError(`--data must be JSON or @file of JSON: ${(error as Error).message}`, 2);
        }
      }
      let answer;
      try {
        answer = await callPlatformApi(loadConfig(), { method, path, ...(body !== undefined ? { body } : {}) });
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        throw new CliError(`${method} ${path}: ${(error as Error).message}`);
      }
      let text = answer.body;
      try {
        text = JSON.stringify(JSON.parse(answer.body), null, 2);
      } catch {
        // not JSON: as is
      }
      process.stdout.write(`${text}\n`);
      if (answer.status >= 400) {
        process.stderr.write(`xdr-ml: ${method} ${path} answered ${answer.status}\n`);
        process.exitCode = 1;
      }
    });
}
