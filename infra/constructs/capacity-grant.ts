// The grants of the capacity check (adapters/training-backends/sagemaker-capacity.ts and
// batch-capacity.ts), for every function that checks before it trains: the retrain launcher (each
// launch) and the API's retraining function (switching auto-retrain on, and the queueing routes).
// SageMaker: Service Quotas' ListServiceQuotas and SageMaker's ListTrainingJobs have no
// resource-level permissions; DescribeTrainingJob covers every training job of the account and
// region, because the quota is the account's and any in-progress job of the instance type holds part
// of it. Batch: the Describe calls of the queue, its compute environments and the job definition
// have no resource-level permissions either; ListServiceQuotas reads the Fargate vCPU quota.
// Also the telemetry route's read of the functions' metrics (cloudwatch:GetMetricData).
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { nagArn } from './nag';
import type { XdrFunction } from './xdr-function';

/** The actions the SageMaker check calls. */
export const CAPACITY_CHECK_ACTIONS = ['servicequotas:ListServiceQuotas', 'sagemaker:ListTrainingJobs', 'sagemaker:DescribeTrainingJob'] as const;
/** The actions the Batch check calls. */
export const BATCH_CAPACITY_CHECK_ACTIONS = [
  'batch:DescribeJobQueues',
  'batch:DescribeComputeEnvironments',
  'batch:DescribeJobDefinitions',
  'servicequotas:ListServiceQuotas',
] as const;

/** The catalogue function of the API that checks capacity (POST /api/ml/status/auto-retrain with enabled true). */
export const API_CAPACITY_CHECKER = 'retraining';

/** Who runs the training jobs, and the environment that builds that backend in a function (TrainingStack.runner). */
export interface TrainingRunner {
  readonly backend: 'sagemaker' | 'batch';
  /** XDR_ML_TRAINING_BACKEND and the backend's settings (image, role, instance type; or queue and job definition). */
  readonly environment: Readonly<Record<string, string>>;
}

/** Lets a function run the capacity check of the runner's backend. */
export function grantCapacityCheck(fn: XdrFunction, backend: TrainingRunner['backend']): void {
  if (backend === 'batch') {
    fn.function.addToRolePolicy(new iam.PolicyStatement({ actions: [...BATCH_CAPACITY_CHECK_ACTIONS], resources: ['*'] }));
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'batch:Describe{JobQueues,ComputeEnvironments,JobDefinitions} and servicequotas:ListServiceQuotas have no resource-level permissions; the capacity check reads the training queue, its compute environments, the job definition and the Fargate vCPU quota.',
    });
    return;
  }
  const stack = Stack.of(fn);
  fn.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['servicequotas:ListServiceQuotas', 'sagemaker:ListTrainingJobs'], resources: ['*'] }));
  const jobs = stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: '*' });
  fn.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeTrainingJob'], resources: [jobs] }));
  Validations.of(fn).acknowledge(
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'servicequotas:ListServiceQuotas and sagemaker:ListTrainingJobs have no resource-level permissions; the capacity check reads the SageMaker training quotas and lists in-progress jobs.',
    },
    {
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagArn(fn, jobs)}]`,
      reason: "The capacity check describes every in-progress training job of the account: any job of the instance type holds part of the account's quota.",
    },
  );
}

/** The catalogue function that answers GET /api/ml/telemetry. */
export const TELEMETRY_READER = 'resource-usage';

/** cloudwatch:GetMetricData (no resource-level permissions): the functions' usage on AWS. */
export function grantMetricRead(fn: XdrFunction): void {
  fn.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason: "cloudwatch:GetMetricData has no resource-level permissions; the telemetry route reads the platform functions' EMF metrics.",
  });
}
