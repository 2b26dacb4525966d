import { abRecommendation, type AbRecommendationInput } from './ab-recommendation';
import { InvalidExperimentInputError } from './errors';
import { msprtPValue } from './msprt';
import { twoProportionZTest } from './two-proportion-z-test';

const DAY = 86_400_000;

function input(overrides: Partial<AbRecommendationInput>): AbRecommendationInput {
  return {
    champion: { count: 5000, correct: 4500 },
    challenger: { count: 5000, correct: 4500 },
    minSamples: 1000,
    maxDurationMs: 7 * DAY,
    elapsedMs: DAY,
    practicalSignificanceThreshold: 0.01,
    ...overrides,
  };
}

describe('abRecommendation', () => {
  it('promotes a challenger that is significantly and practically better, with all original fields', () => {
    const r = abRecommendation(input({ challenger: { count: 5000, correct: 4650 } }));
    expect(r).toEqual(
      expect.objectContaining({
        recommendation: 'promote_challenger',
        winner: 'challenger',
        samples_a: 5000,
        samples_b: 5000,
        metric_a: 0.9,
        metric_b: 0.93,
        statistical_significance: true,
        practical_significance: true,
        method: 'msprt',
      }),
    );
    expect(r.effect_size).toBeCloseTo(0.03, 12);
    expect(r.p_value).toBe(msprtPValue(4500, 5000, 4650, 5000));
    expect(r.p_value).toBeLessThan(0.05);
    expect(r.confidence).toBeCloseTo(1 - r.p_value, 15);
    expect(r.reason).toMatch(/90\.00% → 93\.00%/);
    for (const field of [
      'recommendation',
      'reason',
      'winner',
      'confidence',
      'p_value',
      'effect_size',
      'samples_a',
      'samples_b',
      'metric_a',
      'metric_b',
      'statistical_significance',
      'practical_significance',
    ]) {
      expect(r).toHaveProperty(field);
    }
  });

  it('keeps running while an arm is below minSamples, then keeps the champion at max duration', () => {
    const early = abRecommendation(input({ challenger: { count: 400, correct: 390 } }));
    expect(early.recommendation).toBe('keep_running');
    expect(early.statistical_significance).toBe(false);
    const late = abRecommendation(input({ challenger: { count: 400, correct: 390 }, elapsedMs: 8 * DAY }));
    expect(late.recommendation).toBe('keep_champion');
    expect(late.reason).toMatch(/too few samples/);
  });

  it('keeps the champion when the challenger is significantly worse', () => {
    const r = abRecommendation(input({ challenger: { count: 5000, correct: 4300 } }));
    expect(r.recommendation).toBe('keep_champion');
    expect(r.winner).toBe('champion');
    expect(r.effect_size).toBeCloseTo(-0.04, 12);
  });

  it('keeps running on an inconclusive result, keeps the champion when time is up', () => {
    const running = abRecommendation(input({ challenger: { count: 5000, correct: 4520 } }));
    expect(running.recommendation).toBe('keep_running');
    expect(running.winner).toBeNull();
    const done = abRecommendation(input({ challenger: { count: 5000, correct: 4520 }, elapsedMs: 7 * DAY }));
    expect(done.recommendation).toBe('keep_champion');
  });

  it('does not promote a significant gain below the practical threshold', () => {
    // 100k per arm: +0.6 pp is significant (z-test p ≈ 1e-6) but below a 1 pp threshold.
    const r = abRecommendation(input({ champion: { count: 100_000, correct: 90_000 }, challenger: { count: 100_000, correct: 90_600 }, method: 'z-test' }));
    expect(r.p_value).toBe(twoProportionZTest(90_000, 100_000, 90_600, 100_000).pValue);
    expect(r.statistical_significance).toBe(true);
    expect(r.practical_significance).toBe(false);
    expect(r.recommendation).toBe('keep_champion');
  });

  it('blocks a promotion when the challenger is too slow', () => {
    const r = abRecommendation(
      input({ champion: { count: 5000, correct: 4500, latencyMsSum: 5000 * 10 }, challenger: { count: 5000, correct: 4650, latencyMsSum: 5000 * 15 } }),
    );
    expect(r.latency_a).toBe(10);
    expect(r.latency_b).toBe(15);
    expect(r.recommendation).toBe('keep_champion');
    expect(r.reason).toMatch(/slower/);
  });

  it('lets a slower challenger through when the absolute slowdown is within latencyToleranceMs', () => {
    const arms = { champion: { count: 5000, correct: 4500, latencyMsSum: 5000 * 4 }, challenger: { count: 5000, correct: 4650, latencyMsSum: 5000 * 6 } };
    expect(abRecommendation(input({ ...arms, latencyToleranceMs: 5 })).recommendation).toBe('promote_challenger');
    const blocked = abRecommendation(input({ ...arms, latencyToleranceMs: 1 }));
    expect(blocked.recommendation).toBe('keep_champion');
    expect(blocked.reason).toMatch(/50\.00% \(2\.0 ms\) slower \(limit 20\.00% and 1 ms\)/);
  });

  it('the always-valid p-value is more conservative than the fixed-horizon z-test', () => {
    const seq = abRecommendation(input({ challenger: { count: 5000, correct: 4560 } }));
    const fixed = abRecommendation(input({ challenger: { count: 5000, correct: 4560 }, method: 'z-test' }));
    expect(seq.p_value).toBeGreaterThan(fixed.p_value);
  });

  it('rejects invalid input', () => {
    expect(() => abRecommendation(input({ challenger: { count: 10, correct: 11 } }))).toThrow(InvalidExperimentInputError);
    expect(() => abRecommendation(input({ alpha: 2 }))).toThrow(/alpha/);
    expect(() => abRecommendation(input({ elapsedMs: -1 }))).toThrow(/elapsedMs/);
  });
});
