import { planOf } from '../../src/domain/plan';
import {
  fieldForPath,
  phaseFrom,
  phaseValues,
  slug,
  uniqueId,
  waveFrom,
  waveValues,
  NOT_SET,
} from '../../src/teams/plan-form';
import { aRollout } from '../domain/fixtures';

describe('plan forms', () => {
  const rollout = aRollout();
  const plan = planOf(rollout);

  it('a phase form round-trips: the values it opens with save the same plan', () => {
    const values = phaseValues(rollout, 'pilot', plan.phases.pilot);
    const errors = {};
    expect(phaseFrom(rollout, plan, 'pilot', values, errors)).toEqual(plan);
    expect(errors).toEqual({});
  });

  it('combines dates and times, and refuses a time without a date', () => {
    const values = {
      ...phaseValues(rollout, 'pilot', plan.phases.pilot),
      startDate: '2026-05-01',
      startTime: '09:30',
      endTime: '17:00',
    };
    const errors: Record<string, string> = {};
    const next = phaseFrom(rollout, plan, 'pilot', values, errors);
    expect(next.phases.pilot.timeFrame).toEqual({ start: '2026-05-01T09:30', end: null });
    expect(errors).toEqual({ endDate: 'An end time needs an end date.' });
  });

  it('goals and extra checklist items keep their ids when their text stays', () => {
    const first = phaseFrom(
      rollout,
      plan,
      'pilot',
      {
        ...phaseValues(rollout, 'pilot', plan.phases.pilot),
        goals: 'Adoption 80%',
        extraItems: 'Security review',
      },
      {},
    );
    const ids = (p: typeof first) => [
      p.phases.pilot.criteria.map((c) => c.id),
      p.phases.pilot.checklist.map((i) => i.id),
    ];
    expect(ids(first)).toEqual([
      ['checklist', 'goal-adoption-80'],
      ['pilot-group', 'no-vip', 'willing', 'helpdesk-ready', 'comms-pilot-active', 'custom-security-review'],
    ]);
    const again = phaseFrom(
      rollout,
      first,
      'pilot',
      { ...phaseValues(rollout, 'pilot', first.phases.pilot), goals: 'adoption 80%\nNew goal' },
      {},
    );
    expect(again.phases.pilot.criteria.map((c) => c.id)).toEqual([
      'checklist',
      'goal-adoption-80',
      'goal-new-goal',
    ]);
  });

  it('a new wave gets a unique id from its name, defaults, and goes last', () => {
    const values = {
      ...waveValues(null),
      name: 'Sales EMEA',
      kind: 'geography',
      users: '40',
      willingness: NOT_SET,
    };
    const errors = {};
    const first = waveFrom(plan, 'enterprise', '', values, errors);
    const second = waveFrom(first.plan, 'enterprise', '', values, errors);
    expect([first.waveId, second.waveId]).toEqual(['sales-emea', 'sales-emea-2']);
    expect(second.plan.phases.enterprise.waves[0]).toMatchObject({
      name: 'Sales EMEA',
      users: 40,
      willingness: null,
      enrollment: null,
    });
    expect(second.plan.phases.enterprise.waves[0]?.checklist.map((i) => i.id)).toEqual([
      'wave-helpdesk',
      'wave-comms',
      'wave-assigned',
    ]);
  });

  it.each([
    ['12.5', 'Must be a whole number, 0 or more.'],
    ['-1', 'Must be a whole number, 0 or more.'],
    ['lots', 'Must be a whole number, 0 or more.'],
  ])('refuses %j users', (users, message) => {
    const errors: Record<string, string> = {};
    waveFrom(plan, 'enterprise', '', { ...waveValues(null), name: 'X', users }, errors);
    expect(errors.users).toBe(message);
  });

  it.each<[(string | number)[], string | null]>([
    [['name'], 'name'],
    [['app', 'platforms', 0], 'platforms'],
    [['phases', 'pilot', 'timeFrame', 'start'], 'startDate'],
    [['phases', 'pilot', 'timeFrame'], 'endDate'],
    [['phases', 'pilot', 'communication', 'selfHelpUrl'], 'selfHelpUrl'],
    [['phases', 'pilot', 'criteria', 1, 'goal'], 'goals'],
    [['phases', 'enterprise', 'waves', 2, 'members', 3], 'members'],
    [['phases', 'enterprise', 'waves', 2, 'timeFrame', 'end'], 'endDate'],
  ])('maps the plan path %j to the field %s', (path, field) => {
    expect(fieldForPath(path)).toBe(field);
  });

  it('slugs and unique ids', () => {
    expect(slug('  Ünïcode & Co. — Wave #1 ')).toBe('unicode-co-wave-1');
    expect(slug('!!!')).toBe('item');
    expect(uniqueId('a', new Set(['a', 'a-2']))).toBe('a-3');
  });
});
