/** Dates and times in a rollout's plan: local to the rollout's IANA time zone. */

export const isTimeZone = (value: string): boolean => {
  if (!value || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** `YYYY-MM-DD` or `YYYY-MM-DDTHH:mm`, a real calendar date and time. */
export const isLocalDateTime = (value: string): boolean => {
  const m = DATE_TIME.exec(value) ?? DATE.exec(value);
  if (!m) return false;
  const [, y, mo, d, h = '00', mi = '00'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    year >= 2000 &&
    year <= 2100 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    Number(h) < 24 &&
    Number(mi) < 60
  );
};

/** Compares two local date-times; a date alone counts as the start of that day. */
export const compareLocal = (a: string, b: string): number => {
  const norm = (v: string) => (v.length === 10 ? `${v}T00:00` : v);
  return norm(a) < norm(b) ? -1 : norm(a) > norm(b) ? 1 : 0;
};

/** The UTC offset of a time zone at an instant, in minutes (east positive). */
const offsetMinutes = (timeZone: string, at: Date): number => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return Math.round((asUtc - at.getTime()) / 60_000);
};

/**
 * The instant a local `YYYY-MM-DDTHH:mm` (or a date: its start) in `timeZone` names. In a
 * daylight-saving gap the later offset is used; in an overlap (clocks going back), the later instant.
 */
export const localToInstant = (local: string, timeZone: string): Date => {
  const [date = '', time = '00:00'] = local.split('T');
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const naive = Date.UTC(y ?? 2000, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0);
  const first = naive - offsetMinutes(timeZone, new Date(naive)) * 60_000;
  return new Date(naive - offsetMinutes(timeZone, new Date(first)) * 60_000);
};

/** An instant as cards show it in the rollout's zone: "12 Feb 2026, 17:00 CET". */
export const localInstantText = (iso: string, timeZone: string): string =>
  new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));
