// The capacity check on AWS (issue #24): the functions that check before they train (the retrain
// launcher, the API's retraining function) have the training backend's settings in their
// environment and may call what the backend's check calls (SageMaker's quota and jobs, or Batch's
// queue, compute environments and job definition), and no other function may; and switching
// auto-retrain on at deploy time refuses an instance type SageMaker does not train on, naming it,
// with no account call. The telemetry function alone may read the functions' metrics back from CloudWatch.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPlatformApp } from '../../infra/app-builder';
import { ENV_KEYS } from '../../config/config';
import { BATCH_CAPACITY_CHECK_ACTIONS, CAPACITY_CHECK_ACTIONS } from '../../infra/constructs/capacity-grant';
import type { XdrFunction } from '../../infra/constructs/xdr-function';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };
const env = { CDK_DEFAULT_ACCOUNT: '123456789012', AWS_REGION: 'eu-west-1' };
const synth = (context: Record<string, unknown>) =>
  buildPlatformApp({ context: { ...NO_BUNDLING, ...context }, outdir: mkdtempSync(path.join(os.tmpdir(), 'cdk-')) }, env);

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}
type Policy = { Properties: { PolicyDocument: { Statement: Statement[] }; Roles: { Ref: string }[] } };

/** A function's environment as synthesized (cross-stack values are CloudFormation objects). */
function environmentOf(fn: XdrFunction): Record<string, unknown> {
  const stack = Stack.of(fn);
  const id = stack.getLogicalId(fn.function.node.defaultChild as never);
  const resource = Template.fromStack(stack).toJSON().Resources[id] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
  return resource.Properties.Environment.Variables;
}

/** The actions granted to a function's role. */
function actionsOf(fn: XdrFunction): string[] {
  const stack = Stack.of(fn);
  const role = stack.getLogicalId(fn.function.role!.node.defaultChild as never);
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy') as Record<string, Policy>);
  return policies
    .filter((p) => p.Properties.Roles.some((r) => r.Ref === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()));
}

describe('capacity check grants (SageMaker backend)', () => {
  const platform = synth({ stage: 'test' });

  it('lets the launcher and the API retraining function read the quotas and the running jobs', () => {
    for (const fn of [platform.training.functions.launcher, platform.api.functions.retraining]) {
      expect(actionsOf(fn)).toEqual(expect.arrayContaining([...CAPACITY_CHECK_ACTIONS]));
    }
  });

  it('gives the API retraining function the settings that build the SageMaker backend (it checks before it queues)', () => {
    const api = environmentOf(platform.api.functions.retraining);
    const launcher = environmentOf(platform.training.functions.launcher);
    for (const key of [ENV_KEYS.trainingBackend, ENV_KEYS.trainingImage, ENV_KEYS.trainingRoleArn, ENV_KEYS.trainingInstanceType]) {
      expect(api[key]).toBeDefined();
    }
    expect(api[ENV_KEYS.trainingBackend]).toBe('sagemaker');
    expect(api[ENV_KEYS.trainingInstanceType]).toBe(launcher[ENV_KEYS.trainingInstanceType]);
    expect(JSON.stringify(api[ENV_KEYS.trainingRoleArn])).toContain('Fn::ImportValue');
    expect(JSON.stringify(api[ENV_KEYS.trainingRoleArn])).toContain('TrainingRole');
    // the other API functions do not get them
    expect(environmentOf(platform.api.functions.models)[ENV_KEYS.trainingImage]).toBeUndefined();
  });

  it("lets the completion function describe the platform's training jobs (their billable seconds), and nothing of the check", () => {
    const completion = actionsOf(platform.training.functions.completion);
    expect(completion).toContain('sagemaker:DescribeTrainingJob');
    expect(completion).not.toContain('sagemaker:ListTrainingJobs');
  });

  it('grants the quota read to no other function', () => {
    const others = [
      ...Object.entries(platform.api.functions).filter(([id]) => id !== 'retraining'),
      ...Object.entries(platform.training.functions).filter(([key]) => key !== 'launcher'),
    ];
    expect(others.length).toBeGreaterThan(5);
    for (const [, fn] of others) {
      expect(actionsOf(fn)).not.toContain('servicequotas:ListServiceQuotas');
      expect(actionsOf(fn)).not.toContain('sagemaker:ListTrainingJobs');
    }
  });

  it("lets the telemetry function, and no other, read the functions' metrics from CloudWatch", () => {
    expect(actionsOf(platform.api.functions['resource-usage'])).toContain('cloudwatch:GetMetricData');
    const others = [...Object.entries(platform.api.functions).filter(([id]) => id !== 'resource-usage'), ...Object.entries(platform.training.functions)];
    for (const [, fn] of others) expect(actionsOf(fn)).not.toContain('cloudwatch:GetMetricData');
  });

  it('passes cdk-nag with auto-retrain on and every capacity grant acknowledged', () => {
    let violations: string[] = [];
    try {
      synth({ stage: 'nagcap', autoRetrain: true }).app.synth();
    } catch (error) {
      violations = String((error as Error).message).split('\n');
    }
    expect(violations).toEqual([]);
  });
});

