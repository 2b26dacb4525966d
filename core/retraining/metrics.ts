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
  /** A finished job's peak RSS over what the capacity check expected (above 1: it used more than it was sized for). */
  trainingMemoryRatio: 'TrainingPeakMemoryRatio',
  /** A finished job's peak RSS, MiB. */
  trainingPeakMemory: 'TrainingPeakMemoryMiB',
  /** A finished job's CPU seconds (the container's own figure). */
  trainingCpuSeconds: 'TrainingCpuSeconds',
  /** A finished job's billable seconds (SageMaker). */
  trainingBillableSeconds: 'TrainingBillableSeconds',
  /** 1 per launch (or auto-retrain switch) refused because the backend lacks the capacity. */
  capacityRefusals: 'TrainingCapacityRefusals',
} as const;

/**
 * The resource metrics of a finished job (what the completion function emits), from its record.
 * @example jobResourceMetrics(job) // { TrainingPeakMemoryMiB: 182.1, TrainingPeakMemoryRatio: 0.61, … }
 */
export function jobResourceMetrics(job: {
  readonly resources?: { readonly peakRssBytes?: number; readonly cpuSeconds?: number; readonly billableSeconds?: number };
  readonly expectedResources?: { readonly memoryBytes: number };
}): Record<string, number> {
  const r = job.resources;
  const out: Record<string, number> = {};
  if (r?.peakRssBytes !== undefined) out[METRICS.trainingPeakMemory] = Math.round((r.peakRssBytes / 1048576) * 10) / 10;
  if (r?.peakRssBytes !== undefined && job.expectedResources?.memoryBytes)
    out[METRICS.trainingMemoryRatio] = Math.round((r.peakRssBytes / job.expectedResources.memoryBytes) * 1000) / 1000;
  if (r?.cpuSeconds !== undefined) out[METRICS.trainingCpuSeconds] = r.cpuSeconds;
  if (r?.billableSeconds !== undefined) out[METRICS.trainingBillableSeconds] = r.billableSeconds;
  return out;
}

export type MetricName = (typeof METRICS)[keyof typeof METRICS];
