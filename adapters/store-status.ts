// What the platform's tables and buckets look like from outside: each table's status and item
// count (DescribeTable), whether each bucket exists (ListBuckets). For `xdr-ml status`.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../config/config';
import { BUCKETS, TABLES, type BucketId, type TableId } from '../config/resources';
import type { AwsClients } from './clients';

export interface StoreStatus {
  readonly tables: readonly { readonly id: TableId; readonly name: string; readonly status: string; readonly items: number }[];
  readonly buckets: readonly { readonly id: BucketId; readonly name: string; readonly exists: boolean }[];
}

/** Describes every table and bucket of config/resources.ts on the configured target. */
export async function describeStores(config: PlatformConfig, clients: AwsClients): Promise<StoreStatus> {
  const tables = [];
  for (const t of TABLES) {
    const name = config.tables[t.id];
    const d = await clients.dynamodb.send(new DescribeTableCommand({ TableName: name })).catch(() => undefined);
    tables.push({ id: t.id, name, status: d?.Table?.TableStatus ?? 'MISSING', items: d?.Table?.ItemCount ?? 0 });
  }
  const listed = new Set(((await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name));
  const buckets = BUCKETS.map((b) => ({ id: b.id, name: config.buckets[b.id], exists: listed.has(config.buckets[b.id]) }));
  return { tables, buckets };
}
