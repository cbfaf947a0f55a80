import {
  addDays,
  earlierAllowed,
  isQuiet,
  localParts,
  nextAllowed,
  wallClock,
  wallClockOccurrences,
} from '../../src/domain/quiet-hours';
import { DEFAULT_QUIET_HOURS, type QuietHours } from '../../src/domain/schedule-plan';
import { localToInstant } from '../../src/domain/time';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
/** An ordinary (not daylight-saving-edge) local time as an instant. */
const local = (dateTime: string, zone = BERLIN): Date => localToInstant(dateTime, zone);
const iso = (d: Date) => d.toISOString();

const DEFAULT: QuietHours = DEFAULT_QUIET_HOURS; // 19:00–08:00 and weekends
const WEEKDAYS_ONLY: QuietHours = { start: '19:00', end: '08:00', weekends: false };
const LUNCH: QuietHours = { start: '12:00', end: '13:00', weekends: false };

describe('localParts', () => {
  it.each([
    ['2026-02-10T17:30:00Z', BERLIN, { date: '2026-02-10', time: '18:30', weekday: 2 }],
    ['2026-02-14T23:00:00Z', BERLIN, { date: '2026-02-15', time: '00:00', weekday: 7 }], // midnight is 00:00
    ['2026-02-16T04:59:00Z', NEW_YORK, { date: '2026-02-15', time: '23:59', weekday: 7 }],
    ['2026-03-29T01:00:00Z', BERLIN, { date: '2026-03-29', time: '03:00', weekday: 7 }], // just after the gap
    ['2026-10-25T00:30:00Z', BERLIN, { date: '2026-10-25', time: '02:30', weekday: 7 }], // first 02:30
    ['2026-10-25T01:30:00Z', BERLIN, { date: '2026-10-25', time: '02:30', weekday: 7 }], // second 02:30
    ['2026-02-16T00:00:00Z', 'UTC', { date: '2026-02-16', time: '00:00', weekday: 1 }],
  ])('%s in %s', (instant, zone, parts) => {
    expect(localParts(new Date(instant), zone)).toEqual(parts);
  });

  it('refuses an invalid instant or zone', () => {
    expect(() => localParts(new Date('nope'), BERLIN)).toThrow(RangeError);
    expect(() => localParts(new Date(), 'Mars/Olympus')).toThrow(RangeError);
    expect(() => localParts(new Date(), '')).toThrow(RangeError);
    expect(() => isQuiet(new Date(), undefined as unknown as string, DEFAULT)).toThrow(RangeError);
  });
});

describe('addDays', () => {
  it.each([
    ['2026-02-10', 1, '2026-02-11'],
    ['2026-01-31', 1, '2026-02-01'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-03-28', 2, '2026-03-30'], // over the spring change: calendar days, not 24 h
    ['2026-02-10', 0, '2026-02-10'],
  ])('%s + %d = %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it('refuses what is not a date', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
    expect(() => addDays('2026-02-10', 1.5)).toThrow(RangeError);
  });
});

