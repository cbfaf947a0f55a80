import fc from 'fast-check';
import { applyPlan, planOf, type PlanSpec } from '../../src/domain/plan';
import { PHASE_KEYS } from '../../src/domain/phases';
import type { Rollout } from '../../src/domain/rollout';
import {
  isLocalTime,
  MAX_NUDGES,
  rolloutScheduleOf,
  stageScheduleOf,
  type RolloutSchedule,
} from '../../src/domain/schedule-plan';
import { toPlanFile } from '../../src/plan/plan-file';
import { planFileSchema } from '../../src/plan/plan-file-schema';
import { formatPlanErrors, parsePlanYaml, stringifyPlan } from '../../src/plan/plan-yaml';
import { ADMIN, createdRollout, NOW } from './support';

const importInto = (rollout: Rollout, text: string): Rollout => {
  const result = parsePlanYaml(text);
  if (!result.ok) throw new Error(formatPlanErrors(result.errors));
  const decision = applyPlan(rollout, result.spec, { by: ADMIN, revision: null, section: 'plan' }, NOW);
  if (!decision.ok) throw new Error(decision.error.message);
  return decision.value;
};

/** The rollout's export with its `phases:` line replaced by `lines` before it (a top-level block). */
const withTopLevel = (rollout: Rollout, lines: string): string =>
  stringifyPlan(toPlanFile(rollout)).replace(/\nphases:\n/, `\n${lines}\n\nphases:\n`);

/** The export with `lines` added to the first stage mapping whose key line matches `stage`. */
const withStageLines = (text: string, stage: RegExp, lines: string[]): string =>
  text.replace(stage, (m) => `${m}${lines.map((l) => `\n${m.match(/^\n?( *)/)?.[1] ?? ''}  ${l}`).join('')}`);

describe('the schedule in a plan file', () => {
  it('file → rollout → export: quiet hours, digest time and every stage setting come back as written', () => {
    const rollout = createdRollout('enrollment');
    let text = withTopLevel(
      rollout,
      'schedule:\n  quietHours: { start: "20:30", end: "07:00", weekends: false }\n  digestTime: "08:15"',
    );
    text = withStageLines(text, /\n {2}pilot:/, ['nudges: 4', 'gotItReminder: true']);
    text = withStageLines(text, /\n {6}- id: it-users/, ['autoAdvance: true', 'nudges: 0']);
    const imported = importInto(rollout, text);
    expect(rolloutScheduleOf(imported)).toEqual({
      quietHours: { start: '20:30', end: '07:00', weekends: false },
      digestTime: '08:15',
    });
    const pilot = imported.phases.find((p) => p.key === 'pilot')!;
    expect(stageScheduleOf(pilot)).toEqual({ nudges: 4, gotItReminder: true, autoAdvance: false });
    expect(stageScheduleOf(pilot.waves.find((w) => w.id === 'it-users')!)).toEqual({
      nudges: 0,
      gotItReminder: false,
      autoAdvance: true,
    });

    const exported = toPlanFile(imported);
    expect(exported.schedule).toEqual({
      quietHours: { start: '20:30', end: '07:00', weekends: false },
      digestTime: '08:15',
    });
    expect(exported.phases.pilot).toMatchObject({ nudges: 4, gotItReminder: true });
    expect(exported.phases.pilot).not.toHaveProperty('autoAdvance');
    const yaml = stringifyPlan(exported);
    // After businessPurpose, before phases; times quoted (a YAML 1.1 reader would read 20:30 as a number).
    expect(yaml).toMatch(
      /\nbusinessPurpose: .*\nschedule:\n {2}quietHours:\n {4}start: "20:30"\n {4}end: "07:00"\n {4}weekends: false\n {2}digestTime: "08:15"\n\nphases:/,
    );
    // The export imports again to the same plan, and applying it changes nothing.
    const again = parsePlanYaml(yaml);
    if (!again.ok) throw new Error(formatPlanErrors(again.errors));
    expect(JSON.stringify(again.spec)).toBe(JSON.stringify(planOf(imported)));
    const reapplied = applyPlan(imported, again.spec, { by: ADMIN, revision: null, section: 'plan' }, NOW);
    expect(reapplied.ok && reapplied.events).toEqual([]);
    expect(planFileSchema.parse(exported)).toEqual(exported);
  });

  it('off: no quiet hours, no digest; exported as false, read back as off', () => {
    const rollout = createdRollout('app');
    const imported = importInto(
      rollout,
      withTopLevel(rollout, 'schedule:\n  quietHours: false\n  digestTime: null'),
    );
    expect(imported.schedule).toEqual({ quietHours: null, digestTime: null });
    const yaml = stringifyPlan(toPlanFile(imported));
    expect(yaml).toMatch(/\nschedule:\n {2}quietHours: false\n {2}digestTime: false\n/);
    expect(importInto(imported, yaml)).toBe(imported);
  });

  it('left out, or written as the defaults: the defaults, and the export leaves it out', () => {
    const rollout = createdRollout('app');
    const written = withTopLevel(
      rollout,
      'schedule:\n  quietHours: { start: "19:00", end: "08:00", weekends: true }\n  digestTime: "09:00"',
    );
    for (const text of [stringifyPlan(toPlanFile(rollout)), written, withTopLevel(rollout, 'schedule: {}')]) {
      const result = parsePlanYaml(text);
      if (!result.ok) throw new Error(formatPlanErrors(result.errors));
      expect(result.spec).not.toHaveProperty('schedule');
      expect(JSON.stringify(result.spec)).toBe(JSON.stringify(planOf(rollout)));
    }
    // Only what differs from the defaults need be written: the rest gets its default.
    const digestOnly = importInto(rollout, withTopLevel(rollout, 'schedule:\n  digestTime: "11:00"'));
    expect(digestOnly.schedule).toEqual({
      quietHours: { start: '19:00', end: '08:00', weekends: true },
      digestTime: '11:00',
    });
    const noWeekends = importInto(
      rollout,
      withTopLevel(rollout, 'schedule:\n  quietHours: { start: "21:00", end: "06:00" }'),
    );
    expect(noWeekends.schedule?.quietHours).toEqual({ start: '21:00', end: '06:00', weekends: true });
  });

  it('exports of rollouts stored before the schedule settings do not change (defaults said explicitly neither)', () => {
    for (const template of ['app', 'enrollment'] as const) {
      const rollout = createdRollout(template);
      const text = stringifyPlan(toPlanFile(rollout));
      expect(text).not.toMatch(/^ *-? *(schedule|quietHours|digestTime|nudges|gotItReminder|autoAdvance):/m);
      const stored = structuredClone(rollout);
      stored.schedule = { quietHours: { start: '19:00', end: '08:00', weekends: true }, digestTime: '09:00' };
      for (const p of stored.phases) {
        p.nudges = 2;
        p.gotItReminder = false;
        p.autoAdvance = false;
        for (const w of p.waves) w.nudges = 2;
      }
      expect(stringifyPlan(toPlanFile(stored))).toBe(text);
    }
  });

  it('an invalid file is refused with every error, its line and a clear message, and nothing changes', () => {
    const rollout = createdRollout('enrollment');
    let text = withTopLevel(
      rollout,
      'schedule:\n  quietHours: { start: "7pm", end: "08:00" }\n  digestTime: "25:00"',
    );
    text = withStageLines(text, /\n {2}poc:/, ['nudges: 9', 'autoAdvance: "yes"']);
    const result = parsePlanYaml(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'schedule.quietHours.start: must be a time HH:mm, e.g. 19:00 (got "7pm")',
      'schedule.digestTime: must be a time HH:mm, e.g. 09:00, or false (no digest) (got "25:00")',
      'phases.poc.nudges: must be a whole number from 0 to 5 (got 9)',
      'phases.poc.autoAdvance: must be true or false (got "yes")',
    ]);
    expect(result.errors.every((e) => e.line !== null)).toBe(true);
    expect(rollout).not.toHaveProperty('schedule');
    for (const key of PHASE_KEYS) expect(toPlanFile(rollout).phases[key]).not.toHaveProperty('nudges');
  });
});

