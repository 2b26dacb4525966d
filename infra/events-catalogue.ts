// The one declaration of the platform's event-driven functions and their rules: the retrain
// launcher, the training-completion handler and the drift check. The CDK training stack builds a
// function, its grants and its EventBridge rules from these entries; the local server wires the
// same detail types to the same core calls on the in-process bus (see EVENT_RULES).
import type { FunctionDefinition } from '../functions/catalogue';
import { RETRAIN_TRIGGERS } from '../core/retraining/events';

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
      tables: { jobs: 'readwrite', datasets: 'read', registry: 'read', audit: 'readwrite' },
      buckets: { datasets: 'readwrite' },
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
      tables: { jobs: 'readwrite', registry: 'readwrite', audit: 'readwrite', datasets: 'readwrite' },
      buckets: { artefacts: 'readwrite' },
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
      tables: { registry: 'read', drift: 'readwrite', inference: 'read', datasets: 'read' },
      buckets: { telemetry: 'read', artefacts: 'read' },
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

/** Bus rules: every retraining trigger except the schedule (built by the training stack) goes to the launcher. */
export const EVENT_RULES: readonly BusRuleDefinition[] = RETRAIN_TRIGGERS.filter((t) => t !== 'ScheduledRetrain').map((t) => ({
  id: `${t}-to-launcher`,
  detailTypes: [t],
  target: 'launcher' as const,
}));

/** Schedules: the drift check hourly (always), the retraining schedule (only when auto-retrain is on). */
export const DRIFT_CHECK_SCHEDULE = 'rate(1 hour)';

/** Detail types of AWS service events that complete a job (on the default bus). */
export const COMPLETION_EVENTS = {
  sagemaker: { source: 'aws.sagemaker', detailType: 'SageMaker Training Job State Change', finalStates: ['Completed', 'Failed', 'Stopped'] },
  batch: { source: 'aws.batch', detailType: 'Batch Job State Change', finalStates: ['SUCCEEDED', 'FAILED'] },
} as const;

/** Prefix of every training job name (RetrainLauncher's job ids): completion rules match only ours. */
export const TRAINING_JOB_PREFIX = 'train-';
