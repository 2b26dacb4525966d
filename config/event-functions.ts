// The one declaration of the platform's event-driven functions and their rules: the retrain
// launcher, the training-completion handler, the drift check and the maintenance sweep. The CDK training stack builds a
// function, its grants and its EventBridge rules from these entries; the local platform delivers
// the same detail types (and runs the same schedules) to the same handler modules from its
// in-process bus (local/event-runtime.ts).
import { EVENT_SOURCE } from '../core/events';
import { FEDERATED_RUN_STARTED } from '../core/federated/events';
import { LOCAL_TRAINING_STATE_CHANGE } from '../core/retraining/backend';
import { RETRAIN_TRIGGERS, TRAINING_JOB_QUEUED } from '../core/retraining/events';
import type { FunctionDefinition } from './functions';

/** Event-driven functions (no HTTP routes). */
export const EVENT_FUNCTIONS = {
  launcher: {
    id: 'retrain-launcher',
    description: 'Consumes retraining triggers; deduplicates, keeps the cooldown and one job per model, starts the training job',
    entry: 'functions/retrain-launcher/handler.ts',
    routes: [],
    memoryMb: 512,
    timeoutSeconds: 60,
    usesOnnxRuntime: false,
    access: {
      // inference append, datasets read-write, telemetry read: an adaptation first joins new feedback to its inputs into the collection dataset
      tables: { jobs: 'read-write', datasets: 'read-write', registry: 'read', audit: 'append', inference: 'append' },
      // stages a dataset version's input and an adaptation's parent bundle files for the training container (new objects only)
      buckets: { datasets: 'append', artefacts: 'read', telemetry: 'read' },
      publishEvents: true,
    },
  },
  completion: {
    id: 'training-completion',
    description: 'Registers a finished training job, runs the promotion gate and applies the promotion policy',
    entry: 'functions/training-completion/handler.ts',
    routes: [],
    memoryMb: 1024,
    timeoutSeconds: 300,
    usesOnnxRuntime: false,
    access: {
      tables: { jobs: 'read-write', registry: 'read-write', audit: 'append', datasets: 'read-write' },
      // copies a job's verified bundle to models/<model>/… (new content-addressed objects only)
      buckets: { artefacts: 'append' },
      publishEvents: true,
    },
  },
  maintenance: {
    id: 'maintenance',
    description: 'Sweeps lost training jobs (failed with the reason, lock freed) and rolls forward audit records a crash lost',
    entry: 'functions/maintenance/handler.ts',
    routes: [],
    memoryMb: 512,
    timeoutSeconds: 300,
    usesOnnxRuntime: false,
    access: {
      tables: { jobs: 'read-write', registry: 'read-write', audit: 'append', datasets: 'read-write' },
      // copies a job's verified bundle to models/<model>/… (new content-addressed objects only)
      buckets: { artefacts: 'append' },
      publishEvents: true,
    },
  },
  driftCheck: {
    id: 'drift-check',
    description: 'Hourly drift check: telemetry against the reference profile, feedback through streaming detectors',
    entry: 'functions/drift-check/handler.ts',
    routes: [],
    memoryMb: 2048,
    timeoutSeconds: 300,
    usesOnnxRuntime: false,
    access: {
      // inference append, datasets read-write, audit: before each check, new feedback joined to its inputs goes into the collection dataset
      tables: { registry: 'read', drift: 'read-write', inference: 'append', datasets: 'read-write', audit: 'append' },
      buckets: { telemetry: 'read', artefacts: 'read', datasets: 'append' },
      publishEvents: true,
    },
  },
  federatedCoordinator: {
    id: 'federated-coordinator',
    description: 'Coordinates a federated run: starts the participant jobs, runs the rounds over secure sums, registers the candidate',
    entry: 'functions/federated-coordinator/handler.ts',
    routes: [],
    memoryMb: 1024,
    timeoutSeconds: 900,
    usesOnnxRuntime: false,
    access: {
      // run and round state, the run's job; the completion step registers the candidate (as the completion function does)
      tables: { federated: 'read-write', jobs: 'read-write', registry: 'read-write', audit: 'append', datasets: 'read' },
      // round objects and submissions (federated/), the job output and the bundle (artefacts); staged manifests for the participant jobs
      buckets: { artefacts: 'append', datasets: 'append' },
      publishEvents: true,
    },
  },
} as const satisfies Record<string, FunctionDefinition>;

