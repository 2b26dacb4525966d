// CloudWatch metrics the retraining and drift code emits, as Embedded Metric Format log lines
// (a Lambda prints one JSON line; CloudWatch turns it into metrics — no SDK call, no permission).
// The monitoring stack's alarms use exactly these names (namespace MiniXdrMl): each value is
// emitted per model (dimension Model) and across models (no dimension), which the alarms watch.

export const METRIC_NAMESPACE = 'MiniXdrMl';

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

/**
 * One EMF record (print it as one JSON line).
 * @example console.log(JSON.stringify(emfRecord('general', { DriftShare: 0.4 }, new Date())));
 */
export function emfRecord(model: string, values: Partial<Record<MetricName, number>>, at: Date): Record<string, unknown> {
  const entries = Object.entries(values).filter(([, v]) => typeof v === 'number' && Number.isFinite(v));
  return {
    _aws: {
      Timestamp: at.getTime(),
      // per model, and across all models (the alarms watch the latter: lineages come and go without a redeploy)
      CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [['Model'], []], Metrics: entries.map(([Name]) => ({ Name, Unit: 'None' })) }],
    },
    Model: model,
    ...Object.fromEntries(entries),
  };
}
