// The cloud backends' requests (built without calling AWS) and the SageMaker output reader.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { TrainingJobSpec } from '../../core/retraining/backend';
import { MemoryObjectStore } from '../../core/datasets/testing/memory-stores';
import { submitJobRequest } from './batch-backend';
import { jobOutputReader } from './job-output';
import { createTrainingJobRequest } from './sagemaker-backend';

const job: TrainingJobSpec = {
  jobId: 'train-1a2b3c4d-5e6f-7a8',
  model: 'general',
  dataset: { name: 'cicids2017', version: 4, chunkPrefix: 'datasets/cicids2017/', manifestKey: 'manifests/cicids2017/v4.json' },
  hyperparameters: { model: 'general', seed: '42', 'param.nRounds': '200' },
};
const base = { image: '1.dkr.ecr.eu-west-1.amazonaws.com/t:1', roleArn: 'arn:aws:iam::1:role/train', datasetsBucket: 'ds', artefactsBucket: 'art' };

describe('SageMaker CreateTrainingJob request', () => {
  it('names the job after the job id, with both channels, the output prefix and the metric definitions', () => {
    const r = createTrainingJobRequest(job, base);
    expect(r.TrainingJobName).toBe(job.jobId);
    expect(r.HyperParameters).toEqual(job.hyperparameters);
    expect(r.InputDataConfig?.map((c) => [c.ChannelName, c.DataSource?.S3DataSource?.S3Uri])).toEqual([
      ['training', 's3://ds/datasets/cicids2017/'],
      ['manifest', 's3://ds/manifests/cicids2017/v4.json'],
    ]);
    expect(r.OutputDataConfig?.S3OutputPath).toBe('s3://art/training-output/');
    expect(r.ResourceConfig).toEqual({ InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 });
    expect(r.EnableManagedSpotTraining).toBeUndefined();
    const f1 = r.AlgorithmSpecification?.MetricDefinitions?.find((m) => m.Name === 'macro_f1');
    expect(new RegExp(f1!.Regex!).exec('metric: macro_f1=0.9312;')?.[1]).toBe('0.9312');
  });
  it('adds managed spot with checkpoints under the output prefix, and refuses a wait shorter than the runtime', () => {
    const r = createTrainingJobRequest(job, { ...base, spot: { maxWaitSeconds: 7200 }, maxRuntimeSeconds: 3600, instanceType: 'ml.c5.2xlarge' });
    expect(r).toMatchObject({
      EnableManagedSpotTraining: true,
      CheckpointConfig: { S3Uri: `s3://art/training-output/checkpoints/${job.jobId}/` },
      StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
      ResourceConfig: { InstanceType: 'ml.c5.2xlarge' },
    });
    expect(() => createTrainingJobRequest(job, { ...base, spot: { maxWaitSeconds: 60 } })).toThrow(/maxWaitSeconds/);
  });
});

describe('Batch SubmitJob request', () => {
  it('passes the hyperparameters and the S3 locations in the container environment', () => {
    const r = submitJobRequest(job, { jobQueue: 'q', jobDefinition: 'd:1', datasetsBucket: 'ds', artefactsBucket: 'art', vcpus: 4 });
    const env = Object.fromEntries((r.containerOverrides?.environment ?? []).map((e) => [e.name, e.value]));
    expect(r).toMatchObject({ jobName: job.jobId, jobQueue: 'q', jobDefinition: 'd:1' });
    expect(JSON.parse(env.XDR_ML_HYPERPARAMETERS!)).toEqual(job.hyperparameters);
    expect(env.XDR_ML_OUTPUT_URI).toBe(`s3://art/training-output/${job.jobId}/model/`);
    expect(r.containerOverrides?.resourceRequirements).toEqual([{ type: 'VCPU', value: '4' }]);
  });
});

describe("a tenant's job runs under the tenant's own runner, never the shared training role", () => {
  const tenantJob: TrainingJobSpec = { ...job, hyperparameters: { ...job.hyperparameters, tenant: 'acme' } };
  const roles = { acme: 'arn:aws:iam::123456789012:role/participant-acme', globex: 'arn:aws:iam::123456789012:role/participant-globex' };

  it('SageMaker: RoleArn is the tenant participant role; a job of no tenant keeps the training role', () => {
    expect(createTrainingJobRequest(tenantJob, { ...base, tenantRoleArns: roles }).RoleArn).toBe(roles.acme);
    expect(createTrainingJobRequest(job, { ...base, tenantRoleArns: roles }).RoleArn).toBe(base.roleArn);
  });

  it('SageMaker: a tenant without a participant role is refused, naming it', () => {
    expect(() => createTrainingJobRequest(tenantJob, { ...base, tenantRoleArns: { globex: roles.globex } })).toThrow(/tenant acme has no participant role/);
    expect(() => createTrainingJobRequest(tenantJob, base)).toThrow(/acme/);
  });

  it("Batch: the tenant's job definition (its job role is the participant role); refused without one", () => {
    const options = { jobQueue: 'q', jobDefinition: 'd:1', datasetsBucket: 'ds', artefactsBucket: 'art' };
    expect(submitJobRequest(tenantJob, { ...options, tenantJobDefinitions: { acme: 'tenant-acme:1' } }).jobDefinition).toBe('tenant-acme:1');
    expect(submitJobRequest(job, { ...options, tenantJobDefinitions: { acme: 'tenant-acme:1' } }).jobDefinition).toBe('d:1');
    expect(() => submitJobRequest(tenantJob, options)).toThrow(/tenant acme has no job definition/);
  });
});

describe('jobOutputReader', () => {
  it('unpacks a SageMaker model.tar.gz into the files of /opt/ml/model', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tar-'));
    try {
      mkdirSync(path.join(dir, 'model', 'models', 'general', 'a'.repeat(64)), { recursive: true });
      writeFileSync(path.join(dir, 'model', 'registration.json'), '{"model":"general"}');
      const long = Buffer.alloc(3000, 7);
      writeFileSync(path.join(dir, 'model', 'models', 'general', 'a'.repeat(64), 'model.onnx'), long);
      execFileSync('tar', ['-czf', path.join(dir, 'model.tar.gz'), '-C', path.join(dir, 'model'), '.']);
      const store = new MemoryObjectStore('art');
      await store.put('training-output/j/output/model.tar.gz', readFileSync(path.join(dir, 'model.tar.gz')));

      const files = await jobOutputReader(() => store)('s3://art/training-output/j/output/model.tar.gz');

      expect(Buffer.from(files.get('registration.json')!).toString()).toBe('{"model":"general"}');
      expect(Buffer.from(files.get(`models/general/${'a'.repeat(64)}/model.onnx`)!)).toEqual(long);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
