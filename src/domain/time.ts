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
