import { isLocalTime, type QuietHours } from './schedule-plan';
import { isLocalDateTime } from './time';

/**
 * Local wall time in a rollout's time zone, and the quiet hours during which no nudge goes out.
 * Pure: every function takes the instant it reasons about, so the scheduler's decisions are tested
 * with plain dates.
 *
 * Inputs:
 * - an invalid `Date` or an unknown time zone throws a `RangeError` (a programming error: the plan
 *   schema only lets valid IANA zones in);
 * - quiet hours with a `start` or `end` that is not `HH:mm` (00:00–23:59) have **no daily quiet
 *   period**, rather than throwing: a bad setting must not stop the scheduler, and the
 *   weekends still count when `weekends` is `true` (any other value counts as `false`).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** How far `nextAllowed` and `earlierAllowed` look, in days. */
const SEARCH_DAYS = 14;

/** A local calendar date, wall-clock time and ISO weekday (1 = Monday … 7 = Sunday). */
export interface LocalParts {
  /** `YYYY-MM-DD` */
  date: string;
  /** `HH:mm` */
  time: string;
  weekday: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = {
  Mon: 1,
  Tue: 2,
  Wed: 3,
  Thu: 4,
  Fri: 5,
  Sat: 6,
  Sun: 7,
};

const formatters = new Map<string, Intl.DateTimeFormat>();
/** One formatter per zone (creating one is far slower than using it); throws for an unknown zone. */
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // Intl reads a missing zone as the machine's own: never what a rollout means.
    if (typeof timeZone !== 'string' || timeZone === '') throw new RangeError('No time zone');
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
};

const checkInstant = (at: Date): void => {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new RangeError('Invalid instant');
};

/** Year, month, day, hour and minute of an instant's local wall time, with its weekday. */
const fields = (ms: number, timeZone: string) => {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
  };
};

/** The local wall time of an instant written as if it were UTC, in ms (seconds dropped). */
const localNaive = (ms: number, timeZone: string): number => {
  const f = fields(ms, timeZone);
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute);
};

