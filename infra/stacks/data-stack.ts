// The stateful stack: every table and bucket of config/resources.ts. Kept apart from the
// stateless stacks so they can be replaced freely without touching data.
import { CfnOutput, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../../config/config';
import { BUCKETS, TABLES, type BucketId, type TableId } from '../../config/resources';
import { PlatformTable } from '../constructs/platform-table';
import { SecureBucket } from '../constructs/secure-bucket';
import { TelemetryTable } from '../constructs/telemetry-table';

/** `audit-log` → `AuditLog`, for output ids. */
const pascal = (id: string) => id.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase());

export interface DataStackProps extends StackProps {
  readonly config: PlatformConfig;
}

export class DataStack extends Stack {
  public readonly tables: Readonly<Record<TableId, dynamodb.ITable>>;
  public readonly buckets: Readonly<Record<BucketId, s3.IBucket>>;
  public readonly accessLogsBucket: s3.Bucket;
  /** The telemetry objects as a Glue table (Athena: `SELECT … FROM <database>.telemetry WHERE model = '…'`). */
  public readonly telemetryTable: TelemetryTable;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log destination; logging it to itself would loop and a third bucket only moves the finding.',
    });

    const buckets = {} as Record<BucketId, s3.IBucket>;
    for (const b of BUCKETS) {
      buckets[b.id] = new SecureBucket(this, `${b.id}-bucket`, {
        bucketName: props.config.buckets[b.id],
        accessLogsBucket: this.accessLogsBucket,
        accessLogsPrefix: `${b.id}/`,
        ...(b.expiresWithTelemetryRetention ? { expireAfterDays: props.config.serving.telemetryRetentionDays } : {}),
      }).bucket;
    }
    const tables = {} as Record<TableId, dynamodb.ITable>;
    for (const t of TABLES) {
      tables[t.id] = new PlatformTable(this, `${t.id}-table`, { definition: t, tableName: props.config.tables[t.id] }).table;
    }
    this.buckets = buckets;
    this.tables = tables;
    this.telemetryTable = new TelemetryTable(this, 'TelemetryTable', {
      bucket: buckets.telemetry,
      databaseName: `xdr_ml_${props.config.stage.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`,
    });
    new CfnOutput(this, 'TelemetryGlueTable', {
      value: `${this.telemetryTable.database.ref}.${this.telemetryTable.tableName}`,
      description: 'The telemetry objects as a Glue table (Athena)',
    });
    // what a platform team needs after deploy: the names, without reading the console
    for (const b of BUCKETS) new CfnOutput(this, `${pascal(b.id)}BucketName`, { value: buckets[b.id].bucketName, description: `The ${b.id} bucket` });
    for (const t of TABLES) new CfnOutput(this, `${pascal(t.id)}TableName`, { value: tables[t.id].tableName, description: `The ${t.id} table` });
  }
}
