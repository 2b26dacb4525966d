// The results of an experiment from its arms' outcomes and routing counters: per-arm metrics with
// Wilson intervals, the accuracy difference with Newcombe's interval, the fixed-horizon z-test and
// the always-valid mSPRT p-values, the sample-ratio-mismatch check, the minimum-sample and duration
// rules, and abRecommendation's decision (with the original project's field names at top level). Pure.
import { abRecommendation, type AbRecommendation } from './ab-recommendation';
import type { Experiment, RoutingCounts } from './experiment-store';
import { msprtPValue } from './msprt';
import type { ArmOutcome } from './outcomes';
import { sampleRatioMismatch, SRM_P_VALUE_THRESHOLD } from './sample-ratio-mismatch';
import { twoProportionZTest, type ConfidenceInterval } from './two-proportion-z-test';

export interface ArmResult extends ArmOutcome {
  readonly arm: 'champion' | 'challenger';
  readonly version: number;
  /** Flows routed to this arm (all split epochs). */
  readonly routedFlows: number;
  readonly routedRequests: number;
  /** Mean latency of every routed request (ms), labelled or not. */
  readonly meanRequestLatencyMs: number | null;
}

export interface SrmCheck {
  /** False when the check does not apply (shadow mode: both arms see the same traffic; split 0 or 1). */
  readonly applicable: boolean;
  readonly expectedSplit: number;
  /** The unit of assignment counted: flows when routed by a flow field, requests otherwise. */
  readonly unit: 'flows' | 'requests';
  readonly observedChampion: number;
  readonly observedChallenger: number;
  readonly chiSquared: number | null;
  readonly pValue: number | null;
  /** Flagged at p < 0.001. */
  readonly mismatch: boolean;
  readonly threshold: number;
  readonly note?: string;
}

/** Results payload: the detailed figures plus the original field names (winner … recommendation). */
export interface ExperimentResults extends AbRecommendation {
  readonly experimentId: string;
  readonly model: string;
  readonly mode: Experiment['mode'];
  readonly state: Experiment['state'];
  readonly trafficSplit: number;
  readonly arms: { readonly champion: ArmResult; readonly challenger: ArmResult };
  /** Challenger accuracy minus champion accuracy, Newcombe 95 % interval. */
  readonly difference: { readonly accuracy: number; readonly ci: ConfidenceInterval };
  readonly zTest: { readonly z: number; readonly pValue: number } | null;
  readonly sequential: { readonly method: 'msprt'; readonly pValue: number; readonly alwaysValid: true } | null;
  readonly srm: SrmCheck;
  readonly rules: {
    readonly minSamples: number;
    readonly minSamplesReached: boolean;
    readonly maxDurationHours: number;
    readonly elapsedHours: number;
    readonly maxDurationReached: boolean;
    readonly practicalSignificanceThreshold: number;
  };
  readonly computedAt: string;
}

export interface ExperimentResultsInput {
  readonly experiment: Experiment;
  readonly champion: ArmOutcome;
  readonly challenger: ArmOutcome;
  readonly counts: readonly RoutingCounts[];
  readonly now: Date;
}

/**
 * Results of an experiment.
 * @example experimentResults({ experiment, champion: armOutcome(a, isBenignLabel), challenger: armOutcome(b, isBenignLabel), counts, now: new Date() })
 */
