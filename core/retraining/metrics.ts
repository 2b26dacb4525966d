// CloudWatch metrics the retraining and drift code emits (Powertools Metrics, Embedded Metric
// Format: a Lambda prints one JSON line; CloudWatch turns it into metrics — no SDK call, no
// permission). The monitoring stack's alarms use exactly these names and dimensions: each value is
// emitted per lineage (dimensions service, Model) and across lineages (dimension service alone),
// which the alarms watch. Powertools adds the service dimension to every metric it emits.

export const METRIC_NAMESPACE = 'MiniXdrMl';
/** The `service` dimension of every metric (Powertools' service name). */
export const METRIC_SERVICE = 'mini-xdr-ml';

/** Metric names, shared with infra/stacks/monitoring-stack.ts. */
export const METRICS = {
  /** Share of drifted features in a drift check (0..1). */
  driftShare: 'DriftShare',
  /** Prediction-distribution drift score (Jensen-Shannon distance). */
  predictionDrift: 'PredictionDriftScore',
  /** Online accuracy from feedback in a drift check window (0..1). */
  onlineAccuracy: 'OnlineAccuracy',
  /** 1 per failed training job. */
  trainingFailures: 'TrainingJobsFailed',
  /** 1 per completed training job. */
  trainingCompletions: 'TrainingJobsCompleted',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];
