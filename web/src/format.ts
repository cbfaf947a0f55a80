/** Dates as people read them, in the rollout's time zone. */

const formatters = new Map<string, Intl.DateTimeFormat>();

const formatter = (key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat => {
  let f = formatters.get(key);
  if (f === undefined) {
    f = make();
    formatters.set(key, f);
  }
  return f;
};

const safeZone = (timeZone: string | undefined): string | undefined => {
  if (timeZone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone;
  } catch {
    return undefined;
  }
};

/** An ISO instant as a local date and time, e.g. "3 Dec 2026, 14:05". */
export const instantText = (iso: string | null, timeZone?: string): string => {
  if (iso === null) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const zone = safeZone(timeZone);
  return formatter(
    `i:${zone ?? ''}`,
    () => new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }),
  ).format(date);
};

/** A local date `YYYY-MM-DD` (or `YYYY-MM-DDTHH:mm`) as "3 Dec 2026" (", 09:00"). */
export const localText = (local: string | null): string => {
  if (local === null) return '—';
  const ms = localMs(local);
  if (ms === null) return local;
  const withTime = local.length > 10;
  return formatter(
    `l:${withTime ? 't' : 'd'}`,
    () =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'UTC',
        dateStyle: 'medium',
        ...(withTime ? { timeStyle: 'short' as const } : {}),
      }),
  ).format(new Date(ms));
};

/** A short day label for chart axes: "3 Dec". */
export const dayLabel = (local: string): string => {
  const ms = localMs(local);
  if (ms === null) return local;
  return formatter(
    'd',
    () => new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' }),
  ).format(new Date(ms));
};

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/;

/**
 * A local date or date-time as milliseconds on a "local clock" axis (its wall-clock time read as
 * UTC): planned frames and actual instants line up on the same axis in the rollout's zone.
 */
export const localMs = (local: string): number | null => {
  const m = LOCAL.exec(local);
  if (m === null) return null;
  const [, y, mo, d, h, mi] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0));
};

/** An ISO instant on the same local-clock axis in `timeZone`. */
export const instantLocalMs = (iso: string, timeZone: string): number | null => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  const zone = safeZone(timeZone) ?? 'UTC';
  const parts = formatter(
    `p:${zone}`,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      }),
  ).formatToParts(date);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
};

export const DAY_MS = 86_400_000;

export const percent = (part: number, whole: number): string =>
  whole === 0 ? '—' : `${Math.round((part / whole) * 100)}%`;

export const rating = (value: number | null): string => (value === null ? '—' : value.toFixed(1));
