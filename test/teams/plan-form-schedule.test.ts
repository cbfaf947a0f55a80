import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPlan, planOf, type PlanSpec } from '../../src/domain/plan';
import type { Rollout } from '../../src/domain/rollout';
import { rolloutScheduleOf } from '../../src/domain/schedule-plan';
import { validatePlan } from '../../src/teams/plan-cards';
import { fieldForPath } from '../../src/teams/plan-form';
import { stageScheduleFrom } from '../../src/teams/plan-form-schedule';
import {
  phaseFrom,
  phaseValues,
  settingsFrom,
  settingsValues,
  waveFrom,
  waveValues,
} from '../../src/teams/plan-form-sections';
import { PHASE_FIELDS, SETTINGS_FIELDS, WAVE_FIELDS } from '../../src/teams/views/plan-form-fields';
import { settingsFormData } from '../../src/teams/views/plan-form-view';
import {
  MAX_WAVES_WITH_FEEDBACK_GOALS,
  planCard,
  planCardData,
  scheduleText,
} from '../../src/teams/views/plan-view';
import { ADMIN, aRollout, NOW, withWaves } from '../domain/fixtures';

const save = (rollout: Rollout, next: PlanSpec): Rollout => {
  const decision = applyPlan(
    rollout,
    next,
    { by: ADMIN, revision: rollout.planRevision, section: 'test' },
    NOW,
  );
  if (!decision.ok) throw new Error(decision.error.message);
  return decision.value;
};

/** The settings form submitted with `values` changed: the plan it asks for and the file rules' errors. */
const settings = (rollout: Rollout, values: Record<string, string>) => {
  const next = settingsFrom(planOf(rollout), { ...settingsValues(rollout), ...values });
  return { next, checked: validatePlan(next, (path) => path[0] !== 'phases') };
};

describe('the schedule on the settings form', () => {
  const rollout = { ...withWaves(aRollout(), ['HR', 'Sales']), timeZone: 'Europe/Berlin' };

  it('has the fields, after the business purpose', () => {
    expect(SETTINGS_FIELDS.slice(SETTINGS_FIELDS.indexOf('businessPurpose') + 1)).toEqual([
      'quietHoursEnabled',
      'quietStart',
      'quietEnd',
      'quietWeekends',
      'digestEnabled',
      'digestTime',
    ]);
  });

  it('a rollout stored before the settings opens with the defaults; an unchanged save changes nothing', () => {
    expect(settingsValues(rollout)).toMatchObject({
      quietHoursEnabled: 'true',
      quietStart: '19:00',
      quietEnd: '08:00',
      quietWeekends: 'true',
      digestEnabled: 'true',
      digestTime: '09:00',
    });
    expect(settingsFormData(rollout).errors.quietStart).toBe('');
    const { next, checked } = settings(rollout, {});
    expect(checked).toEqual({ errors: {}, formError: '' });
    expect(JSON.stringify(next)).toBe(JSON.stringify(planOf(rollout)));
  });

  it('an admin changes quiet hours and the digest; saved, the form opens with them again', () => {
    const { next, checked } = settings(rollout, {
      quietStart: '20:30',
      quietEnd: '07:00:00', // Input.Time with seconds, on some clients
      quietWeekends: 'false',
      digestTime: '10:15',
    });
    expect(checked).toEqual({ errors: {}, formError: '' });
    const saved = save(rollout, next);
    expect(rolloutScheduleOf(saved)).toEqual({
      quietHours: { start: '20:30', end: '07:00', weekends: false },
      digestTime: '10:15',
    });
    expect(JSON.stringify(planOf(saved))).toBe(JSON.stringify(next));
    expect(settingsValues(saved)).toMatchObject({
      quietStart: '20:30',
      quietWeekends: 'false',
      digestTime: '10:15',
    });

    const off = settings(saved, { quietHoursEnabled: 'false', digestEnabled: 'false' });
    expect(off.checked.errors).toEqual({});
    const none = save(saved, off.next);
    expect(none.schedule).toEqual({ quietHours: null, digestTime: null });
    // Off, the times open at the defaults, ready to be switched on again.
    expect(settingsValues(none)).toMatchObject({
      quietHoursEnabled: 'false',
      quietStart: '19:00',
      digestEnabled: 'false',
      digestTime: '09:00',
    });
    // Back to the defaults: the key goes.
    const back = save(none, settings(none, { quietHoursEnabled: 'true', digestEnabled: 'true' }).next);
    expect(back).not.toHaveProperty('schedule');
  });

  it('a form made before the fields (no toggle sent) keeps the rollout’s schedule', () => {
    const set = save(rollout, settings(rollout, { digestEnabled: 'false' }).next);
    const old = settings(set, { quietHoursEnabled: '', digestEnabled: '', name: 'Renamed' });
    expect(old.next.schedule).toEqual(set.schedule);
  });

  it('invalid times come back on their fields with the file’s messages; nothing is saved', () => {
    const bad = settings(rollout, { quietStart: '7pm', digestTime: '25:00' });
    expect(bad.checked.errors).toEqual({
      quietStart: 'must be a time HH:mm, e.g. 19:00 (got "7pm")',
      digestTime: 'must be a time HH:mm, e.g. 09:00, or false (no digest) (got "25:00")',
    });
    const same = settings(rollout, { quietStart: '08:00', quietEnd: '08:00' });
    expect(same.checked.errors).toEqual({
      quietEnd: expect.stringMatching(/^must not be the same as the start \(08:00\)/),
    });
    // A plan that the form's check refused is refused by applyPlan too: nothing changes.
    const refused = applyPlan(
      rollout,
      same.next,
      { by: ADMIN, revision: rollout.planRevision, section: 'settings' },
      NOW,
    );
    expect(refused.ok ? null : refused.error.code).toBe('invalid-plan');
    expect(rollout).not.toHaveProperty('schedule');
    expect(fieldForPath(['schedule', 'quietHours', 'weekends'])).toBe('quietWeekends');
    expect(fieldForPath(['schedule', 'quietHours'])).toBe('quietStart');
  });

  it('the settings card has the inputs and their error lines', () => {
    const card = readFileSync(join(__dirname, '..', '..', 'cards', 'plan-settings-form.json'), 'utf8');
    for (const id of ['quietHoursEnabled', 'quietWeekends', 'digestEnabled']) {
      expect(card).toContain(`"id": "f_${id}"`);
    }
    for (const id of ['quietStart', 'quietEnd', 'digestTime']) {
      expect(card).toMatch(new RegExp(`"type": "Input.Time",\\s+"id": "f_${id}"`));
      expect(card).toContain(`\${errors.${id} != ''}`);
    }
  });
});

