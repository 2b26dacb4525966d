// The platform's one typed, validated configuration: every setting any part of the platform reads
// (Lambdas, the CLI and local server, the training container, CDK), declared once with its
// environment variable, its default and — for deploy-time settings — its CDK context key. Invalid
// values fail at start with a ConfigError that names the key. Nothing else reads the environment.
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_COLLECTION_DATASETS } from '../core/datasets/collection';
import { ModelName, TenantId } from '../core/names';
import { PROMOTION_POLICIES, type PromotionPolicy } from '../core/registry/lineage-spec';
import { parseSchedule } from '../core/retraining/schedule'; // a pure parser: the one EventBridge reading, shared with the local scheduler
import { CODE_VERSION_ENV, ConfigError, PACKAGE_VERSION } from './code-version';
import { isSageMakerTrainingInstanceType } from '../core/resources/sagemaker-instances';
import { processEnvironment } from './environment';
import { BUCKETS, TABLES, bucketName, tableName, type BucketId, type TableId } from './resources';

export { CODE_VERSION_ENV, ConfigError, PACKAGE_VERSION, codeVersion } from './code-version';

/** The environment variable of each setting. */
export const ENV_KEYS = {
  stage: 'XDR_ML_STAGE',
  region: 'AWS_REGION',
  account: 'XDR_ML_ACCOUNT',
  dynamodbEndpoint: 'XDR_ML_DYNAMODB_ENDPOINT',
  s3Endpoint: 'XDR_ML_S3_ENDPOINT',
  eventBridgeEndpoint: 'XDR_ML_EVENTBRIDGE_ENDPOINT',
  eventBusName: 'XDR_ML_EVENT_BUS',
  defaultModel: 'XDR_ML_DEFAULT_MODEL',
  autoRetrain: 'XDR_ML_AUTO_RETRAIN',
  retrainSchedule: 'XDR_ML_RETRAIN_SCHEDULE',
  adaptSchedule: 'XDR_ML_ADAPT_SCHEDULE',
  minMacroF1: 'XDR_ML_MIN_MACRO_F1',
  maxRecallDrop: 'XDR_ML_MAX_RECALL_DROP',
  driftShareThreshold: 'XDR_ML_DRIFT_SHARE',
  dataVolumeThreshold: 'XDR_ML_DATA_VOLUME_THRESHOLD',
  dataVolumeAction: 'XDR_ML_DATA_VOLUME_ACTION',
  accuracyThreshold: 'XDR_ML_ACCURACY_THRESHOLD',
  recallFloor: 'XDR_ML_RECALL_FLOOR',
  onnxMergeBudgetBytes: 'XDR_ML_ONNX_MERGE_BUDGET_BYTES',
  onnxMergeMaxNodes: 'XDR_ML_ONNX_MERGE_MAX_NODES',
  // training jobs and the retraining machinery
  trainingBackend: 'XDR_ML_TRAINING_BACKEND',
  trainingImage: 'XDR_ML_TRAINING_IMAGE',
  trainingImageTag: 'XDR_ML_TRAINING_IMAGE_TAG',
  trainingRoleArn: 'XDR_ML_TRAINING_ROLE_ARN',
  trainingInstanceType: 'XDR_ML_TRAINING_INSTANCE_TYPE',
  trainingMaxRuntimeSeconds: 'XDR_ML_TRAINING_MAX_RUNTIME_SECONDS',
  trainingSpotMaxWaitSeconds: 'XDR_ML_TRAINING_SPOT_MAX_WAIT_SECONDS',
  batchJobQueue: 'XDR_ML_BATCH_JOB_QUEUE',
  batchJobDefinition: 'XDR_ML_BATCH_JOB_DEFINITION',
  trainingDataset: 'XDR_ML_TRAINING_DATASET',
  trainingAlgorithm: 'XDR_ML_TRAINING_ALGORITHM',
  trainingClasses: 'XDR_ML_TRAINING_CLASSES',
  trainingSeed: 'XDR_ML_TRAINING_SEED',
  cooldownHours: 'XDR_ML_RETRAIN_COOLDOWN_HOURS',
  promotionPolicy: 'XDR_ML_PROMOTION_POLICY',
  // serving and its retention
  sampleRate: 'XDR_ML_SAMPLE_RATE',
  telemetryMaxFlows: 'XDR_ML_TELEMETRY_MAX_FLOWS',
  telemetryFlushMs: 'XDR_ML_TELEMETRY_FLUSH_MS',
  telemetryRetentionDays: 'XDR_ML_TELEMETRY_RETENTION_DAYS',
  telemetryMaxBytes: 'XDR_ML_TELEMETRY_MAX_BYTES',
  inferenceRetentionDays: 'XDR_ML_INFERENCE_RETENTION_DAYS',
  // training data
  collectionDatasets: 'XDR_ML_COLLECTION_DATASETS',
  tenants: 'XDR_ML_TENANTS',
  tenantRunners: 'XDR_ML_TENANT_RUNNERS',
  experimentCacheMs: 'XDR_ML_EXPERIMENT_CACHE_MS',
  canaryCheckMs: 'XDR_ML_CANARY_CHECK_MS',
  experimentHistoryMs: 'XDR_ML_EXPERIMENT_HISTORY_MS',
  // the CLI and the local platform
  target: 'XDR_ML_TARGET',
  home: 'XDR_ML_HOME',
  port: 'PORT',
  localToken: 'XDR_ML_LOCAL_TOKEN',
  bootstrap: 'XDR_ML_BOOTSTRAP',
  accessLog: 'XDR_ML_ACCESS_LOG',
  localMetrics: 'XDR_ML_LOCAL_METRICS',
  apiUrl: 'XDR_ML_API_URL',
  datasetsDir: 'DATASETS_DIR',
  actor: 'XDR_ML_ACTOR',
  user: 'USER',
  userName: 'USERNAME',
  codeVersion: CODE_VERSION_ENV,
  faultPoint: 'XDR_ML_FAULT_POINT',
  // the training container (SageMaker contract; AWS Batch passes its channels as variables)
  containerBaseDir: 'SM_BASE_DIR',
  containerHyperparameters: 'XDR_ML_HYPERPARAMETERS',
  containerManifestChannel: 'XDR_ML_CHANNEL_MANIFEST',
  containerTrainingChannel: 'XDR_ML_CHANNEL_TRAINING',
  containerOutputUri: 'XDR_ML_OUTPUT_URI',
  containerExtraChannels: 'XDR_ML_CHANNEL_EXTRA',
  containerParentChannel: 'XDR_ML_CHANNEL_PARENT',
  // deploy time (the CDK CLI sets these)
  cdkDefaultAccount: 'CDK_DEFAULT_ACCOUNT',
  cdkDefaultRegion: 'CDK_DEFAULT_REGION',
} as const;

