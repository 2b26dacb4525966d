// The grants of the SageMaker capacity check (adapters/training-backends/sagemaker-capacity.ts), for
// every function that checks before it trains: the retrain launcher (each launch) and the API's
// retraining function (switching auto-retrain on). Service Quotas' ListServiceQuotas and
// SageMaker's ListTrainingJobs have no resource-level permissions; DescribeTrainingJob covers every
// training job of the account and region, because the quota is the account's and any in-progress
// job of the instance type holds part of it. The Batch backend has no capacity check: no grant.
// Also the telemetry route's read of the functions' metrics (cloudwatch:GetMetricData).
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { nagArn } from './nag';
import type { XdrFunction } from './xdr-function';

/** The actions the check calls. */
export const CAPACITY_CHECK_ACTIONS = ['servicequotas:ListServiceQuotas', 'sagemaker:ListTrainingJobs', 'sagemaker:DescribeTrainingJob'] as const;

/** The catalogue function of the API that checks capacity (POST /api/ml/status/auto-retrain with enabled true). */
export const API_CAPACITY_CHECKER = 'retraining';

export function grantCapacityCheck(fn: XdrFunction): void {
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
