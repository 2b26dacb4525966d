// The one source of truth for the platform's stateful resources: every DynamoDB table and S3
// bucket, with names, key schemas and indexes. The CDK data stack and the embedded local cloud
// both build from this list, so a table that exists in the cloud exists locally with the same
// name and shape.
import { HEAD_COUNTER_ATTRIBUTE } from '../core/audit/audit-log';
import { INFERENCE_TTL_ATTRIBUTE } from '../core/serving/prediction-log';

export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** Logical id, also the suffix of the physical name. */
  readonly id: TableId;
  readonly description: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalIndexes?: readonly IndexDefinition[];
  /**
   * Attributes an `append` grant may update in place (counters such as the audit chain's head);
   * every other attribute is written once, by PutItem. @default none
   */
  readonly appendCounters?: readonly string[];
  /** Attribute holding an item's expiry (epoch seconds): DynamoDB's TTL on AWS, the local sweeper locally. @default none */
  readonly ttlAttribute?: string;
}

export interface BucketDefinition {
  readonly id: BucketId;
  readonly description: string;
  /** Current objects expire after config.serving.telemetryRetentionDays (a lifecycle rule on AWS, the local sweeper). @default never */
  readonly expiresWithTelemetryRetention?: boolean;
}

export type TableId = 'registry' | 'datasets' | 'audit' | 'jobs' | 'inference' | 'experiments' | 'drift' | 'federated';
export type BucketId = 'artefacts' | 'datasets' | 'telemetry';

/** Every table of the platform. */
export const TABLES: readonly TableDefinition[] = [
  {
    id: 'registry',
    description: 'Model lineages: versions, aliases and alias history (single-table design, pk/sk)',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
  },
  {
    id: 'datasets',
    description: 'Dataset manifests: one item per dataset version',
    partitionKey: { name: 'name', type: 'S' },
    sortKey: { name: 'version', type: 'N' },
  },
  {
    id: 'audit',
    description: 'Append-only, hash-chained audit records',
    partitionKey: { name: 'stream', type: 'S' },
    sortKey: { name: 'seq', type: 'N' },
    appendCounters: [HEAD_COUNTER_ATTRIBUTE],
  },
  {
    id: 'jobs',
    description: 'Training jobs with their trigger, state and timings',
    partitionKey: { name: 'jobId', type: 'S' },
    globalIndexes: [
      {
        indexName: 'byModel',
        partitionKey: { name: 'model', type: 'S' },
        sortKey: { name: 'createdAt', type: 'S' },
      },
    ],
  },
  {
    id: 'inference',
    description: 'Served predictions by request (joined with feedback), per-version request statistics, feedback',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    // requests and feedback expire after config.serving.inferenceRetentionDays (core/serving INFERENCE_TTL_ATTRIBUTE); counters never
    ttlAttribute: INFERENCE_TTL_ATTRIBUTE,
  },
  {
    id: 'drift',
    description: 'Drift-check reports per model (per-feature scores, verdict, window), newest by windowEnd',
    partitionKey: { name: 'model', type: 'S' },
    sortKey: { name: 'windowEnd', type: 'S' },
  },
  {
    id: 'experiments',
    description: 'A/B, shadow and canary experiments, the running-experiment pointer per model, per-arm routing counters',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
  },
  {
    id: 'federated',
    description: 'Federated runs and their rounds (deadline, minimum participants, who took part, dropouts, ε spent), newest runs by an index partition',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
  },
];

/** Every bucket of the platform. */
export const BUCKETS: readonly BucketDefinition[] = [
  { id: 'artefacts', description: 'Model artefact bundles (content-addressed, immutable keys)' },
  { id: 'datasets', description: 'Dataset versions as Parquet chunks (content-addressed, immutable keys)' },
  {
    id: 'telemetry',
    description: 'Sampled inference inputs and outputs (features, prediction, version) for drift checks',
    expiresWithTelemetryRetention: true,
  },
];

/** Physical name of a table for a stage: `xdr-ml-<stage>-<id>`. */
export function tableName(stage: string, id: TableId): string {
  return `xdr-ml-${stage}-${id}`;
}

/**
 * Physical name of a bucket: `xdr-ml-<stage>-<id>-<account>-<region>` (bucket names are global,
 * so the account and region make them unique).
 */
export function bucketName(stage: string, id: BucketId, account: string, region: string): string {
  return `xdr-ml-${stage}-${id}-${account}-${region}`;
}
