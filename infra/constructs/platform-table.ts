// A DynamoDB table built from its declaration in config/resources.ts: on-demand, point-in-time
// recovery, encrypted, with the declared keys, global indexes and TTL attribute.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { AttributeType, TableDefinition } from '../../config/resources';

export interface PlatformTableProps {
  readonly definition: TableDefinition;
  readonly tableName: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

const TYPES: Record<AttributeType, dynamodb.AttributeType> = { S: dynamodb.AttributeType.STRING, N: dynamodb.AttributeType.NUMBER };

export class PlatformTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: PlatformTableProps) {
    super(scope, id);
    const d = props.definition;
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: d.partitionKey.name, type: TYPES[d.partitionKey.type] },
      sortKey: d.sortKey ? { name: d.sortKey.name, type: TYPES[d.sortKey.type] } : undefined,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      ...(d.ttlAttribute ? { timeToLiveAttribute: d.ttlAttribute } : {}),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const ix of d.globalIndexes ?? []) {
      this.table.addGlobalSecondaryIndex({
        indexName: ix.indexName,
        partitionKey: { name: ix.partitionKey.name, type: TYPES[ix.partitionKey.type] },
        sortKey: ix.sortKey ? { name: ix.sortKey.name, type: TYPES[ix.sortKey.type] } : undefined,
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
