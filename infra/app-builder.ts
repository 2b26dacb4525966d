// Builds the CDK app: configuration from CDK context (over the environment), the stacks, and
// cdk-nag's AwsSolutions checks as a validation plugin (synth fails on any unacknowledged
// finding; every acknowledgement carries a reason).
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as path from 'node:path';
import { CONTEXT_KEYS, loadDeployConfig, type ConfigSource, type PlatformConfig } from '../config/config';
import { processEnvironment } from '../config/environment';
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

/** Reads the platform settings from CDK context (`-c stage=prod`, cdk.json): the keys config/config.ts allows there. */
export function contextSettings(app: App): ConfigSource {
  const out: Record<string, string | number | boolean> = {};
  for (const key of CONTEXT_KEYS) {
    const v: unknown = app.node.tryGetContext(key);
    if (v !== undefined && v !== null && v !== '') out[key] = v as string | number | boolean;
  }
  return out;
}

export function buildPlatformApp(props: AppProps = {}, env: NodeJS.ProcessEnv = processEnvironment()): PlatformApp {
  const app = new App(props);
  const config = loadDeployConfig(env, contextSettings(app));
  const projectRoot = path.resolve(__dirname, '..');
  const stackEnv = { account: config.deployment.account, region: config.region };
  const prefix = `MiniXdrMl-${config.stage}`;
  const data = new DataStack(app, `${prefix}-Data`, { config, env: stackEnv, description: 'Mini-XDR ML stateful resources (tables, buckets)' });
  const training = new TrainingStack(app, `${prefix}-Training`, {
    config,
    projectRoot,
    env: stackEnv,
    description: 'Mini-XDR ML event bus, retraining rules, training role and event-driven functions',
  });
  training.addStackDependency(data, 'functions and the training role use the tables and buckets by name');
  const api = new ApiStack(app, `${prefix}-Api`, {
    config,
    projectRoot,
    // the capacity checker builds the training backend: it needs the runner's settings (image, role, queue …)
    trainingRunner: training.runner,
    env: stackEnv,
    description: 'Mini-XDR ML HTTP API and its functions',
  });
  api.addStackDependency(data, 'functions use the tables and buckets by name');
  const monitoring = new MonitoringStack(app, `${prefix}-Monitoring`, {
    config,
    bus: training.bus,
    api: api.api,
    env: stackEnv,
    description: 'Mini-XDR ML alarms, alert topic and dashboard',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, data, api, training, monitoring };
}