export type SettingKey = keyof typeof ENV_KEYS;

/** Settings a deployment may also take from CDK context (`cdk deploy -c stage=prod`, cdk.json). */
export const CONTEXT_KEYS = [
  'stage',
  'region',
  'account',
  'autoRetrain',
  'retrainSchedule',
  'adaptSchedule',
  'minMacroF1',
  'maxRecallDrop',
  'driftShareThreshold',
  'dataVolumeThreshold',
  'dataVolumeAction',
  'accuracyThreshold',
  'recallFloor',
  'defaultModel',
  'onnxMergeBudgetBytes',
  'onnxMergeMaxNodes',
  'trainingImageTag',
  'trainingInstanceType',
  'promotionPolicy',
  'cooldownHours',
  'trainingBackend',
  'telemetryRetentionDays',
  'inferenceRetentionDays',
  'collectionDatasets',
  'tenants',
] as const satisfies readonly SettingKey[];

const booleanText = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');
const numberText = (min: number, max: number) =>
  z
    .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a number')])
    .transform((v) => Number(v))
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const integerText = (min: number, max: number) =>
  z
    .union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number')])
    .transform((v) => Number(v))
    .pipe(z.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const url = z.string().url('must be a URL such as http://127.0.0.1:4566');
const text = z.string().min(1);

/** A collection-dataset pattern: a dataset name, or a name prefix ending in `*`. */
const COLLECTION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\*?$/;

/** Training backends: SageMaker, AWS Batch, or a child process of the local platform. */
export const TRAINING_BACKENDS = ['sagemaker', 'batch', 'local'] as const;
export type TrainingBackendKind = (typeof TRAINING_BACKENDS)[number];

/** Raw settings schema: one entry per setting, each with its default. */

/** An EventBridge schedule expression, read as EventBridge reads it; the message names examples. */
function scheduleExpression(examples: string) {
  return z.string().superRefine((expression, ctx) => {
    try {
      parseSchedule(expression);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `must be an EventBridge schedule such as ${examples}: ${(err as Error).message}` });
    }
  });
}

