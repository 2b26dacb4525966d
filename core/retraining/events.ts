// The retraining events: the triggers the launcher consumes (DriftDetected, PerformanceDegraded,
// DataVolumeReached, ScheduledRetrain, ManualRetrain, and AdaptationRequested — an online adaptation of
// the production version instead of a full retrain) as one zod-validated discriminated union,
// and the events the machinery emits (ExperimentRequested, TrainingFailed, TrainingCompleted).
// On EventBridge the union's `type` is the event's detail-type; the detail carries the rest.
import { z } from 'zod';
import { ENSEMBLE_REQUEST_METHODS, MAX_EXTRA_MEMBERS } from '../ensemble/extra-member-count';
import { ModelName, TenantId } from '../names';
import { InvalidRetrainEventError } from './errors';

/** Detail types of the triggers, in the order the launcher documents them. */
export const RETRAIN_TRIGGERS = [
  'DriftDetected',
  'PerformanceDegraded',
  'DataVolumeReached',
  'ScheduledRetrain',
  'ManualRetrain',
  'AdaptationRequested',
  'EnsembleRequested',
] as const;
export type RetrainTrigger = (typeof RETRAIN_TRIGGERS)[number];

/** Emitted when a finished candidate should be tested against production (built by the experiments module). */
export const EXPERIMENT_REQUESTED = 'ExperimentRequested';
/** Emitted when a training job fails (alert). */
export const TRAINING_FAILED = 'TrainingFailed';
/** Emitted when a training job completed and its version was registered. */
export const TRAINING_COMPLETED = 'TrainingCompleted';
/** Emitted when a training job was started. */
export const TRAINING_STARTED = 'TrainingStarted';
/** Emitted when POST /retrain queued a job: the launcher function starts it. */
export const TRAINING_JOB_QUEUED = 'TrainingJobQueued';
/** Emitted when a launch (or the auto-retrain switch) was refused because the backend cannot run the job (alert). */
export const TRAINING_CAPACITY_INSUFFICIENT = 'TrainingCapacityInsufficient';

const model = ModelName;
const iso = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time' });

export const driftDetectedSchema = z.object({
  type: z.literal('DriftDetected'),
  model,
  /** End of the drift-check window (the idempotency bucket). */
  windowEnd: iso,
  windowStart: iso.optional(),
  reportId: z.string().min(1).optional(),
  driftShare: z.number().min(0).max(1).optional(),
  predictionDrift: z.boolean().optional(),
});

export const performanceDegradedSchema = z.object({
  type: z.literal('PerformanceDegraded'),
  model,
  windowEnd: iso,
  reportId: z.string().min(1).optional(),
  onlineAccuracy: z.number().min(0).max(1).nullable().optional(),
  detectors: z.array(z.string()).optional(),
});

export const dataVolumeReachedSchema = z.object({
  type: z.literal('DataVolumeReached'),
  model,
  collected: z.number().int().min(0),
  threshold: z.number().int().min(1),
  /** When the check ran; bucketed by hour for idempotency. */
  at: iso,
});

export const scheduledRetrainSchema = z.object({
  type: z.literal('ScheduledRetrain'),
  model,
  /** The schedule's firing time (EventBridge `time`); bucketed by hour for idempotency. */
  scheduledAt: iso,
});

export const manualRetrainSchema = z.object({
  type: z.literal('ManualRetrain'),
  model,
  /** Caller-chosen id: the same request sent twice starts one job. */
  requestId: z.string().min(1).max(128),
  actor: z.string().trim().min(1),
  reason: z.string().max(1000).optional(),
  dataset: z.string().min(1).optional(),
  datasetVersion: z.number().int().min(1).optional(),
  /** Skip the cooldown (never the one-running-job rule). */
  force: z.boolean().optional(),
});

/**
 * An online adaptation of the model's production version on new labelled rows (core/online): a
 * person's request like ManualRetrain, where `dataset` names a labelled dataset to adapt on (every
 * row; default: the lineage's collected rows no version used yet).
 */
export const adaptationRequestedSchema = manualRetrainSchema.extend({
  type: z.literal('AdaptationRequested'),
  /** Fewest new samples worth an adaptation (refused below). */
  minSamples: z.number().int().min(1).max(10_000_000).optional(),
  /**
   * A tenant variant: adapt production (the global model) on this tenant's own dataset (`dataset`,
   * default the federated run's) in the tenant's context; served at alias `tenant-<t>`.
   */
  tenant: TenantId.optional(),
});

/** A registered version named as an ensemble member. */
export const ensembleMemberRefSchema = z.object({ model, version: z.number().int().min(1) });

/**
 * An ensemble of registered versions optimised for the lineage `model` (core/ensemble): a person's
 * request like ManualRetrain. `members` default to the lineage's production version and its other
 * registered versions that read the same features, answer in the same class space and were tested
 * on the same held-out rows.
 */
export const ensembleRequestedSchema = z.object({
  type: z.literal('EnsembleRequested'),
  model,
  requestId: z.string().min(1).max(128),
  actor: z.string().trim().min(1),
  reason: z.string().max(1000).optional(),
  members: z.array(ensembleMemberRefSchema).min(1).max(32).optional(),
  /** 'selection' (Caruana), 'weights' (log-loss simplex) or 'auto' (both; the best member is always a candidate). */
  method: z.enum(ENSEMBLE_REQUEST_METHODS).optional(),
  /** Extra members the job trains on the first member's dataset version and split: the other family, a loss-guided GBDT, another seed. */
  extraMembers: z.number().int().min(1).max(MAX_EXTRA_MEMBERS).optional(),
  force: z.boolean().optional(),
});