/** The zone's offset from UTC at an instant, in ms (east positive). */
const offsetAt = (ms: number, timeZone: string): number => {
  const floored = Math.floor(ms / MINUTE) * MINUTE;
  return localNaive(floored, timeZone) - floored;
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An instant's local date (`YYYY-MM-DD`), time (`HH:mm`) and ISO weekday (1 = Monday … 7 = Sunday) in `timeZone`. */
export const localParts = (at: Date, timeZone: string): LocalParts => {
  checkInstant(at);
  const f = fields(at.getTime(), timeZone);
  return {
    date: `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}`,
    time: `${pad(f.hour)}:${pad(f.minute)}`,
    weekday: f.weekday,
  };
};

const isDate = (value: string): boolean => value.length === 10 && isLocalDateTime(value);

/** A local calendar date `days` days after `date` (before, when negative); both `YYYY-MM-DD`. */
export const addDays = (date: string, days: number): string => {
  if (!isDate(date) || !Number.isInteger(days)) throw new RangeError(`Invalid date ${date} + ${days}`);
  const [y, m, d] = date.split('-').map(Number);
  const next = new Date(Date.UTC(y ?? 2000, (m ?? 1) - 1, (d ?? 1) + days));
  return `${pad(next.getUTCFullYear(), 4)}-${pad(next.getUTCMonth() + 1)}-${pad(next.getUTCDate())}`;
};

/** A local date and time written as if it were UTC, in ms. */
const naiveOf = (date: string, time: string): number => {
  if (!isDate(date) || !isLocalTime(time)) throw new RangeError(`Invalid local time ${date} ${time}`);
  return Date.parse(`${date}T${time}:00Z`);
};

/** The offsets the zone uses around a local wall time (a day either side covers any transition). */
const offsetsAround = (naive: number, timeZone: string): number[] => [
  ...new Set([offsetAt(naive - DAY, timeZone), offsetAt(naive, timeZone), offsetAt(naive + DAY, timeZone)]),
];

/** Every instant (in ms, ascending) whose wall time is the local `naive`: none in a gap, two in a repeated hour. */
const occurrences = (naive: number, timeZone: string): number[] =>
  offsetsAround(naive, timeZone)
    .map((offset) => naive - offset)
    .filter((ms) => localNaive(ms, timeZone) === naive)
    .sort((a, b) => a - b)
    .filter((ms, i, all) => i === 0 || all[i - 1] !== ms);

/**
 * Every instant whose local wall time in `timeZone` is `date` `time`, earliest first: one on an
 * ordinary day, none when the clocks skip it (a daylight-saving gap), two when they go back over it.
 */
export const wallClockOccurrences = (date: string, time: string, timeZone: string): Date[] =>
  occurrences(naiveOf(date, time), timeZone).map((ms) => new Date(ms));

/**
 * The instant of the local wall time `date` (`YYYY-MM-DD`) `time` (`HH:mm`) in `timeZone`. In a
 * daylight-saving gap (Europe/Berlin 2026-03-29 02:30 does not exist) it is the first minute that
 * exists after the gap (03:00 CEST, 01:00Z); in a repeated hour (Europe/Berlin 2026-10-25 02:30
 * happens twice) it is the first occurrence (02:30 CEST, 00:30Z), so a job set for that time runs
 * once. Throws a `RangeError` for an invalid date, time or zone.
 */
export const wallClock = (date: string, time: string, timeZone: string): Date => {
  const naive = naiveOf(date, time);
  const [first] = occurrences(naive, timeZone);
  if (first !== undefined) return new Date(first);
  // A gap: the first minute whose wall time is past the one asked for.
  const offsets = offsetsAround(naive, timeZone);
  let lo = (naive - Math.max(...offsets)) / MINUTE; // before the gap
  let hi = (naive - Math.min(...offsets)) / MINUTE; // after it
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localNaive(mid * MINUTE, timeZone) >= naive) hi = mid;
    else lo = mid;
  }
  return new Date(hi * MINUTE);
};

/** Quiet hours as the functions below read them: the daily period (null: none) and the weekends. */
interface Quiet {
  daily: { start: string; end: string } | null;
  weekends: boolean;
}

/**
 * The quiet hours that apply: null for none; a `start` or `end` that is not `HH:mm`, or
 * `start === end`, has no daily period (the weekends still count).
 */
const quietOf = (quiet: QuietHours | null | undefined): Quiet | null => {
  if (!quiet || typeof quiet !== 'object') return null;
  const { start, end } = quiet;
  const valid =
    typeof start === 'string' && typeof end === 'string' && isLocalTime(start) && isLocalTime(end);
  const daily = valid && start !== end ? { start, end } : null;
  const weekends = quiet.weekends === true;
  return daily || weekends ? { daily, weekends } : null;
};

const quietAt = (ms: number, timeZone: string, quiet: Quiet): boolean => {
  const { time, weekday } = localParts(new Date(ms), timeZone);
  if (quiet.weekends && weekday >= 6) return true;
  if (!quiet.daily) return false;
  const { start, end } = quiet.daily;
  return start < end ? time >= start && time < end : time >= start || time < end;
};

/**
 * Whether `at` falls in the quiet hours in `timeZone`: inside [start, end) local time (spanning
 * midnight when `end` is before `start`, e.g. 19:00–08:00), or on a Saturday or Sunday when
 * `weekends`. Null quiet hours: never quiet; `start === end`: no daily period (weekends still count).
 */
export const isQuiet = (at: Date, timeZone: string, quiet: QuietHours | null): boolean => {
  checkInstant(at);
  const q = quietOf(quiet);
  return q ? quietAt(at.getTime(), timeZone, q) : false;
};

