// The training stack: the platform's EventBridge bus, the event-driven functions of
// config/event-functions.ts (retrain launcher, training completion, drift check) with
// least-privilege grants, and their rules:
//   - DriftDetected, PerformanceDegraded, DataVolumeReached, ManualRetrain (platform bus) → launcher
//   - the retraining schedule (config.autoRetrain.schedule, 24 hours by default) → launcher, only
//     when config.autoRetrain.enabled
//   - the online-adaptation schedule (config.online.adaptSchedule) → launcher, only when set
//   - SageMaker "Training Job State Change" and Batch "Batch Job State Change" of our jobs
//     (default bus, final states, names starting with train-) → completion handler
//   - the hourly drift check → drift-check function (every lineage with a production alias)
//   - the maintenance sweep every 15 minutes → maintenance function (lost jobs, unaudited changes)
// plus the training image repository and the SageMaker training role.
import { CfnOutput, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { configToEnvironment, ENV_KEYS, type PlatformConfig } from '../../config/config';
import type { PromotionPolicy } from '../../core/retraining/completion';
import type { FunctionDefinition } from '../../config/functions';
import { applyCatalogueGrant } from '../constructs/catalogue-grants';
import { BatchTraining } from '../constructs/batch-training';
import { grantCapacityCheck, type TrainingRunner } from '../constructs/capacity-grant';
import { nagArn } from '../constructs/nag';
import { TrainingRole } from '../constructs/training-role';
import { FederatedRoles } from '../constructs/federated-roles';
import { XdrFunction } from '../constructs/xdr-function';
import {
  COMPLETION_EVENTS,
  DRIFT_CHECK_SCHEDULE,
  EVENT_FUNCTIONS,
  EVENT_RULES,
  MAINTENANCE_RULE,
  SCHEDULED_ADAPTATION,
  type EventFunctionKey,
} from '../../config/event-functions';
import { EVENT_SOURCE } from '../../core/events';
import { FEDERATED_PARTICIPANT_JOB_PREFIX } from '../../core/federated/keys';
import { TRAINING_JOB_PREFIX } from '../../core/retraining/backend';

export interface TrainingStackProps extends StackProps {
  readonly config: PlatformConfig;
  readonly projectRoot: string;
  /** Tag of the training image in the stack's ECR repository. @default config.training.imageTag ('latest') */
  readonly trainingImageTag?: string;
  /** @default config.training.instanceType ('ml.m5.xlarge') */
  readonly trainingInstanceType?: string;
  /** What the completion handler does with a new version. @default config.training.promotionPolicy, else 'manual' */
  readonly promotionPolicy?: PromotionPolicy;
  /** Minimum hours between two launches per model. @default config.training.cooldownHours (6) */
  readonly cooldownHours?: number;
  /** Who runs training jobs: SageMaker, or AWS Batch on Fargate (BatchTraining). @default config.training.backend ('sagemaker') */
  readonly trainingBackend?: 'sagemaker' | 'batch';
}

export class TrainingStack extends Stack {
  public readonly bus: events.EventBus;
  public readonly repository: ecr.Repository;
  /** The role the training container runs with (SageMaker execution role, or the Batch job role). */
  public readonly trainingRole: iam.Role;
  /** Federated learning: a participant role per configured tenant, and the coordinator's role. */
  public readonly federated: FederatedRoles;
  /** The Batch queue and job definition, with trainingBackend 'batch'. */
  public readonly batch?: BatchTraining;
  public readonly functions: Readonly<Record<EventFunctionKey, XdrFunction>>;
  /** The retraining schedule rule; undefined when auto-retrain is off. */
  public readonly scheduleRule?: events.Rule;
  /** The online-adaptation schedule rule; undefined unless config.online.adaptSchedule is set. */
  public readonly adaptScheduleRule?: events.Rule;
  /**
   * Who runs the jobs and the environment a function needs to build that backend (its settings:
   * image, role and instance type on SageMaker; queue and job definition on Batch). The launcher
   * has it, and so does the API's capacity checker: the backend is built to check before it trains.
   */
  public readonly runner: TrainingRunner;
  private readonly platformConfig: PlatformConfig;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    const { config } = props;
    const backend = props.trainingBackend ?? (config.training.backend === 'batch' ? 'batch' : 'sagemaker');
    this.platformConfig = config;
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: config.eventBusName });
    this.repository = new ecr.Repository(this, 'TrainingImages', {
      repositoryName: `xdr-ml-${config.stage}-training`,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.MUTABLE,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'TrainingImageRepositoryUri', {
      value: this.repository.repositoryUri,
      description: 'docker tag xdr-ml-training <this>:latest && docker push <this>:latest (after aws ecr get-login-password | docker login)',
    });
    this.federated = new FederatedRoles(this, 'Federated', {
      tenants: config.federated.tenants,
      datasetsBucketName: config.buckets.datasets,
      datasetsTableName: config.tables.datasets,
      artefactsBucketName: config.buckets.artefacts,
      repository: this.repository,
      runner: backend,
    });
    this.trainingRole = new TrainingRole(this, 'TrainingRole', {
      datasetsBucketName: config.buckets.datasets,
      artefactsBucketName: config.buckets.artefacts,
      repository: this.repository,
      runner: backend,
    }).role;
    const imageTag = props.trainingImageTag ?? config.training.imageTag;
    if (backend === 'batch') {
      this.batch = new BatchTraining(this, 'BatchTraining', {
        repository: this.repository,
        imageTag,
        jobRole: this.trainingRole,
        namePrefix: `xdr-ml-${config.stage}`,
        tenantJobRoles: this.federated.participantRoles,
      });
    }
    // a tenant's jobs (federated participants, tenant variants) run under its participant role, never the training role
    const participants = Object.entries(this.federated.participantRoles);
    const tenantRunners = participants
      .map(([tenant, role]) => `${tenant}=${this.batch ? this.batch.tenantJobDefinitions[tenant].jobDefinitionArn : role.roleArn}`)
      .join(',');

    const runnerEnvironment: Record<string, string> = this.batch
      ? {
          [ENV_KEYS.trainingBackend]: 'batch',
          [ENV_KEYS.batchJobQueue]: this.batch.jobQueue.jobQueueArn,
          [ENV_KEYS.batchJobDefinition]: this.batch.jobDefinition.jobDefinitionArn,
        }
      : {
          [ENV_KEYS.trainingBackend]: 'sagemaker',
          [ENV_KEYS.trainingImage]: `${this.repository.repositoryUri}:${imageTag}`,
          [ENV_KEYS.trainingRoleArn]: this.trainingRole.roleArn,
          [ENV_KEYS.trainingInstanceType]: props.trainingInstanceType ?? config.training.instanceType,
        };
    if (participants.length > 0) runnerEnvironment[ENV_KEYS.tenantRunners] = tenantRunners;
    this.runner = { backend, environment: runnerEnvironment };
    const environment = {
      ...configToEnvironment(config),
      ...runnerEnvironment,
      [ENV_KEYS.promotionPolicy]: props.promotionPolicy ?? config.training.promotionPolicy ?? 'manual',
      [ENV_KEYS.cooldownHours]: String(props.cooldownHours ?? config.training.cooldownHours),
    };
    const functions = {} as Record<EventFunctionKey, XdrFunction>;
    for (const key of Object.keys(EVENT_FUNCTIONS) as EventFunctionKey[]) {
      const definition: FunctionDefinition = EVENT_FUNCTIONS[key];
      // the coordinator runs under the federated coordinator role (denied every tenant prefix)
      const role = key === 'federatedCoordinator' ? this.federated.coordinatorRole : undefined;
      const fn = new XdrFunction(this, `fn-${definition.id}`, { definition, projectRoot: props.projectRoot, environment, ...(role ? { role } : {}) });
      applyCatalogueGrant(fn, definition, this.platformConfig);
      functions[key] = fn;
    }
    this.functions = functions;
    if (this.batch) this.grantBatchLaunch(functions.launcher, this.batch);
    else this.grantTrainingLaunch(functions.launcher);
    // tenant variants (the launcher) and federated participants (the coordinator) start tenant jobs
    if (participants.length > 0) {
      for (const fn of [functions.launcher, functions.federatedCoordinator]) this.grantTenantLaunch(fn);
    }
    // each launch is checked first: the SageMaker quota, or the Batch queue's compute environments
    grantCapacityCheck(functions.launcher, backend);
    this.grantJobInspection(functions.maintenance);
    // the completion reads a SageMaker job's billable seconds from its description (the event has none)
    if (!this.batch) this.grantJobInspection(functions.completion);

    for (const rule of EVENT_RULES) {
      new events.Rule(this, rule.id, {
        eventBus: this.bus,
        description: `${rule.detailTypes.join(', ')} → ${EVENT_FUNCTIONS[rule.target].id}`,
        eventPattern: { source: [EVENT_SOURCE], detailType: [...rule.detailTypes] },
        targets: [new targets.LambdaFunction(functions[rule.target].function, { retryAttempts: 4 })],
      });
    }
    // Schedules name no model: each run covers every lineage with a production alias (created at any time, no redeploy).
    if (config.autoRetrain.enabled) {
      this.scheduleRule = new events.Rule(this, 'RetrainSchedule', {
        description: `Scheduled retraining of every deployed lineage (${config.autoRetrain.schedule})`,
        schedule: events.Schedule.expression(config.autoRetrain.schedule),
        targets: [
          new targets.LambdaFunction(functions.launcher.function, {
            event: events.RuleTargetInput.fromObject({ type: 'ScheduledRetrain', scheduledAt: events.EventField.time }),
            retryAttempts: 4,
          }),
        ],
      });
    }
    if (config.online.adaptSchedule) {
      this.adaptScheduleRule = new events.Rule(this, 'AdaptSchedule', {
        description: `Scheduled online adaptation of every deployed lineage on its new samples (${config.online.adaptSchedule})`,
        schedule: events.Schedule.expression(config.online.adaptSchedule),
        targets: [
          new targets.LambdaFunction(functions.launcher.function, {
            event: events.RuleTargetInput.fromObject({ type: SCHEDULED_ADAPTATION, scheduledAt: events.EventField.time }),
            retryAttempts: 4,
          }),
        ],
      });
    }
    new events.Rule(this, MAINTENANCE_RULE.id, {
      description: `Maintenance sweep: lost training jobs, registry changes without an audit record (${MAINTENANCE_RULE.expression})`,
      schedule: events.Schedule.expression(MAINTENANCE_RULE.expression),
      targets: [new targets.LambdaFunction(functions.maintenance.function, { event: events.RuleTargetInput.fromObject({}), retryAttempts: 2 })],
    });
    new events.Rule(this, 'SageMakerTrainingStateChange', {
      description: 'Final states of the platform training jobs on SageMaker → training completion',
      eventPattern: {
        source: [COMPLETION_EVENTS.sagemaker.source],
        detailType: [COMPLETION_EVENTS.sagemaker.detailType],
        detail: { TrainingJobStatus: [...COMPLETION_EVENTS.sagemaker.finalStates], TrainingJobName: [{ prefix: TRAINING_JOB_PREFIX }] },
      },
      targets: [new targets.LambdaFunction(functions.completion.function, { retryAttempts: 8 })],
    });
    new events.Rule(this, 'BatchJobStateChange', {
      description: 'Final states of the platform training jobs on AWS Batch → training completion',
      eventPattern: {
        source: [COMPLETION_EVENTS.batch.source],
        detailType: [COMPLETION_EVENTS.batch.detailType],
        detail: { status: [...COMPLETION_EVENTS.batch.finalStates], jobName: [{ prefix: TRAINING_JOB_PREFIX }] },
      },
      targets: [new targets.LambdaFunction(functions.completion.function, { retryAttempts: 8 })],
    });
    new events.Rule(this, 'DriftCheckSchedule', {
      description: `Drift check of every deployed lineage (${DRIFT_CHECK_SCHEDULE})`,
      schedule: events.Schedule.expression(DRIFT_CHECK_SCHEDULE),
      targets: [new targets.LambdaFunction(functions.driftCheck.function, { event: events.RuleTargetInput.fromObject({}), retryAttempts: 2 })],
    });
  }

  /**
   * Describe only: the maintenance sweep asks the training backend about jobs whose completion never
   * came; the completion function reads a finished SageMaker job's billable seconds.
   */
  private grantJobInspection(maintenance: XdrFunction): void {
    if (this.batch) {
      maintenance.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:DescribeJobs'], resources: ['*'] }));
      Validations.of(maintenance).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: "batch:DescribeJobs has no resource-level permissions; the sweep only reads the state of the platform's jobs.",
      });
      return;
    }
    const jobs = this.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${TRAINING_JOB_PREFIX}*` });
    maintenance.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeTrainingJob'], resources: [jobs] }));
    Validations.of(maintenance).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagArn(this, jobs)}]`,
      reason: "The sweep describes the platform's training jobs, whose names are their job ids under the train- prefix.",
    });
  }

  /** The launcher may submit jobs to the training queue with the training job definition only, tag them, and describe them. */
  private grantBatchLaunch(launcher: XdrFunction, runner: BatchTraining): void {
    launcher.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['batch:SubmitJob'], resources: [runner.jobQueue.jobQueueArn, runner.jobDefinition.jobDefinitionArn] }),
    );
    const jobs = this.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
    launcher.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:TagResource'], resources: [jobs] }));
    launcher.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:DescribeJobs'], resources: ['*'] }));
    const nagId = nagArn(this, jobs);
    Validations.of(launcher).acknowledge(
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagId}]`,
        reason: 'SubmitJob tags the job it creates; job ids are assigned by Batch at submission, so the tag grant names all jobs of the account and region.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'batch:DescribeJobs has no resource-level permissions; the launcher only reads the state of jobs it submitted.',
      },
    );
  }

  /**
   * Starting a tenant's job: on SageMaker, passing the tenant's participant role (and creating the
   * job: train-* variants, fedp-* participants); on Batch, submitting with the tenant's job definition.
   */
  private grantTenantLaunch(fn: XdrFunction): void {
    const roles = Object.values(this.federated.participantRoles);
    if (this.batch) {
      const definitions = Object.values(this.batch.tenantJobDefinitions).map((d) => d.jobDefinitionArn);
      fn.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:SubmitJob'], resources: [this.batch.jobQueue.jobQueueArn, ...definitions] }));
      const jobs = this.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
      fn.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:TagResource'], resources: [jobs] }));
      fn.acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagArn(this, jobs)}]`,
        reason: 'SubmitJob tags the job it creates; Batch assigns job ids at submission.',
      });
      return;
    }
    const jobs = [TRAINING_JOB_PREFIX, FEDERATED_PARTICIPANT_JOB_PREFIX].map((prefix) =>
      this.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${prefix}*` }),
    );
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:AddTags'], resources: jobs }),
    );
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: roles.map((r) => r.roleArn),
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    fn.acknowledge(
      ...jobs.map((arn) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagArn(this, arn)}]`,
        reason: "A tenant's jobs are named by their job ids under the platform's prefixes (train- variants, fedp- participants).",
      })),
    );
  }

  /** The launcher may create (and describe) SageMaker training jobs named train-*, and pass only the training role to SageMaker. */
  private grantTrainingLaunch(launcher: XdrFunction): void {
    const jobs = this.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${TRAINING_JOB_PREFIX}*` });
    launcher.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:AddTags'], resources: [jobs] }),
    );
    launcher.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.trainingRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    const nagId = nagArn(this, jobs);
    Validations.of(launcher).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagId}]`,
      reason: 'Each retraining run creates a new SageMaker training job whose name is its job id; the ARN is limited to the train- prefix the launcher uses.',
    });
  }
}