const settingsSchema = z.object({
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be 1-20 chars of a-z, 0-9 and -, starting with a letter')
    .default('local'),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')
    .default('us-east-1'),
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .default('000000000000'),
  dynamodbEndpoint: url.optional(),
  s3Endpoint: url.optional(),
  eventBridgeEndpoint: url.optional(),
  eventBusName: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,256}$/, 'must be an EventBridge bus name')
    .optional(),
  defaultModel: ModelName.default('general'),
  autoRetrain: booleanText.default(false),
  retrainSchedule: scheduleExpression("'rate(24 hours)' or 'cron(0 3 * * ? *)'").default('rate(24 hours)'),
  // off unless set: every deployed lineage adapts on its new samples when they reach its threshold
  adaptSchedule: scheduleExpression("'rate(6 hours)' or 'cron(0 * * * ? *)'").optional(),
  minMacroF1: numberText(0, 1).default(0.5),
  maxRecallDrop: numberText(0, 1).default(0.05),
  driftShareThreshold: numberText(0, 1).default(0.5),
  dataVolumeThreshold: numberText(1, 1e9).default(1000),
  dataVolumeAction: z.enum(['retrain', 'adapt']).default('retrain'),
  accuracyThreshold: numberText(0, 1).default(0.8),
  recallFloor: numberText(0, 1).default(0.5),
  onnxMergeBudgetBytes: integerText(0, 1024 ** 3).default(4 * 1024 * 1024),
  onnxMergeMaxNodes: integerText(0, 1 << 20).default(4096),
  trainingBackend: z.enum(TRAINING_BACKENDS).default('sagemaker'),
  trainingImage: text.optional(),
  trainingImageTag: z
    .string()
    .regex(/^[\w][\w.-]{0,127}$/, 'must be an image tag')
    .default('latest'),
  trainingRoleArn: text.optional(),
  trainingInstanceType: z
    .string()
    .regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'must be a SageMaker instance type such as ml.m5.xlarge')
    .default('ml.m5.xlarge'),
  trainingMaxRuntimeSeconds: numberText(60, 28 * 24 * 3600).default(4 * 3600),
  trainingSpotMaxWaitSeconds: numberText(60, 28 * 24 * 3600).optional(),
  batchJobQueue: text.optional(),
  batchJobDefinition: text.optional(),
  trainingDataset: text.optional(),
  trainingAlgorithm: z.enum(['gbdt', 'mlp']).default('gbdt'),
  trainingClasses: z.enum(['fine', 'taxonomy', 'mini-xdr', 'kdd-category']).default('taxonomy'),
  trainingSeed: integerText(0, Number.MAX_SAFE_INTEGER).default(42),
  cooldownHours: numberText(0, 24 * 30).default(6),
  promotionPolicy: z.enum(PROMOTION_POLICIES as [PromotionPolicy, ...PromotionPolicy[]]).default('manual'),
  sampleRate: numberText(0, 1).default(1),
  telemetryMaxFlows: integerText(1, 1000).default(100),
  telemetryFlushMs: integerText(0, 60_000).optional(),
  telemetryRetentionDays: integerText(1, 3650).default(30),
  telemetryMaxBytes: integerText(1024 * 1024, 1024 ** 4).default(256 * 1024 * 1024),
  inferenceRetentionDays: integerText(1, 3650).default(90),
  collectionDatasets: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== ''),
    )
    .pipe(
      z
        .array(z.string().regex(COLLECTION_PATTERN, 'must be dataset names or name prefixes ending in *, separated by commas'))
        .min(1, 'must name at least one dataset'),
    )
    .default([...DEFAULT_COLLECTION_DATASETS]),
  tenants: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== ''),
    )
    .pipe(z.array(TenantId).refine((ids) => new Set(ids).size === ids.length, 'must not repeat a tenant'))
    .default([]),
  // tenant=<participant role ARN (sagemaker) or job definition ARN (batch)>, comma-separated (the training stack sets it)
  tenantRunners: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== ''),
    )
    .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]{0,62}=arn:[^,=\s]+$/, 'must be tenant=<ARN> pairs, separated by commas')))
    .transform((pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)])) as Record<string, string>)
    .default({}),
  experimentCacheMs: integerText(0, 24 * 3600_000).default(5000),
  canaryCheckMs: integerText(0, 24 * 3600_000).default(10_000),
  experimentHistoryMs: integerText(1000, 24 * 3600_000).default(600_000),
  target: z.enum(['local', 'aws']).optional(),
  home: text.optional(),
  port: integerText(0, 65535).default(3000),
  localToken: z
    .string()
    .regex(/^[\x21-\x7e]{16,256}$/, 'must be 16-256 printable characters without spaces (e.g. openssl rand -hex 24)')
    .optional(),
  bootstrap: booleanText.default(true),
  accessLog: booleanText.default(true),
  localMetrics: booleanText.default(false),
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
  datasetsDir: text.optional(),
  actor: z.string().trim().min(1).optional(),
  user: text.optional(),
  userName: text.optional(),
  codeVersion: z.string().trim().min(1).optional(),
  faultPoint: z
    .string()
    .regex(/^[a-z][a-z.-]{2,80}$/, 'must be a fault point such as registry.move.after-commit')
    .optional(),
  containerBaseDir: text.optional(),
  containerHyperparameters: text.optional(),
  containerManifestChannel: text.optional(),
  containerTrainingChannel: text.optional(),
  containerOutputUri: text.optional(),
  containerExtraChannels: text.optional(),
  containerParentChannel: text.optional(),
  cdkDefaultAccount: text.optional(),
  cdkDefaultRegion: text.optional(),
});