describe('nudges, Got it reminder and auto-advance on the phase and wave forms', () => {
  const rollout = withWaves(aRollout(), ['HR', 'Sales']);
  const plan = planOf(rollout);
  const enterprise = { key: 'enterprise' as const, waves: plan.phases.enterprise.waves };
  const phase = (values: Record<string, string>, r: Rollout = rollout) => {
    const errors: Record<string, string> = {};
    const spec = planOf(r);
    const next = phaseFrom(
      r,
      spec,
      'pilot',
      { ...phaseValues(r, 'pilot', spec.phases.pilot), ...values },
      errors,
    );
    return {
      next,
      errors,
      checked: validatePlan(next, (path) => path[1] === 'pilot' && path[2] !== 'waves'),
    };
  };

  it('are fields of both forms, after the announcement', () => {
    for (const fields of [PHASE_FIELDS, WAVE_FIELDS] as readonly (readonly string[])[]) {
      const at = fields.indexOf('announce');
      expect(fields.slice(at + 1, at + 4)).toEqual(['nudges', 'gotItReminder', 'autoAdvance']);
    }
  });

  it('open with the defaults; an unchanged save changes nothing', () => {
    expect(phaseValues(rollout, 'pilot', plan.phases.pilot)).toMatchObject({
      nudges: '2',
      gotItReminder: 'false',
      autoAdvance: 'false',
    });
    expect(waveValues(null, enterprise)).toMatchObject({ nudges: '2', autoAdvance: 'false' });
    expect(JSON.stringify(phase({}).next)).toBe(JSON.stringify(plan));
    expect(JSON.stringify(phase({ nudges: '' }).next)).toBe(JSON.stringify(plan));
  });

  it('a phase form sets them; saved, the form opens with them again; back to the defaults removes them', () => {
    const { next, errors, checked } = phase({ nudges: '4', gotItReminder: 'true', autoAdvance: 'true' });
    expect(errors).toEqual({});
    expect(checked).toEqual({ errors: {}, formError: '' });
    const saved = save(rollout, next);
    expect(saved.phases[2]).toMatchObject({ nudges: 4, gotItReminder: true, autoAdvance: true });
    expect(phaseValues(saved, 'pilot', planOf(saved).phases.pilot)).toMatchObject({
      nudges: '4',
      gotItReminder: 'true',
      autoAdvance: 'true',
    });
    const back = phase({ nudges: '2', gotItReminder: 'false', autoAdvance: 'false' }, saved);
    expect(JSON.stringify(back.next)).toBe(JSON.stringify(plan));
  });

  it('a wave form sets them, for an existing and a new wave', () => {
    const errors: Record<string, string> = {};
    const { plan: next } = waveFrom(
      plan,
      'enterprise',
      'w2',
      { ...waveValues(plan.phases.enterprise.waves[1]!, enterprise), nudges: '0', autoAdvance: 'true' },
      errors,
    );
    expect(errors).toEqual({});
    expect(next.phases.enterprise.waves[1]).toMatchObject({ nudges: 0, autoAdvance: true });
    expect(next.phases.enterprise.waves[0]).not.toHaveProperty('nudges');
    const added = waveFrom(
      plan,
      'enterprise',
      '',
      { ...waveValues(null, enterprise), name: 'IT', gotItReminder: 'true' },
      errors,
    );
    expect(added.plan.phases.enterprise.waves[2]).toMatchObject({ id: 'it', gotItReminder: true });
    const saved = save(rollout, next);
    expect(saved.phases[3]?.waves[1]).toMatchObject({ nudges: 0, autoAdvance: true });
  });

  it('nudges out of range come back with the file’s message, not a number with the form’s; nothing saved', () => {
    expect(phase({ nudges: '9' }).checked.errors).toEqual({
      nudges: 'must be a whole number from 0 to 5 (got 9)',
    });
    expect(phase({ nudges: '1.5' }).checked.errors).toEqual({
      nudges: 'must be a whole number from 0 to 5 (got 1.5)',
    });
    const notNumber = phase({ nudges: 'a few' });
    expect(notNumber.errors).toEqual({ nudges: 'Must be a whole number from 0 to 5.' });
    expect(fieldForPath(['phases', 'enterprise', 'waves', 0, 'nudges'])).toBe('nudges');
    expect(fieldForPath(['phases', 'pilot', 'autoAdvance'])).toBe('autoAdvance');
    expect(stageScheduleFrom({}, {})).toEqual({});
  });

  it('each stage card has the inputs and their error lines', () => {
    for (const name of ['plan-phase-form', 'plan-wave-form']) {
      const card = readFileSync(join(__dirname, '..', '..', 'cards', `${name}.json`), 'utf8');
      expect(card).toMatch(/"type": "Input.Number",\s+"id": "f_nudges"/);
      expect(card).toMatch(/"type": "Input.Toggle",\s+"id": "f_gotItReminder"/);
      expect(card).toMatch(/"type": "Input.Toggle",\s+"id": "f_autoAdvance"/);
      for (const f of ['nudges', 'gotItReminder', 'autoAdvance'])
        expect(card).toContain(`\${errors.${f} != ''}`);
    }
  });
});

