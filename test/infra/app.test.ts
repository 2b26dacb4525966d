// Synthesizes the CDK app and asserts on the templates: the data stack's security baseline,
// IAM authorisation on every route, the catalogue's routes, and cdk-nag with nothing
// unacknowledged.
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPlatformApp } from '../../infra/app-builder';
import { allRoutes } from '../../config/functions';
import { BUCKETS, TABLES } from '../../config/resources';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };
const env = { CDK_DEFAULT_ACCOUNT: '123456789012', AWS_REGION: 'eu-west-1' };

function synth(context: Record<string, unknown> = {}) {
  return buildPlatformApp({ context: { ...NO_BUNDLING, ...context }, outdir: mkdtempSync(path.join(os.tmpdir(), 'cdk-')) }, env);
}

/** Runs validation (cdk-nag) and returns the report's violations, or [] when synth passes. */
function nagViolations(app: ReturnType<typeof synth>['app']): string[] {
  try {
    app.synth();
    return [];
  } catch (error) {
    return String((error as Error).message).split('\n');
  }
}

describe('CDK app', () => {
  const platform = synth({ stage: 'test' });
  const data = Template.fromStack(platform.data);
  const api = Template.fromStack(platform.api);

  it('outputs what a platform team needs after deploy: the API URL, image repository, alert topic, buckets and tables', () => {
    expect(Object.keys(api.findOutputs('ApiUrl'))).toEqual(['ApiUrl']);
    expect(Object.keys(Template.fromStack(platform.training).findOutputs('TrainingImageRepositoryUri'))).toEqual(['TrainingImageRepositoryUri']);
    expect(Object.keys(Template.fromStack(platform.monitoring).findOutputs('AlertTopicArn'))).toEqual(['AlertTopicArn']);
    const outputs = Object.keys(data.findOutputs('*'));
    expect(outputs).toEqual(expect.arrayContaining(['ArtefactsBucketName', 'DatasetsBucketName', 'TelemetryBucketName', 'RegistryTableName']));
    expect(outputs).toHaveLength(BUCKETS.length + TABLES.length + 1); // + TelemetryGlueTable
  });

  it('declares the telemetry objects as a Glue table: Parquet under samples/, partitions model and date projected', () => {
    data.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'xdr_ml_test' } });
    data.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'xdr_ml_test',
      TableInput: Match.objectLike({
        Name: 'telemetry',
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [
          { Name: 'model', Type: 'string' },
          { Name: 'date', Type: 'string' },
        ],
        Parameters: Match.objectLike({
          classification: 'parquet',
          'projection.enabled': 'true',
          'projection.model.type': 'injected',
          'projection.date.type': 'date',
          'projection.date.format': 'yyyy-MM-dd',
          'storage.location.template': Match.objectLike({
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/samples/model=\\$\\{model\\}/date=\\$\\{date\\}/$')])],
          }),
        }),
        StorageDescriptor: Match.objectLike({
          Columns: [
            { Name: 'request_id', Type: 'string' },
            { Name: 'flow_index', Type: 'int' },
            { Name: 'version', Type: 'int' },
            { Name: 'at', Type: 'string' },
            { Name: 'label', Type: 'string' },
            { Name: 'confidence', Type: 'double' },
          ],
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        }),
      }),
    });
  });

  it('creates every declared bucket encrypted, TLS-only, private, versioned and access-logged', () => {
    for (const b of BUCKETS) {
      data.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: platform.config.buckets[b.id],
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: `${b.id}/` },
      });
    }
    const policies = data.findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies).length).toBeGreaterThanOrEqual(BUCKETS.length + 1);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
  });

  it('creates every declared table on demand, with point-in-time recovery and encryption', () => {
    for (const t of TABLES) {
      data.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: platform.config.tables[t.id],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        KeySchema: [{ AttributeName: t.partitionKey.name, KeyType: 'HASH' }, ...(t.sortKey ? [{ AttributeName: t.sortKey.name, KeyType: 'RANGE' }] : [])],
      });
    }
    data.resourceCountIs('AWS::DynamoDB::Table', TABLES.length);
  });

  it('expires current telemetry objects and inference records from config, with the documented defaults', () => {
    expect(platform.config.serving).toMatchObject({ telemetryRetentionDays: 30, inferenceRetentionDays: 90 });
    data.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: platform.config.buckets.telemetry,
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-noncurrent', NoncurrentVersionExpiration: { NoncurrentDays: 90 } }),
          Match.objectLike({ Id: 'expire-current', ExpirationInDays: 30, Status: 'Enabled' }),
        ]),
      },
    });
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: platform.config.tables.inference,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    // only the telemetry bucket and the inference table expire what they hold
    for (const b of BUCKETS.filter((b) => b.id !== 'telemetry')) {
      const [bucket] = Object.values(data.findResources('AWS::S3::Bucket', { Properties: { BucketName: platform.config.buckets[b.id] } }));
      expect(JSON.stringify(bucket.Properties.LifecycleConfiguration)).not.toMatch(/expire-current/);
    }
    const custom = Template.fromStack(synth({ stage: 'retention', telemetryRetentionDays: 7, inferenceRetentionDays: 14 }).data);
    custom.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-current', ExpirationInDays: 7 })]) },
    });
  });

  it('serves exactly the catalogue routes, each with IAM authorisation', () => {
    const routes = Object.values(api.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
      allRoutes()
        .map(({ route }) => `${route.method} ${route.path}`)
        .sort(),
    );
    for (const r of routes) expect(r.Properties.AuthorizationType).toBe('AWS_IAM');
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }) });
  });

  it('runs the functions on nodejs22.x arm64 with the platform configuration', () => {
    api.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ XDR_ML_STAGE: 'test', XDR_ML_TABLE_REGISTRY: 'xdr-ml-test-registry' }) },
    });
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement carrying a reason', () => {
    expect(nagViolations(synth({ stage: 'nagcheck' }).app)).toEqual([]);
    const acknowledged = [platform.data, platform.api].flatMap((stack) =>
      stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data as Record<string, string>)),
    );
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const entry of acknowledged) for (const reason of Object.values(entry)) expect(reason.length).toBeGreaterThan(20);
  });

  it('fails synth on an unacknowledged finding', () => {
    const naughty = synth({ stage: 'nagfail' });
    new s3.Bucket(naughty.data, 'UnloggedBucket'); // no TLS-only policy, no access logs
    const violations = nagViolations(naughty.app).join('\n');
    expect(violations).toMatch(/AwsSolutions-S1|AwsSolutions-S10/);
    expect(violations).toMatch(/UnloggedBucket/);
  });

  it('turns invalid context into an error naming the key', () => {
    expect(() => synth({ stage: 'Bad Stage' })).toThrow(/XDR_ML_STAGE/);
    expect(() => synth({ autoRetrain: 'maybe' })).toThrow(/XDR_ML_AUTO_RETRAIN/);
    expect(() => synth({ promotionPolicy: 'yolo' })).toThrow(/promotionPolicy/);
  });
});
