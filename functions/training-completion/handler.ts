// EventBridge target: SageMaker "Training Job State Change", Batch "Batch Job State Change" and,
// on the local platform, the local backend's "Local Training Job State Change". Final states go
// to the platform's CompletionHandler (register, gate, policy, alert).
import { jobResourceMetrics, METRICS } from '../../core/retraining';
import { handlerPlatform } from '../../platform/lambda';
import { createEventHandler, lineageMetrics } from '../shared/event-handler';

const { retraining } = handlerPlatform();

export const handler = createEventHandler('training-completion', async (event: { readonly source?: string; readonly 'detail-type'?: string }) => {
  const result = await retraining.complete(event);
  if (result.outcome === 'ignored') return { outcome: 'ignored' };
  const failed = result.outcome === 'failed';
  lineageMetrics(result.job.model, {
    ...(failed ? { [METRICS.trainingFailures]: 1 } : { [METRICS.trainingCompletions]: 1 }),
    // what the job used, and against what it was sized (the monitoring stack's overrun alarm)
    ...jobResourceMetrics(result.job),
  });
  return { outcome: result.outcome, jobId: result.job.jobId };
});
