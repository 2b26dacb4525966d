// Federated roles on the synthesized template, judged by a small IAM evaluator (allow unless an
// explicit deny matches; resources as glob patterns): the coordinator reads round objects and no
// tenant data; each participant reads only its own prefix and manifests and writes only its own
// submissions; central training is denied tenant data. cdk-nag stays clean with tenants configured.
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVENT_FUNCTIONS } from '../../config/event-functions';
import { chunkKey, chunkPrefix } from '../../core/datasets/manifest';
import { participantJobId } from '../../core/federated/keys';
import { tenantDatasetName } from '../../core/names';
import { stagedManifestKey } from '../../core/retraining/dataset-input';
import { stagedParentPrefix } from '../../core/retraining/parent-input';
import { buildPlatformApp } from '../../infra/app-builder';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };
const env = { CDK_DEFAULT_ACCOUNT: '123456789012', AWS_REGION: 'eu-west-1' };
const TENANTS = ['acme', 'globex', 'initech'];

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Renders a template ARN (Fn::Join of strings and pseudo-parameters) to text. */
function render(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const r = resource as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
  if (r.Ref === 'AWS::Partition') return 'aws';
  if (r.Ref === 'AWS::Region') return env.AWS_REGION;
  if (r.Ref === 'AWS::AccountId') return env.CDK_DEFAULT_ACCOUNT;
  if (r['Fn::Join']) return r['Fn::Join'][1].map(render).join(r['Fn::Join'][0]);
  throw new Error(`unrenderable resource ${JSON.stringify(resource)}`);
}

const glob = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
const matches = (patterns: string | string[], value: string) => [patterns].flat().some((p) => glob(p).test(value));

/** Whether the statements allow `action` on `arn` (conditions ignored: the checks below look at them). */
function allowed(statements: readonly Statement[], action: string, arn: string): boolean {
  const hit = (s: Statement) => matches(s.Action, action) && [s.Resource].flat().some((r) => glob(render(r)).test(arn));
  return statements.some((s) => s.Effect === 'Allow' && hit(s)) && !statements.some((s) => s.Effect === 'Deny' && hit(s));
}

