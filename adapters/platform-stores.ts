// Builds every store of the platform from the configuration: one place that knows which
// physical table and bucket each port maps to.
import { BUCKETS, TABLES, type BucketId, type TableId } from '../config/resources';
import type { PlatformConfig } from '../config/config';
import type { ItemTable, ObjectStore } from '../core/ports';
import { createAwsClients, type AwsClients } from './clients';
import { DynamoItemTable } from './dynamo-item-table';
import { S3ObjectStore } from './s3-object-store';

export interface PlatformStores {
  readonly clients: AwsClients;
  readonly tables: Readonly<Record<TableId, ItemTable>>;
  readonly buckets: Readonly<Record<BucketId, ObjectStore>>;
}

/** Creates the table and bucket adapters for a configuration (AWS or embedded endpoints). */
export function createPlatformStores(config: PlatformConfig, clients: AwsClients = createAwsClients(config)): PlatformStores {
  const tables = {} as Record<TableId, ItemTable>;
  for (const t of TABLES) tables[t.id] = new DynamoItemTable(clients.documents, config.tables[t.id], t);
  const buckets = {} as Record<BucketId, ObjectStore>;
  for (const b of BUCKETS) buckets[b.id] = new S3ObjectStore(clients.s3, config.buckets[b.id]);
  return { clients, tables, buckets };
}