/** Instants (ms) at which the zone's offset changes between `fromMs` and `toMs` (at most one per day). */
const transitions = (fromMs: number, toMs: number, timeZone: string): number[] => {
  const found: number[] = [];
  for (let lo = fromMs; lo < toMs; lo += DAY) {
    const hi = Math.min(lo + DAY, toMs);
    const before = offsetAt(lo, timeZone);
    if (offsetAt(hi, timeZone) === before) continue;
    let a = Math.floor(lo / MINUTE);
    let b = Math.ceil(hi / MINUTE);
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (offsetAt(mid * MINUTE, timeZone) === before) a = mid;
      else b = mid;
    }
    found.push(b * MINUTE);
  }
  return found;
};

/**
 * Every instant (ms, ascending) at which being quiet may change, for the local dates `fromDate`
 * to `toDate`: each occurrence of the period's start and end and of midnight (weekends), and each
 * daylight-saving change. Between two of them, quiet or not stays as it is at the first.
 */
const changePoints = (fromDate: string, toDate: string, timeZone: string, quiet: Quiet): number[] => {
  const times = new Set(['00:00']);
  if (quiet.daily) {
    times.add(quiet.daily.start);
    times.add(quiet.daily.end);
  }
  const points: number[] = [];
  for (let date = fromDate; date <= toDate; date = addDays(date, 1)) {
    for (const time of times) points.push(...occurrences(naiveOf(date, time), timeZone));
  }
  const from = naiveOf(fromDate, '00:00') - DAY / 2 - 2 * HOUR;
  const to = naiveOf(addDays(toDate, 1), '00:00') + DAY / 2 + 2 * HOUR;
  points.push(...transitions(from, to, timeZone));
  return [...new Set(points)].sort((a, b) => a - b);
};

/**
 * `at` itself when it is not quiet, else the first instant after it that is not (Friday 20:00
 * with 19:00–08:00 and weekends → Monday 08:00 local): when a nudge due in quiet hours goes out.
 * Looks at most 14 days ahead (only reached by settings that never allow anything; then `at`).
 */
export const nextAllowed = (at: Date, timeZone: string, quiet: QuietHours | null): Date => {
  checkInstant(at);
  const q = quietOf(quiet);
  const ms = at.getTime();
  if (!q || !quietAt(ms, timeZone, q)) return at;
  const today = localParts(at, timeZone).date;
  for (const days of [4, SEARCH_DAYS]) {
    const points = changePoints(addDays(today, -1), addDays(today, days), timeZone, q);
    const allowed = points.find((p) => p > ms && !quietAt(p, timeZone, q));
    if (allowed !== undefined) return new Date(allowed);
  }
  return at;
};

/**
 * `at` itself when it is not quiet, else an allowed instant before it: one hour before the quiet
 * period containing `at` began (a reminder due Monday 06:00, quiet since Friday 19:00 with
 * weekends, moves to Friday 18:00 local), so a scheduler ticking every few minutes finds it
 * allowed. Used by reminders that lead up to a deadline. When that hour is itself quiet (less
 * than an hour allowed before the period), it is the start of that short allowed stretch. Looks
 * at most 14 days back (only reached by settings that never allow anything; then `at`).
 */
export const earlierAllowed = (at: Date, timeZone: string, quiet: QuietHours | null): Date => {
  checkInstant(at);
  const q = quietOf(quiet);
  const ms = at.getTime();
  if (!q || !quietAt(ms, timeZone, q)) return at;
  const today = localParts(at, timeZone).date;
  for (const days of [4, SEARCH_DAYS]) {
    const points = changePoints(addDays(today, -days), addDays(today, 1), timeZone, q).filter((p) => p <= ms);
    for (let i = points.length - 1; i >= 0; i -= 1) {
      const allowedFrom = points[i] as number;
      if (quietAt(allowedFrom, timeZone, q)) continue;
      // Allowed from here until the next change point, where the quiet period containing `at` began.
      const quietFrom = points[i + 1] ?? ms;
      const hourBefore = quietFrom - HOUR;
      return new Date(quietAt(hourBefore, timeZone, q) ? allowedFrom : hourBefore);
    }
  }
  return at;
};
