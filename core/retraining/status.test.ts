import { nextScheduledRun } from './status';

describe('schedule arithmetic', () => {
  it('answers the next cron run after now (UTC), and null for an invalid expression', () => {
    const now = new Date('2026-03-02T12:00:00Z');
    expect(nextScheduledRun('cron(0 3 * * ? *)', true, '2026-03-02T03:00:00.000Z', now)).toBe('2026-03-03T03:00:00.000Z');
    expect(nextScheduledRun('cron(0 3 * * ? *)', false, undefined, now)).toBeNull();
    expect(nextScheduledRun('cron(nonsense)', true, undefined, now)).toBeNull();
  });
  it('answers the next run after now, counted from the last scheduled job', () => {
    const now = new Date('2026-03-02T12:00:00Z');
    expect(nextScheduledRun('rate(24 hours)', true, '2026-03-02T03:00:00.000Z', now)).toBe('2026-03-03T03:00:00.000Z');
    expect(nextScheduledRun('rate(24 hours)', true, '2026-02-20T03:00:00.000Z', now)).toBe('2026-03-03T03:00:00.000Z');
    expect(nextScheduledRun('rate(24 hours)', true, undefined, now)).toBe('2026-03-03T12:00:00.000Z');
    expect(nextScheduledRun('rate(24 hours)', false, undefined, now)).toBeNull();
  });
});