/** Where the real datasets are when DATASETS_DIR is not set: ../shared/datasets beside the checkout. */
export const DEFAULT_DATASETS_DIR = path.resolve(__dirname, '..', '..', 'shared', 'datasets');

export interface TrainingConfig {
  /** Who runs training jobs. The local platform always uses 'local'. */
  readonly backend: TrainingBackendKind;
  /** SageMaker: the training image URI; Batch gets it from the job definition. */
  readonly image?: string;
  /** Tag of the training image in the stack's repository (CDK). */
  readonly imageTag: string;
  readonly roleArn?: string;
  readonly instanceType: string;
  readonly maxRuntimeSeconds: number;
  readonly spotMaxWaitSeconds?: number;
  readonly batchJobQueue?: string;
  readonly batchJobDefinition?: string;
  /**
   * Per tenant, what its jobs (federated participants, tenant variants) run under: the participant
   * role ARN (SageMaker RoleArn) or a job definition ARN whose job role is it (Batch). A tenant's job
   * never runs under the shared training role. @default {}
   */
  readonly tenantRunners: Readonly<Record<string, string>>;
  /** What a retrain trains when nothing else says (dataset unset: the local platform uses the production version's). */
  readonly defaults: {
    readonly dataset?: string;
    readonly algorithm: 'gbdt' | 'mlp';
    readonly classes: 'fine' | 'taxonomy' | 'mini-xdr' | 'kdd-category';
    readonly seed: number;
  };
  /** Minimum hours between two launches for one model. */
  readonly cooldownHours: number;
  /** What the completion handler does with a new candidate unless its lineage's spec says otherwise. @default 'manual' (a person decides), locally and on AWS */
  readonly promotionPolicy: PromotionPolicy;
}

