// Synthesizes the training and monitoring stacks and asserts on their templates: the retraining
// schedule only with auto-retrain on, trigger rules → launcher, SageMaker/Batch state changes →
// completion handler, the training role's S3 scope, alarms on the emitted metrics, cdk-nag clean.
import { FUNCTION_METRICS } from '../../core/resources/function-usage';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPlatformApp } from '../../infra/app-builder';
import { jobResourceMetrics, METRICS, METRIC_NAMESPACE, METRIC_SERVICE } from '../../core/retraining/metrics';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };
const env = { CDK_DEFAULT_ACCOUNT: '123456789012', AWS_REGION: 'eu-west-1' };

function synth(context: Record<string, unknown> = {}) {
  return buildPlatformApp({ context: { ...NO_BUNDLING, ...context }, outdir: mkdtempSync(path.join(os.tmpdir(), 'cdk-')) }, env);
}

type Resource = { Properties: Record<string, unknown> };

/** Logical id of the Lambda function whose code entry is the given function id (by description). */
function functionId(t: Template, description: RegExp): string {
  const fns = Object.entries(t.findResources('AWS::Lambda::Function') as Record<string, Resource>).filter(([, r]) =>
    description.test(String(r.Properties.Description)),
  );
  expect(fns).toHaveLength(1);
  return fns[0][0];
}

function rulesTargeting(t: Template, fnId: string): Resource[] {
  return Object.values(t.findResources('AWS::Events::Rule') as Record<string, Resource>).filter((r) =>
    (r.Properties.Targets as { Arn: unknown }[]).some((target) => JSON.stringify(target.Arn).includes(`"${fnId}"`)),
  );
}

