// EventBridge target: DriftDetected, PerformanceDegraded, DataVolumeReached, ManualRetrain (bus
// events) and the ScheduledRetrain schedule (input built by the rule). Parses the event and hands
// it to the platform's RetrainLauncher, which deduplicates, keeps the cooldown and one job per
// model, and starts the training job on the configured backend (SageMaker, AWS Batch, or locally
// a child process).
import { parseRetrainEvent } from '../../core/retraining';
import { handlerPlatform, logger } from '../../platform';

const { launcher } = handlerPlatform().retraining;

interface BusEvent {
  readonly 'detail-type'?: string;
  readonly detail?: unknown;
}

export const handler = async (event: BusEvent & Record<string, unknown>) => {
  const trigger = event['detail-type'] !== undefined ? parseRetrainEvent(event.detail, event['detail-type']) : parseRetrainEvent(event);
  const outcome = await launcher.handle(trigger);
  logger.info('retrain trigger handled', { trigger: trigger.type, model: trigger.model, outcome: outcome.outcome });
  return outcome;
};