export interface PlatformConfig {
  readonly stage: string;
  readonly region: string;
  readonly account: string;
  /** Endpoint overrides (embedded local cloud, LocalStack). Absent = real AWS. */
  readonly endpoints: { readonly dynamodb?: string; readonly s3?: string; readonly eventBridge?: string };
  readonly tables: Readonly<Record<TableId, string>>;
  readonly buckets: Readonly<Record<BucketId, string>>;
  readonly eventBusName: string;
  readonly defaultModel: string;
  readonly autoRetrain: { readonly enabled: boolean; readonly schedule: string };
  /** Online learning: the adaptation schedule of every deployed lineage (absent: no schedule). */
  readonly online: { readonly adaptSchedule?: string };
  readonly thresholds: {
    /** Promotion gate: minimum macro-F1 of a candidate. */
    readonly minMacroF1: number;
    /** Promotion gate: maximum per-class recall drop against production. */
    readonly maxRecallDrop: number;
    /** Dataset drift when at least this share of features drifts. */
    readonly driftShareThreshold: number;
    /** Labelled samples since the last training that trigger DataVolumeReached. */
    readonly dataVolumeThreshold: number;
    /** What DataVolumeReached starts: a full retrain, or an online adaptation of production (a full retrain when it cannot adapt). */
    readonly dataVolumeAction: 'retrain' | 'adapt';
    /** Online accuracy below this raises PerformanceDegraded. */
    readonly accuracyThreshold: number;
    /** An attack class whose recall on labelled feedback falls below this raises PerformanceDegraded (0 = off). */
    readonly recallFloor: number;
  };
  /**
   * How training jobs export GBDT models to ONNX: runs of trees are served merged into single
   * trees of at most `mergeMaxNodes` nodes, all within `mergeBudgetBytes` (0 = no merging).
   * Merging serves more rows/s for a bigger graph and a slower cold load.
   */
  readonly onnx: { readonly mergeBudgetBytes: number; readonly mergeMaxNodes: number };
  readonly training: TrainingConfig;
  readonly serving: {
    /** Share of predict requests whose flows are kept as telemetry, in [0, 1]. */
    readonly sampleRate: number;
    /** Most flows of one request kept in its telemetry sample (a seeded subset of larger batches). @default 100 */
    readonly telemetryMaxFlows: number;
    /**
     * Longest a sampled telemetry row waits in the server's buffer before its Parquet object is
     * written (a crash loses at most this window of samples). Unset: 0 on Lambda (written before the
     * response), 1000 on the local server. @default undefined
     */
    readonly telemetryFlushMs?: number;
    /** Days a telemetry sample is kept: an S3 lifecycle expiration on AWS, the local sweeper's age bound. @default 30 */
    readonly telemetryRetentionDays: number;
    /** Local only: the telemetry bucket's size bound; the sweeper deletes the oldest samples past it. @default 268435456 (256 MiB) */
    readonly telemetryMaxBytes: number;
    /** Days a served request's record (the feedback join) is kept: DynamoDB TTL on AWS, the local sweeper. @default 90 */
    readonly inferenceRetentionDays: number;
    /** How long a model's running experiment is cached by the router. */
    readonly experimentCacheMs: number;
    /** The least time between two canary guard runs. */
    readonly canaryCheckMs: number;
    /** The time bucket of an experiment's results history: at most one point per bucket (the latest results computed in it). @default 600000 */
    readonly experimentHistoryMs: number;
  };
  /**
   * Datasets POST /training-data may write: names, or prefixes ending in `*` (each lineage's own
   * collection dataset is accepted besides). Curated datasets change only through ingest. @default ['collected*']
   */
  readonly collectionDatasets: readonly string[];
  /** Federated learning: the tenants the deployment knows (one participant role each on AWS). @default [] */
  readonly federated: { readonly tenants: readonly string[] };
  /** The CLI and the local platform. */
  readonly local: {
    /** XDR_ML_TARGET: 'aws' talks to the deployed stores; unset or 'local' uses the embedded cloud (unless endpoints are overridden). */
    readonly target?: 'local' | 'aws';
    /** The state directory of the embedded cloud. */
    readonly home: string;
    readonly port: number;
    /** XDR_ML_LOCAL_TOKEN: when set, the local API requires it on every route but the health check. */
    readonly token?: string;
    /** Whether the first `npm start` bootstraps the default model. */
    readonly bootstrap: boolean;
    /** Whether the local server prints one access-log line per request. */
    readonly accessLog: boolean;
    /** Whether the local server prints the handlers' metrics (EMF JSON) on its console. */
    readonly metrics: boolean;
    /** XDR_ML_API_URL: the API `xdr-ml api` calls (the deployed stack's ApiUrl output, or the local server's URL). */
    readonly apiUrl?: string;
    /** Where the real datasets are (DATASETS_DIR, else ../shared/datasets beside the checkout). */
    readonly datasetsDir: string;
    /** True when DATASETS_DIR was set. */
    readonly datasetsDirSet: boolean;
    /** XDR_ML_ACTOR: who the CLI acts as (else `cli:<login name>`). */
    readonly actor?: string;
    /** The login name from the environment (USER / USERNAME). */
    readonly user?: string;
  };
  /** package.json version, plus "+<XDR_CODE_VERSION>" when set (e.g. the git sha). */
  readonly codeVersion: string;
  /** Crash tests only: the process kills itself (SIGKILL) when it reaches this named point. */
  readonly faultPoint?: string;
  /** The training container's contract locations (SageMaker's SM_BASE_DIR; Batch's S3 channels). */
  readonly container: {
    readonly baseDir?: string;
    readonly hyperparameters?: string;
    readonly manifestChannel?: string;
    readonly trainingChannel?: string;
    readonly outputUri?: string;
    /** AWS Batch: JSON list of { training, manifest } s3:// URIs of further datasets. */
    readonly extraChannels?: string;
    /** AWS Batch: s3:// URI of an adaptation's staged parent (a prefix holding PARENT_INPUT_FILES). */
    readonly parentChannel?: string;
  };
  /** The account and region the CDK CLI deploys to, when it says. */
  readonly deployment: { readonly account?: string; readonly region?: string };
}

