import { isBenignLabel } from '../serving/model-server';
import { armOutcome } from './outcomes';
import { wilsonInterval } from './two-proportion-z-test';

const record = (actual: string, predicted: string, latencyMs?: number) => ({ actual, predicted, correct: actual === predicted, latencyMs });

describe('armOutcome', () => {
  it('computes accuracy with its Wilson interval, per-class recall and the benign false-positive rate', () => {
    const records = [
      record('normal', 'normal', 5),
      record('normal', 'normal', 7),
      record('normal', 'dos', 6),
      record('normal', 'normal', 100),
      record('dos', 'dos', 5),
      record('dos', 'probe', 5),
      record('probe', 'probe', 6),
    ];
    const o = armOutcome(records, isBenignLabel);
    expect(o).toMatchObject({ labelled: 7, correct: 5, accuracy: 5 / 7 });
    expect(o.accuracyCi).toEqual(wilsonInterval(5, 7));
    expect(o.perClassRecall).toEqual({ dos: { support: 2, recall: 0.5 }, normal: { support: 4, recall: 0.75 }, probe: { support: 1, recall: 1 } });
    expect(o.benign).toMatchObject({ count: 4, falsePositives: 1, falsePositiveRate: 0.25 });
    expect(o.medianLatencyMs).toBe(6);
    expect(o.meanLatencyMs).toBeCloseTo(134 / 7, 10);
    expect(o.latencyMsSum).toBe(134);
  });

  it('is empty but well-formed without feedback, and has no latency sum when some latencies are missing', () => {
    const empty = armOutcome([], isBenignLabel);
    expect(empty).toMatchObject({
      labelled: 0,
      accuracy: 0,
      accuracyCi: { low: 0, high: 1 },
      benign: { count: 0, falsePositiveRate: null },
      medianLatencyMs: null,
      latencyMsSum: null,
    });
    expect(armOutcome([record('x', 'x', 3), record('x', 'y')], isBenignLabel).latencyMsSum).toBeNull();
  });
});
