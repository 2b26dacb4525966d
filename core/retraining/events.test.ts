import { describeTrigger, idempotencyKey, parseRetrainEvent } from './events';
import { InvalidRetrainEventError } from './errors';

describe('retrain events', () => {
  it('parses an EventBridge detail with its detail-type', () => {
    const e = parseRetrainEvent({ model: 'general', windowEnd: '2026-03-01T10:00:00Z', driftShare: 0.5 }, 'DriftDetected');
    expect(e).toMatchObject({ type: 'DriftDetected', model: 'general' });
    expect(describeTrigger(e)).toBe('data drift detected in the window ending 2026-03-01T10:00:00Z (50% of features drifted)');
  });

  it('names the offending field of an invalid event', () => {
    expect(() => parseRetrainEvent({ type: 'ScheduledRetrain', model: 'General!', scheduledAt: 'x' })).toThrow(InvalidRetrainEventError);
    expect(() => parseRetrainEvent({ type: 'ScheduledRetrain', model: 'general', scheduledAt: 'yesterday' })).toThrow(/scheduledAt/);
    expect(() => parseRetrainEvent({ type: 'Retrain', model: 'general' })).toThrow(/type/);
  });

  it('gives redelivered copies one key and different windows different keys', () => {
    const at = (t: string) => idempotencyKey({ type: 'ScheduledRetrain', model: 'general', scheduledAt: t });
    expect(at('2026-03-01T10:00:00Z')).toBe(at('2026-03-01T10:00:07.250Z')); // same hour: one schedule firing
    expect(at('2026-03-01T10:00:00Z')).not.toBe(at('2026-03-02T10:00:00Z'));
    const drift = (w: string) => idempotencyKey({ type: 'DriftDetected', model: 'general', windowEnd: w });
    expect(drift('2026-03-01T10:00:00Z')).toBe(drift('2026-03-01T10:00:00.000Z'));
    expect(drift('2026-03-01T10:00:00Z')).not.toBe(drift('2026-03-01T11:00:00Z'));
    expect(idempotencyKey({ type: 'ManualRetrain', model: 'general', requestId: 'r1', actor: 'a' })).toBe('ManualRetrain#general#r1');
  });
});
