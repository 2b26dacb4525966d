// Builds the CDK app: configuration from CDK context (over the environment), the stacks, and
// cdk-nag's AwsSolutions checks as a validation plugin (synth fails on any unacknowledged
// finding; every acknowledgement carries a reason).
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as path from 'node:path';
import { z } from 'zod';
import { loadConfig, type ConfigSource, type PlatformConfig } from '../config/config';
import { ApiStack } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { TrainingStack } from './stacks/training-stack';

export interface PlatformApp {
  readonly app: App;
  readonly config: PlatformConfig;
  readonly data: DataStack;
  readonly api: ApiStack;
  readonly training: TrainingStack;
  readonly monitoring: MonitoringStack;
}

const CONTEXT_KEYS = ['stage', 'region', 'account', 'autoRetrain', 'retrainSchedule', 'minMacroF1', 'maxRecallDrop', 'driftShareThreshold', 'dataVolumeThreshold', 'defaultModel', 'onnxMergeBudgetBytes', 'onnxMergeMaxNodes'] as const;

/** Reads the platform settings from CDK context (`-c stage=prod`, cdk.json). */
export function contextSettings(app: App): ConfigSource {
  const out: Record<string, string | number | boolean> = {};
  for (const key of CONTEXT_KEYS) {
    const v: unknown = app.node.tryGetContext(key);
    if (v !== undefined && v !== null && v !== '') out[key] = v as string | number | boolean;
  }
  return out;
}

const trainingContextSchema = z
  .object({
    trainingImageTag: z.string().regex(/^[\w][\w.-]{0,127}$/, 'must be an image tag').optional(),
    trainingInstanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'must be a SageMaker instance type such as ml.m5.xlarge').optional(),
    promotionPolicy: z.enum(['auto-promote', 'shadow', 'ab', 'manual']).optional(),
    cooldownHours: z.coerce.number().min(0).max(720).optional(),
    trainingBackend: z.enum(['sagemaker', 'batch']).optional(),
  })
  .strict();

/** Training-stack settings from CDK context (`-c promotionPolicy=shadow`); invalid values name the key. */
export function trainingContext(app: App): z.infer<typeof trainingContextSchema> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(trainingContextSchema.shape)) {
    const v: unknown = app.node.tryGetContext(key);
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const parsed = trainingContextSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid configuration: CDK context ${String(issue.path[0])} ${issue.message} (got ${JSON.stringify(raw[String(issue.path[0])])})`);
  }
  return parsed.data;
}

export function buildPlatformApp(props: AppProps = {}, env: NodeJS.ProcessEnv = process.env): PlatformApp {
  const app = new App(props);
  const settings = contextSettings(app);
  const config = loadConfig(
    { ...env, XDR_ML_ACCOUNT: env.XDR_ML_ACCOUNT ?? env.CDK_DEFAULT_ACCOUNT, AWS_REGION: env.AWS_REGION ?? env.CDK_DEFAULT_REGION },
    settings,
  );
  const projectRoot = path.resolve(__dirname, '..');
  const stackEnv = { account: env.CDK_DEFAULT_ACCOUNT, region: config.region };
  const prefix = `MiniXdrMl-${config.stage}`;
  const data = new DataStack(app, `${prefix}-Data`, { config, env: stackEnv, description: 'Mini-XDR ML stateful resources (tables, buckets)' });
  const api = new ApiStack(app, `${prefix}-Api`, {
    config,
    projectRoot,
    env: stackEnv,
    description: 'Mini-XDR ML HTTP API and its functions',
  });
  api.addStackDependency(data, 'functions use the tables and buckets by name');
  const training = new TrainingStack(app, `${prefix}-Training`, {
    config,
    projectRoot,
    ...trainingContext(app),
    env: stackEnv,
    description: 'Mini-XDR ML event bus, retraining rules, training role and event-driven functions',
  });
  training.addStackDependency(data, 'functions and the training role use the tables and buckets by name');
  const monitoring = new MonitoringStack(app, `${prefix}-Monitoring`, { config, bus: training.bus, api: api.api, env: stackEnv, description: 'Mini-XDR ML alarms, alert topic and dashboard' });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, data, api, training, monitoring };
}
