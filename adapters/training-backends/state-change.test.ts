// The completion-event parsers on events shaped as EventBridge delivers them (from the AWS
// documentation's samples, with our job names).
import { parseBatchStateChange, parseSageMakerStateChange } from './state-change';

const sagemaker = (status: string, extra: Record<string, unknown> = {}) => ({
  version: '0',
  id: '844e2571-85d4-695f-b930-0153b71dcb42',
  'detail-type': 'SageMaker Training Job State Change',
  source: 'aws.sagemaker',
  account: '123456789012',
  time: '2026-03-01T10:42:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:sagemaker:eu-west-1:123456789012:training-job/train-1a2b3c4d-5e6f-7a8'],
  detail: {
    TrainingJobName: 'train-1a2b3c4d-5e6f-7a8',
    TrainingJobArn: 'arn:aws:sagemaker:eu-west-1:123456789012:training-job/train-1a2b3c4d-5e6f-7a8',
    TrainingJobStatus: status,
    SecondaryStatus: status,
    HyperParameters: { model: 'general', seed: '42' },
    AlgorithmSpecification: { TrainingImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/xdr-ml-training:1', TrainingInputMode: 'File' },
    ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 14400 },
    CreationTime: 1772358000000,
    TrainingStartTime: 1772358120000,
    TrainingEndTime: 1772360520000,
    LastModifiedTime: 1772360520000,
    ...extra,
  },
});

const batch = (status: string, extra: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'c8f9c4b5-76e5-d76a-f980-7011e206042b',
  'detail-type': 'Batch Job State Change',
  source: 'aws.batch',
  account: '123456789012',
  time: '2026-03-01T10:42:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:batch:eu-west-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8'],
  detail: {
    jobArn: 'arn:aws:batch:eu-west-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
    jobName: 'train-1a2b3c4d-5e6f-7a8',
    jobId: '4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
    jobQueue: 'arn:aws:batch:eu-west-1:123456789012:job-queue/xdr-ml-training',
    status,
    attempts: [],
    createdAt: 1772358000000,
    dependsOn: [],
    jobDefinition: 'arn:aws:batch:eu-west-1:123456789012:job-definition/xdr-ml-training:1',
    parameters: {},
    container: { image: 'xdr-ml-training:1', command: [], volumes: [], environment: [], mountPoints: [], ulimits: [], ...(extra.container as object) },
    ...extra,
  },
});

describe('SageMaker Training Job State Change', () => {
  it('maps Completed to the model.tar.gz output, with the instance type, billable seconds and wall time the description gives', () => {
    const out = parseSageMakerStateChange(
      sagemaker('Completed', {
        ModelArtifacts: { S3ModelArtifacts: 's3://art/training-output/train-1a2b3c4d-5e6f-7a8/output/model.tar.gz' },
        BillableTimeInSeconds: 2412,
      }),
    );
    expect(out).toEqual({
      jobId: 'train-1a2b3c4d-5e6f-7a8',
      state: 'Completed',
      outputLocation: 's3://art/training-output/train-1a2b3c4d-5e6f-7a8/output/model.tar.gz',
      resources: { instanceType: 'ml.m5.xlarge', instanceCount: 1, billableSeconds: 2412, wallSeconds: 2400, source: 'sagemaker' },
    });
  });
  it('maps Failed (with its reason) and Stopped to Failed, and ignores InProgress', () => {
    expect(parseSageMakerStateChange(sagemaker('Failed', { FailureReason: 'AlgorithmError: hyperparameter "seed" must be an integer' }))).toEqual({
      jobId: 'train-1a2b3c4d-5e6f-7a8',
      state: 'Failed',
      failureReason: 'AlgorithmError: hyperparameter "seed" must be an integer',
      resources: { instanceType: 'ml.m5.xlarge', instanceCount: 1, wallSeconds: 2400, source: 'sagemaker' },
    });
    expect(parseSageMakerStateChange(sagemaker('Stopped'))?.state).toBe('Failed');
    expect(parseSageMakerStateChange(sagemaker('InProgress'))).toBeUndefined();
  });
  it('rejects an event of another source', () => {
    expect(() => parseSageMakerStateChange({ ...sagemaker('Completed'), source: 'aws.batch' })).toThrow();
  });
});

describe('Batch Job State Change', () => {
  it('maps SUCCEEDED to the job output prefix and FAILED to a reason with the exit code', () => {
    expect(
      parseBatchStateChange(batch('SUCCEEDED', { container: { exitCode: 0, instanceType: 'c5.xlarge' }, startedAt: 1772358060000, stoppedAt: 1772358960000 }), {
        artefactsBucket: 'art',
      }),
    ).toEqual({
      jobId: 'train-1a2b3c4d-5e6f-7a8',
      state: 'Completed',
      outputLocation: 's3://art/training-output/train-1a2b3c4d-5e6f-7a8/model/',
      resources: { instanceType: 'c5.xlarge', wallSeconds: 900, source: 'batch' },
    });
    expect(
      parseBatchStateChange(batch('FAILED', { statusReason: 'Essential container in task exited', container: { exitCode: 1 } }), { artefactsBucket: 'art' }),
    ).toEqual({
      jobId: 'train-1a2b3c4d-5e6f-7a8',
      state: 'Failed',
      failureReason: 'Essential container in task exited (exit code 1)',
    });
    expect(parseBatchStateChange(batch('RUNNING'), { artefactsBucket: 'art' })).toBeUndefined();
  });
});
