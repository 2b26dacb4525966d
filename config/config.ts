// The platform's one typed, validated configuration, read from the environment (Lambda, CLI,
// local server) or from CDK context (deploy time). Invalid values fail at start with a message
// that names the key.
import { z } from 'zod';
import { parseSchedule } from '../core/retraining/schedule'; // a pure parser: the one EventBridge reading, shared with the local scheduler
import { BUCKETS, TABLES, bucketName, tableName, type BucketId, type TableId } from './resources';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
  }
}

/** The key under which each setting is read from the environment. */
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
  minMacroF1: 'XDR_ML_MIN_MACRO_F1',
  maxRecallDrop: 'XDR_ML_MAX_RECALL_DROP',
  driftShareThreshold: 'XDR_ML_DRIFT_SHARE',
  dataVolumeThreshold: 'XDR_ML_DATA_VOLUME_THRESHOLD',
  onnxMergeBudgetBytes: 'XDR_ML_ONNX_MERGE_BUDGET_BYTES',
  onnxMergeMaxNodes: 'XDR_ML_ONNX_MERGE_MAX_NODES',
} as const;

type SettingKey = keyof typeof ENV_KEYS;

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

/** Raw settings schema: one entry per setting, each with its default. */
const settingsSchema = z.object({
  stage: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be 1-20 chars of a-z, 0-9 and -, starting with a letter').default('local'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1').default('us-east-1'),
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').default('000000000000'),
  dynamodbEndpoint: url.optional(),
  s3Endpoint: url.optional(),
  eventBridgeEndpoint: url.optional(),
  eventBusName: z.string().regex(/^[A-Za-z0-9._-]{1,256}$/, 'must be an EventBridge bus name').optional(),
  defaultModel: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a model name (a-z, 0-9, -)').default('general'),
  autoRetrain: booleanText.default(false),
  retrainSchedule: z
    .string()
    .superRefine((expression, ctx) => {
      try {
        parseSchedule(expression);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `must be an EventBridge schedule such as 'rate(24 hours)' or 'cron(0 3 * * ? *)': ${(err as Error).message}` });
      }
    })
    .default('rate(24 hours)'),
  minMacroF1: numberText(0, 1).default(0.5),
  maxRecallDrop: numberText(0, 1).default(0.05),
  driftShareThreshold: numberText(0, 1).default(0.5),
  dataVolumeThreshold: numberText(1, 1e9).default(1000),
  onnxMergeBudgetBytes: integerText(0, 1024 ** 3).default(4 * 1024 * 1024),
  onnxMergeMaxNodes: integerText(0, 1 << 20).default(4096),
});

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
  readonly thresholds: {
    /** Promotion gate: minimum macro-F1 of a candidate. */
    readonly minMacroF1: number;
    /** Promotion gate: maximum per-class recall drop against production. */
    readonly maxRecallDrop: number;
    /** Dataset drift when at least this share of features drifts. */
    readonly driftShareThreshold: number;
    /** Labelled samples since the last training that trigger DataVolumeReached. */
    readonly dataVolumeThreshold: number;
  };
  /**
   * How training jobs export GBDT models to ONNX: runs of trees are served merged into single
   * trees of at most `mergeMaxNodes` nodes, all within `mergeBudgetBytes` (0 = no merging).
   * Merging serves more rows/s for a bigger graph and a slower cold load.
   */
  readonly onnx: { readonly mergeBudgetBytes: number; readonly mergeMaxNodes: number };
}

export type ConfigSource = Partial<Record<SettingKey, string | number | boolean | undefined>>;

/**
 * Builds the configuration from explicit settings (e.g. CDK context) over the environment.
 * Table names may be overridden per table with XDR_ML_TABLE_<ID>, buckets with XDR_ML_BUCKET_<ID>.
 *
 * @example const config = loadConfig(); // reads process.env
 * @throws ConfigError naming the offending key
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigSource = {}): PlatformConfig {
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
    throw new ConfigError(`Invalid configuration: ${envKey} (${key}) ${issue.message} (got ${JSON.stringify(raw[key])})`, envKey);
  }
  const s = parsed.data;
  const tables = Object.fromEntries(
    TABLES.map((t) => [t.id, env[`XDR_ML_TABLE_${t.id.toUpperCase()}`] || tableName(s.stage, t.id)]),
  ) as Record<TableId, string>;
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
    thresholds: {
      minMacroF1: s.minMacroF1,
      maxRecallDrop: s.maxRecallDrop,
      driftShareThreshold: s.driftShareThreshold,
      dataVolumeThreshold: s.dataVolumeThreshold,
    },
    onnx: { mergeBudgetBytes: s.onnxMergeBudgetBytes, mergeMaxNodes: s.onnxMergeMaxNodes },
  };
}

/** Environment variables that make a Lambda function see the same configuration. */
export function configToEnvironment(config: PlatformConfig): Record<string, string> {
  const env: Record<string, string> = {
    [ENV_KEYS.stage]: config.stage,
    [ENV_KEYS.eventBusName]: config.eventBusName,
    [ENV_KEYS.defaultModel]: config.defaultModel,
    [ENV_KEYS.autoRetrain]: String(config.autoRetrain.enabled),
    [ENV_KEYS.retrainSchedule]: config.autoRetrain.schedule,
    [ENV_KEYS.minMacroF1]: String(config.thresholds.minMacroF1),
    [ENV_KEYS.maxRecallDrop]: String(config.thresholds.maxRecallDrop),
    [ENV_KEYS.driftShareThreshold]: String(config.thresholds.driftShareThreshold),
    [ENV_KEYS.dataVolumeThreshold]: String(config.thresholds.dataVolumeThreshold),
    [ENV_KEYS.onnxMergeBudgetBytes]: String(config.onnx.mergeBudgetBytes),
    [ENV_KEYS.onnxMergeMaxNodes]: String(config.onnx.mergeMaxNodes),
  };
  for (const t of TABLES) env[`XDR_ML_TABLE_${t.id.toUpperCase()}`] = config.tables[t.id];
  for (const b of BUCKETS) env[`XDR_ML_BUCKET_${b.id.toUpperCase()}`] = config.buckets[b.id];
  return env;
}