export type ConfigSource = Partial<Record<SettingKey, string | number | boolean | undefined>>;

/**
 * Builds the configuration from explicit settings (CDK context, a process's own choices) over the
 * environment. Table names may be overridden per table with XDR_ML_TABLE_<ID>, buckets with
 * XDR_ML_BUCKET_<ID>.
 *
 * @param overridesFrom names where the overrides come from in errors (e.g. 'CDK context')
 * @example const config = loadConfig(); // reads the process environment
 * @throws ConfigError naming the offending key
 */
export function loadConfig(env: NodeJS.ProcessEnv = processEnvironment(), overrides: ConfigSource = {}, overridesFrom?: string): PlatformConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, envKey] of Object.entries(ENV_KEYS) as [SettingKey, string][]) {
    const value = overrides[key] ?? env[envKey];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? 'config') as SettingKey;
    const envKey = ENV_KEYS[key] ?? key;
    const where = overridesFrom && overrides[key] !== undefined ? `${overridesFrom} ${key}` : key;
    throw new ConfigError(`Invalid configuration: ${envKey} (${where}) ${issue.message} (got ${JSON.stringify(raw[key])})`, envKey);
  }
  const s = parsed.data;
  const tables = Object.fromEntries(TABLES.map((t) => [t.id, env[`XDR_ML_TABLE_${t.id.toUpperCase()}`] || tableName(s.stage, t.id)])) as Record<
    TableId,
    string
  >;
  const buckets = Object.fromEntries(
    BUCKETS.map((b) => [b.id, env[`XDR_ML_BUCKET_${b.id.toUpperCase()}`] || bucketName(s.stage, b.id, s.account, s.region)]),
  ) as Record<BucketId, string>;
  return {
    stage: s.stage,
    region: s.region,
    account: s.account,
    endpoints: { dynamodb: s.dynamodbEndpoint, s3: s.s3Endpoint, eventBridge: s.eventBridgeEndpoint },
    tables,
    buckets,
    eventBusName: s.eventBusName ?? `xdr-ml-${s.stage}-events`,
    defaultModel: s.defaultModel,
    autoRetrain: { enabled: s.autoRetrain, schedule: s.retrainSchedule },
    online: { ...(s.adaptSchedule ? { adaptSchedule: s.adaptSchedule } : {}) },
    thresholds: {
      minMacroF1: s.minMacroF1,
      maxRecallDrop: s.maxRecallDrop,
      driftShareThreshold: s.driftShareThreshold,
      dataVolumeThreshold: s.dataVolumeThreshold,
      dataVolumeAction: s.dataVolumeAction,
      accuracyThreshold: s.accuracyThreshold,
      recallFloor: s.recallFloor,
    },
    onnx: { mergeBudgetBytes: s.onnxMergeBudgetBytes, mergeMaxNodes: s.onnxMergeMaxNodes },
    training: {
      backend: s.trainingBackend,
      image: s.trainingImage,
      imageTag: s.trainingImageTag,
      roleArn: s.trainingRoleArn,
      instanceType: s.trainingInstanceType,
      maxRuntimeSeconds: s.trainingMaxRuntimeSeconds,
      spotMaxWaitSeconds: s.trainingSpotMaxWaitSeconds,
      batchJobQueue: s.batchJobQueue,
      batchJobDefinition: s.batchJobDefinition,
      tenantRunners: s.tenantRunners,
      defaults: { dataset: s.trainingDataset, algorithm: s.trainingAlgorithm, classes: s.trainingClasses, seed: s.trainingSeed },
      cooldownHours: s.cooldownHours,
      promotionPolicy: s.promotionPolicy,
    },
    serving: {
      sampleRate: s.sampleRate,
      telemetryMaxFlows: s.telemetryMaxFlows,
      ...(s.telemetryFlushMs !== undefined ? { telemetryFlushMs: s.telemetryFlushMs } : {}),
      telemetryRetentionDays: s.telemetryRetentionDays,
      telemetryMaxBytes: s.telemetryMaxBytes,
      inferenceRetentionDays: s.inferenceRetentionDays,
      experimentCacheMs: s.experimentCacheMs,
      canaryCheckMs: s.canaryCheckMs,
      experimentHistoryMs: s.experimentHistoryMs,
    },
    collectionDatasets: s.collectionDatasets,
    federated: { tenants: s.tenants },
    local: {
      target: s.target,
      home: path.resolve(s.home ?? '.xdr-ml'),
      port: s.port,
      token: s.localToken,
      bootstrap: s.bootstrap,
      accessLog: s.accessLog,
      metrics: s.localMetrics,
      apiUrl: s.apiUrl,
      datasetsDir: s.datasetsDir ?? DEFAULT_DATASETS_DIR,
      datasetsDirSet: s.datasetsDir !== undefined,
      actor: s.actor,
      user: s.user ?? s.userName,
    },
    codeVersion: s.codeVersion ? `${PACKAGE_VERSION}+${s.codeVersion}` : PACKAGE_VERSION,
    faultPoint: s.faultPoint,
    container: {
      baseDir: s.containerBaseDir,
      hyperparameters: s.containerHyperparameters,
      manifestChannel: s.containerManifestChannel,
      trainingChannel: s.containerTrainingChannel,
      outputUri: s.containerOutputUri,
      extraChannels: s.containerExtraChannels,
      parentChannel: s.containerParentChannel,
    },
    deployment: { account: s.cdkDefaultAccount, region: s.cdkDefaultRegion },
  };
}

