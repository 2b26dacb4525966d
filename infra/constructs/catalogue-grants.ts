// Least-privilege IAM for a catalogue function: exact actions (no action wildcards) on the
// platform tables and buckets its `access` names, with ARNs built from the configured physical
// names. Returns the cdk-nag finding ids that remain (object-key and index wildcards), so the
// caller can acknowledge exactly those, each with its reason.
import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { PlatformConfig } from '../../config/config';
import { TABLES, type BucketId, type TableId } from '../../config/resources';
import type { AccessDefinition, AccessMode, FunctionDefinition } from '../../config/functions';
import { nagArn } from './nag';
import type { XdrFunction } from './xdr-function';

const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DescribeTable', 'dynamodb:ConditionCheckItem'];
/** New items only; counters are updated by a separate statement limited to their attributes. */
const TABLE_APPEND = ['dynamodb:PutItem'];
const TABLE_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'];
const TABLE_DELETE = ['dynamodb:DeleteItem'];
const OBJECT_READ = ['s3:GetObject'];
const OBJECT_WRITE = ['s3:PutObject', 's3:AbortMultipartUpload'];
const OBJECT_DELETE = ['s3:DeleteObject'];

/** The table actions of an access mode (append's counter updates are granted apart, limited to their attributes). */
export function tableActions(mode: AccessMode): string[] {
  switch (mode) {
    case 'read':
      return TABLE_READ;
    case 'append':
      return [...TABLE_READ, ...TABLE_APPEND];
    case 'read-write':
      return [...TABLE_READ, ...TABLE_WRITE];
    case 'delete':
      return [...TABLE_READ, ...TABLE_WRITE, ...TABLE_DELETE];
  }
}

/** The object actions of an access mode on a bucket's keys (append and read-write: new content-addressed objects). */
export function objectActions(mode: AccessMode): string[] {
  switch (mode) {
    case 'read':
      return OBJECT_READ;
    case 'append':
    case 'read-write':
      return [...OBJECT_READ, ...OBJECT_WRITE];
    case 'delete':
      return [...OBJECT_READ, ...OBJECT_WRITE, ...OBJECT_DELETE];
  }
}

export interface CatalogueGrant {
  readonly statements: iam.PolicyStatement[];
  /** cdk-nag finding ids for wildcards that are inherent (object keys, index names). */
  readonly wildcardFindings: string[];
}

export function catalogueGrant(scope: IConstruct, access: AccessDefinition, config: PlatformConfig): CatalogueGrant {
  const stack = Stack.of(scope);
  const statements: iam.PolicyStatement[] = [];
  const wildcardFindings: string[] = [];
  for (const [id, mode] of Object.entries(access.tables ?? {}) as [TableId, AccessMode][]) {
    const tableArn = stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: config.tables[id] });
    const resources = [tableArn];
    const table = TABLES.find((t) => t.id === id);
    if (table?.globalIndexes?.length) {
      const indexArn = `${tableArn}/index/*`;
      resources.push(indexArn);
      wildcardFindings.push(`AwsSolutions::AwsSolutions-IAM5[Resource::${nagArn(scope, indexArn)}]`);
    }
    statements.push(new iam.PolicyStatement({ actions: tableActions(mode), resources }));
    if (mode === 'append' && table?.appendCounters?.length) {
      // An append may bump the declared counters (the audit chain's head) and nothing else: no record is ever rewritten.
      const keys = [table.partitionKey.name, ...(table.sortKey ? [table.sortKey.name] : [])];
      statements.push(
        new iam.PolicyStatement({
          actions: ['dynamodb:UpdateItem'],
          resources: [tableArn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...keys, ...table.appendCounters] } },
        }),
      );
    }
  }
  for (const [id, mode] of Object.entries(access.buckets ?? {}) as [BucketId, AccessMode][]) {
    const bucketArn = Arn.format({ service: 's3', region: '', account: '', resource: config.buckets[id], arnFormat: ArnFormat.NO_RESOURCE_NAME }, stack);
    const objectsArn = `${bucketArn}/*`;
    statements.push(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucketArn] }));
    statements.push(new iam.PolicyStatement({ actions: objectActions(mode), resources: [objectsArn] }));
    wildcardFindings.push(`AwsSolutions::AwsSolutions-IAM5[Resource::${nagArn(scope, objectsArn)}]`);
  }
  if (access.publishEvents) {
    const busArn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: config.eventBusName });
    statements.push(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [busArn] }));
  }
  return { statements, wildcardFindings };
}

/**
 * Gives a catalogue function its grants and acknowledges, one by one with the reason, the wildcard
 * findings they leave (used by every stack that builds functions from a catalogue).
 */
export function applyCatalogueGrant(fn: XdrFunction, definition: FunctionDefinition, config: PlatformConfig): void {
  const grant = catalogueGrant(fn, definition.access, config);
  for (const statement of grant.statements) fn.function.addToRolePolicy(statement);
  if (grant.wildcardFindings.length === 0) return;
  fn.acknowledge(
    ...grant.wildcardFindings.map((id) => ({
      id,
      reason: `${definition.id} reads/writes objects by key inside a platform bucket, or queries a platform table's indexes; keys and index names are data, so the ARN ends in a wildcard.`,
    })),
  );
}