describe('the plan card shows them briefly', () => {
  it('the rollout’s quiet hours and digest time, in its time zone', () => {
    const rollout = { ...aRollout(), timeZone: 'Europe/Berlin' };
    expect(planCardData(rollout).schedule).toBe(
      'Quiet hours 19:00–08:00 and weekends · digest 09:00 (Europe/Berlin)',
    );
    expect(
      scheduleText(
        { quietHours: { start: '22:00', end: '06:00', weekends: false }, digestTime: null },
        'UTC',
      ),
    ).toBe('Quiet hours 22:00–06:00 · no digest (UTC)');
    expect(scheduleText({ quietHours: null, digestTime: '07:30' }, 'America/New_York')).toBe(
      'No quiet hours · digest 07:30 (America/New_York)',
    );
    const rendered = JSON.stringify(planCard.render(planCardData(rollout)).content);
    expect(rendered).toContain('Quiet hours 19:00–08:00 and weekends · digest 09:00 (Europe/Berlin)');
  });

  it('per stage as applicable: nudges where it takes feedback, the reminder, auto-advance; a wave only when not the default', () => {
    const base = withWaves(aRollout(), ['HR', 'Sales']);
    const rollout: Rollout = {
      ...base,
      phases: base.phases.map((p) =>
        p.key === 'pilot'
          ? { ...p, gotItReminder: true, autoAdvance: true }
          : p.key === 'poc'
            ? { ...p, autoAdvance: true }
            : p.key === 'enterprise'
              ? { ...p, waves: p.waves.map((w, i) => (i === 1 ? { ...w, nudges: 1 } : w)) }
              : p,
      ),
    };
    const card = planCardData(rollout);
    const byKey = Object.fromEntries(card.phases.map((p) => [p.phase, p.scheduler]));
    expect(byKey.pilot).toBe('2 feedback nudges · Got it reminder · advances by itself when its gate passes');
    // The proof of concept takes no feedback by default: no nudges to speak of.
    expect(byKey.poc).toBe('advances by itself when its gate passes');
    expect(byKey.scope).toBe('—');
    expect(card.phases[3]?.waves.map((w) => w.scheduler)).toEqual(['', '1 feedback nudge']);
    const rendered = JSON.stringify(planCard.render(card).content);
    expect(rendered).toContain(
      '2 feedback nudges · Got it reminder · advances by itself when its gate passes',
    );
    expect(rendered).toContain(' · 1 feedback nudge');
  });

  it('on a card with many waves, waves leave it out and phases say it only when not the default', () => {
    const many = withWaves(
      aRollout(),
      Array.from({ length: MAX_WAVES_WITH_FEEDBACK_GOALS + 1 }, (_, i) => `Wave ${i}`),
    );
    const rollout: Rollout = {
      ...many,
      phases: many.phases.map((p) => ({
        ...p,
        ...(p.key === 'operations' ? { nudges: 0 } : {}),
        waves: p.waves.map((w) => ({ ...w, autoAdvance: true })),
      })),
    };
    const card = planCardData(rollout);
    expect(card.phases[3]!.waves.every((w) => w.scheduler === '')).toBe(true);
    expect(card.phases.map((p) => p.scheduler)).toEqual(['', '', '', '', '']);
    const operations = planCardData({
      ...rollout,
      phases: rollout.phases.map((p) => (p.key === 'pilot' ? { ...p, gotItReminder: true } : p)),
    }).phases[2]!;
    expect(operations.scheduler).toBe('2 feedback nudges · Got it reminder');
  });
});
