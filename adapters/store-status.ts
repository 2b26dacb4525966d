// What the platform's tables and buckets look like from outside: each table's status and item
// count, whether each bucket exists (ListBuckets). For `xdr-ml status`. DynamoDB refreshes a
// table's ItemCount about every six hours (dynalite never does), so on an endpoint override (the
// embedded cloud, LocalStack) the items are counted exactly with a COUNT scan; on AWS the count
// is DescribeTable's, marked approximate.
import { DescribeTableCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../config/config';
import { BUCKETS, TABLES, type BucketId, type TableId } from '../config/resources';
import type { AwsClients } from './clients';

export interface StoreStatus {
  readonly tables: readonly { readonly id: TableId; readonly name: string; readonly status: string; readonly items: number; readonly itemsExact: boolean }[];
  readonly buckets: readonly { readonly id: BucketId; readonly name: string; readonly exists: boolean }[];
}

/** Describes every table and bucket of config/resources.ts on the configured target. */
export async function describeStores(config: PlatformConfig, clients: AwsClients): Promise<StoreStatus> {
  const exact = config.endpoints.dynamodb !== undefined;
  const tables = await Promise.all(
    TABLES.map(async (t) => {
      const name = config.tables[t.id];
      const d = await clients.dynamodb.send(new DescribeTableCommand({ TableName: name })).catch(() => undefined);
      const status = d?.Table?.TableStatus ?? 'MISSING';
      const items = exact && d ? await countItems(clients.dynamodb, name) : (d?.Table?.ItemCount ?? 0);
      return { id: t.id, name, status, items, itemsExact: exact && d !== undefined };
    }),
  );
  const listed = new Set(((await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name));
  const buckets = BUCKETS.map((b) => ({ id: b.id, name: config.buckets[b.id], exists: listed.has(config.buckets[b.id]) }));
  return { tables, buckets };
}

/** Every item of a table, counted page by page (COUNT scans return no items). */
async function countItems(dynamodb: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}
