// EventBridge schedule expressions, read the way EventBridge reads them, so the local platform can
// run the same schedule a deployment runs and config can reject a bad one before `cdk deploy` does.
//   rate(n minute|minutes|hour|hours|day|days)
//   cron(minutes hours day-of-month month day-of-week year), UTC: numbers, names (JAN-DEC,
//   SUN-SAT; day-of-week 1 = SUN), `*`, `?`, ranges a-b, lists a,b, steps x/n; day-of-month `L`,
//   `nW`, `LW`; day-of-week `nL` (last) and `n#k` (k-th). One of the two day fields must be `?`.
import { InvalidInputError } from '../errors';

/** Thrown for an expression EventBridge would not accept; the message names the part that is wrong. */
export class ScheduleError extends InvalidInputError {
  override readonly name: string = 'ScheduleError';
}

export type Schedule = { readonly kind: 'rate'; readonly everyMs: number } | { readonly kind: 'cron'; readonly cron: CronSpec };

interface FieldSpec {
  /** Allowed values (a set over the field's range); null = any (`*` or `?`). */
  readonly values: ReadonlySet<number> | null;
}

/** A parsed cron expression. */
export interface CronSpec {
  readonly minutes: FieldSpec;
  readonly hours: FieldSpec;
  readonly months: FieldSpec;
  readonly years: FieldSpec;
  readonly dayOfMonth: DayOfMonthSpec;
  readonly dayOfWeek: DayOfWeekSpec;
}

type DayOfMonthSpec =
  | { readonly kind: 'any' }
  | { readonly kind: 'set'; readonly values: ReadonlySet<number> }
  | { readonly kind: 'last' }
  | { readonly kind: 'weekday'; readonly day: number | 'last' };
type DayOfWeekSpec =
  | { readonly kind: 'any' }
  | { readonly kind: 'set'; readonly values: ReadonlySet<number> }
  | { readonly kind: 'last'; readonly day: number }
  | { readonly kind: 'nth'; readonly day: number; readonly n: number };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const RATE_UNITS: Readonly<Record<string, number>> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };
/** How far ahead nextRun looks before deciding a cron never fires (e.g. `cron(0 0 30 FEB ? *)`). */
const SEARCH_YEARS = 5;

/**
 * Parses a schedule expression.
 * @throws ScheduleError naming what is wrong
 * @example parseSchedule('cron(0 3 ? * MON-FRI *)')
 */
export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) {
    const m = /^(\d+) ([a-z]+)$/.exec(rate[1]);
    if (!m || !(m[2] in RATE_UNITS)) throw new ScheduleError(`rate must be "rate(<n> minute|minutes|hour|hours|day|days)", got "${expression}"`);
    const n = Number(m[1]);
    if (n < 1) throw new ScheduleError(`rate value must be at least 1, got ${n}`);
    if ((n === 1) !== !m[2].endsWith('s')) throw new ScheduleError(`rate unit must be singular for 1 and plural otherwise, got "${rate[1]}"`);
    return { kind: 'rate', everyMs: n * RATE_UNITS[m[2]] };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) throw new ScheduleError(`schedule must be "rate(...)" or "cron(...)", got "${expression}"`);
  const parts = cron[1].trim().split(/\s+/);
  if (parts.length !== 6)
    throw new ScheduleError(`cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${parts.length} in "${expression}"`);
  const [mi, h, dom, mo, dow, y] = parts;
  if ((dom === '?') === (dow === '?')) throw new ScheduleError(`cron: exactly one of day-of-month ("${dom}") and day-of-week ("${dow}") must be "?"`);
  return {
    kind: 'cron',
    cron: {
      minutes: field(mi, 'minutes', 0, 59),
      hours: field(h, 'hours', 0, 23),
      months: field(mo, 'month', 1, 12, MONTHS),
      years: field(y, 'year', 1970, 2199),
      dayOfMonth: dayOfMonth(dom),
      dayOfWeek: dayOfWeek(dow),
    },
  };
}

function value(text: string, what: string, min: number, max: number, names?: readonly string[]): number {
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  const v = named >= 0 ? named + min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(v >= min && v <= max))
    throw new ScheduleError(`cron ${what}: "${text}" is not ${names ? `${names[0]}-${names[names.length - 1]} or ` : ''}${min}-${max}`);
  return v;
}

function field(text: string, what: string, min: number, max: number, names?: readonly string[]): FieldSpec {
  if (text === '*' || text === '?') return { values: null };
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(Number.isInteger(step) && step >= 1) || item.split('/').length > 2) throw new ScheduleError(`cron ${what}: bad step in "${item}"`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [lo, hi] = [value(a, what, min, max, names), value(b, what, min, max, names)];
      if (lo > hi) throw new ScheduleError(`cron ${what}: range "${range}" runs backwards`);
    } else {
      lo = value(range, what, min, max, names);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values };
}