/**
 * The configuration a deployment is synthesised with: CDK context over the environment, the CDK
 * CLI's account and region where the platform's own are unset; a training backend the cloud can
 * run (never 'local').
 * @throws ConfigError naming the context key or variable
 */
export function loadDeployConfig(env: NodeJS.ProcessEnv, context: ConfigSource): PlatformConfig {
  const deployment = loadConfig(env, {}, 'CDK context').deployment;
  const config = loadConfig(
    { ...env, [ENV_KEYS.account]: env[ENV_KEYS.account] ?? deployment.account, [ENV_KEYS.region]: env[ENV_KEYS.region] ?? deployment.region },
    context,
    'CDK context',
  );
  if (config.training.backend === 'local') {
    throw new ConfigError(
      `Invalid configuration: ${ENV_KEYS.trainingBackend} (CDK context trainingBackend) must be 'sagemaker' or 'batch' when deploying (got "local")`,
      ENV_KEYS.trainingBackend,
    );
  }
  // auto-retrain trains unattended: its instance type must be one SageMaker trains on (checked here,
  // with no account call; the quota and the region's offer are checked when auto-retrain is switched on)
  if (config.autoRetrain.enabled && config.training.backend === 'sagemaker' && !isSageMakerTrainingInstanceType(config.training.instanceType)) {
    throw new ConfigError(
      `Invalid configuration: ${ENV_KEYS.trainingInstanceType} (CDK context trainingInstanceType) "${config.training.instanceType}" is not a SageMaker training instance type, and auto-retrain (autoRetrain=true) would launch jobs on it (e.g. ml.m5.xlarge)`,
      ENV_KEYS.trainingInstanceType,
    );
  }
  return config;
}