describe('the schedule settings, for any values', () => {
  const time = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const schedule: fc.Arbitrary<RolloutSchedule> = fc.record({
    quietHours: fc.option(
      fc.record({ start: time, end: time, weekends: fc.boolean() }).filter((q) => q.start !== q.end),
    ),
    digestTime: fc.option(time),
  });
  const stage = fc.record(
    {
      nudges: fc.integer({ min: 0, max: MAX_NUDGES }),
      gotItReminder: fc.boolean(),
      autoAdvance: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const rollout = createdRollout('enrollment');

  it('valid settings survive rollout → export → YAML → import → rollout unchanged', () => {
    fc.assert(
      fc.property(schedule, stage, stage, (s, phase, wave) => {
        const spec: PlanSpec = structuredClone(planOf(rollout));
        spec.schedule = s;
        Object.assign(spec.phases.enterprise, phase);
        Object.assign(spec.phases.pilot.waves[0]!, wave);
        const decision = applyPlan(rollout, spec, { by: ADMIN, revision: null, section: 'plan' }, NOW);
        if (!decision.ok) throw new Error(decision.error.message);
        const stored = decision.value;
        expect(rolloutScheduleOf(stored)).toEqual(s);
        expect(stageScheduleOf(stored.phases[3]!)).toEqual(stageScheduleOf(phase));
        const result = parsePlanYaml(stringifyPlan(toPlanFile(stored)));
        if (!result.ok) throw new Error(formatPlanErrors(result.errors));
        expect(JSON.stringify(result.spec)).toBe(JSON.stringify(planOf(stored)));
        const again = applyPlan(stored, result.spec, { by: ADMIN, revision: null, section: 'plan' }, NOW);
        expect(again.ok && again.events).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('any text as a time: accepted exactly when it is HH:mm, else one clear error on its line', () => {
    const text = fc.oneof(
      time,
      fc.string({ maxLength: 8 }),
      fc.constantFrom('24:00', '9:00', '19:60', '19.00'),
    );
    fc.assert(
      fc.property(text, (value) => {
        const yaml = withTopLevel(rollout, `schedule:\n  digestTime: ${JSON.stringify(value)}`);
        const result = parsePlanYaml(yaml);
        expect(result.ok).toBe(isLocalTime(value));
        if (result.ok) {
          expect(result.spec.schedule?.digestTime ?? '09:00').toBe(value);
        } else {
          expect(result.errors).toEqual([
            {
              line: expect.any(Number),
              path: 'schedule.digestTime',
              message: expect.stringMatching(/^must be a time HH:mm, e\.g\. 09:00, or false \(no digest\)/),
            },
          ]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
