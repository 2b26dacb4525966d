// The training role: what the training container may touch, and nothing else — read the datasets
// bucket and write only the training-output prefix of the artefacts bucket (model output and spot
// checkpoints). On SageMaker the role also pulls the training image from its ECR repository and
// writes the job's CloudWatch logs and training metrics; on AWS Batch the job role needs S3 only
// (the task execution role pulls the image and ships the logs).
import { Arn, ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { nagArn } from './nag';
import { TRAINING_OUTPUT_PREFIX } from '../../core/retraining/backend';
import { TENANT_DATA_ROOT } from '../../core/names';

export interface TrainingRoleProps {
  /** Physical name of the datasets bucket (read-only). */
  readonly datasetsBucketName: string;
  /** Physical name of the artefacts bucket (write under `training-output/` only). */
  readonly artefactsBucketName: string;
  readonly repository: ecr.IRepository;
  /** Who runs the training container. @default 'sagemaker' */
  readonly runner?: 'sagemaker' | 'batch';
}

export class TrainingRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TrainingRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const sagemaker = (props.runner ?? 'sagemaker') === 'sagemaker';
    const bucketArn = (name: string) => Arn.format({ service: 's3', region: '', account: '', resource: name, arnFormat: ArnFormat.NO_RESOURCE_NAME }, stack);
    const datasets = bucketArn(props.datasetsBucketName);
    const artefacts = bucketArn(props.artefactsBucketName);
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ sid: 'ReadDatasets', actions: ['s3:ListBucket'], resources: [datasets] }),
        new iam.PolicyStatement({ sid: 'ReadDatasetObjects', actions: ['s3:GetObject'], resources: [`${datasets}/*`] }),
        // Central training never reads a tenant's own data (federated participants do, each its own).
        new iam.PolicyStatement({ sid: 'NoTenantData', effect: iam.Effect.DENY, actions: ['s3:*'], resources: [`${datasets}/${TENANT_DATA_ROOT}*`] }),
        new iam.PolicyStatement({
          sid: 'WriteTrainingOutput',
          actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
          resources: [`${artefacts}/${TRAINING_OUTPUT_PREFIX}*`],
        }),
        new iam.PolicyStatement({
          sid: 'ListTrainingOutput',
          actions: ['s3:ListBucket'],
          resources: [artefacts],
          conditions: { StringLike: { 's3:prefix': [`${TRAINING_OUTPUT_PREFIX}*`] } },
        }),
        ...(sagemaker ? sagemakerJobStatements(stack, props.repository) : []),
      ],
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal(sagemaker ? 'sagemaker.amazonaws.com' : 'ecs-tasks.amazonaws.com'),
      description: `${sagemaker ? 'SageMaker training jobs' : 'AWS Batch training jobs'} of the Mini-XDR ML platform: read datasets, write training output only`,
      inlinePolicies: { training: policy },
    });
    const nag = (arn: string): string => nagArn(this, arn);
    Validations.of(this.role).acknowledge(
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nag(`${datasets}/*`)}]`,
        reason: 'Training reads dataset chunks by content-addressed key inside the datasets bucket; keys are data, so the ARN ends in a wildcard.',
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nag(`${artefacts}/${TRAINING_OUTPUT_PREFIX}*`)}]`,
        reason: 'Training jobs write their model output and spot checkpoints under per-job keys below the training-output/ prefix only.',
      },
    );
    if (sagemaker) acknowledgeSagemakerJob(this.role, stack);
  }
}

/** The log group SageMaker writes every training job's streams to. */
const sagemakerLogGroups = (stack: Stack): string =>
  stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/TrainingJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });

/**
 * What any role a SageMaker training job runs under needs besides its data: pull the training image,
 * write the job's logs and metrics. Shared by the training role and the federated participant roles.
 */
export function sagemakerJobStatements(stack: Stack, repository: ecr.IRepository): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'PullTrainingImage',
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      resources: [repository.repositoryArn],
    }),
    new iam.PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'Logs',
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [sagemakerLogGroups(stack)],
    }),
    new iam.PolicyStatement({
      sid: 'TrainingMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } },
    }),
  ];
}

/** cdk-nag acknowledgements for sagemakerJobStatements on `role`. */
export function acknowledgeSagemakerJob(role: iam.Role, stack: Stack): void {
  Validations.of(role).acknowledge(
    {
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagArn(role, sagemakerLogGroups(stack))}]`,
      reason: 'SageMaker names one log stream per training job inside the /aws/sagemaker/TrainingJobs log group.',
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource-level permissions; PutMetricData is limited to the SageMaker namespace by condition.',
    },
  );
}