function dayOfMonth(text: string): DayOfMonthSpec {
  if (text === '?' || text === '*') return { kind: 'any' };
  if (text === 'L') return { kind: 'last' };
  if (text === 'LW') return { kind: 'weekday', day: 'last' };
  const w = /^(\d+)W$/.exec(text);
  if (w) return { kind: 'weekday', day: value(w[1], 'day-of-month', 1, 31) };
  const f = field(text, 'day-of-month', 1, 31);
  return f.values ? { kind: 'set', values: f.values } : { kind: 'any' };
}

function dayOfWeek(text: string): DayOfWeekSpec {
  if (text === '?' || text === '*') return { kind: 'any' };
  const last = /^(\w+)L$/.exec(text);
  if (last) return { kind: 'last', day: value(last[1], 'day-of-week', 1, 7, DAYS) };
  const nth = /^(\w+)#(\d)$/.exec(text);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new ScheduleError(`cron day-of-week: "${text}" must name the 1st to 5th weekday`);
    return { kind: 'nth', day: value(nth[1], 'day-of-week', 1, 7, DAYS), n };
  }
  const f = field(text, 'day-of-week', 1, 7, DAYS);
  return f.values ? { kind: 'set', values: f.values } : { kind: 'any' };
}

const has = (f: FieldSpec, v: number): boolean => f.values === null || f.values.has(v);

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate(); // month 1-12
}

/** Whether the cron fires on this UTC day. */
function dayMatches(c: CronSpec, year: number, month: number, day: number): boolean {
  const last = daysInMonth(year, month);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1; // 1 = SUN
  const dom = c.dayOfMonth;
  if (dom.kind === 'set' && !dom.values.has(day)) return false;
  if (dom.kind === 'last' && day !== last) return false;
  if (dom.kind === 'weekday') {
    // the weekday (MON-FRI) nearest the given day, within the month
    let target = dom.day === 'last' ? last : Math.min(dom.day, last);
    const wd = new Date(Date.UTC(year, month - 1, target)).getUTCDay();
    if (wd === 6) target = target === 1 ? 3 : target - 1;
    else if (wd === 0) target = target === last ? target - 2 : target + 1;
    if (day !== target) return false;
  }
  const dow = c.dayOfWeek;
  if (dow.kind === 'set' && !dow.values.has(weekday)) return false;
  if (dow.kind === 'last' && (weekday !== dow.day || day + 7 <= last)) return false;
  if (dow.kind === 'nth' && (weekday !== dow.day || Math.ceil(day / 7) !== dow.n)) return false;
  return true;
}

/**
 * The first time strictly after `after` at which the schedule fires: for a rate, `after` + the
 * interval; for a cron, the next matching UTC minute; null when a cron never fires again (within
 * five years or before its last year).
 * @example nextRun(parseSchedule('cron(0 3 * * ? *)'), new Date('2026-11-26T06:00:00Z')) // 2026-11-27T03:00Z
 */
export function nextRun(schedule: Schedule, after: Date): Date | null {
  if (schedule.kind === 'rate') return new Date(after.getTime() + schedule.everyMs);
  const c = schedule.cron;
  const start = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const end = Date.UTC(start.getUTCFullYear() + SEARCH_YEARS, 0, 1);
  for (let day = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()); day < end; day += 86_400_000) {
    const d = new Date(day);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    if (!has(c.years, year) || !has(c.months, month) || !dayMatches(c, year, month, d.getUTCDate())) continue;
    for (let hour = 0; hour < 24; hour++) {
      if (!has(c.hours, hour)) continue;
      for (let minute = 0; minute < 60; minute++) {
        if (!has(c.minutes, minute)) continue;
        const t = day + hour * 3_600_000 + minute * 60_000;
        if (t >= start.getTime()) return new Date(t);
      }
    }
  }
  return null;
}

/**
 * Calls `fire` whenever the schedule fires, on this process's timers (unref'd: they never keep
 * it alive), until the returned stop function is called.
 * @example const stop = runOnSchedule(parseSchedule('cron(0 3 * * ? *)'), () => void retrain());
 */
export function runOnSchedule(schedule: Schedule, fire: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  if (schedule.kind === 'rate') {
    timer = setInterval(fire, schedule.everyMs).unref();
  } else {
    const arm = (): void => {
      const at = nextRun(schedule, new Date());
      if (!at || stopped) return;
      // a timer waits at most about 24.8 days; a later run re-arms on the way
      const wait = Math.min(Math.max(0, at.getTime() - Date.now()), 2 ** 31 - 1);
      timer = setTimeout(() => {
        if (Date.now() >= at.getTime()) fire();
        arm();
      }, wait).unref();
    };
    arm();
  }
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
