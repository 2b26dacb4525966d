// Federated learning's roles, one job: least privilege between tenants. Each tenant's participant
// role (its training jobs) reads only its own data prefix and manifests, reads the coordinator's
// round objects, and writes only its own submissions; the coordinator role reads round objects and
// submissions, writes round objects, and is denied every tenant's data outright.
import { Arn, ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { nagArn } from './nag';
import { FEDERATED_PREFIX, FEDERATED_ROUNDS_PREFIX, federatedSubmissionPrefix } from '../../core/federated/keys';
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
      const role = new iam.Role(this, `Participant-${tenant}`, {
        assumedBy: new iam.ServicePrincipal(sagemaker ? 'sagemaker.amazonaws.com' : 'ecs-tasks.amazonaws.com'),
        description: `Federated participant ${tenant}: reads only ${own} and round objects, writes only its own submissions`,
        inlinePolicies: {
          participant: new iam.PolicyDocument({
            statements: [
              new iam.PolicyStatement({ sid: 'ReadOwnData', actions: ['s3:GetObject'], resources: [`${datasets}/${own}*`] }),
              new iam.PolicyStatement({
                sid: 'ListOwnData',
                actions: ['s3:ListBucket'],
                resources: [datasets],
                conditions: { StringLike: { 's3:prefix': [`${own}*`] } },
              }),
              new iam.PolicyStatement({
                sid: 'ReadOwnManifests',
                actions: ['dynamodb:GetItem', 'dynamodb:Query'],
                resources: [table],
                conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${tenantDatasetName(tenant, '*')}`] } },
              }),
              new iam.PolicyStatement({ sid: 'ReadRounds', actions: ['s3:GetObject'], resources: [`${artefacts}/${FEDERATED_ROUNDS_PREFIX}*`] }),
              new iam.PolicyStatement({ sid: 'WriteOwnSubmissions', actions: ['s3:PutObject'], resources: [`${artefacts}/${submissions}*`] }),
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
      );
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
