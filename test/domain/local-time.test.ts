import { localToInstant } from '../../src/domain/time';

describe('a local date and time in a time zone', () => {
  it.each([
    ['2026-05-01T17:00', 'Europe/Berlin', '2026-05-01T15:00:00.000Z'],
    ['2026-01-15T09:30', 'America/Los_Angeles', '2026-01-15T17:30:00.000Z'],
    ['2026-06-01', 'UTC', '2026-06-01T00:00:00.000Z'],
    ['2026-03-29T02:30', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'], // in the spring gap: the later offset
    ['2026-10-25T02:30', 'Europe/Berlin', '2026-10-25T01:30:00.000Z'], // in the autumn overlap: the later instant
    ['2026-02-10T09:00', 'Asia/Kolkata', '2026-02-10T03:30:00.000Z'],
  ])('%s in %s is %s', (local, zone, instant) => {
    expect(localToInstant(local, zone).toISOString()).toBe(instant);
  });
});
