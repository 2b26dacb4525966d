import { nextScheduledRun, rateMs } from './status';

describe('schedule arithmetic', () => {
  it('reads rate expressions and leaves cron to EventBridge', () => {
    expect(rateMs('rate(24 hours)')).toBe(86_400_000);
    expect(rateMs('rate(1 day)')).toBe(86_400_000);
    expect(rateMs('rate(30 minutes)')).toBe(1_800_000);
    expect(rateMs('cron(0 3 * * ? *)')).toBeUndefined();
  });
  it('answers the next run after now, counted from the last scheduled job', () => {
    const now = new Date('2026-03-02T12:00:00Z');
    expect(nextScheduledRun('rate(24 hours)', true, '2026-03-02T03:00:00.000Z', now)).toBe('2026-03-03T03:00:00.000Z');
    expect(nextScheduledRun('rate(24 hours)', true, '2026-02-20T03:00:00.000Z', now)).toBe('2026-03-03T03:00:00.000Z');
    expect(nextScheduledRun('rate(24 hours)', true, undefined, now)).toBe('2026-03-03T12:00:00.000Z');
    expect(nextScheduledRun('rate(24 hours)', false, undefined, now)).toBeNull();
  });
});