describe('wallClock', () => {
  it.each([
    ['2026-02-10', '09:00', BERLIN, '2026-02-10T08:00:00.000Z'],
    ['2026-07-01', '09:00', BERLIN, '2026-07-01T07:00:00.000Z'],
    ['2026-03-29', '01:59', BERLIN, '2026-03-29T00:59:00.000Z'],
    ['2026-03-29', '02:00', BERLIN, '2026-03-29T01:00:00.000Z'], // gap: first minute after it (03:00 CEST)
    ['2026-03-29', '02:30', BERLIN, '2026-03-29T01:00:00.000Z'], // gap
    ['2026-03-29', '03:00', BERLIN, '2026-03-29T01:00:00.000Z'],
    ['2026-10-25', '02:00', BERLIN, '2026-10-25T00:00:00.000Z'], // repeated hour: the first occurrence
    ['2026-10-25', '02:30', BERLIN, '2026-10-25T00:30:00.000Z'], // repeated hour: the first occurrence
    ['2026-10-25', '03:00', BERLIN, '2026-10-25T02:00:00.000Z'],
    ['2026-03-08', '02:30', NEW_YORK, '2026-03-08T07:00:00.000Z'], // gap: 03:00 EDT
    ['2026-11-01', '01:30', NEW_YORK, '2026-11-01T05:30:00.000Z'], // repeated: 01:30 EDT
    ['2026-11-01', '09:00', NEW_YORK, '2026-11-01T14:00:00.000Z'],
    ['2026-03-29', '02:30', 'UTC', '2026-03-29T02:30:00.000Z'],
    ['2026-02-10', '09:00', 'Asia/Kolkata', '2026-02-10T03:30:00.000Z'],
  ])('%s %s in %s is %s', (date, time, zone, expected) => {
    expect(iso(wallClock(date, time, zone))).toBe(expected);
  });

  it('lists both occurrences of a repeated time and none of a skipped one', () => {
    expect(wallClockOccurrences('2026-10-25', '02:30', BERLIN).map(iso)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
    expect(wallClockOccurrences('2026-03-29', '02:30', BERLIN)).toEqual([]);
    expect(wallClockOccurrences('2026-02-10', '09:00', BERLIN).map(iso)).toEqual([
      '2026-02-10T08:00:00.000Z',
    ]);
  });

  it.each([
    ['2026-02-30', '09:00', BERLIN],
    ['2026-02-10', '24:00', BERLIN],
    ['2026-02-10', '9:00', BERLIN],
    ['2026-02-10', '09:00', 'Mars/Olympus'],
  ])('refuses %s %s in %s', (date, time, zone) => {
    expect(() => wallClock(date, time, zone)).toThrow(RangeError);
  });
});

describe('isQuiet', () => {
  it.each<[string, string, QuietHours | null, boolean]>([
    ['Tuesday evening, just before', '2026-02-10T18:59', DEFAULT, false],
    ['Tuesday evening', '2026-02-10T19:00', DEFAULT, true],
    ['Tuesday night', '2026-02-10T23:59', DEFAULT, true],
    ['Wednesday early', '2026-02-11T07:59', DEFAULT, true],
    ['Wednesday morning', '2026-02-11T08:00', DEFAULT, false],
    ['Saturday noon', '2026-02-14T12:00', DEFAULT, true],
    ['Sunday noon', '2026-02-15T12:00', DEFAULT, true],
    ['Monday 07:00', '2026-02-16T07:00', DEFAULT, true],
    ['Saturday noon, weekends false', '2026-02-14T12:00', WEEKDAYS_ONLY, false],
    ['Saturday evening, weekends false', '2026-02-14T20:00', WEEKDAYS_ONLY, true],
    ['no quiet hours', '2026-02-14T23:00', null, false],
    ['lunch start', '2026-02-10T12:00', LUNCH, true],
    ['lunch end, minus a minute', '2026-02-10T12:59', LUNCH, true],
    ['lunch end', '2026-02-10T13:00', LUNCH, false],
    ['before lunch', '2026-02-10T11:59', LUNCH, false],
    ['late night, lunch only', '2026-02-10T23:00', LUNCH, false],
    [
      'start = end: no daily period',
      '2026-02-10T03:00',
      { start: '08:00', end: '08:00', weekends: true },
      false,
    ],
    [
      'start = end: weekends still count',
      '2026-02-14T03:00',
      { start: '08:00', end: '08:00', weekends: true },
      true,
    ],
    [
      'invalid start: no daily period',
      '2026-02-10T20:00',
      { start: '7pm', end: '08:00', weekends: true },
      false,
    ],
    [
      'invalid end: weekends still count',
      '2026-02-14T12:00',
      { start: '19:00', end: '25:00', weekends: true },
      true,
    ],
  ])('%s (%s): %s', (_, at, quiet, expected) => {
    expect(isQuiet(local(at), BERLIN, quiet)).toBe(expected);
  });

  it('reads the rollout’s zone, not UTC', () => {
    const at = new Date('2026-02-10T18:30:00Z'); // 19:30 in Berlin, 13:30 in New York
    expect(isQuiet(at, BERLIN, DEFAULT)).toBe(true);
    expect(isQuiet(at, NEW_YORK, DEFAULT)).toBe(false);
    expect(isQuiet(at, 'UTC', DEFAULT)).toBe(false);
  });
});

describe('nextAllowed', () => {
  it.each<[string, string, QuietHours | null, string]>([
    ['weekday evening → next morning', '2026-02-10T20:00', DEFAULT, '2026-02-11T08:00'],
    ['weekday early → that morning', '2026-02-11T06:00', DEFAULT, '2026-02-11T08:00'],
    ['Friday evening → Monday 08:00', '2026-02-13T20:00', DEFAULT, '2026-02-16T08:00'],
    ['Saturday → Monday 08:00', '2026-02-14T10:00', DEFAULT, '2026-02-16T08:00'],
    ['Sunday → Monday 08:00', '2026-02-15T23:00', DEFAULT, '2026-02-16T08:00'],
    [
      'Friday evening, weekends false → Saturday 08:00',
      '2026-02-13T20:00',
      WEEKDAYS_ONLY,
      '2026-02-14T08:00',
    ],
    ['not quiet → itself', '2026-02-10T10:00', DEFAULT, '2026-02-10T10:00'],
    ['no quiet hours → itself', '2026-02-14T23:00', null, '2026-02-14T23:00'],
    ['lunch → its end', '2026-02-10T12:30', LUNCH, '2026-02-10T13:00'],
    [
      'weekend only → Monday 00:00',
      '2026-02-14T12:00',
      { start: '7pm', end: '08:00', weekends: true },
      '2026-02-16T00:00',
    ],
  ])('%s', (_, at, quiet, expected) => {
    expect(iso(nextAllowed(local(at), BERLIN, quiet))).toBe(iso(local(expected)));
  });

  it.each<[string, string, string, QuietHours, string]>([
    [
      'Berlin spring weekend → Monday 08:00 CEST',
      '2026-03-27T19:00:00Z',
      BERLIN,
      DEFAULT,
      '2026-03-30T06:00:00.000Z',
    ],
    [
      'Berlin spring Saturday night → Sunday 08:00 CEST',
      '2026-03-28T19:00:00Z',
      BERLIN,
      WEEKDAYS_ONLY,
      '2026-03-29T06:00:00.000Z',
    ],
    [
      'Berlin: an end in the gap → the first minute after it',
      '2026-03-29T00:30:00Z', // 01:30 CET
      BERLIN,
      { start: '01:00', end: '02:30', weekends: false },
      '2026-03-29T01:00:00.000Z', // 03:00 CEST
    ],
    [
      'Berlin autumn Saturday night → Sunday 08:00 CET',
      '2026-10-24T18:00:00Z',
      BERLIN,
      WEEKDAYS_ONLY,
      '2026-10-25T07:00:00.000Z',
    ],
    [
      'Berlin autumn weekend → Monday 08:00 CET',
      '2026-10-23T18:00:00Z',
      BERLIN,
      DEFAULT,
      '2026-10-26T07:00:00.000Z',
    ],
    [
      'Berlin: an end in the repeated hour, first time round',
      '2026-10-24T23:30:00Z', // 01:30 CEST
      BERLIN,
      { start: '01:00', end: '02:30', weekends: false },
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
    ],
    [
      'Berlin: an end in the repeated hour, second time round',
      '2026-10-25T01:10:00Z', // 02:10 CET, quiet again after the clocks went back
      BERLIN,
      { start: '01:00', end: '02:30', weekends: false },
      '2026-10-25T01:30:00.000Z', // 02:30 CET
    ],
    [
      'New York spring Saturday night → Sunday 08:00 EDT',
      '2026-03-08T01:00:00Z',
      NEW_YORK,
      WEEKDAYS_ONLY,
      '2026-03-08T12:00:00.000Z',
    ],
    [
      'New York autumn Saturday night → Sunday 08:00 EST',
      '2026-11-01T00:00:00Z',
      NEW_YORK,
      WEEKDAYS_ONLY,
      '2026-11-01T13:00:00.000Z',
    ],
    ['UTC Friday evening → Monday 08:00', '2026-02-13T20:00:00Z', 'UTC', DEFAULT, '2026-02-16T08:00:00.000Z'],
  ])('%s', (_, at, zone, quiet, expected) => {
    expect(iso(nextAllowed(new Date(at), zone, quiet))).toBe(expected);
  });

  it('returns an instant that is not quiet, and nothing earlier after `at` is allowed', () => {
    const at = local('2026-02-13T20:00');
    const next = nextAllowed(at, BERLIN, DEFAULT);
    expect(isQuiet(next, BERLIN, DEFAULT)).toBe(false);
    for (let t = at.getTime(); t < next.getTime(); t += 15 * 60_000) {
      expect(isQuiet(new Date(t), BERLIN, DEFAULT)).toBe(true);
    }
  });
});

describe('earlierAllowed', () => {
  it.each<[string, string, QuietHours | null, string]>([
    [
      'Monday 08:00 deadline, reminded 2 h before (06:00) → Friday 18:00',
      '2026-02-16T06:00',
      DEFAULT,
      '2026-02-13T18:00',
    ],
    [
      'Monday 09:00 deadline, reminded 2 h before (07:00) → Friday 18:00',
      '2026-02-16T07:00',
      DEFAULT,
      '2026-02-13T18:00',
    ],
    ['Saturday → Friday 18:00', '2026-02-14T15:00', DEFAULT, '2026-02-13T18:00'],
    ['Wednesday 06:00 → Tuesday 18:00', '2026-02-11T06:00', DEFAULT, '2026-02-10T18:00'],
    ['Tuesday 21:00 → Tuesday 18:00', '2026-02-10T21:00', DEFAULT, '2026-02-10T18:00'],
    ['Saturday 06:00, weekends false → Friday 18:00', '2026-02-14T06:00', WEEKDAYS_ONLY, '2026-02-13T18:00'],
    ['Sunday 10:00, weekends false → itself', '2026-02-15T10:00', WEEKDAYS_ONLY, '2026-02-15T10:00'],
    ['not quiet → itself', '2026-02-10T10:00', DEFAULT, '2026-02-10T10:00'],
    ['no quiet hours → itself', '2026-02-15T03:00', null, '2026-02-15T03:00'],
    ['lunch → an hour before it', '2026-02-10T12:30', LUNCH, '2026-02-10T11:00'],
    [
      'less than an hour allowed (08:00–08:30) → the start of it',
      '2026-02-10T12:00',
      { start: '08:30', end: '08:00', weekends: false },
      '2026-02-10T08:00',
    ],
  ])('%s', (_, at, quiet, expected) => {
    expect(iso(earlierAllowed(local(at), BERLIN, quiet))).toBe(iso(local(expected)));
  });

  it.each<[string, string, string, QuietHours, string]>([
    [
      'Berlin, Monday after the spring change → Friday 18:00 CET',
      '2026-03-30T04:00:00Z',
      BERLIN,
      DEFAULT,
      '2026-03-27T17:00:00.000Z',
    ],
    [
      'Berlin, Monday after the autumn change → Friday 18:00 CEST',
      '2026-10-26T05:00:00Z',
      BERLIN,
      DEFAULT,
      '2026-10-23T16:00:00.000Z',
    ],
    [
      'Berlin, spring Sunday 06:00 CEST → Saturday 18:00 CET',
      '2026-03-29T04:00:00Z',
      BERLIN,
      WEEKDAYS_ONLY,
      '2026-03-28T17:00:00.000Z',
    ],
    [
      'Berlin, autumn Sunday 06:00 CET → Saturday 18:00 CEST',
      '2026-10-25T05:00:00Z',
      BERLIN,
      WEEKDAYS_ONLY,
      '2026-10-24T16:00:00.000Z',
    ],
    [
      'Berlin: quiet again when the clocks go back into it → the start of the short allowed stretch',
      '2026-10-25T01:10:00Z', // 02:10 CET; quiet 19:00–02:30, allowed 02:30–03:00 CEST only
      BERLIN,
      { start: '19:00', end: '02:30', weekends: false },
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
    ],
    [
      'New York, Monday after the spring change → Friday 18:00 EST',
      '2026-03-09T10:00:00Z',
      NEW_YORK,
      DEFAULT,
      '2026-03-06T23:00:00.000Z',
    ],
    [
      'New York, Monday after the autumn change → Friday 18:00 EDT',
      '2026-11-02T11:00:00Z',
      NEW_YORK,
      DEFAULT,
      '2026-10-30T22:00:00.000Z',
    ],
    ['UTC, Monday 06:00 → Friday 18:00', '2026-02-16T06:00:00Z', 'UTC', DEFAULT, '2026-02-13T18:00:00.000Z'],
  ])('%s', (_, at, zone, quiet, expected) => {
    expect(iso(earlierAllowed(new Date(at), zone, quiet))).toBe(expected);
  });

  it('always lands on an allowed instant before `at` when `at` is quiet', () => {
    const settings: QuietHours[] = [
      DEFAULT,
      WEEKDAYS_ONLY,
      LUNCH,
      { start: '00:00', end: '23:00', weekends: true },
      { start: '08:30', end: '08:00', weekends: true },
    ];
    for (const quiet of settings) {
      for (let h = 0; h < 7 * 24; h += 5) {
        const at = new Date(Date.parse('2026-03-23T00:00:00Z') + h * 3_600_000); // the week of the spring change
        if (!isQuiet(at, BERLIN, quiet)) continue;
        const earlier = earlierAllowed(at, BERLIN, quiet);
        expect(earlier.getTime()).toBeLessThan(at.getTime());
        expect(isQuiet(earlier, BERLIN, quiet)).toBe(false);
        const next = nextAllowed(at, BERLIN, quiet);
        expect(next.getTime()).toBeGreaterThan(at.getTime());
        expect(isQuiet(next, BERLIN, quiet)).toBe(false);
      }
    }
  });
});
