// `xdr-ml status`: where the platform's state lives and what it holds.
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { Command } from 'commander';
import { BUCKETS, TABLES } from '../../config/resources';
import { openPlatform } from '../platform';
import { printJson, printTable } from '../output';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show the state directory, endpoints, tables and buckets of the platform')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const platform = await openPlatform();
      try {
        const { clients } = platform.stores;
        const tables = [];
        for (const t of TABLES) {
          const name = platform.config.tables[t.id];
          const d = await clients.dynamodb.send(new DescribeTableCommand({ TableName: name })).catch(() => undefined);
          tables.push({ id: t.id, name, status: d?.Table?.TableStatus ?? 'MISSING', items: d?.Table?.ItemCount ?? 0 });
        }
        const listed = new Set(((await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name));
        const buckets = BUCKETS.map((b) => ({ id: b.id, name: platform.config.buckets[b.id], exists: listed.has(platform.config.buckets[b.id]) }));
        const status = {
          target: platform.target,
          stage: platform.config.stage,
          region: platform.config.region,
          stateDirectory: platform.cloud?.home,
          embeddedCloudOwner: platform.cloud ? (platform.cloud.owner ? 'this process' : 'another process') : undefined,
          endpoints: platform.config.endpoints,
          tables,
          buckets,
        };
        if (opts.json) return printJson(status);
        process.stdout.write(`target          ${status.target} (stage ${status.stage}, region ${status.region})\n`);
        if (status.stateDirectory) process.stdout.write(`state directory ${status.stateDirectory} (servers run by ${status.embeddedCloudOwner})\n`);
        process.stdout.write(`dynamodb        ${status.endpoints.dynamodb ?? 'AWS'}\ns3              ${status.endpoints.s3 ?? 'AWS'}\n\n`);
        printTable(['table', 'name', 'status', 'items'], tables.map((t) => [t.id, t.name, t.status, t.items]));
        process.stdout.write('\n');
        printTable(['bucket', 'name', 'exists'], buckets.map((b) => [b.id, b.name, b.exists ? 'yes' : 'no']));
      } finally {
        await platform.close();
      }
    });
}