/**
 * Throws a ConfigError naming `key` unless `value` is set: for settings one backend or door
 * requires (the SageMaker image, the Batch queue …).
 */
export function requireSetting<T>(value: T | undefined, key: SettingKey, why: string): T {
  if (value === undefined || value === null || value === '') throw new ConfigError(`Invalid configuration: ${ENV_KEYS[key]} is required ${why}`, ENV_KEYS[key]);
  return value;
}

/** Environment variables that make a Lambda function (or the training container) see the same configuration. */
export function configToEnvironment(config: PlatformConfig): Record<string, string> {
  const env: Record<string, string> = {
    [ENV_KEYS.stage]: config.stage,
    [ENV_KEYS.eventBusName]: config.eventBusName,
    [ENV_KEYS.defaultModel]: config.defaultModel,
    [ENV_KEYS.autoRetrain]: String(config.autoRetrain.enabled),
    [ENV_KEYS.retrainSchedule]: config.autoRetrain.schedule,
    ...(config.online.adaptSchedule ? { [ENV_KEYS.adaptSchedule]: config.online.adaptSchedule } : {}),
    [ENV_KEYS.minMacroF1]: String(config.thresholds.minMacroF1),
    [ENV_KEYS.maxRecallDrop]: String(config.thresholds.maxRecallDrop),
    [ENV_KEYS.driftShareThreshold]: String(config.thresholds.driftShareThreshold),
    [ENV_KEYS.dataVolumeThreshold]: String(config.thresholds.dataVolumeThreshold),
    [ENV_KEYS.dataVolumeAction]: config.thresholds.dataVolumeAction,
    [ENV_KEYS.accuracyThreshold]: String(config.thresholds.accuracyThreshold),
    [ENV_KEYS.recallFloor]: String(config.thresholds.recallFloor),
    [ENV_KEYS.onnxMergeBudgetBytes]: String(config.onnx.mergeBudgetBytes),
    [ENV_KEYS.onnxMergeMaxNodes]: String(config.onnx.mergeMaxNodes),
    [ENV_KEYS.cooldownHours]: String(config.training.cooldownHours),
    [ENV_KEYS.promotionPolicy]: config.training.promotionPolicy,
    [ENV_KEYS.sampleRate]: String(config.serving.sampleRate),
    [ENV_KEYS.telemetryMaxFlows]: String(config.serving.telemetryMaxFlows),
    [ENV_KEYS.telemetryRetentionDays]: String(config.serving.telemetryRetentionDays),
    [ENV_KEYS.inferenceRetentionDays]: String(config.serving.inferenceRetentionDays),
    [ENV_KEYS.collectionDatasets]: config.collectionDatasets.join(','),
    [ENV_KEYS.tenants]: config.federated.tenants.join(','),
    [ENV_KEYS.tenantRunners]: Object.entries(config.training.tenantRunners)
      .map(([t, arn]) => `${t}=${arn}`)
      .join(','),
  };
  for (const t of TABLES) env[`XDR_ML_TABLE_${t.id.toUpperCase()}`] = config.tables[t.id];
  for (const b of BUCKETS) env[`XDR_ML_BUCKET_${b.id.toUpperCase()}`] = config.buckets[b.id];
  return env;
}
