// EventBridge target: SageMaker "Training Job State Change", Batch "Batch Job State Change" and,
// on the local platform, the local backend's "Local Training Job State Change". Final states go
// to the platform's CompletionHandler (register, gate, policy, alert).
import { emfRecord, METRICS } from '../../core/retraining';
import { handlerPlatform } from '../../platform/lambda';

const { retraining } = handlerPlatform();

export const handler = async (event: { readonly source?: string; readonly 'detail-type'?: string }) => {
  const result = await retraining.complete(event);
  if (result.outcome === 'ignored') return { outcome: 'ignored' };
  const failed = result.outcome === 'failed';
  console.log(JSON.stringify(emfRecord(result.job.model, failed ? { [METRICS.trainingFailures]: 1 } : { [METRICS.trainingCompletions]: 1 }, new Date())));
  return { outcome: result.outcome, jobId: result.job.jobId };
};
