// AWS Batch as the training runner (`-c trainingBackend=batch`): a Fargate compute environment in a
// small VPC of its own (public subnets, no NAT, no inbound traffic, flow logs), one job queue, and a
// job definition that runs the training image with the S3-only job role. The launcher submits jobs
// with the inputs' S3 locations in the environment; the image's entrypoint stages them and uploads
// /opt/ml/model (training-container/s3-staging.ts), so the definition needs no command of its own.
import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { nagArn } from './nag';

export interface BatchTrainingProps {
  readonly repository: ecr.IRepository;
  readonly imageTag: string;
  /** The job role: what the container may touch (TrainingRole with runner 'batch'). */
  readonly jobRole: iam.IRole;
  /** Name prefix of the queue and the job definition. */
  readonly namePrefix: string;
  /** @default 2 */
  readonly vcpus?: number;
  /** @default 8192 */
  readonly memoryMib?: number;
  /** Most vCPUs running at once across jobs. @default 16 */
  readonly maxVcpus?: number;
  /** Per tenant, its participant role: a job definition each, so a tenant's jobs run with its role as job role. @default {} */
  readonly tenantJobRoles?: Readonly<Record<string, iam.IRole>>;
}

export class BatchTraining extends Construct {
  public readonly jobQueue: batch.JobQueue;
  public readonly jobDefinition: batch.EcsJobDefinition;
  /** Per tenant, the job definition its jobs run with (job role: the tenant's participant role). */
  public readonly tenantJobDefinitions: Readonly<Record<string, batch.EcsJobDefinition>>;
  /** Pulls the image and ships the container logs (not visible to the training code). */
  public readonly executionRole: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BatchTrainingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const key = new kms.Key(this, 'LogsKey', { enableKeyRotation: true, description: 'Mini-XDR ML Batch training logs and VPC flow logs' });
    key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`));
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH, encryptionKey: key, removalPolicy: RemovalPolicy.DESTROY });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'training', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      flowLogs: { all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL } },
    });
    const securityGroup = new ec2.SecurityGroup(this, 'Tasks', {
      vpc,
      description: 'Training tasks: no inbound; outbound HTTPS to S3 and ECR',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3, ECR and CloudWatch Logs');
    const compute = new batch.FargateComputeEnvironment(this, 'Compute', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [securityGroup],
      maxvCpus: props.maxVcpus ?? 16,
    });
    this.jobQueue = new batch.JobQueue(this, 'Queue', {
      jobQueueName: `${props.namePrefix}-training`,
      computeEnvironments: [{ computeEnvironment: compute, order: 1 }],
    });

    this.logGroup = new logs.LogGroup(this, 'JobLogs', { retention: logs.RetentionDays.THREE_MONTHS, encryptionKey: key, removalPolicy: RemovalPolicy.RETAIN });
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Pulls the Mini-XDR ML training image and writes the training job logs',
      inlinePolicies: {
        execution: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'PullTrainingImage',
              actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
              resources: [props.repository.repositoryArn],
            }),
            new iam.PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
            new iam.PolicyStatement({ sid: 'Logs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${this.logGroup.logGroupArn}:*`] }),
          ],
        }),
      },
    });
    const definition = (id: string, name: string, jobRole: iam.IRole) =>
      new batch.EcsJobDefinition(this, id, {
        jobDefinitionName: name,
        propagateTags: true,
        timeout: Duration.hours(4),
        container: new batch.EcsFargateContainerDefinition(this, `${id === 'Job' ? '' : id}Container`, {
          image: ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag),
          cpu: props.vcpus ?? 2,
          memory: Size.mebibytes(props.memoryMib ?? 8192),
          jobRole,
          executionRole: this.executionRole,
          assignPublicIp: true, // public subnets without NAT: the task reaches S3 and ECR through its own address
          logging: ecs.LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix: 'training' }),
          readonlyRootFilesystem: false,
        }),
      });
    this.jobDefinition = definition('Job', `${props.namePrefix}-training`, props.jobRole);
    this.tenantJobDefinitions = Object.fromEntries(
      Object.entries(props.tenantJobRoles ?? {}).map(([tenant, role]) => [tenant, definition(`Job-${tenant}`, `${props.namePrefix}-tenant-${tenant}`, role)]),
    );

    const nag = (arn: string): string => nagArn(this, arn);
    Validations.of(this.executionRole).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'ecr:GetAuthorizationToken has no resource-level permissions; image pulls are limited to the training repository.',
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nag(`${this.logGroup.logGroupArn}:*`)}]`,
        reason: 'Each training job writes its own log stream inside the training log group; stream names are per job.',
      },
    );
  }
}