describe('capacity check grants (Batch backend)', () => {
  const platform = synth({ stage: 'test', trainingBackend: 'batch' });

  it('lets the launcher and the API retraining function describe the queue, its compute environments, the job definition and the Fargate quota', () => {
    for (const fn of [platform.training.functions.launcher, platform.api.functions.retraining]) {
      expect(actionsOf(fn)).toEqual(expect.arrayContaining([...BATCH_CAPACITY_CHECK_ACTIONS]));
      expect(actionsOf(fn)).not.toContain('sagemaker:ListTrainingJobs');
    }
    const others = [
      ...Object.entries(platform.api.functions).filter(([id]) => id !== 'retraining'),
      ...Object.entries(platform.training.functions).filter(([key]) => key !== 'launcher'),
    ];
    for (const [, fn] of others) expect(actionsOf(fn)).not.toContain('batch:DescribeComputeEnvironments');
  });

  it('gives the API retraining function the queue and job definition the launcher submits to', () => {
    const api = environmentOf(platform.api.functions.retraining);
    const launcher = environmentOf(platform.training.functions.launcher);
    expect(api[ENV_KEYS.trainingBackend]).toBe('batch');
    expect(launcher[ENV_KEYS.trainingBackend]).toBe('batch');
    // the same resources: imported from the training stack in the API stack, referenced there
    expect(JSON.stringify(api[ENV_KEYS.batchJobQueue])).toContain('Fn::ImportValue');
    expect(JSON.stringify(api[ENV_KEYS.batchJobQueue])).toContain('BatchTrainingQueue');
    expect(JSON.stringify(launcher[ENV_KEYS.batchJobQueue])).toContain('BatchTrainingQueue');
    expect(JSON.stringify(api[ENV_KEYS.batchJobDefinition])).toContain('BatchTrainingJob');
  });

  it('passes cdk-nag with auto-retrain on and every capacity grant acknowledged', () => {
    let violations: string[] = [];
    try {
      synth({ stage: 'nagbatch', autoRetrain: true, trainingBackend: 'batch' }).app.synth();
    } catch (error) {
      violations = String((error as Error).message).split('\n');
    }
    expect(violations).toEqual([]);
  });
});

describe('deploy-time check of auto-retrain (-c autoRetrain=true)', () => {
  it('refuses an instance type SageMaker does not train on, naming it and the context key', () => {
    expect(() => synth({ stage: 'test', autoRetrain: true, trainingInstanceType: 'ml.t2.medium' })).toThrow(
      'Invalid configuration: XDR_ML_TRAINING_INSTANCE_TYPE (CDK context trainingInstanceType) "ml.t2.medium" is not a SageMaker training instance type, and auto-retrain (autoRetrain=true) would launch jobs on it (e.g. ml.m5.xlarge)',
    );
  });

  it('accepts a training instance type, and any well-formed type while auto-retrain is off or on Batch', () => {
    expect(synth({ stage: 'test', autoRetrain: true, trainingInstanceType: 'ml.c5.2xlarge' }).config.training.instanceType).toBe('ml.c5.2xlarge');
    expect(() => synth({ stage: 'test', trainingInstanceType: 'ml.t2.medium' })).not.toThrow();
    expect(() => synth({ stage: 'test', autoRetrain: true, trainingBackend: 'batch', trainingInstanceType: 'ml.t2.medium' })).not.toThrow();
  });
});
