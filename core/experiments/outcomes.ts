// Outcomes of one experiment arm from labelled feedback joined to its predictions: accuracy (with a
// Wilson interval), per-class recall, false-positive rate on benign traffic and latency. Pure.
import type { ConfidenceInterval } from './two-proportion-z-test';
import { wilsonInterval } from './two-proportion-z-test';

/** What outcomes need of a feedback record (core/serving FeedbackRecord satisfies it). */
export interface LabelledPrediction {
  readonly predicted: string;
  readonly actual: string;
  readonly correct: boolean;
  /** Latency of the request that served the prediction (ms). */
  readonly latencyMs?: number;
}

export interface ClassRecall {
  /** Labelled predictions whose true class is this one. */
  readonly support: number;
  readonly recall: number;
}

export interface ArmOutcome {
  /** Labelled predictions. */
  readonly labelled: number;
  readonly correct: number;
  /** correct / labelled (0 when nothing is labelled). */
  readonly accuracy: number;
  /** Wilson 95 % interval of the accuracy. */
  readonly accuracyCi: ConfidenceInterval;
  readonly perClassRecall: Readonly<Record<string, ClassRecall>>;
  /** Benign traffic (true label benign): how much of it raised a non-benign prediction. */
  readonly benign: {
    readonly count: number;
    readonly falsePositives: number;
    readonly falsePositiveRate: number | null;
    readonly ci: ConfidenceInterval | null;
  };
  /** Mean and median latency of the requests behind the labelled predictions (ms). */
  readonly meanLatencyMs: number | null;
  readonly medianLatencyMs: number | null;
  /** Sum of the latencies (abRecommendation's latencyMsSum); null unless every record carries one. */
  readonly latencyMsSum: number | null;
}

/**
 * Outcome of one arm.
 * @param isBenign which true labels mean "no attack" (core/serving isBenignLabel)
 * @example armOutcome(records.filter((r) => r.arm === 'challenger'), isBenignLabel).accuracy
 */
export function armOutcome(records: readonly LabelledPrediction[], isBenign: (label: string) => boolean): ArmOutcome {
  let correct = 0;
  let benign = 0;
  let falsePositives = 0;
  let latencyMsSum = 0;
  const latencies: number[] = [];
  const support = new Map<string, number>();
  const hits = new Map<string, number>();
  for (const r of records) {
    if (r.correct) correct++;
    support.set(r.actual, (support.get(r.actual) ?? 0) + 1);
    if (r.correct) hits.set(r.actual, (hits.get(r.actual) ?? 0) + 1);
    if (isBenign(r.actual)) {
      benign++;
      if (!isBenign(r.predicted)) falsePositives++;
    }
    if (typeof r.latencyMs === 'number' && Number.isFinite(r.latencyMs)) {
      latencies.push(r.latencyMs);
      latencyMsSum += r.latencyMs;
    }
  }
  const n = records.length;
  const perClassRecall: Record<string, ClassRecall> = {};
  for (const label of [...support.keys()].sort()) {
    const s = support.get(label)!;
    perClassRecall[label] = { support: s, recall: (hits.get(label) ?? 0) / s };
  }
  latencies.sort((a, b) => a - b);
  return {
    labelled: n,
    correct,
    accuracy: n > 0 ? correct / n : 0,
    accuracyCi: n > 0 ? wilsonInterval(correct, n) : { low: 0, high: 1 },
    perClassRecall,
    benign: {
      count: benign,
      falsePositives,
      falsePositiveRate: benign > 0 ? falsePositives / benign : null,
      ci: benign > 0 ? wilsonInterval(falsePositives, benign) : null,
    },
    meanLatencyMs: latencies.length ? latencyMsSum / latencies.length : null,
    medianLatencyMs: latencies.length ? median(latencies) : null,
    latencyMsSum: n > 0 && latencies.length === n ? latencyMsSum : null,
  };
}

function median(sorted: readonly number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}
