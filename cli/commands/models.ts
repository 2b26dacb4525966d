// `xdr-ml models`, `xdr-ml deploy <model> <version>` and `xdr-ml rollback <model>`: the model
// lineages with their aliases, and the alias moves through the promotion gate.
import type { Command } from 'commander';
import { ModelName } from '../../core/names';
import { CliError, cliName, printJson, printTable } from '../output';
import { registerAudit } from './audit';
import { cliActor, refreshLocalExports, withPlatform } from '../session';
import { registerRegistry } from './registry';

function parseVersion(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${what} must be a positive integer (got '${value}')`, 2);
  return n;
}

function printUpdated(paths: readonly string[]): void {
  if (paths.length > 0) process.stdout.write(`updated ${paths.join(', ')}\n`);
}

/** Registers `models`, `deploy` and `rollback`. */
export function registerModels(program: Command): void {
  program
    .command('models')
    .description('List model lineages with their versions and aliases')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) =>
      withPlatform(async ({ registry }) => {
        const models = await registry.listModels();
        if (opts.json) return printJson({ models });
        if (models.length === 0) return void process.stdout.write('no models registered yet\n');
        printTable(
          ['model', 'versions', 'latest', 'aliases'],
          models.map((m) => [
            m.model,
            m.versions,
            m.latestVersion ?? '-',
            Object.entries(m.aliases)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([alias, ref]) => `${alias}=v${ref.version}`)
              .join(' ') || '-',
          ]),
        );
      }),
    );

  program
    .command('deploy <model> <version>')
    .description('Move an alias (default production) to a version through the promotion gate')
    .option('--alias <alias>', 'alias to move', 'production')
    .option('--force', 'deploy even when the promotion gate fails (needs --reason)')
    .option('--reason <reason>', 'why (recorded in the audit log)')
    .option('--json', 'machine-readable output')
    .action(async (model: string, versionText: string, opts: { alias: string; force?: boolean; reason?: string; json?: boolean }) => {
      cliName(ModelName, '<model>', model);
      const version = parseVersion(versionText, 'version');
      return withPlatform(async (session) => {
        const result = await session.registry
          .deploy(model, version, {
            alias: opts.alias,
            force: opts.force,
            reason: opts.reason,
            actor: cliActor(session.platform.config),
            thresholds: session.platform.gate,
          })
          .catch(async (error: unknown) => {
            // A gate refusal is audited: keep the rendered audit log current anyway.
            await refreshLocalExports(session).catch(() => undefined);
            throw error;
          });
        const updated = await refreshLocalExports(session);
        if (opts.json) return printJson({ ...result, updated });
        const { move } = result;
        process.stdout.write(
          `deployed ${model} v${move.version} to ${move.alias} (revision ${move.revision}${move.fromVersion !== undefined ? `, was v${move.fromVersion}` : ''})${result.forced ? ' — FORCED past the gate' : ''}\n`,
        );
        for (const c of result.gate.checks) process.stdout.write(`  ${c.passed ? 'pass' : 'FAIL'} ${c.name}: ${c.detail}\n`);
        if (!result.event.published) process.stdout.write(`  warning: the ModelAliasChanged event was not published: ${result.event.error}\n`);
        printUpdated(updated);
      });
    });

  program
    .command('rollback <model>')
    .description('Return an alias (default production) to its previous version, or to --to N')
    .option('--to <version>', 'version to return to')
    .option('--alias <alias>', 'alias to move', 'production')
    .option('--reason <reason>', 'why (recorded in the audit log)')
    .option('--json', 'machine-readable output')
    .action(async (model: string, opts: { to?: string; alias: string; reason?: string; json?: boolean }) => {
      cliName(ModelName, '<model>', model);
      const toVersion = opts.to === undefined ? undefined : parseVersion(opts.to, '--to');
      return withPlatform(async (session) => {
        const result = await session.registry.rollback(model, { alias: opts.alias, toVersion, reason: opts.reason, actor: cliActor(session.platform.config) });
        const updated = await refreshLocalExports(session);
        if (opts.json) return printJson({ ...result, updated });
        const { move } = result;
        process.stdout.write(`rolled ${model} ${move.alias} back to v${move.version} (revision ${move.revision}, was v${move.fromVersion})\n`);
        if (!result.event.published) process.stdout.write(`  warning: the ModelAliasChanged event was not published: ${result.event.error}\n`);
        printUpdated(updated);
      });
    });
}

/**
 * Registers every registry command: `models`, `deploy`, `rollback`, `registry export`,
 * `audit verify` and `audit export`.
 */
export function registerRegistryCommands(program: Command): void {
  registerModels(program);
  registerRegistry(program);
  registerAudit(program);
}
