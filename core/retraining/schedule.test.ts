import { nextRun, parseSchedule, runOnSchedule, ScheduleError } from './schedule';

const next = (expression: string, after: string): string | null => nextRun(parseSchedule(expression), new Date(after))?.toISOString() ?? null;

describe('parseSchedule / nextRun', () => {
  it('reads rates as EventBridge does', () => {
    expect(parseSchedule('rate(24 hours)')).toEqual({ kind: 'rate', everyMs: 86_400_000 });
    expect(parseSchedule('rate(1 minute)')).toEqual({ kind: 'rate', everyMs: 60_000 });
    expect(next('rate(30 minutes)', '2026-11-26T06:10:00Z')).toBe('2026-11-26T06:40:00.000Z');
  });

  it.each([
    // daily at 03:00 UTC
    ['cron(0 3 * * ? *)', '2026-11-26T06:00:00Z', '2026-11-27T03:00:00.000Z'],
    ['cron(0 3 * * ? *)', '2026-11-26T02:59:30Z', '2026-11-26T03:00:00.000Z'],
    // every 15 minutes
    ['cron(0/15 * * * ? *)', '2026-11-26T06:14:00Z', '2026-11-26T06:15:00.000Z'],
    ['cron(0/15 * * * ? *)', '2026-11-26T06:15:00Z', '2026-11-26T06:30:00.000Z'],
    // 18:00 on weekdays (2026-11-27 is a Friday, 2026-11-28 a Saturday)
    ['cron(0 18 ? * MON-FRI *)', '2026-11-27T18:00:00Z', '2026-11-30T18:00:00.000Z'],
    // last day of the month; last day of February in a leap year
    ['cron(0 10 L * ? *)', '2026-11-26T00:00:00Z', '2026-11-30T10:00:00.000Z'],
    ['cron(0 10 L 2 ? *)', '2027-03-01T00:00:00Z', '2028-02-29T10:00:00.000Z'],
    // first Monday of the month (2-digit day-of-week 2 = MON)
    ['cron(0 9 ? * 2#1 *)', '2026-11-26T00:00:00Z', '2026-12-07T09:00:00.000Z'],
    // last Friday of the month
    ['cron(30 12 ? * 6L *)', '2026-11-01T00:00:00Z', '2026-11-27T12:30:00.000Z'],
    // weekday nearest the 15th: 2026-11-15 is a Sunday, so Monday the 16th
    ['cron(0 8 15W * ? *)', '2026-11-01T00:00:00Z', '2026-11-16T08:00:00.000Z'],
    // lists, names and a year
    ['cron(5,35 1 1 JAN,JUL ? 2027)', '2026-11-26T00:00:00Z', '2027-01-01T01:05:00.000Z'],
  ])('%s after %s fires at %s', (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  it('answers null for a cron that never fires again', () => {
    expect(next('cron(0 0 30 FEB ? *)', '2026-11-26T00:00:00Z')).toBeNull();
    expect(next('cron(0 0 1 1 ? 2020)', '2026-11-26T00:00:00Z')).toBeNull();
  });

  it.each([
    ['every day', /must be "rate\(...\)" or "cron\(...\)"/],
    ['rate(0 hours)', /at least 1/],
    ['rate(1 hours)', /singular for 1/],
    ['rate(5 weeks)', /rate must be/],
    ['cron(0 3 * * *)', /6 fields/],
    ['cron(0 3 * * * *)', /exactly one of day-of-month/],
    ['cron(0 3 ? * ? *)', /exactly one of day-of-month/],
    ['cron(61 3 * * ? *)', /cron minutes: "61" is not 0-59/],
    ['cron(0 24 * * ? *)', /cron hours: "24"/],
    ['cron(0 3 ? FOO MON *)', /cron month: "FOO" is not JAN-DEC or 1-12/],
    ['cron(0 3 ? * 2#6 *)', /1st to 5th/],
    ['cron(0 3 20-10 * ? *)', /runs backwards/],
    ['cron(0/0 3 * * ? *)', /bad step/],
  ])('rejects %s, naming what is wrong', (expression, message) => {
    expect(() => parseSchedule(expression)).toThrow(ScheduleError);
    expect(() => parseSchedule(expression)).toThrow(message);
  });

  it('fires a cron at each match on the process timers, and stops when asked', () => {
    jest.useFakeTimers({ now: new Date('2026-11-26T02:58:30Z') });
    try {
      const fired: string[] = [];
      const stop = runOnSchedule(parseSchedule('cron(0 3 * * ? *)'), () => fired.push(new Date().toISOString()));
      jest.advanceTimersByTime(60_000);
      expect(fired).toEqual([]);
      jest.advanceTimersByTime(30_000);
      expect(fired).toEqual(['2026-11-26T03:00:00.000Z']);
      jest.advanceTimersByTime(24 * 3_600_000);
      expect(fired).toEqual(['2026-11-26T03:00:00.000Z', '2026-11-27T03:00:00.000Z']);
      stop();
      jest.advanceTimersByTime(48 * 3_600_000);
      expect(fired).toHaveLength(2);
      const rate: number[] = [];
      const stopRate = runOnSchedule(parseSchedule('rate(2 hours)'), () => rate.push(Date.now()));
      jest.advanceTimersByTime(5 * 3_600_000);
      expect(rate).toHaveLength(2);
      stopRate();
    } finally {
      jest.useRealTimers();
    }
  });
});