describe('training stack', () => {
  const off = synth({ stage: 'test', autoRetrain: false });
  const on = synth({ stage: 'test', autoRetrain: true, retrainSchedule: 'rate(24 hours)' });
  const t = Template.fromStack(off.training);
  const tOn = Template.fromStack(on.training);
  const launcher = functionId(t, /^Consumes retraining triggers/);
  const completion = functionId(t, /^Registers a finished training job/);
  const driftCheck = functionId(t, /^Hourly drift check/);

  it('creates the platform bus under the configured name', () => {
    t.hasResourceProperties('AWS::Events::EventBus', { Name: off.config.eventBusName });
  });

  it('has the online-adaptation schedule only when adaptSchedule is set, aimed at the launcher for every deployed lineage', () => {
    const adapting = Template.fromStack(synth({ stage: 'adapt', autoRetrain: false, adaptSchedule: 'rate(6 hours)' }).training);
    const schedules = (tmpl: Template) =>
      rulesTargeting(tmpl, functionId(tmpl, /^Consumes retraining triggers/)).filter((r) => r.Properties.ScheduleExpression);
    expect(schedules(t)).toHaveLength(0);
    const [rule] = schedules(adapting);
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(6 hours)', State: 'ENABLED' });
    const transformer = (rule.Properties.Targets as { InputTransformer: { InputTemplate: string } }[])[0].InputTransformer;
    expect(transformer.InputTemplate).toBe('{"type":"ScheduledAdaptation","scheduledAt":<time>}');
  });

  it('has the 24-hour retraining schedule only when auto-retrain is on, enabled, aimed at the launcher for every deployed lineage', () => {
    const schedules = (tmpl: Template) =>
      rulesTargeting(tmpl, functionId(tmpl, /^Consumes retraining triggers/)).filter((r) => r.Properties.ScheduleExpression);
    expect(schedules(t)).toHaveLength(0);
    const [rule] = schedules(tOn);
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(24 hours)', State: 'ENABLED' });
    const transformer = (rule.Properties.Targets as { InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[])[0]
      .InputTransformer;
    expect(transformer.InputPathsMap).toEqual({ time: '$.time' });
    // no model: the launcher retrains every lineage with a production alias, however many exist
    expect(transformer.InputTemplate).toBe('{"type":"ScheduledRetrain","scheduledAt":<time>}');
  });

  it('routes drift, performance, data-volume, manual triggers, adaptation and ensemble requests and queued jobs on the bus to the launcher', () => {
    const patterns = rulesTargeting(t, launcher).map((r) => r.Properties.EventPattern as { source: string[]; 'detail-type': string[] });
    expect(patterns.flatMap((p) => p['detail-type']).sort()).toEqual([
      'AdaptationRequested',
      'DataVolumeReached',
      'DriftDetected',
      'EnsembleRequested',
      'ManualRetrain',
      'PerformanceDegraded',
      'TrainingJobQueued',
    ]);
    for (const p of patterns) expect(p.source).toEqual(['mini-xdr-ml']);
    for (const r of rulesTargeting(t, launcher)) expect(JSON.stringify(r.Properties.EventBusName)).toMatch(/Bus/);
  });

  it('routes final SageMaker and Batch state changes of our jobs to the completion handler', () => {
    const patterns = rulesTargeting(t, completion).map((r) => r.Properties.EventPattern);
    expect(patterns).toEqual(
      expect.arrayContaining([
        {
          source: ['aws.sagemaker'],
          'detail-type': ['SageMaker Training Job State Change'],
          detail: { TrainingJobStatus: ['Completed', 'Failed', 'Stopped'], TrainingJobName: [{ prefix: 'train-' }] },
        },
        { source: ['aws.batch'], 'detail-type': ['Batch Job State Change'], detail: { status: ['SUCCEEDED', 'FAILED'], jobName: [{ prefix: 'train-' }] } },
      ]),
    );
    const [drift] = rulesTargeting(t, driftCheck);
    expect(drift.Properties.ScheduleExpression).toBe('rate(1 hour)');
    // no model in the input: every lineage with a production alias is checked
    expect((drift.Properties.Targets as { Input: string }[])[0].Input).toBe('{}');
  });

  it('runs the maintenance sweep every 15 minutes, allowed to describe the training jobs only', () => {
    const maintenance = functionId(t, /^Sweeps lost training jobs/);
    expect(rulesTargeting(t, maintenance).map((r) => r.Properties.ScheduleExpression)).toEqual(['rate(15 minutes)']);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sagemaker:DescribeTrainingJob' })]) },
    });
  });

  it('lets the training role read only the datasets bucket and write only the training-output prefix', () => {
    const roles = Object.values(t.findResources('AWS::IAM::Role') as Record<string, Resource>).filter((r) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('sagemaker.amazonaws.com'),
    );
    expect(roles).toHaveLength(1);
    const all = (
      roles[0].Properties.Policies as { PolicyDocument: { Statement: { Effect: string; Action: string | string[]; Resource: unknown }[] } }[]
    ).flatMap((p) => p.PolicyDocument.Statement);
    // the one Deny keeps tenants' own data (tenants/*) from central training; the allows are judged below
    expect(all.filter((s) => s.Effect === 'Deny').map((s) => JSON.stringify(s.Resource).replace(/"/g, ''))).toEqual([expect.stringContaining('/tenants/*]')]);
    const statements = all.filter((s) => s.Effect === 'Allow');
    const s3 = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    const arn = (r: unknown) => JSON.stringify(r).replace(/"/g, '');
    const datasets = off.config.buckets.datasets;
    const artefacts = off.config.buckets.artefacts;
    for (const s of s3) {
      const actions = [s.Action].flat();
      const resource = arn(s.Resource);
      expect(resource.includes(datasets) || resource.includes(artefacts)).toBe(true);
      if (actions.some((a) => a === 's3:PutObject' || a === 's3:DeleteObject')) expect(resource).toMatch(new RegExp(`${artefacts}/training-output/\\*`));
      if (resource.includes(datasets)) expect(actions.every((a) => a === 's3:GetObject' || a === 's3:ListBucket')).toBe(true);
      expect(actions).not.toContain('s3:DeleteObject');
      expect(actions.some((a) => a.includes('*'))).toBe(false);
    }
    expect(s3.some((s) => [s.Action].flat().includes('s3:PutObject'))).toBe(true);
  });

  it('lets the launcher pass only the training role, only to SageMaker', () => {
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }),
        ]),
      },
    });
  });
});

