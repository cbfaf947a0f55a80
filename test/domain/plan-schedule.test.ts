import { applyPlan, planOf, scheduleEntry, stageScheduleEntry, type PlanSpec } from '../../src/domain/plan';
import type { Rollout } from '../../src/domain/rollout';
import {
  DEFAULT_DIGEST_TIME,
  DEFAULT_NUDGES,
  DEFAULT_QUIET_HOURS,
  rolloutScheduleOf,
  stageScheduleOf,
} from '../../src/domain/schedule-plan';
import { ADMIN, aRollout, NOW, withWaves } from './fixtures';

const change = (rollout: Rollout) => ({ by: ADMIN, revision: rollout.planRevision, section: 'test' });
const edit = (rollout: Rollout, mutate: (spec: PlanSpec) => void) => {
  const spec = structuredClone(planOf(rollout));
  mutate(spec);
  return applyPlan(rollout, spec, change(rollout), NOW);
};
const applied = (rollout: Rollout, mutate: (spec: PlanSpec) => void): Rollout => {
  const decision = edit(rollout, mutate);
  if (!decision.ok) throw new Error(decision.error.message);
  return decision.value;
};

describe('the schedule settings in the plan', () => {
  it('a rollout stored before them reads as the defaults; planOf leaves them out', () => {
    const rollout = withWaves(aRollout(), ['HR', 'Sales']);
    expect(rollout).not.toHaveProperty('schedule');
    expect(rolloutScheduleOf(rollout)).toEqual({
      quietHours: { start: '19:00', end: '08:00', weekends: true },
      digestTime: '09:00',
    });
    for (const phase of rollout.phases) {
      expect(stageScheduleOf(phase)).toEqual({ nudges: 2, gotItReminder: false, autoAdvance: false });
      for (const wave of phase.waves) expect(stageScheduleOf(wave).nudges).toBe(DEFAULT_NUDGES);
    }
    const spec = planOf(rollout);
    expect(spec).not.toHaveProperty('schedule');
    for (const key of ['nudges', 'gotItReminder', 'autoAdvance']) {
      expect(spec.phases.pilot).not.toHaveProperty(key);
      expect(spec.phases.enterprise.waves.some((w) => key in w)).toBe(false);
    }
  });

  it('scheduleEntry: a key (a copy, keys in order) only when not the defaults', () => {
    expect(scheduleEntry(undefined)).toEqual({});
    expect(
      scheduleEntry({ quietHours: { ...DEFAULT_QUIET_HOURS }, digestTime: DEFAULT_DIGEST_TIME }),
    ).toEqual({});
    // Keys in another order say the same: still the defaults.
    expect(
      scheduleEntry({ digestTime: '09:00', quietHours: { weekends: true, end: '08:00', start: '19:00' } }),
    ).toEqual({});
    const off = scheduleEntry({ quietHours: null, digestTime: null });
    expect(off).toEqual({ schedule: { quietHours: null, digestTime: null } });
    const own = { quietHours: { weekends: false, end: '07:00', start: '20:00' }, digestTime: '09:00' };
    const entry = scheduleEntry(own);
    expect(JSON.stringify(entry)).toBe(
      '{"schedule":{"quietHours":{"start":"20:00","end":"07:00","weekends":false},"digestTime":"09:00"}}',
    );
    expect(entry.schedule?.quietHours).not.toBe(own.quietHours);
  });

  it('stageScheduleEntry: each only when not the default', () => {
    expect(stageScheduleEntry({})).toEqual({});
    expect(stageScheduleEntry({ nudges: 2, gotItReminder: false, autoAdvance: false })).toEqual({});
    expect(stageScheduleEntry({ nudges: 0, gotItReminder: true, autoAdvance: true })).toEqual({
      nudges: 0,
      gotItReminder: true,
      autoAdvance: true,
    });
  });

  it('applyPlan stores them on the rollout, its phases and waves, audited; the plan read back changes nothing', () => {
    const rollout = withWaves(aRollout(), ['HR', 'Sales']);
    const decision = edit(rollout, (s) => {
      s.schedule = { quietHours: { start: '18:00', end: '09:00', weekends: false }, digestTime: '10:30' };
      s.phases.pilot.nudges = 4;
      s.phases.pilot.gotItReminder = true;
      s.phases.enterprise.waves[1]!.autoAdvance = true;
      s.phases.enterprise.waves[1]!.nudges = 0;
    });
    if (!decision.ok) throw new Error(decision.error.message);
    const next = decision.value;
    expect(rolloutScheduleOf(next)).toEqual({
      quietHours: { start: '18:00', end: '09:00', weekends: false },
      digestTime: '10:30',
    });
    expect(stageScheduleOf(next.phases[2]!)).toEqual({ nudges: 4, gotItReminder: true, autoAdvance: false });
    expect(next.phases[3]?.waves.map(stageScheduleOf)).toEqual([
      { nudges: 2, gotItReminder: false, autoAdvance: false },
      { nudges: 0, gotItReminder: false, autoAdvance: true },
    ]);
    expect(next.phases[3]?.waves[0]).not.toHaveProperty('nudges');
    const { before, after } = decision.events[0] as { before: string; after: string };
    expect(JSON.parse(before)).not.toHaveProperty('schedule');
    expect(JSON.parse(after).schedule.digestTime).toBe('10:30');
    expect(JSON.parse(after).phases.pilot.nudges).toBe(4);
    const same = applyPlan(next, planOf(next), change(next), NOW);
    expect(same.ok && same.value).toBe(next);
    expect(same.ok && same.events).toEqual([]);
  });

  it('a plan change elsewhere keeps them (a change never loses them)', () => {
    const set = applied(withWaves(aRollout(), ['HR']), (s) => {
      s.schedule = { quietHours: null, digestTime: '07:00' };
      s.phases.enterprise.waves[0]!.gotItReminder = true;
      s.phases.poc.autoAdvance = true;
    });
    const renamed = applied(set, (s) => {
      s.name = 'Renamed';
      s.phases.enterprise.waves[0]!.name = 'Human resources';
      s.phases.poc.targetGroups = ['IT'];
    });
    expect(renamed.schedule).toEqual({ quietHours: null, digestTime: '07:00' });
    expect(renamed.phases[3]?.waves[0]?.gotItReminder).toBe(true);
    expect(renamed.phases[1]?.autoAdvance).toBe(true);
  });

  it('back to the defaults removes the keys: the plan says what it said before', () => {
    const rollout = withWaves(aRollout(), ['HR']);
    const set = applied(rollout, (s) => {
      s.schedule = { quietHours: null, digestTime: null };
      s.phases.scope.nudges = 5;
      s.phases.enterprise.waves[0]!.autoAdvance = true;
    });
    const reset = applied(set, (s) => {
      s.schedule = { quietHours: { ...DEFAULT_QUIET_HOURS }, digestTime: DEFAULT_DIGEST_TIME };
      s.phases.scope.nudges = 2;
      s.phases.enterprise.waves[0]!.autoAdvance = false;
    });
    expect(reset).not.toHaveProperty('schedule');
    expect(reset.phases[0]).not.toHaveProperty('nudges');
    expect(reset.phases[3]?.waves[0]).not.toHaveProperty('autoAdvance');
    expect(JSON.stringify(planOf(reset))).toBe(JSON.stringify(planOf(rollout)));
  });

  it('invalid values are refused and nothing changes', () => {
    const rollout = aRollout();
    const cases: [(s: PlanSpec) => void, RegExp][] = [
      [(s) => void (s.phases.pilot.nudges = 6), /whole number from 0 to 5/],
      [(s) => void (s.phases.pilot.nudges = 1.5), /whole number from 0 to 5/],
      [
        (s) => void (s.schedule = { quietHours: null, digestTime: '9:00' }),
        /digest time must be a time HH:mm/,
      ],
      [
        (s) =>
          void (s.schedule = {
            quietHours: { start: '25:00', end: '08:00', weekends: true },
            digestTime: null,
          }),
        /Quiet hours must start and end at a time HH:mm/,
      ],
      [
        (s) =>
          void (s.schedule = {
            quietHours: { start: '08:00', end: '08:00', weekends: true },
            digestTime: null,
          }),
        /same time/,
      ],
    ];
    for (const [mutate, message] of cases) {
      const decision = edit(rollout, mutate);
      expect(decision.ok).toBe(false);
      if (decision.ok) continue;
      expect(decision.error.code).toBe('invalid-plan');
      expect(decision.error.message).toMatch(message);
    }
    expect(rollout).not.toHaveProperty('schedule');
    expect(rollout.planRevision).toBe(aRollout().planRevision);
  });

  it('a passed phase or a passed wave cannot change them; the current and later ones can', () => {
    const inPilot = aRollout({ position: { phase: 'pilot', wave: null } });
    const passed = edit(inPilot, (s) => void (s.phases.scope.nudges = 0));
    expect(passed.ok ? null : passed.error.code).toBe('phase-passed');
    expect(edit(inPilot, (s) => void (s.phases.pilot.autoAdvance = true)).ok).toBe(true);
    // The rollout's own settings are not a stage's: they can change in any phase.
    expect(edit(inPilot, (s) => void (s.schedule = { quietHours: null, digestTime: null })).ok).toBe(true);

    const waves = withWaves(aRollout(), ['HR', 'Sales', 'IT']);
    const atSecond = { ...waves, position: { phase: 'enterprise' as const, wave: 1 } };
    const first = edit(atSecond, (s) => void (s.phases.enterprise.waves[0]!.gotItReminder = true));
    expect(first.ok ? null : first.error.code).toBe('phase-passed');
    expect(edit(atSecond, (s) => void (s.phases.enterprise.waves[1]!.gotItReminder = true)).ok).toBe(true);
  });

  it('a stored default said explicitly (nudges 2, false) reads as left out and changes nothing', () => {
    const rollout = aRollout({ position: { phase: 'pilot', wave: null } });
    rollout.phases[0] = { ...rollout.phases[0]!, nudges: 2, gotItReminder: false, autoAdvance: false };
    rollout.schedule = { quietHours: { ...DEFAULT_QUIET_HOURS }, digestTime: '09:00' };
    expect(planOf(rollout).phases.scope).not.toHaveProperty('nudges');
    expect(planOf(rollout)).not.toHaveProperty('schedule');
    expect(edit(rollout, (s) => void (s.phases.pilot.nudges = 1)).ok).toBe(true);
  });
});
