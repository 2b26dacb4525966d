// EventBridge target: DriftDetected, PerformanceDegraded, DataVolumeReached, ManualRetrain (bus
// events), TrainingJobQueued (POST /retrain queued a job: start it) and the retraining schedule
// (its input names no model: every lineage with a production alias gets a ScheduledRetrain), and the
// adaptation schedule (every covered lineage gets an AdaptationRequested with its sample threshold). Each
// trigger goes to the platform's RetrainLauncher, which deduplicates, resolves what to train from
// the lineage's spec, keeps the cooldown and one job per model, and starts the job on the
// configured backend (SageMaker, AWS Batch, or locally a child process).
import { z } from 'zod';
import { SCHEDULED_ADAPTATION } from '../../config/event-functions';
import { METRICS, parseRetrainEvent, TRAINING_JOB_QUEUED, type LaunchOutcome } from '../../core/retraining';
import { handlerPlatform, logger } from '../../platform/lambda';
import { createEventHandler, lineageMetrics } from '../shared/event-handler';

/** A launch refused for want of capacity counts toward the monitoring stack's alarm. */
function countRefusal(model: string, outcome: LaunchOutcome): LaunchOutcome {
  if (outcome.outcome === 'refused' && outcome.code === 'insufficient-capacity') lineageMetrics(model, { [METRICS.capacityRefusals]: 1 });
  return outcome;
}

const { retraining } = handlerPlatform();

interface BusEvent {
  readonly 'detail-type'?: string;
  readonly detail?: unknown;
}

const queued = z.object({ jobId: z.string().min(1) }).loose();
const scheduleForAll = z.object({ type: z.literal('ScheduledRetrain'), scheduledAt: z.iso.datetime({ offset: true }) }).strict();
const adaptationSchedule = z.object({ type: z.literal(SCHEDULED_ADAPTATION), scheduledAt: z.iso.datetime({ offset: true }) }).strict();

export const handler = createEventHandler('retrain-launcher', async (event: BusEvent & Record<string, unknown>): Promise<LaunchOutcome | LaunchOutcome[]> => {
  if (event['detail-type'] === TRAINING_JOB_QUEUED) {
    const outcome = await retraining.launcher.start(queued.parse(event.detail).jobId);
    logger.info('queued job started', { outcome: outcome.outcome });
    return outcome;
  }
  const all = scheduleForAll.safeParse(event);
  if (all.success) {
    const outcomes: LaunchOutcome[] = [];
    for (const model of await retraining.watchedModels()) {
      outcomes.push(countRefusal(model, await retraining.launcher.handle({ type: 'ScheduledRetrain', model, scheduledAt: all.data.scheduledAt })));
    }
    logger.info('scheduled retraining', { outcomes: outcomes.map((o) => o.outcome) });
    return outcomes;
  }
  const adapt = adaptationSchedule.safeParse(event);
  if (adapt.success) {
    const outcomes = await retraining.scheduledAdaptation(adapt.data.scheduledAt);
    logger.info('scheduled adaptation', { outcomes: outcomes.map((o) => `${o.model}: ${o.outcome.outcome}`) });
    return outcomes.map((o) => countRefusal(o.model, o.outcome));
  }
  const trigger = event['detail-type'] !== undefined ? parseRetrainEvent(event.detail, event['detail-type']) : parseRetrainEvent(event);
  const outcome = countRefusal(trigger.model, await retraining.launcher.handle(trigger));
  logger.info('retrain trigger handled', { trigger: trigger.type, model: trigger.model, outcome: outcome.outcome });
  return outcome;
});
