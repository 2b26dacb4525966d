// Federated learning's roles, one job: least privilege between tenants. Each tenant's participant
// role (its training jobs) reads only its own data prefix and manifests, reads the coordinator's
// round objects, and writes only its own submissions; the coordinator role reads round objects and
// submissions, writes round objects, and is denied every tenant's data outright. A participant role
// is also what its SageMaker/Batch job runs under, so it holds what the job itself needs: its staged
// manifest (manifests/tenants/<t>/), a variant's staged parent model (parents/), its own job output
// under training-output/, and on SageMaker the image pull and logs (on Batch the job definition's
// execution role pulls and logs).
import { Arn, ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { nagArn } from './nag';
import { acknowledgeSagemakerJob, sagemakerJobStatements } from './training-role';
import { FEDERATED_PARTICIPANT_JOB_PREFIX, FEDERATED_PREFIX, FEDERATED_ROUNDS_PREFIX, federatedSubmissionPrefix } from '../../core/federated/keys';
import { TRAINING_JOB_PREFIX, TRAINING_OUTPUT_PREFIX } from '../../core/retraining/backend';
import { STAGED_MANIFEST_PREFIX } from '../../core/retraining/dataset-input';
import { STAGED_PARENT_ROOT } from '../../core/retraining/parent-input';
import { TENANT_DATA_ROOT, tenantDataPrefix, tenantDatasetName } from '../../core/names';

export interface FederatedRolesProps {
  /** Tenant ids, one participant role each. */
  readonly tenants: readonly string[];
  /** Physical name of the datasets bucket (tenant data under `tenants/<id>/`). */
  readonly datasetsBucketName: string;
  /** Physical name of the datasets table (tenant manifests keyed `tenants/<id>/<dataset>`). */
  readonly datasetsTableName: string;
  /** Physical name of the artefacts bucket (federated objects under `federated/`). */
  readonly artefactsBucketName: string;
  /** The training image's repository (a SageMaker job's role pulls it). */
  readonly repository: ecr.IRepository;
  /** Who runs participant jobs. @default 'sagemaker' */
  readonly runner?: 'sagemaker' | 'batch';
  /** Physical name prefix of the roles. @default none (CloudFormation names them) */
  readonly namePrefix?: string;
}

export class FederatedRoles extends Construct {
  /** Participant role per tenant id. */
  public readonly participantRoles: Readonly<Record<string, iam.Role>>;
  /** The coordinator's role (the round-protocol Lambda). */
  public readonly coordinatorRole: iam.Role;

  constructor(scope: Construct, id: string, props: FederatedRolesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const bucketArn = (name: string) => Arn.format({ service: 's3', region: '', account: '', resource: name, arnFormat: ArnFormat.NO_RESOURCE_NAME }, stack);
    const datasets = bucketArn(props.datasetsBucketName);
    const artefacts = bucketArn(props.artefactsBucketName);
    const table = stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: props.datasetsTableName });
    const nag = (arn: string): string => nagArn(this, arn);
    const sagemaker = (props.runner ?? 'sagemaker') === 'sagemaker';

    const roles: Record<string, iam.Role> = {};
    for (const tenant of props.tenants) {
      const own = tenantDataPrefix(tenant);
      const submissions = federatedSubmissionPrefix(tenant);
      // staged inputs of the tenant's jobs: its manifests (manifests/tenants/<t>/…) and a variant's parent model
      const manifests = `${STAGED_MANIFEST_PREFIX}${own}`;
      // its participant jobs' output and spot checkpoints (job ids fedp-<run>-<tenant>); variant jobs are train-<id>
      const outputs = [
        `${TRAINING_OUTPUT_PREFIX}${FEDERATED_PARTICIPANT_JOB_PREFIX}*-${tenant}/*`,
        `${TRAINING_OUTPUT_PREFIX}checkpoints/${FEDERATED_PARTICIPANT_JOB_PREFIX}*-${tenant}/*`,
        `${TRAINING_OUTPUT_PREFIX}${TRAINING_JOB_PREFIX}*`,
        `${TRAINING_OUTPUT_PREFIX}checkpoints/${TRAINING_JOB_PREFIX}*`,
      ];
      const role = new iam.Role(this, `Participant-${tenant}`, {
        assumedBy: new iam.ServicePrincipal(sagemaker ? 'sagemaker.amazonaws.com' : 'ecs-tasks.amazonaws.com'),
        description: `Federated participant ${tenant}: reads only ${own} and round objects, writes only its own submissions`,
        inlinePolicies: {
          participant: new iam.PolicyDocument({
            statements: [
              new iam.PolicyStatement({ sid: 'ReadOwnData', actions: ['s3:GetObject'], resources: [`${datasets}/${own}*`] }),
              new iam.PolicyStatement({
                sid: 'ReadOwnJobInputs',
                actions: ['s3:GetObject'],
                resources: [`${datasets}/${manifests}*`, `${datasets}/${STAGED_PARENT_ROOT}*`],
              }),
              // SageMaker lists each S3Prefix channel: the chunks, the manifest, the parent
              new iam.PolicyStatement({
                sid: 'ListOwnData',
                actions: ['s3:ListBucket'],
                resources: [datasets],
                conditions: { StringLike: { 's3:prefix': [`${own}*`, `${manifests}*`, `${STAGED_PARENT_ROOT}*`] } },
              }),
              new iam.PolicyStatement({
                sid: 'ReadOwnManifests',
                actions: ['dynamodb:GetItem', 'dynamodb:Query'],
                resources: [table],
                conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${tenantDatasetName(tenant, '*')}`] } },
              }),
              new iam.PolicyStatement({ sid: 'ReadRounds', actions: ['s3:GetObject'], resources: [`${artefacts}/${FEDERATED_ROUNDS_PREFIX}*`] }),
              new iam.PolicyStatement({ sid: 'WriteOwnSubmissions', actions: ['s3:PutObject'], resources: [`${artefacts}/${submissions}*`] }),
              new iam.PolicyStatement({
                sid: 'WriteOwnJobOutput',
                actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
                resources: outputs.map((o) => `${artefacts}/${o}`),
              }),
              // a resumed spot job reads back its own checkpoints
              new iam.PolicyStatement({
                sid: 'ReadOwnCheckpoints',
                actions: ['s3:GetObject'],
                resources: outputs.filter((o) => o.includes('checkpoints/')).map((o) => `${artefacts}/${o}`),
              }),
              new iam.PolicyStatement({
                sid: 'ListOwnCheckpoints',
                actions: ['s3:ListBucket'],
                resources: [artefacts],
                conditions: { StringLike: { 's3:prefix': outputs.filter((o) => o.includes('checkpoints/')) } },
              }),
              ...(sagemaker ? sagemakerJobStatements(stack, props.repository) : []),
            ],
          }),
        },
      });
      Validations.of(role).acknowledge(
        {
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nag(`${datasets}/${own}*`)}]`,
          reason: `The tenant's own dataset chunks, content-addressed below ${own}.`,
        },
        {
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nag(`${artefacts}/${FEDERATED_ROUNDS_PREFIX}*`)}]`,
          reason: 'Round objects the coordinator publishes, one key per run and round.',
        },
        {
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nag(`${artefacts}/${submissions}*`)}]`,
          reason: "The tenant's own submissions, one key per run, round and step.",
        },
        {
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nag(`${datasets}/${manifests}*`)}]`,
          reason: "The tenant's own staged manifests, one key per dataset version.",
        },
        {
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nag(`${datasets}/${STAGED_PARENT_ROOT}*`)}]`,
          reason: 'Staged parent model versions a tenant variant adapts (models, no rows), one prefix per model version.',
        },
        ...outputs.map((o) => ({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nag(`${artefacts}/${o}`)}]`,
          reason: "Model output and spot checkpoints of the tenant's jobs, one prefix per job id.",
        })),
      );
      if (sagemaker) acknowledgeSagemakerJob(role, stack);
      roles[tenant] = role;
    }
    this.participantRoles = roles;

    this.coordinatorRole = new iam.Role(this, 'Coordinator', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Federated coordinator: reads round objects and submissions, writes round objects; never tenant data',
      inlinePolicies: {
        coordinator: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ sid: 'ReadFederatedObjects', actions: ['s3:GetObject'], resources: [`${artefacts}/${FEDERATED_PREFIX}*`] }),
            new iam.PolicyStatement({ sid: 'WriteRounds', actions: ['s3:PutObject'], resources: [`${artefacts}/${FEDERATED_ROUNDS_PREFIX}*`] }),
            new iam.PolicyStatement({
              sid: 'ListFederatedObjects',
              actions: ['s3:ListBucket'],
              resources: [artefacts],
              conditions: { StringLike: { 's3:prefix': [`${FEDERATED_PREFIX}*`] } },
            }),
            new iam.PolicyStatement({ sid: 'NoTenantData', effect: iam.Effect.DENY, actions: ['s3:*'], resources: [`${datasets}/${TENANT_DATA_ROOT}*`] }),
          ],
        }),
      },
    });
    Validations.of(this.coordinatorRole).acknowledge(
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nag(`${artefacts}/${FEDERATED_PREFIX}*`)}]`,
        reason: 'Federated round objects and submissions, one key per run, round, tenant and step.',
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nag(`${artefacts}/${FEDERATED_ROUNDS_PREFIX}*`)}]`,
        reason: 'Round objects the coordinator publishes, one key per run and round.',
      },
    );
  }
}
