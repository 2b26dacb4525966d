// `xdr-ml status`: where the platform's state lives and what it holds.
import type { Command } from 'commander';
import { openPlatform } from '../../platform';
import { printJson, printTable } from '../output';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show the state directory, endpoints, tables and buckets of the platform')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const session = await openPlatform();
      try {
        const { tables, buckets } = await session.platform.describeStores();
        const status = {
          target: session.target,
          stage: session.config.stage,
          region: session.config.region,
          stateDirectory: session.cloud?.home,
          embeddedCloudOwner: session.cloud ? (session.cloud.owner ? 'this process' : 'another process') : undefined,
          endpoints: session.config.endpoints,
          tables,
          buckets,
        };
        if (opts.json) return printJson(status);
        process.stdout.write(`target          ${status.target} (stage ${status.stage}, region ${status.region})\n`);
        if (status.stateDirectory) process.stdout.write(`state directory ${status.stateDirectory} (servers run by ${status.embeddedCloudOwner})\n`);
        process.stdout.write(`dynamodb        ${status.endpoints.dynamodb ?? 'AWS'}\ns3              ${status.endpoints.s3 ?? 'AWS'}\n\n`);
        printTable(
          ['table', 'name', 'status', 'items'],
          tables.map((t) => [t.id, t.name, t.status, t.itemsExact ? t.items : `~${t.items}`]),
        );
        process.stdout.write('\n');
        printTable(
          ['bucket', 'name', 'exists'],
          buckets.map((b) => [b.id, b.name, b.exists ? 'yes' : 'no']),
        );
      } finally {
        await session.close();
      }
    });
}
