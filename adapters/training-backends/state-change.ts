// Parses the completion events of every backend into the CompletionHandler's input: SageMaker's
// "SageMaker Training Job State Change", Batch's "Batch Job State Change" and the local backend's
// "Local Training Job State Change". Events of states that are not final (InProgress, RUNNABLE …)
// answer undefined: nothing to do yet.
import { z } from 'zod';
import { resourceUsageSchema, type ResourceUsage } from '../../core/resources/usage';
import { LOCAL_TRAINING_STATE_CHANGE, TRAINING_OUTPUT_PREFIX, type CompletionInput } from '../../core/retraining/backend';

/** Where a Batch job writes its /opt/ml/model files. */
export function batchOutputUri(artefactsBucket: string, jobId: string): string {
  return `s3://${artefactsBucket}/${TRAINING_OUTPUT_PREFIX}${jobId}/model/`;
}

const sagemakerEvent = z.object({
  source: z.literal('aws.sagemaker'),
  'detail-type': z.literal('SageMaker Training Job State Change'),
  detail: z
    .object({
      TrainingJobName: z.string().min(1),
      TrainingJobStatus: z.string(),
      FailureReason: z.string().optional(),
      ModelArtifacts: z.object({ S3ModelArtifacts: z.string() }).loose().optional(),
      ResourceConfig: z.object({ InstanceType: z.string().optional(), InstanceCount: z.number().optional() }).loose().optional(),
      BillableTimeInSeconds: z.number().optional(),
      TrainingStartTime: z.union([z.number(), z.string()]).optional(),
      TrainingEndTime: z.union([z.number(), z.string()]).optional(),
    })
    .loose(),
});

const batchEvent = z.object({
  source: z.literal('aws.batch'),
  'detail-type': z.literal('Batch Job State Change'),
  detail: z
    .object({
      jobName: z.string().min(1),
      jobId: z.string(),
      status: z.string(),
      statusReason: z.string().optional(),
      container: z.object({ exitCode: z.number().optional(), reason: z.string().optional(), instanceType: z.string().optional() }).loose().optional(),
      startedAt: z.number().optional(),
      stoppedAt: z.number().optional(),
    })
    .loose(),
});

/**
 * "SageMaker Training Job State Change" → CompletionInput (job id = training job name).
 * Completed → outputLocation = ModelArtifacts.S3ModelArtifacts (the model.tar.gz); Failed/Stopped → Failed.
 */
export function parseSageMakerStateChange(event: unknown): CompletionInput | undefined {
  const e = sagemakerEvent.parse(event);
  const d = e.detail;
  const resources = sageMakerUsage(d);
  const usage = resources ? { resources } : {};
  switch (d.TrainingJobStatus) {
    case 'Completed':
      return { jobId: d.TrainingJobName, state: 'Completed', ...(d.ModelArtifacts ? { outputLocation: d.ModelArtifacts.S3ModelArtifacts } : {}), ...usage };
    case 'Failed':
      return { jobId: d.TrainingJobName, state: 'Failed', failureReason: d.FailureReason ?? 'SageMaker reported the job failed', ...usage };
    case 'Stopped':
      return { jobId: d.TrainingJobName, state: 'Failed', failureReason: 'the SageMaker training job was stopped', ...usage };
    default:
      return undefined;
  }
}

const epochMs = (t: number | string | undefined): number | undefined => (t === undefined ? undefined : typeof t === 'number' ? t : Date.parse(t));

/**
 * What SageMaker's job description says a job used: instance type and count, billable seconds, and
 * the wall time between its training start and end (undefined when it says none of them).
 */
export function sageMakerUsage(d: {
  readonly ResourceConfig?: { readonly InstanceType?: string; readonly InstanceCount?: number };
  readonly BillableTimeInSeconds?: number;
  readonly TrainingStartTime?: number | string | Date;
  readonly TrainingEndTime?: number | string | Date;
}): ResourceUsage | undefined {
  const start = epochMs(d.TrainingStartTime instanceof Date ? d.TrainingStartTime.getTime() : d.TrainingStartTime);
  const end = epochMs(d.TrainingEndTime instanceof Date ? d.TrainingEndTime.getTime() : d.TrainingEndTime);
  const out: ResourceUsage = {
    ...(d.ResourceConfig?.InstanceType ? { instanceType: d.ResourceConfig.InstanceType } : {}),
    ...(d.ResourceConfig?.InstanceCount !== undefined ? { instanceCount: d.ResourceConfig.InstanceCount } : {}),
    ...(d.BillableTimeInSeconds !== undefined ? { billableSeconds: d.BillableTimeInSeconds } : {}),
    ...(start !== undefined && end !== undefined && Number.isFinite(start) && Number.isFinite(end) && end >= start
      ? { wallSeconds: (end - start) / 1000 }
      : {}),
  };
  return Object.keys(out).length ? { ...out, source: 'sagemaker' } : undefined;
}

/** What Batch's job description says: the instance type (EC2 compute environments) and the attempt's wall time. */
export function batchUsage(d: { readonly container?: { readonly instanceType?: string }; readonly startedAt?: number; readonly stoppedAt?: number }) {
  const out: ResourceUsage = {
    ...(d.container?.instanceType ? { instanceType: d.container.instanceType } : {}),
    ...(d.startedAt !== undefined && d.stoppedAt !== undefined && d.stoppedAt >= d.startedAt ? { wallSeconds: (d.stoppedAt - d.startedAt) / 1000 } : {}),
  };
  return Object.keys(out).length ? { ...out, source: 'batch' } : undefined;
}

/** "Batch Job State Change" → CompletionInput (job id = Batch job name). */
export function parseBatchStateChange(event: unknown, options: { readonly artefactsBucket: string }): CompletionInput | undefined {
  const e = batchEvent.parse(event);
  const d = e.detail;
  const resources = batchUsage(d);
  const usage = resources ? { resources } : {};
  if (d.status === 'SUCCEEDED') return { jobId: d.jobName, state: 'Completed', outputLocation: batchOutputUri(options.artefactsBucket, d.jobName), ...usage };
  if (d.status === 'FAILED') {
    const exit = d.container?.exitCode !== undefined ? ` (exit code ${d.container.exitCode})` : '';
    return {
      jobId: d.jobName,
      state: 'Failed',
      failureReason: `${d.statusReason ?? d.container?.reason ?? 'AWS Batch reported the job failed'}${exit}`,
      ...usage,
    };
  }
  return undefined;
}

const localEvent = z.object({
  'detail-type': z.literal(LOCAL_TRAINING_STATE_CHANGE),
  detail: z
    .object({
      jobId: z.string().min(1),
      state: z.enum(['Completed', 'Failed']),
      outputLocation: z.string().min(1).optional(),
      failureReason: z.string().optional(),
      resources: resourceUsageSchema.optional(),
    })
    .strict(),
});

/** "Local Training Job State Change" (the local backend's, on the in-process bus) → CompletionInput. */
export function parseLocalStateChange(event: unknown): CompletionInput {
  const { detail } = localEvent.parse(event);
  return detail;
}

/**
 * Any backend's completion event → CompletionInput, chosen by its source and detail type;
 * undefined for a state that is not final.
 */
export function parseCompletionEvent(
  event: { readonly source?: unknown; readonly 'detail-type'?: unknown },
  options: { readonly artefactsBucket: string },
): CompletionInput | undefined {
  if (event['detail-type'] === LOCAL_TRAINING_STATE_CHANGE) return parseLocalStateChange(event);
  if (event.source === 'aws.batch') return parseBatchStateChange(event, options);
  return parseSageMakerStateChange(event);
}
