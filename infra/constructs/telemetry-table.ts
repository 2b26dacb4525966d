// The telemetry bucket as a Glue table, so Athena (or any engine reading the Glue catalogue)
// queries the Parquet objects serving writes (core/serving/telemetry-layout.ts) at scale. The
// partitions model and date are projected (no crawler, no partition maintenance): `model` is
// injected (a query names it: WHERE model = 'general'), `date` is a day range up to today. The
// table declares the fixed columns; a model's feature columns (`feature:<name>`, its schema) are in
// the same objects for any Parquet reader, or for a per-model table declared over them.
import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SAMPLES_PREFIX, TELEMETRY_COLUMNS, TELEMETRY_PARTITION_KEYS } from '../../core/serving/telemetry-layout';

export interface TelemetryTableProps {
  readonly bucket: s3.IBucket;
  /** Glue database name (lower case, underscores). */
  readonly databaseName: string;
  /** @default 'telemetry' */
  readonly tableName?: string;
  /** First day the date projection covers. @default '2024-01-01' */
  readonly firstDate?: string;
}

export class TelemetryTable extends Construct {
  public readonly database: glue.CfnDatabase;
  public readonly table: glue.CfnTable;
  public readonly tableName: string;

  constructor(scope: Construct, id: string, props: TelemetryTableProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.tableName = props.tableName ?? 'telemetry';
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { name: props.databaseName, description: 'Mini-XDR ML telemetry (sampled predict inputs and outputs)' },
    });
    const location = `s3://${props.bucket.bucketName}/${SAMPLES_PREFIX}`;
    const partitionTemplate = TELEMETRY_PARTITION_KEYS.map((k) => `${k}=\${${k}}`).join('/');
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: account,
      databaseName: props.databaseName,
      tableInput: {
        name: this.tableName,
        description: 'Sampled predict traffic: one row per flow (prediction id = request_id:flow_index), Parquet, partitioned by model and date',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'parquet',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          'projection.model.type': 'injected',
          'projection.date.type': 'date',
          'projection.date.format': 'yyyy-MM-dd',
          'projection.date.range': `${props.firstDate ?? '2024-01-01'},NOW`,
          'projection.date.interval': '1',
          'projection.date.interval.unit': 'DAYS',
          'storage.location.template': `${location}${partitionTemplate}/`,
        },
        partitionKeys: TELEMETRY_PARTITION_KEYS.map((name) => ({ name, type: 'string' })),
        storageDescriptor: {
          location,
          // the partition key `model` is also a column of the objects; Athena takes it from the partition
          columns: TELEMETRY_COLUMNS.filter((c) => !(TELEMETRY_PARTITION_KEYS as readonly string[]).includes(c.name)).map((c) => ({
            name: c.name,
            type: c.glue,
          })),
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    });
    this.table.addResourceDependency(this.database);
  }
}
