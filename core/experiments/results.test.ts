import type { Experiment, RoutingCounts } from './experiment-store';
import { armOutcome } from './outcomes';
import { experimentResults, srmCheck } from './results';
import { msprtPValue } from './msprt';
import { sampleRatioMismatch } from './sample-ratio-mismatch';
import { twoProportionZTest } from './two-proportion-z-test';

const experiment = (over: Partial<Experiment> = {}): Experiment => ({
  id: 'exp-20261126T000000-abcdef',
  model: 'general',
  championVersion: 1,
  challengerVersion: 2,
  mode: 'ab',
  trafficSplit: 0.5,
  minSamples: 100,
  maxDurationHours: 24,
  practicalSignificanceThreshold: 0.01,
  maxLatencyIncrease: 0.2,
  latencyToleranceMs: 0,
  state: 'running',
  createdAt: '2026-11-26T00:00:00.000Z',
  createdBy: 'test',
  revision: 1,
  ...over,
});

const counts = (step: number, a: number, b: number): RoutingCounts => ({
  step,
  championFlows: a,
  challengerFlows: b,
  championRequests: Math.ceil(a / 10),
  challengerRequests: Math.ceil(b / 10),
  championLatencyMsSum: a * 3,
  challengerLatencyMsSum: b * 4,
});

/** n labelled records of which `correct` are right. */
const arm = (n: number, correct: number) =>
  armOutcome(
    Array.from({ length: n }, (_, i) => ({ actual: 'dos', predicted: i < correct ? 'dos' : 'normal', correct: i < correct, latencyMs: 5 })),
    (l) => l === 'normal',
  );

describe('experimentResults', () => {
  it('reports both p-values, the difference interval, the rules and the original field names', () => {
    const r = experimentResults({
      experiment: experiment(),
      champion: arm(1000, 800),
      challenger: arm(1000, 860),
      counts: [counts(0, 1000, 1000)],
      now: new Date('2026-11-26T06:00:00Z'),
    });
    const z = twoProportionZTest(800, 1000, 860, 1000);
    expect(r.zTest).toEqual({ z: z.z, pValue: z.pValue });
    expect(r.sequential?.pValue).toBe(msprtPValue(800, 1000, 860, 1000));
    expect(r.difference).toEqual({ accuracy: 0.86 - 0.8, ci: { low: z.ciLow, high: z.ciHigh } });
    expect(r).toMatchObject({ winner: 'challenger', recommendation: 'promote_challenger', samples_a: 1000, samples_b: 1000, metric_a: 0.8, metric_b: 0.86 });
    expect(r.rules).toMatchObject({ minSamplesReached: true, elapsedHours: 6, maxDurationReached: false });
    expect(r.arms.champion).toMatchObject({ version: 1, routedFlows: 1000, routedRequests: 100, meanRequestLatencyMs: 30 });
    expect(r.arms.challenger).toMatchObject({ version: 2, routedFlows: 1000, routedRequests: 100, meanRequestLatencyMs: 40 });
  });

  it('keeps running below the minimum samples and keeps the champion when the duration is over', () => {
    const few = { champion: arm(50, 40), challenger: arm(50, 45), counts: [] };
    expect(experimentResults({ experiment: experiment(), ...few, now: new Date('2026-11-26T01:00:00Z') }).recommendation).toBe('keep_running');
    const late = experimentResults({ experiment: experiment(), ...few, now: new Date('2026-11-28T00:00:00Z') });
    expect(late.recommendation).toBe('keep_champion');
    expect(late.rules.maxDurationReached).toBe(true);
    expect(late.zTest).not.toBeNull();
  });
});

describe('srmCheck', () => {
  it('flags a split far from the target at p < 0.001', () => {
    const byFlow = experiment({ trafficSplit: 0.3, routingKey: 'Source IP' });
    const fine = srmCheck(byFlow, [counts(0, 7040, 2960)]);
    expect(fine).toMatchObject({ applicable: true, unit: 'flows', mismatch: false, pValue: sampleRatioMismatch(7040, 2960, 0.3).pValue });
    expect(srmCheck(byFlow, [counts(0, 6600, 3400)])).toMatchObject({ applicable: true, mismatch: true });
  });

  it('counts requests, not flows, when whole requests are assigned', () => {
    const r = srmCheck(experiment({ trafficSplit: 0.3 }), [counts(0, 66_000, 34_000)]);
    expect(r).toMatchObject({ unit: 'requests', observedChampion: 6600, observedChallenger: 3400, pValue: sampleRatioMismatch(6600, 3400, 0.3).pValue });
  });

  it('uses only the current canary step and does not apply to shadow tests or an all-or-nothing split', () => {
    const canary = experiment({
      mode: 'canary',
      trafficSplit: 0.5,
      canary: { steps: [0.05, 0.5], maxErrorRate: 0.1, maxLatencyMs: 100, stepAfterSamples: 10, stepIndex: 1, stepStartedSamples: 10 },
    });
    expect(srmCheck({ ...canary, routingKey: 'src' }, [counts(0, 950, 50), counts(1, 500, 510)])).toMatchObject({
      applicable: true,
      observedChampion: 500,
      observedChallenger: 510,
      mismatch: false,
    });
    expect(srmCheck(experiment({ mode: 'shadow' }), [counts(0, 10, 10)]).applicable).toBe(false);
    expect(srmCheck(experiment({ trafficSplit: 1 }), [counts(0, 0, 10)]).applicable).toBe(false);
  });
});
