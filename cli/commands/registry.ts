// `xdr-ml registry export`: the registry as JSON (models, versions with status and metrics, aliases).
import type { Command } from 'commander';
import { writeRegistryExport } from '../../core/registry/model-registry';
import { REGISTRY_EXPORT_PATH } from '../../platform';
import { printJson } from '../output';
import { withPlatform } from '../session';

/** Registers `registry export`. */
export function registerRegistry(program: Command): void {
  const registry = program.command('registry').description('The model registry');
  registry
    .command('export')
    .description('Write the registry (models, versions with status and metrics, aliases) as JSON')
    .option('--out <file>', 'output file', REGISTRY_EXPORT_PATH)
    .option('--json', 'print the export to stdout as well')
    .action(async (opts: { out: string; json?: boolean }) =>
      withPlatform(async ({ registry: reg }) => {
        const exported = await writeRegistryExport(reg, opts.out);
        if (opts.json) return printJson(exported);
        const models = Object.values(exported.models);
        const versions = models.reduce((n, m) => n + m.versions.length, 0);
        process.stdout.write(`wrote ${opts.out}: ${models.length} model(s), ${versions} version(s)\n`);
      }),
    );
}