export type EventFunctionKey = keyof typeof EVENT_FUNCTIONS;

/** A rule on the platform bus: these detail types go to that function. */
export interface BusRuleDefinition {
  readonly id: string;
  readonly detailTypes: readonly string[];
  readonly target: EventFunctionKey;
}

/**
 * Bus rules: every retraining trigger except the schedule (built by the training stack) goes to the
 * launcher, and so does TrainingJobQueued (POST /retrain queues a job; the launcher starts it).
 */
export const EVENT_RULES: readonly BusRuleDefinition[] = [
  ...RETRAIN_TRIGGERS.filter((t) => t !== 'ScheduledRetrain').map((t) => ({ id: `${t}-to-launcher`, detailTypes: [t], target: 'launcher' as const })),
  { id: 'TrainingJobQueued-to-launcher', detailTypes: [TRAINING_JOB_QUEUED], target: 'launcher' },
  { id: 'FederatedRunStarted-to-coordinator', detailTypes: [FEDERATED_RUN_STARTED], target: 'federatedCoordinator' },
];

/** Schedules: the drift check hourly (always), the retraining schedule (only when auto-retrain is on). */
export const DRIFT_CHECK_SCHEDULE = 'rate(1 hour)';

/**
 * Events that complete a job: the AWS services' state changes (on the default bus) and, on the
 * local platform, the local backend's own (on the in-process bus). Each goes to the completion function.
 */
export const COMPLETION_EVENTS = {
  sagemaker: { source: 'aws.sagemaker', detailType: 'SageMaker Training Job State Change', finalStates: ['Completed', 'Failed', 'Stopped'] },
  batch: { source: 'aws.batch', detailType: 'Batch Job State Change', finalStates: ['SUCCEEDED', 'FAILED'] },
  local: { source: EVENT_SOURCE, detailType: LOCAL_TRAINING_STATE_CHANGE, finalStates: ['Completed', 'Failed'] },
} as const;

/** The rules of the local platform's bus: the cloud's, plus the local backend's completions to the completion function. */
export const LOCAL_EVENT_RULES: readonly BusRuleDefinition[] = [
  ...EVENT_RULES,
  { id: 'LocalTrainingStateChange-to-completion', detailTypes: [COMPLETION_EVENTS.local.detailType], target: 'completion' },
];

/**
 * A schedule rule: its expression, target function and constant input. The input names no model:
 * the target runs for every lineage with a production alias, so a lineage created at run time is
 * watched without a redeploy. The local platform runs the same rules with the same input.
 */
export interface ScheduleDefinition {
  readonly id: string;
  readonly expression: string;
  readonly target: EventFunctionKey;
  /** The rule's input at a firing (`at` stands for EventBridge's event time). */
  input(at: Date): Record<string, unknown>;
}

/** The hourly drift check of every watched lineage (always on). */
export const DRIFT_CHECK_RULE: ScheduleDefinition = {
  id: 'DriftCheckSchedule',
  expression: DRIFT_CHECK_SCHEDULE,
  target: 'driftCheck',
  input: () => ({}),
};

/** The retraining schedule of every watched lineage (only when auto-retrain is on); the expression is config.autoRetrain.schedule. */
export function retrainScheduleRule(expression: string): ScheduleDefinition {
  return { id: 'RetrainSchedule', expression, target: 'launcher', input: (at) => ({ type: 'ScheduledRetrain', scheduledAt: at.toISOString() }) };
}

/** The input of the adaptation schedule's firings (the launcher raises an AdaptationRequested per covered lineage). */
export const SCHEDULED_ADAPTATION = 'ScheduledAdaptation';

/** The online-adaptation schedule of every deployed lineage (only when config.online.adaptSchedule is set). */
export function adaptScheduleRule(expression: string): ScheduleDefinition {
  return { id: 'AdaptSchedule', expression, target: 'launcher', input: (at) => ({ type: SCHEDULED_ADAPTATION, scheduledAt: at.toISOString() }) };
}

/** How often the maintenance sweep runs (lost jobs, unaudited registry changes). */
export const MAINTENANCE_SCHEDULE = 'rate(15 minutes)';

/** The maintenance sweep (always on; the local platform also runs it at start-up). */
export const MAINTENANCE_RULE: ScheduleDefinition = { id: 'MaintenanceSchedule', expression: MAINTENANCE_SCHEDULE, target: 'maintenance', input: () => ({}) };