export const retrainEventSchema = z.discriminatedUnion('type', [
  driftDetectedSchema,
  performanceDegradedSchema,
  dataVolumeReachedSchema,
  scheduledRetrainSchema,
  manualRetrainSchema,
  adaptationRequestedSchema,
  ensembleRequestedSchema,
]);

export type RetrainEvent = z.infer<typeof retrainEventSchema>;
export type DriftDetectedEvent = z.infer<typeof driftDetectedSchema>;
export type PerformanceDegradedEvent = z.infer<typeof performanceDegradedSchema>;
export type DataVolumeReachedEvent = z.infer<typeof dataVolumeReachedSchema>;
export type ScheduledRetrainEvent = z.infer<typeof scheduledRetrainSchema>;
export type ManualRetrainEvent = z.infer<typeof manualRetrainSchema>;
export type AdaptationRequestedEvent = z.infer<typeof adaptationRequestedSchema>;
export type EnsembleRequestedEvent = z.infer<typeof ensembleRequestedSchema>;

/** Triggers a person sends (they carry an actor, a request id and may force past the cooldown). */
export function isPersonRequest(event: RetrainEvent): event is ManualRetrainEvent | AdaptationRequestedEvent | EnsembleRequestedEvent {
  return event.type === 'ManualRetrain' || event.type === 'AdaptationRequested' || event.type === 'EnsembleRequested';
}

/**
 * Validates a trigger. Accepts the union object itself, or an EventBridge-style pair
 * (detail-type + detail without `type`).
 *
 * @example parseRetrainEvent({ type: 'ScheduledRetrain', model: 'general', scheduledAt: '2026-01-01T00:00:00Z' })
 * @example parseRetrainEvent(event.detail, event['detail-type'])
 * @throws InvalidRetrainEventError naming the offending field
 */
export function parseRetrainEvent(detail: unknown, detailType?: string): RetrainEvent {
  const candidate = detailType !== undefined && typeof detail === 'object' && detail !== null ? { ...(detail as object), type: detailType } : detail;
  const parsed = retrainEventSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || 'event';
    throw new InvalidRetrainEventError(`retrain event ${field}: ${issue.message}`, {
      details: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

const hourBucket = (isoTime: string): string => new Date(isoTime).toISOString().slice(0, 13);

/**
 * The idempotency key of a trigger: trigger type, model and its window or time bucket. Redelivered
 * copies of one event share it; two different windows never do.
 *   DriftDetected / PerformanceDegraded → the check window's end
 *   DataVolumeReached / ScheduledRetrain → the hour of the check / schedule firing
 *   ManualRetrain, AdaptationRequested, EnsembleRequested → the caller's request id
 */
export function idempotencyKey(event: RetrainEvent): string {
  switch (event.type) {
    case 'DriftDetected':
    case 'PerformanceDegraded':
      return `${event.type}#${event.model}#${new Date(event.windowEnd).toISOString()}`;
    case 'DataVolumeReached':
      return `${event.type}#${event.model}#${hourBucket(event.at)}`;
    case 'ScheduledRetrain':
      return `${event.type}#${event.model}#${hourBucket(event.scheduledAt)}`;
    case 'ManualRetrain':
    case 'AdaptationRequested':
    case 'EnsembleRequested':
      return `${event.type}#${event.model}#${event.requestId}`;
  }
}

/** A sentence saying why a job started (stored on the job and in the audit record). */
export function describeTrigger(event: RetrainEvent): string {
  switch (event.type) {
    case 'DriftDetected':
      return `data drift detected in the window ending ${event.windowEnd}${event.driftShare !== undefined ? ` (${(event.driftShare * 100).toFixed(0)}% of features drifted)` : ''}${event.predictionDrift ? ', prediction distribution drifted' : ''}`;
    case 'PerformanceDegraded':
      return `performance degraded in the window ending ${event.windowEnd}${event.onlineAccuracy != null ? ` (online accuracy ${event.onlineAccuracy.toFixed(3)})` : ''}${event.detectors?.length ? ` (detectors: ${event.detectors.join(', ')})` : ''}`;
    case 'DataVolumeReached':
      return `${event.collected} labelled samples collected since the last training (threshold ${event.threshold})`;
    case 'ScheduledRetrain':
      return `scheduled retraining at ${event.scheduledAt}`;
    case 'ManualRetrain':
      return `manual retraining requested by ${event.actor}${event.reason ? `: ${event.reason}` : ''}`;
    case 'AdaptationRequested':
      return `online adaptation requested by ${event.actor}${event.dataset ? ` on ${event.dataset}` : ' on the collected rows'}${event.reason ? `: ${event.reason}` : ''}`;
    case 'EnsembleRequested':
      return `ensemble optimisation requested by ${event.actor}${event.members ? ` of ${event.members.map((m) => `${m.model}@${m.version}`).join(', ')}` : ''}${event.reason ? `: ${event.reason}` : ''}`;
  }
}