function roleStatements(template: Template, descriptionStart: string): Statement[] {
  const roles = Object.values(
    template.findResources('AWS::IAM::Role') as Record<
      string,
      { Properties: { Description?: string; Policies?: { PolicyDocument: { Statement: Statement[] } }[] } }
    >,
  );
  const role = roles.filter((r) => r.Properties.Description?.startsWith(descriptionStart));
  if (role.length !== 1) throw new Error(`expected one role described "${descriptionStart}…", found ${role.length}`);
  return (role[0].Properties.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
}

describe('federated roles (CDK, tenants acme, globex, initech)', () => {
  const platform = buildPlatformApp(
    { context: { ...NO_BUNDLING, stage: 'fed', tenants: TENANTS.join(',') }, outdir: mkdtempSync(path.join(os.tmpdir(), 'cdk-')) },
    env,
  );
  const template = Template.fromStack(platform.training);
  const datasets = `arn:aws:s3:::${platform.config.buckets.datasets}`;
  const artefacts = `arn:aws:s3:::${platform.config.buckets.artefacts}`;
  // keys exactly as the code writes them (ingest, staging), not as the docs say
  const tenantChunk = (t: string) => `${datasets}/${chunkKey(tenantDatasetName(t, 'flows'), 'a'.repeat(64))}`;
  const coordinator = roleStatements(template, 'Federated coordinator');

  it('the coordinator reads round objects and submissions, writes only round objects, and can read no tenant prefix', () => {
    for (const t of TENANTS) {
      expect(allowed(coordinator, 's3:GetObject', tenantChunk(t))).toBe(false);
      expect(allowed(coordinator, 's3:GetObject', `${artefacts}/federated/submissions/${t}/run-1/round-1/masked.json`)).toBe(true);
      expect(allowed(coordinator, 's3:PutObject', `${artefacts}/federated/submissions/${t}/run-1/round-1/masked.json`)).toBe(false);
    }
    expect(allowed(coordinator, 's3:PutObject', `${artefacts}/federated/rounds/run-1/round-1/model.json`)).toBe(true);
    expect(allowed(coordinator, 's3:GetObject', `${datasets}/datasets/shared/x.parquet`)).toBe(false);
    expect(allowed(coordinator, 's3:GetObject', `${artefacts}/models/general/abc/model.onnx`)).toBe(false);
    expect(JSON.stringify(coordinator)).not.toContain('dynamodb');
  });

  it('each participant reads only its own prefix and manifests, and writes only its own submissions', () => {
    for (const t of TENANTS) {
      const own = roleStatements(template, `Federated participant ${t}:`);
      for (const other of TENANTS) {
        expect(allowed(own, 's3:GetObject', tenantChunk(other))).toBe(other === t);
        expect(allowed(own, 's3:PutObject', `${artefacts}/federated/submissions/${other}/run-1/round-1/masked.json`)).toBe(other === t);
      }
      expect(allowed(own, 's3:GetObject', `${datasets}/datasets/shared/x.parquet`)).toBe(false);
      expect(allowed(own, 's3:GetObject', `${artefacts}/federated/rounds/run-1/round-1/model.json`)).toBe(true);
      expect(allowed(own, 's3:PutObject', `${artefacts}/federated/rounds/run-1/round-1/model.json`)).toBe(false);
      const manifests = own.find((s) => matches(s.Action, 'dynamodb:Query'));
      expect(manifests?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`tenants/${t}/*`] } });
      expect(own.find((s) => matches(s.Action, 's3:ListBucket'))?.Condition).toEqual({
        StringLike: { 's3:prefix': [`tenants/${t}/*`, `manifests/tenants/${t}/*`, 'parents/*'] },
      });
    }
  });

  /** The s3:prefix patterns a role may list `bucketArn` with. */
  const listablePrefixes = (statements: readonly Statement[], bucketArn: string): string[] =>
    statements
      .filter((st) => st.Effect === 'Allow' && matches(st.Action, 's3:ListBucket') && [st.Resource].flat().some((r) => render(r) === bucketArn))
      .flatMap((st) => [st.Condition?.StringLike?.['s3:prefix'] ?? []].flat() as string[]);

  it("each participant role holds what its SageMaker job needs: its staged inputs, its job output, the image and logs, and still no other tenant's", () => {
    const repository = Object.keys(template.findResources('AWS::ECR::Repository'));
    expect(repository).toHaveLength(1);
    const jobLogs = `arn:aws:logs:${env.AWS_REGION}:${env.CDK_DEFAULT_ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs:log-stream:x/algo-1`;
    for (const t of TENANTS) {
      const own = roleStatements(template, `Federated participant ${t}:`);
      const job = participantJobId('run-1', t);
      for (const other of TENANTS) {
        const name = tenantDatasetName(other, 'flows');
        const mine = other === t;
        // the channels the backends hand the job: staged manifest, chunk prefix (listed by SageMaker)
        expect(allowed(own, 's3:GetObject', `${datasets}/${stagedManifestKey(name, 3)}`)).toBe(mine);
        expect(listablePrefixes(own, datasets).some((p) => glob(p).test(chunkPrefix(name)))).toBe(mine);
        expect(listablePrefixes(own, datasets).some((p) => glob(p).test(stagedManifestKey(name, 3)))).toBe(mine);
        // its own participant job's output and checkpoints, never another tenant's participant job
        const otherJob = participantJobId('run-1', other);
        expect(allowed(own, 's3:PutObject', `${artefacts}/training-output/${otherJob}/output/model.tar.gz`)).toBe(mine);
        expect(allowed(own, 's3:PutObject', `${artefacts}/training-output/checkpoints/${otherJob}/c.json`)).toBe(mine);
        expect(allowed(own, 's3:GetObject', `${artefacts}/training-output/checkpoints/${otherJob}/c.json`)).toBe(mine);
      }
      expect(allowed(own, 's3:GetObject', `${datasets}/${stagedManifestKey('shared', 1)}`)).toBe(false);
      expect(allowed(own, 's3:GetObject', `${datasets}/${stagedParentPrefix('general', 4)}model.json`)).toBe(true);
      expect(allowed(own, 's3:PutObject', `${artefacts}/training-output/${job}/output/model.tar.gz`)).toBe(true);
      // a variant's job (train-<id>) writes its output too; nothing else of the artefacts bucket
      expect(allowed(own, 's3:PutObject', `${artefacts}/training-output/train-abc/output/model.tar.gz`)).toBe(true);
      expect(allowed(own, 's3:GetObject', `${artefacts}/training-output/train-abc/output/model.tar.gz`)).toBe(false);
      expect(allowed(own, 's3:PutObject', `${artefacts}/models/general/abc/model.onnx`)).toBe(false);
      expect(allowed(own, 's3:PutObject', `${datasets}/${stagedManifestKey(tenantDatasetName(t, 'flows'), 3)}`)).toBe(false);
      // the SageMaker job itself: pull the image from the training repository, write its logs and metrics
      const pull = own.filter((st) => matches(st.Action, 'ecr:BatchGetImage'));
      expect(pull.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [repository[0], 'Arn'] }]);
      expect(allowed(own, 'ecr:GetAuthorizationToken', '*')).toBe(true);
      expect(allowed(own, 'logs:PutLogEvents', jobLogs)).toBe(true);
      expect(allowed(own, 'logs:PutLogEvents', jobLogs.replace('/aws/sagemaker/TrainingJobs', '/aws/lambda/other'))).toBe(false);
      expect(own.find((st) => matches(st.Action, 'cloudwatch:PutMetricData'))?.Condition).toEqual({
        StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' },
      });
    }
  });

  /** The logical id of the role described `descriptionStart…`. */
  const roleId = (descriptionStart: string): string => {
    const roles = template.findResources('AWS::IAM::Role') as Record<string, { Properties: { Description?: string } }>;
    const [id] = Object.entries(roles)
      .filter(([, r]) => r.Properties.Description?.startsWith(descriptionStart))
      .map(([k]) => k);
    return id;
  };
  const functionNamed = (descriptionStart: string) => {
    const fns = Object.values(
      template.findResources('AWS::Lambda::Function') as Record<
        string,
        { Properties: { Description?: string; Role: unknown; Environment: { Variables: Record<string, unknown> } } }
      >,
    ).filter((f) => f.Properties.Description?.startsWith(descriptionStart));
    expect(fns).toHaveLength(1);
    return fns[0].Properties;
  };
  /** Every statement attached to a role: its inline policies and the AWS::IAM::Policy resources naming it. */
  const attachedStatements = (logicalId: string): Statement[] => {
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy') as Record<string, { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }>,
    );
    return policies.filter((p) => p.Properties.Roles.some((r) => r.Ref === logicalId)).flatMap((p) => p.Properties.PolicyDocument.Statement);
  };

  it('the coordinator function runs under the coordinator role, and with every grant it holds it still reads no tenant prefix', () => {
    const coordinatorId = roleId('Federated coordinator');
    expect(functionNamed('Coordinates a federated run').Role).toEqual({ 'Fn::GetAtt': [coordinatorId, 'Arn'] });
    const all = [...coordinator, ...attachedStatements(coordinatorId)].filter((s) =>
      [s.Resource].flat().every((r) => {
        try {
          render(r);
          return true;
        } catch {
          return false; // resources of other stacks (imported ARNs) are not tenant data
        }
      }),
    );
    for (const t of TENANTS) {
      expect(allowed(all, 's3:GetObject', tenantChunk(t))).toBe(false);
      expect(allowed(all, 's3:ListBucket', tenantChunk(t))).toBe(false);
    }
  });

  it("tenant jobs are started with the tenant's participant role: the runners in the environment, PassRole to those roles only", () => {
    for (const fn of [functionNamed('Coordinates a federated run'), functionNamed(EVENT_FUNCTIONS.launcher.description)]) {
      const runners = JSON.stringify(fn.Environment.Variables.XDR_ML_TENANT_RUNNERS);
      for (const t of TENANTS) {
        expect(runners).toContain(`${t}=`);
        expect(runners).toContain(roleId(`Federated participant ${t}:`));
      }
    }
    const launcherRole = (functionNamed(EVENT_FUNCTIONS.launcher.description).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const passed = attachedStatements(launcherRole)
      .filter((st) => matches(st.Action, 'iam:PassRole'))
      .flatMap((st) => [st.Resource].flat().map((r) => JSON.stringify(r)));
    for (const t of TENANTS) expect(passed.join()).toContain(roleId(`Federated participant ${t}:`));
    // and nothing else but the training role
    expect(passed).toHaveLength(TENANTS.length + 1);
  });

  it('central training is denied tenant data, while it still reads shared datasets', () => {
    const training = roleStatements(template, 'SageMaker training jobs');
    expect(allowed(training, 's3:GetObject', `${datasets}/datasets/shared/x.parquet`)).toBe(true);
    for (const t of TENANTS) expect(allowed(training, 's3:GetObject', tenantChunk(t))).toBe(false);
  });

  it('the evaluator catches a non-compliant fixture: a coordinator allowed the whole datasets bucket', () => {
    const fixture: Statement[] = [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `${datasets}/*` }];
    expect(allowed(fixture, 's3:GetObject', tenantChunk('acme'))).toBe(true);
    expect(allowed([...fixture, ...coordinator.filter((s) => s.Effect === 'Deny')], 's3:GetObject', tenantChunk('acme'))).toBe(false);
  });

  it('on AWS Batch each tenant job definition runs under its participant role, with the execution role pulling the image and writing logs', () => {
    const batchPlatform = buildPlatformApp(
      {
        context: { ...NO_BUNDLING, stage: 'fedbatch', tenants: TENANTS.join(','), trainingBackend: 'batch' },
        outdir: mkdtempSync(path.join(os.tmpdir(), 'cdk-')),
      },
      env,
    );
    const batchTemplate = Template.fromStack(batchPlatform.training);
    const roles = batchTemplate.findResources('AWS::IAM::Role') as Record<string, { Properties: { Description?: string } }>;
    const idOf = (start: string) => Object.entries(roles).find(([, r]) => r.Properties.Description?.startsWith(start))?.[0];
    const execution = idOf('Pulls the Mini-XDR ML training image');
    expect(execution).toBeDefined();
    const definitions = Object.values(
      batchTemplate.findResources('AWS::Batch::JobDefinition') as Record<
        string,
        { Properties: { JobDefinitionName: string; ContainerProperties: { JobRoleArn: unknown; ExecutionRoleArn: unknown } } }
      >,
    );
    for (const t of TENANTS) {
      const def = definitions.find((d) => d.Properties.JobDefinitionName.endsWith(`-tenant-${t}`));
      expect(def?.Properties.ContainerProperties.JobRoleArn).toEqual({ 'Fn::GetAtt': [idOf(`Federated participant ${t}:`), 'Arn'] });
      expect(def?.Properties.ContainerProperties.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [execution, 'Arn'] });
      // the job role on Batch needs S3 only: no image pull or logs of its own
      const own = roleStatements(batchTemplate, `Federated participant ${t}:`);
      expect(own.some((st) => matches(st.Action, 'ecr:BatchGetImage'))).toBe(false);
      const batchDatasets = `arn:aws:s3:::${batchPlatform.config.buckets.datasets}`;
      expect(allowed(own, 's3:GetObject', `${batchDatasets}/${stagedManifestKey(tenantDatasetName(t, 'flows'), 1)}`)).toBe(true);
    }
    // and cdk-nag stays clean on Batch with tenants
    expect(() => batchPlatform.app.synth()).not.toThrow();
  });

  it('synthesizes cdk-nag clean with tenants configured', () => {
    const app = buildPlatformApp(
      { context: { ...NO_BUNDLING, stage: 'fednag', tenants: TENANTS.join(',') }, outdir: mkdtempSync(path.join(os.tmpdir(), 'cdk-')) },
      env,
    ).app;
    expect(() => app.synth()).not.toThrow();
  });
});