export function experimentResults(input: ExperimentResultsInput): ExperimentResults {
  const { experiment: e, champion, challenger, counts, now } = input;
  const elapsedMs = Math.max(0, now.getTime() - Date.parse(e.createdAt));
  const maxDurationMs = e.maxDurationHours * 3_600_000;
  const recommendation = abRecommendation({
    champion: armStats(champion),
    challenger: armStats(challenger),
    minSamples: e.minSamples,
    maxDurationMs,
    elapsedMs,
    practicalSignificanceThreshold: e.practicalSignificanceThreshold,
    maxLatencyIncrease: e.maxLatencyIncrease ?? 0.2,
    latencyToleranceMs: e.latencyToleranceMs ?? 0,
  });
  const sum = (f: (c: RoutingCounts) => number): number => counts.reduce((s, c) => s + f(c), 0);
  const armResult = (arm: 'champion' | 'challenger', outcome: ArmOutcome, version: number): ArmResult => {
    const requests = sum((c) => (arm === 'champion' ? c.championRequests : c.challengerRequests));
    const latency = sum((c) => (arm === 'champion' ? c.championLatencyMsSum : c.challengerLatencyMsSum));
    return {
      arm,
      version,
      ...outcome,
      routedFlows: sum((c) => (arm === 'champion' ? c.championFlows : c.challengerFlows)),
      routedRequests: requests,
      meanRequestLatencyMs: requests > 0 ? latency / requests : null,
    };
  };
  const both = champion.labelled > 0 && challenger.labelled > 0;
  const z = both ? twoProportionZTest(champion.correct, champion.labelled, challenger.correct, challenger.labelled) : undefined;
  return {
    ...recommendation,
    experimentId: e.id,
    model: e.model,
    mode: e.mode,
    state: e.state,
    trafficSplit: e.trafficSplit,
    arms: { champion: armResult('champion', champion, e.championVersion), challenger: armResult('challenger', challenger, e.challengerVersion) },
    difference: { accuracy: challenger.accuracy - champion.accuracy, ci: z ? { low: z.ciLow, high: z.ciHigh } : { low: -1, high: 1 } },
    zTest: z ? { z: z.z, pValue: z.pValue } : null,
    sequential: both
      ? { method: 'msprt', pValue: msprtPValue(champion.correct, champion.labelled, challenger.correct, challenger.labelled), alwaysValid: true }
      : null,
    srm: srmCheck(e, counts),
    rules: {
      minSamples: e.minSamples,
      minSamplesReached: champion.labelled >= e.minSamples && challenger.labelled >= e.minSamples,
      maxDurationHours: e.maxDurationHours,
      elapsedHours: elapsedMs / 3_600_000,
      maxDurationReached: elapsedMs >= maxDurationMs,
      practicalSignificanceThreshold: e.practicalSignificanceThreshold,
    },
    computedAt: now.toISOString(),
  };
}

/**
 * Counts for abRecommendation. Latency is compared on medians (as median × count, since the
 * recommendation divides by the count): one cold start — the first request of a version loads its
 * artefact — would otherwise dominate a mean.
 */
function armStats(o: ArmOutcome): { count: number; correct: number; latencyMsSum?: number } {
  return {
    count: o.labelled,
    correct: o.correct,
    ...(o.latencyMsSum !== null && o.medianLatencyMs !== null ? { latencyMsSum: o.medianLatencyMs * o.labelled } : {}),
  };
}

/**
 * Sample-ratio-mismatch check on the units of assignment (flows when routed by a flow field,
 * requests when routed by request id: counting flows of whole-request assignments would treat
 * clustered flows as independent). ab: all traffic against the split; canary: the current step's
 * counters against the current split (earlier steps had other splits); shadow: not applicable
 * (both arms score the same traffic).
 */
export function srmCheck(e: Experiment, counts: readonly RoutingCounts[]): SrmCheck {
  const step = e.mode === 'canary' ? (e.canary?.stepIndex ?? 0) : 0;
  const current = counts.find((c) => c.step === step);
  const unit = e.routingKey ? 'flows' : 'requests';
  const a = (unit === 'flows' ? current?.championFlows : current?.championRequests) ?? 0;
  const b = (unit === 'flows' ? current?.challengerFlows : current?.challengerRequests) ?? 0;
  const base = { expectedSplit: e.trafficSplit, unit, observedChampion: a, observedChallenger: b, threshold: SRM_P_VALUE_THRESHOLD } as const;
  const skip = (note: string): SrmCheck => ({ ...base, applicable: false, chiSquared: null, pValue: null, mismatch: false, note });
  if (e.mode === 'shadow') return skip('shadow mode: both arms score the same traffic');
  if (!(e.trafficSplit > 0 && e.trafficSplit < 1)) return skip(`split ${e.trafficSplit} sends all traffic to one arm`);
  if (a + b === 0) return skip('no traffic routed yet');
  const srm = sampleRatioMismatch(a, b, e.trafficSplit);
  return { ...base, applicable: true, chiSquared: srm.chiSquared, pValue: srm.pValue, mismatch: srm.mismatch };
}
