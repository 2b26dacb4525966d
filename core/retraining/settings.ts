// Settings of the retraining functions (launcher, completion, drift check), read from the
// environment the CDK training stack sets (or the local server). Invalid values fail at start with
// the variable named.
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { PROMOTION_POLICIES, type PromotionPolicy } from './completion';

/** Environment variable of each setting. */
export const RETRAIN_ENV = {
  backend: 'XDR_ML_TRAINING_BACKEND',
  image: 'XDR_ML_TRAINING_IMAGE',
  roleArn: 'XDR_ML_TRAINING_ROLE_ARN',
  instanceType: 'XDR_ML_TRAINING_INSTANCE_TYPE',
  maxRuntimeSeconds: 'XDR_ML_TRAINING_MAX_RUNTIME_SECONDS',
  spotMaxWaitSeconds: 'XDR_ML_TRAINING_SPOT_MAX_WAIT_SECONDS',
  batchJobQueue: 'XDR_ML_BATCH_JOB_QUEUE',
  batchJobDefinition: 'XDR_ML_BATCH_JOB_DEFINITION',
  dataset: 'XDR_ML_TRAINING_DATASET',
  algorithm: 'XDR_ML_TRAINING_ALGORITHM',
  classes: 'XDR_ML_TRAINING_CLASSES',
  seed: 'XDR_ML_TRAINING_SEED',
  cooldownHours: 'XDR_ML_RETRAIN_COOLDOWN_HOURS',
  policy: 'XDR_ML_PROMOTION_POLICY',
  accuracyThreshold: 'XDR_ML_ACCURACY_THRESHOLD',
} as const;

const num = (min: number, max: number) => z.coerce.number().min(min).max(max);
const schema = z.object({
  backend: z.enum(['sagemaker', 'batch', 'local']).default('sagemaker'),
  image: z.string().min(1).optional(),
  roleArn: z.string().min(1).optional(),
  instanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'must be a SageMaker instance type').default('ml.m5.xlarge'),
  maxRuntimeSeconds: num(60, 28 * 24 * 3600).default(4 * 3600),
  spotMaxWaitSeconds: num(60, 28 * 24 * 3600).optional(),
  batchJobQueue: z.string().min(1).optional(),
  batchJobDefinition: z.string().min(1).optional(),
  dataset: z.string().min(1).default('cicids2017'),
  algorithm: z.enum(['gbdt', 'mlp']).default('gbdt'),
  classes: z.enum(['fine', 'taxonomy', 'mini-xdr', 'kdd-category']).default('taxonomy'),
  seed: z.coerce.number().int().min(0).default(42),
  cooldownHours: num(0, 24 * 30).default(6),
  policy: z.enum(PROMOTION_POLICIES as [PromotionPolicy, ...PromotionPolicy[]]).default('manual'),
  accuracyThreshold: num(0, 1).default(0.8),
});

export type RetrainSettings = z.infer<typeof schema>;

/**
 * Reads the retraining settings from an environment.
 * @throws InvalidInputError naming the variable
 * @example const settings = retrainSettings(process.env);
 */
export function retrainSettings(env: NodeJS.ProcessEnv): RetrainSettings {
  const raw: Record<string, string> = {};
  for (const [key, name] of Object.entries(RETRAIN_ENV)) if (env[name] !== undefined && env[name] !== '') raw[key] = env[name] as string;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]) as keyof typeof RETRAIN_ENV;
    throw new InvalidInputError(`Invalid configuration: ${RETRAIN_ENV[key] ?? key} ${issue.message} (got ${JSON.stringify(raw[key])})`);
  }
  return parsed.data;
}