describe('training stack on AWS Batch (-c trainingBackend=batch)', () => {
  const platform = synth({ stage: 'test', trainingBackend: 'batch' });
  const t = Template.fromStack(platform.training);
  const launcher = functionId(t, /^Consumes retraining triggers/);
  const launcherFn = (t.findResources('AWS::Lambda::Function') as Record<string, Resource>)[launcher];
  const ref = (logicalType: string): string => {
    const ids = Object.keys(t.findResources(logicalType));
    expect(ids).toHaveLength(1);
    return ids[0];
  };

  it('creates a Fargate compute environment, a queue and a job definition that runs the training image', () => {
    t.hasResourceProperties('AWS::Batch::ComputeEnvironment', { Type: 'managed', ComputeResources: Match.objectLike({ Type: 'FARGATE' }) });
    t.hasResourceProperties('AWS::Batch::JobQueue', { JobQueueName: 'xdr-ml-test-training' });
    const definition = Object.values(t.findResources('AWS::Batch::JobDefinition') as Record<string, Resource>)[0].Properties;
    expect(JSON.stringify(definition.ContainerProperties)).toContain(ref('AWS::ECR::Repository'));
    expect(definition.PlatformCapabilities).toEqual(['FARGATE']);
    // no inbound traffic to the tasks
    const groups = Object.values(t.findResources('AWS::EC2::SecurityGroup') as Record<string, Resource>);
    for (const g of groups) expect(g.Properties.SecurityGroupIngress).toBeUndefined();
    t.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  it('points the launcher at the queue and job definition, and lets it submit there only', () => {
    const env = JSON.stringify((launcherFn.Properties.Environment as { Variables: Record<string, unknown> }).Variables);
    expect(env).toContain('"XDR_ML_TRAINING_BACKEND":"batch"');
    expect(env).toContain(ref('AWS::Batch::JobQueue'));
    expect(env).toContain(ref('AWS::Batch::JobDefinition'));
    expect(env).not.toContain('XDR_ML_TRAINING_ROLE_ARN');
    const launcherRole = (launcherFn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const statements = Object.values(t.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${launcherRole}"`))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const submit = statements.filter((s) => [s.Action].flat().includes('batch:SubmitJob'));
    expect(submit).toHaveLength(1);
    expect(JSON.stringify(submit[0].Resource)).toContain(ref('AWS::Batch::JobQueue'));
    expect(JSON.stringify(submit[0].Resource)).not.toContain('*');
    expect(statements.some((s) => [s.Action].flat().some((a) => a.startsWith('sagemaker:') || a === 'iam:PassRole'))).toBe(false);
  });

  it('runs the container with an S3-only job role; image pulls and logs go through the execution role', () => {
    const roles = Object.values(t.findResources('AWS::IAM::Role') as Record<string, Resource>);
    expect(roles.filter((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('sagemaker.amazonaws.com'))).toHaveLength(0);
    const jobRole = roles.find((r) => String(r.Properties.Description).startsWith('AWS Batch training jobs'));
    const actions = (jobRole?.Properties.Policies as { PolicyDocument: { Statement: { Action: string | string[] }[] } }[]).flatMap((p) =>
      p.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()),
    );
    expect(actions.every((a) => a.startsWith('s3:'))).toBe(true);
    const execution = roles.find((r) => String(r.Properties.Description).startsWith('Pulls the Mini-XDR ML training image'));
    expect(JSON.stringify(execution?.Properties.Policies)).toContain('ecr:BatchGetImage');
  });

  it('refuses an unknown backend, naming the context key', () => {
    expect(() => synth({ stage: 'test', trainingBackend: 'fargate' })).toThrow(/CDK context trainingBackend/);
  });

  it('passes cdk-nag AwsSolutions with every finding acknowledged with a reason', () => {
    let violations: string[] = [];
    try {
      synth({ stage: 'nagbatch', autoRetrain: true, trainingBackend: 'batch' }).app.synth();
    } catch (error) {
      violations = String((error as Error).message).split('\n');
    }
    expect(violations).toEqual([]);
  });
});

describe('monitoring stack', () => {
  const platform = synth({ stage: 'test' });
  const m = Template.fromStack(platform.monitoring);

  it('has an encrypted, TLS-only alert topic that the alarms notify', () => {
    m.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    m.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const alarms = Object.values(m.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>);
    expect(alarms).toHaveLength(8);
    for (const a of alarms) expect(a.Properties.AlarmActions).toHaveLength(1);
  });

  it('alarms when a training job peaks above the memory its capacity check expected', () => {
    m.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRIC_NAMESPACE,
      MetricName: METRICS.trainingMemoryRatio,
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'service', Value: METRIC_SERVICE }],
    });
    // the completion function emits the ratio from the job's record (measured peak over the expected need)
    expect(jobResourceMetrics({ resources: { peakRssBytes: 300 * 1048576, cpuSeconds: 4 }, expectedResources: { memoryBytes: 200 * 1048576 } })).toEqual({
      [METRICS.trainingPeakMemory]: 300,
      [METRICS.trainingMemoryRatio]: 1.5,
      [METRICS.trainingCpuSeconds]: 4,
    });
  });

  it('alarms when a function timed out or came near its timeout or memory, on the counts the handlers emit (service alone)', () => {
    // functions/shared/limits.ts: Timeouts, NearTimeout, NearMemoryLimit with [service, operation] and [service]
    const alarm = Object.values(m.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>).find((a) =>
      JSON.stringify(a.Properties).includes(FUNCTION_METRICS.nearMemoryLimit),
    );
    expect(alarm).toBeDefined();
    const metrics = (alarm!.Properties.Metrics as { MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: unknown[] }; Stat: string } }[])
      .flatMap((q) => (q.MetricStat ? [q.MetricStat] : []))
      .map((stat) => ({ name: stat.Metric.MetricName, namespace: stat.Metric.Namespace, dimensions: stat.Metric.Dimensions, stat: stat.Stat }));
    expect(metrics.map((x) => x.name).sort()).toEqual([FUNCTION_METRICS.nearMemoryLimit, FUNCTION_METRICS.nearTimeout, FUNCTION_METRICS.timeouts].sort());
    for (const x of metrics) expect(x).toMatchObject({ namespace: METRIC_NAMESPACE, dimensions: [{ Name: 'service', Value: METRIC_SERVICE }], stat: 'Sum' });
    expect(alarm!.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it('sends failed trainings and quarantined versions to the alert topic', () => {
    const topic = Object.keys(m.findResources('AWS::SNS::Topic'))[0];
    for (const detailType of ['TrainingFailed', 'ModelVersionQuarantined']) {
      m.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { 'detail-type': [detailType] },
        Targets: Match.arrayWith([Match.objectLike({ Arn: { Ref: topic } })]),
      });
    }
  });

  it('alarms on the metric names and dimensions the code emits, across every lineage (service alone, no per-model dimension)', () => {
    // functions/shared/event-handler.ts lineageMetrics: [service, Model] and [service]
    for (const name of [METRICS.driftShare, METRICS.onlineAccuracy, METRICS.trainingFailures, METRICS.capacityRefusals]) {
      m.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRIC_NAMESPACE,
        MetricName: name,
        Dimensions: [{ Name: 'service', Value: METRIC_SERVICE }],
      });
    }
    // the dashboard draws each lineage's own series, found by a SEARCH over the Model dimension
    const dashboard = JSON.stringify(Object.values(m.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    expect(dashboard).toMatch(new RegExp(`SEARCH\\('\\{${METRIC_NAMESPACE},Model,service\\} MetricName=\\\\+"${METRICS.driftShare}\\\\+"'`));
    m.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/ApiGateway', MetricName: '5xx' });
    m.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/ApiGateway', MetricName: 'Latency', ExtendedStatistic: 'p99' });
    m.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('cdk-nag', () => {
  it('passes AwsSolutions on the whole app with the training and monitoring stacks, auto-retrain on', () => {
    const app = synth({ stage: 'nagtrain', autoRetrain: true }).app;
    let violations: string[] = [];
    try {
      app.synth();
    } catch (error) {
      violations = String((error as Error).message).split('\n');
    }
    expect(violations).toEqual([]);
    // The findings that remain are acknowledged one by one, each with a reason.
    const platform = synth({ stage: 'nagtrain2', autoRetrain: true });
    const acknowledged = [platform.training, platform.monitoring].flatMap((stack) =>
      stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data as Record<string, string>)),
    );
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const entry of acknowledged) for (const reason of Object.values(entry)) expect(reason.length).toBeGreaterThan(20);
  });
});
