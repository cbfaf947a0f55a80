import { DEFAULT_FEEDBACK_GOALS, defaultFeedbackPlan } from '../../src/domain/feedback-goals';
import { planOf, type PlanSpec } from '../../src/domain/plan';
import { fieldForPath, slug, uniqueId, NOT_SET } from '../../src/teams/plan-form';
import {
  feedbackFrom,
  feedbackValues,
  signoffFrom,
  signoffValues,
  type SignoffField,
} from '../../src/teams/plan-form-feedback-signoff';
import { phaseFrom, phaseValues, waveFrom, waveValues } from '../../src/teams/plan-form-sections';
import { validatePlan } from '../../src/teams/plan-cards';
import { feedbackText, MAX_WAVES_WITH_FEEDBACK_GOALS, planCardData } from '../../src/teams/views/plan-view';
import { defaultReadinessPlan, type ReadinessPlan } from '../../src/domain/signoff';
import { applyPlan } from '../../src/domain/plan';
import { audienceValues } from '../../src/teams/plan-form-audience';
import { ADMIN, aRollout, NOW, withWaves } from '../domain/fixtures';

describe('plan forms', () => {
  const rollout = aRollout();
  const plan = planOf(rollout);
  /** Where a new enterprise wave goes (its sign-off default depends on it). */
  const enterprise = { key: 'enterprise' as const, waves: plan.phases.enterprise.waves };
  /** The enterprise phase of `spec`, where its waves are (their sign-off default depends on it). */
  const enterpriseOf = (spec: PlanSpec) => ({
    key: 'enterprise' as const,
    waves: spec.phases.enterprise.waves,
  });
  /** A phase's keys in the order `planOf` writes them, with its own sign-off (readiness). */
  const PHASE_KEYS_WITH_READINESS = [
    'timeFrame',
    'targetGroups',
    'checklist',
    'criteria',
    'feedback',
    'readiness',
    'communication',
    'waves',
  ];

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
      ...waveValues(null, enterprise),
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
    waveFrom(plan, 'enterprise', '', { ...waveValues(null, enterprise), name: 'X', users }, errors);
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
    [['phases', 'pilot', 'feedback'], 'feedbackEnabled'],
    [['phases', 'pilot', 'feedback', 'minAverageRating'], 'minAverageRating'],
    [['phases', 'enterprise', 'waves', 0, 'feedback', 'goals', 'maxOpenBlockers'], 'maxOpenBlockers'],
    [['phases', 'enterprise', 'waves', 0, 'feedback', 'minRating'], 'feedbackEnabled'],
    [['phases', 'pilot', 'readiness'], 'signoffEnabled'],
    [['phases', 'pilot', 'readiness', 'policy'], 'signoffPolicy'],
    [['phases', 'pilot', 'readiness', 'policy', 'n'], 'signoffQuorum'],
    [['phases', 'pilot', 'readiness', 'allowNotReady'], 'signoffAllowNotReady'],
    [['phases', 'enterprise', 'waves', 0, 'readiness', 'members', 3], 'signoffMembers'],
    [['phases', 'enterprise', 'waves', 0, 'readiness', 'deadline'], 'signoffDeadlineDate'],
    [['phases', 'poc', 'signoff', 'quorum'], 'signoffQuorum'],
    [['phases', 'poc', 'readiness', 'groups', 0], 'signoffGroups'],
    [['phases', 'poc', 'audience', 'groups', 1], 'audienceGroups'],
    [['phases', 'poc', 'audience', 'filters', 'countries', 0], 'audienceCountries'],
    [['phases', 'poc', 'audience', 'offices'], 'audienceOffices'],
    [['phases', 'enterprise', 'waves', 0, 'audience', 'filters', 'platforms', 0], 'audiencePlatforms'],
    [['phases', 'enterprise', 'waves', 0, 'audience', 'includeDisabled'], 'includeDisabled'],
    [['phases', 'enterprise', 'waves', 0, 'audience'], 'audienceGroups'],
    [['phases', 'poc', 'intent'], 'intent'],
  ])('maps the plan path %j to the field %s', (path, field) => {
    expect(fieldForPath(path)).toBe(field);
  });

  describe('feedback', () => {
    const on = (goals: Partial<Record<keyof typeof DEFAULT_FEEDBACK_GOALS, string>> = {}) => ({
      ...feedbackValues(defaultFeedbackPlan()),
      ...goals,
    });

    it('opens with the stage’s feedback: on with its goals, or off showing the default goals', () => {
      const pilot = phaseValues(rollout, 'pilot', plan.phases.pilot);
      expect(pilot).toMatchObject({
        feedbackEnabled: 'true',
        minResponses: '10',
        minResponsePercent: '30',
        minAverageRating: '3.5',
        minInstallSuccess: '90',
        maxOpenBlockers: '0',
      });
      expect(phaseValues(rollout, 'scope', plan.phases.scope)).toMatchObject({
        feedbackEnabled: 'false',
        minResponses: '10',
      });
      const partial = feedbackValues({ goals: { ...DEFAULT_FEEDBACK_GOALS, minResponses: null } });
      expect(partial.minResponses).toBe('');
      expect(waveValues(null, enterprise).feedbackEnabled).toBe('true');
    });

    it('the plan card says the responses goal needs the count and the share', () => {
      expect(feedbackText(defaultFeedbackPlan())).toBe(
        '≥10 responses and 30%, rating ≥3.5, install ≥90%, ≤0 open blockers',
      );
      expect(feedbackText({ goals: { ...DEFAULT_FEEDBACK_GOALS, minResponses: null } })).toMatch(
        /^≥30% responses, /,
      );
    });

    it('switched on, takes the goals typed; an empty goal is no such goal; decimals where allowed', () => {
      const errors = {};
      const feedback = feedbackFrom(
        on({
          minResponses: ' 25 ',
          minResponsePercent: '',
          minAverageRating: '4.25',
          minInstallSuccess: '99.5',
          maxOpenBlockers: '',
        }),
        errors,
      );
      expect(feedback).toEqual({
        goals: {
          minResponses: 25,
          minResponsePercent: null,
          minAverageRating: 4.25,
          minInstallSuccess: 99.5,
          maxOpenBlockers: null,
        },
      });
      expect(errors).toEqual({});
    });

    it('switched off, takes no feedback (the goals shown are not checked)', () => {
      const errors = {};
      expect(
        feedbackFrom({ ...on({ minAverageRating: 'lots' }), feedbackEnabled: 'false' }, errors),
      ).toBeNull();
      expect(feedbackFrom({ ...on(), feedbackEnabled: '' }, errors)).toBeNull();
      expect(errors).toEqual({});
    });

    it.each<[keyof typeof DEFAULT_FEEDBACK_GOALS, string, string]>([
      ['minResponses', '12.5', 'Must be a whole number from 0 to 100,000, or empty for no such goal.'],
      ['minResponses', '100001', 'Must be a whole number from 0 to 100,000, or empty for no such goal.'],
      ['minResponses', '-1', 'Must be a whole number from 0 to 100,000, or empty for no such goal.'],
      ['minResponsePercent', '100.5', 'Must be a number from 0 to 100, or empty for no such goal.'],
      ['minResponsePercent', '30%', 'Must be a number from 0 to 100, or empty for no such goal.'],
      ['minAverageRating', '0.5', 'Must be a number from 1 to 5, or empty for no such goal.'],
      ['minAverageRating', '5.1', 'Must be a number from 1 to 5, or empty for no such goal.'],
      ['minInstallSuccess', '101', 'Must be a number from 0 to 100, or empty for no such goal.'],
      ['minInstallSuccess', 'Infinity', 'Must be a number from 0 to 100, or empty for no such goal.'],
      ['maxOpenBlockers', '10001', 'Must be a whole number from 0 to 10,000, or empty for no such goal.'],
      ['maxOpenBlockers', '0.5', 'Must be a whole number from 0 to 10,000, or empty for no such goal.'],
      ['maxOpenBlockers', 'none', 'Must be a whole number from 0 to 10,000, or empty for no such goal.'],
    ])('refuses %s %j', (field, value, message) => {
      const errors: Record<string, string> = {};
      feedbackFrom(on({ [field]: value }), errors);
      expect(errors).toEqual({ [field]: message });
    });

    it('a phase form saves the phase’s feedback; the other phases keep theirs', () => {
      const errors = {};
      const off = phaseFrom(
        rollout,
        plan,
        'pilot',
        { ...phaseValues(rollout, 'pilot', plan.phases.pilot), feedbackEnabled: 'false' },
        errors,
      );
      expect(off.phases.pilot.feedback).toBeNull();
      const scope = phaseFrom(
        rollout,
        plan,
        'scope',
        {
          ...phaseValues(rollout, 'scope', plan.phases.scope),
          feedbackEnabled: 'true',
          maxOpenBlockers: '2',
        },
        errors,
      );
      expect(scope.phases.scope.feedback).toEqual({
        goals: { ...DEFAULT_FEEDBACK_GOALS, maxOpenBlockers: 2 },
      });
      expect(scope.phases.pilot.feedback).toEqual(plan.phases.pilot.feedback);
      expect(errors).toEqual({});
      // Key order as planOf writes it: the domain compares plans as JSON.
      expect(Object.keys(scope.phases.scope)).toEqual(Object.keys(plan.phases.scope));
    });

    it('a wave form: a new wave takes feedback with the default goals; a wave can be switched off', () => {
      const errors: Record<string, string> = {};
      const added = waveFrom(plan, 'enterprise', '', { ...waveValues(null, enterprise), name: 'HR' }, errors);
      expect(added.plan.phases.enterprise.waves[0]?.feedback).toEqual(defaultFeedbackPlan());
      const saved = added.plan.phases.enterprise.waves[0]!;
      const off = waveFrom(
        added.plan,
        'enterprise',
        'hr',
        { ...waveValues(saved, enterpriseOf(added.plan)), feedbackEnabled: 'false' },
        errors,
      );
      expect(off.plan.phases.enterprise.waves[0]?.feedback).toBeNull();
      // The values a wave's form opens with save the same plan.
      const same = waveFrom(added.plan, 'enterprise', 'hr', waveValues(saved, enterpriseOf(added.plan)), {});
      expect(JSON.stringify(same.plan)).toBe(JSON.stringify(added.plan));
      waveFrom(
        added.plan,
        'enterprise',
        'hr',
        { ...waveValues(saved, enterpriseOf(added.plan)), minAverageRating: '6' },
        errors,
      );
      expect(errors).toEqual({
        minAverageRating: 'Must be a number from 1 to 5, or empty for no such goal.',
      });
    });
  });

  describe('help-desk sign-off', () => {
    const quorum: ReadinessPlan = {
      policy: { kind: 'quorum', n: 2 },
      allowNotReady: true,
      members: ['cccccccc-0000-4000-8000-000000000003', 'dddddddd-0000-4000-8000-000000000004'],
      deadline: '2026-05-01T17:00',
    };
    const on = (values: Partial<Record<SignoffField, string>> = {}) => ({
      ...signoffValues(defaultReadinessPlan()),
      ...values,
    });

    it('opens with the stage’s sign-off: on with its settings, or off showing the defaults', () => {
      expect(phaseValues(rollout, 'pilot', plan.phases.pilot)).toMatchObject({
        signoffEnabled: 'true',
        signoffPolicy: 'everyone',
        signoffQuorum: '',
        signoffAllowNotReady: 'false',
        signoffMembers: '',
        signoffDeadlineDate: '',
        signoffDeadlineTime: '',
      });
      expect(phaseValues(rollout, 'scope', plan.phases.scope)).toMatchObject({
        signoffEnabled: 'false',
        signoffPolicy: 'everyone',
      });
      expect(signoffValues(quorum)).toEqual({
        signoffEnabled: 'true',
        signoffPolicy: 'quorum',
        signoffQuorum: '2',
        signoffAllowNotReady: 'true',
        signoffMembers: 'cccccccc-0000-4000-8000-000000000003\ndddddddd-0000-4000-8000-000000000004',
        signoffGroups: '',
        signoffDeadlineDate: '2026-05-01',
        signoffDeadlineTime: '17:00',
      });
    });

    it('a new wave opens with the default for its place: each enterprise wave and the pilot’s first stage', () => {
      expect(waveValues(null, enterprise).signoffEnabled).toBe('true');
      expect(waveValues(null, { key: 'pilot', waves: [] }).signoffEnabled).toBe('true');
      const enrollment = planOf(aRollout({}, 'enrollment'));
      expect(waveValues(null, { key: 'pilot', waves: enrollment.phases.pilot.waves }).signoffEnabled).toBe(
        'false',
      );
      expect(waveValues(null, { key: 'poc', waves: [] }).signoffEnabled).toBe('false');
    });

    it('switched on, takes the settings typed: members one per line (or by commas), in lower case', () => {
      const errors = {};
      const readiness = signoffFrom(
        on({
          signoffPolicy: 'quorum',
          signoffQuorum: ' 2 ',
          signoffAllowNotReady: 'true',
          signoffMembers:
            ' CCCCCCCC-0000-4000-8000-000000000003 \r\n\ndddddddd-0000-4000-8000-000000000004, ',
          signoffDeadlineDate: '2026-05-01',
          signoffDeadlineTime: '17:00',
        }),
        errors,
      );
      expect(readiness).toEqual(quorum);
      expect(errors).toEqual({});
    });

    it('the quorum and “not ready allowed” are read with policy quorum only', () => {
      const errors = {};
      expect(
        signoffFrom(
          on({ signoffPolicy: 'first', signoffQuorum: 'lots', signoffAllowNotReady: 'true' }),
          errors,
        ),
      ).toEqual({ ...defaultReadinessPlan(), policy: { kind: 'first' } });
      expect(errors).toEqual({});
    });

    it('switched off, needs none (the settings shown are not checked)', () => {
      const errors = {};
      expect(
        signoffFrom(
          { ...on({ signoffPolicy: 'sometimes', signoffDeadlineTime: '17:00' }), signoffEnabled: 'false' },
          errors,
        ),
      ).toBeNull();
      expect(signoffFrom({ ...on(), signoffEnabled: '' }, errors)).toBeNull();
      expect(errors).toEqual({});
    });

    it.each<[Partial<Record<SignoffField, string>>, Partial<Record<SignoffField, string>>]>([
      [{ signoffPolicy: 'majority' }, { signoffPolicy: 'Choose everyone, quorum, first.' }],
      [
        { signoffPolicy: 'quorum', signoffQuorum: '' },
        {
          signoffQuorum:
            'With policy quorum, say how many Ready answers are needed: a whole number from 1 to 200.',
        },
      ],
      [
        { signoffPolicy: 'quorum', signoffQuorum: '0' },
        {
          signoffQuorum:
            'With policy quorum, say how many Ready answers are needed: a whole number from 1 to 200.',
        },
      ],
      [
        { signoffPolicy: 'quorum', signoffQuorum: '2.5' },
        {
          signoffQuorum:
            'With policy quorum, say how many Ready answers are needed: a whole number from 1 to 200.',
        },
      ],
      [
        { signoffPolicy: 'quorum', signoffQuorum: '201' },
        {
          signoffQuorum:
            'With policy quorum, say how many Ready answers are needed: a whole number from 1 to 200.',
        },
      ],
      [{ signoffDeadlineDate: '2026-05-01' }, { signoffDeadlineTime: 'A deadline needs a time of day.' }],
      [{ signoffDeadlineTime: '17:00' }, { signoffDeadlineDate: 'A deadline time needs a date.' }],
    ])('refuses %j', (values, expected) => {
      const errors: Record<string, string> = {};
      signoffFrom(on(values), errors);
      expect(errors).toEqual(expected);
    });

    it('a phase form saves the phase’s sign-off; the other phases keep theirs', () => {
      const errors = {};
      const off = phaseFrom(
        rollout,
        plan,
        'pilot',
        { ...phaseValues(rollout, 'pilot', plan.phases.pilot), signoffEnabled: 'false' },
        errors,
      );
      expect(off.phases.pilot.readiness).toBeNull();
      const poc = phaseFrom(
        rollout,
        plan,
        'poc',
        { ...phaseValues(rollout, 'poc', plan.phases.poc), ...signoffValues(quorum) },
        errors,
      );
      expect(poc.phases.poc.readiness).toEqual(quorum);
      // The pilot keeps the default for its place: no setting of its own.
      expect(poc.phases.pilot).not.toHaveProperty('readiness');
      expect(errors).toEqual({});
      // Key order as planOf writes it: the domain compares plans as JSON.
      expect(Object.keys(poc.phases.poc)).toEqual(PHASE_KEYS_WITH_READINESS);
      expect(JSON.stringify(poc.phases.poc.readiness)).toBe(JSON.stringify(quorum));
    });

    it('an unchanged save keeps the default for the stage’s place (absent), not a copy of it', () => {
      // The pilot (needs it by default) and the proof of concept (needs none by default).
      for (const key of ['pilot', 'poc'] as const) {
        expect(plan.phases[key]).not.toHaveProperty('readiness');
        const saved = phaseFrom(rollout, plan, key, phaseValues(rollout, key, plan.phases[key]), {});
        expect(saved.phases[key]).not.toHaveProperty('readiness');
        // Another field changed: the sign-off still stays the default.
        const edited = phaseFrom(
          rollout,
          plan,
          key,
          { ...phaseValues(rollout, key, plan.phases[key]), targetGroups: 'Pilot users' },
          {},
        );
        expect(edited.phases[key]).not.toHaveProperty('readiness');
        expect(edited.phases[key].targetGroups).toEqual(['Pilot users']);
      }
      // Set back to what the place gives by default: the stage's own setting goes, the default is back.
      const pinned = phaseFrom(
        rollout,
        plan,
        'pilot',
        { ...phaseValues(rollout, 'pilot', plan.phases.pilot), ...signoffValues(quorum) },
        {},
      );
      const back = phaseFrom(
        rollout,
        pinned,
        'pilot',
        { ...phaseValues(rollout, 'pilot', pinned.phases.pilot), ...signoffValues(defaultReadinessPlan()) },
        {},
      );
      expect(back.phases.pilot).not.toHaveProperty('readiness');
      expect(JSON.stringify(back)).toBe(JSON.stringify(plan));
    });

    it('a changed save stores the setting: off where the place needs it, on where it does not', () => {
      const errors = {};
      const off = phaseFrom(
        rollout,
        plan,
        'pilot',
        { ...phaseValues(rollout, 'pilot', plan.phases.pilot), signoffEnabled: 'false' },
        errors,
      );
      expect(off.phases.pilot).toHaveProperty('readiness', null);
      // The proof of concept needs none by default: switched on with the default settings, it
      // needs them, explicitly.
      const on = phaseFrom(
        rollout,
        plan,
        'poc',
        { ...phaseValues(rollout, 'poc', plan.phases.poc), signoffEnabled: 'true' },
        errors,
      );
      expect(on.phases.poc.readiness).toEqual(defaultReadinessPlan());
      expect(errors).toEqual({});
      // And the form opens with it.
      expect(phaseValues(rollout, 'poc', on.phases.poc).signoffEnabled).toBe('true');
      expect(phaseValues(rollout, 'pilot', off.phases.pilot).signoffEnabled).toBe('false');
    });

    it('a wave form: a new enterprise wave needs the sign-off; its settings change; its values save the same plan', () => {
      const errors: Record<string, string> = {};
      const added = waveFrom(plan, 'enterprise', '', { ...waveValues(null, enterprise), name: 'HR' }, errors);
      // It needs it by default, as its place gives it: no setting of its own.
      const saved = added.plan.phases.enterprise.waves[0]!;
      expect(saved).not.toHaveProperty('readiness');
      expect(waveValues(saved, enterpriseOf(added.plan)).signoffEnabled).toBe('true');
      const changed = waveFrom(
        added.plan,
        'enterprise',
        'hr',
        { ...waveValues(saved, enterpriseOf(added.plan)), ...signoffValues(quorum) },
        errors,
      );
      expect(changed.plan.phases.enterprise.waves[0]?.readiness).toEqual(quorum);
      const same = waveFrom(added.plan, 'enterprise', 'hr', waveValues(saved, enterpriseOf(added.plan)), {});
      expect(JSON.stringify(same.plan)).toBe(JSON.stringify(added.plan));
      expect(errors).toEqual({});
      // Key order as planOf writes it: the domain compares plans as JSON.
      const rollout = withWaves(aRollout(), ['HR']);
      rollout.phases[3]!.waves[0]!.readiness = quorum;
      const planned = planOf(rollout).phases.enterprise.waves[0];
      expect(Object.keys(changed.plan.phases.enterprise.waves[0]!)).toEqual(Object.keys(planned!));
      expect(Object.keys(planned!)).toContain('readiness');
    });

    it('a wave form: an unchanged save keeps the default for its place, so it moves with the place', () => {
      // The enrollment pilot's stages: entering the pilot (its first stage) needs it by default.
      const enrollment = planOf(aRollout({}, 'enrollment'));
      const pilot = { key: 'pilot' as const, waves: enrollment.phases.pilot.waves };
      const [first, second] = enrollment.phases.pilot.waves;
      expect(waveValues(first!, pilot).signoffEnabled).toBe('true');
      expect(waveValues(second!, pilot).signoffEnabled).toBe('false');
      for (const wave of [first!, second!]) {
        const saved = waveFrom(enrollment, 'pilot', wave.id, waveValues(wave, pilot), {});
        expect(saved.plan.phases.pilot.waves.every((w) => !('readiness' in w))).toBe(true);
        expect(JSON.stringify(saved.plan)).toBe(JSON.stringify(enrollment));
      }
      // Changed: stored on the wave. The second stage switched on, the first switched off.
      const on = waveFrom(
        enrollment,
        'pilot',
        second!.id,
        { ...waveValues(second!, pilot), signoffEnabled: 'true' },
        {},
      );
      expect(on.plan.phases.pilot.waves[1]?.readiness).toEqual(defaultReadinessPlan());
      const off = waveFrom(
        enrollment,
        'pilot',
        first!.id,
        { ...waveValues(first!, pilot), signoffEnabled: 'false' },
        {},
      );
      expect(off.plan.phases.pilot.waves[0]).toHaveProperty('readiness', null);
      // A wave's form shows the default for where the wave is now: moved first, it needs it.
      const moved = { key: 'pilot' as const, waves: [second!, first!] };
      expect(waveValues(second!, moved).signoffEnabled).toBe('true');
      expect(waveValues(first!, moved).signoffEnabled).toBe('false');
    });

    it('the plan’s rules check what the form asks for, each error on its field', () => {
      const proposed = phaseFrom(
        rollout,
        plan,
        'poc',
        {
          ...phaseValues(rollout, 'poc', plan.phases.poc),
          ...signoffValues(quorum),
          signoffMembers: 'helpdesk@contoso.com',
          signoffDeadlineDate: '2026-02-30',
        },
        {},
      );
      const checked = validatePlan(proposed, (path) => path[1] === 'poc');
      expect(checked).toEqual({
        errors: {
          signoffMembers: 'must be an Entra object id (a GUID) (got "helpdesk@contoso.com")',
          signoffDeadlineDate:
            'must be a real date (years 2000–2100) and time of day (got "2026-02-30T17:00")',
        },
        formError: '',
      });
    });
  });

  describe('audience and intent', () => {
    const GROUP = 'dddddddd-0000-4000-8000-000000000004';
    const PERSON = 'cccccccc-0000-4000-8000-000000000003';
    const phase = (values: Record<string, string>, spec = plan) => {
      const errors: Record<string, string> = {};
      const next = phaseFrom(
        rollout,
        spec,
        'poc',
        { ...phaseValues(rollout, 'poc', spec.phases.poc), ...values },
        errors,
      );
      return { next, errors, checked: validatePlan(next, (path) => path[1] === 'poc') };
    };

    it('opens with no audience: empty lists, toggles off, intent required', () => {
      expect(phaseValues(rollout, 'poc', plan.phases.poc)).toMatchObject({
        audienceGroups: '',
        audienceDepartments: '',
        audienceCountries: '',
        audienceOffices: '',
        audiencePlatforms: '',
        includeGuests: 'false',
        includeDisabled: 'false',
        intent: 'required',
        signoffGroups: '',
      });
    });

    it('saves what is typed: groups one per line, names by line or comma, countries upper-cased; the plan rules pass', () => {
      const { next, errors, checked } = phase({
        audienceGroups: ` ${GROUP.toUpperCase()} \n`,
        audienceDepartments: 'HR, Sales EMEA\nR&D',
        audienceCountries: 'de, at',
        audienceOffices: 'Berlin HQ',
        audiencePlatforms: 'windows,macos',
        includeGuests: 'true',
        intent: 'available',
      });
      expect(errors).toEqual({});
      expect(checked).toEqual({ errors: {}, formError: '' });
      expect(next.phases.poc.audience).toEqual({
        groups: [GROUP],
        members: [],
        filters: {
          departments: ['HR', 'Sales EMEA', 'R&D'],
          countries: ['DE', 'AT'],
          offices: ['Berlin HQ'],
          platforms: ['windows', 'macos'],
        },
        includeGuests: true,
        includeDisabled: false,
      });
      expect(next.phases.poc.intent).toBe('available');
      // Keys in the order planOf writes them, and the saved plan opens with the values typed.
      const saved = applyPlan(rollout, next, { by: ADMIN, revision: null, section: 'test' }, NOW);
      if (!saved.ok) throw new Error(saved.error.message);
      expect(JSON.stringify(planOf(saved.value))).toBe(JSON.stringify(next));
      expect(phase({}, next).next).toEqual(next);
    });

    it('left empty (intent required) the stage has no audience or intent: an unchanged save changes nothing', () => {
      const { next } = phase({ intent: 'required' });
      expect(next.phases.poc).not.toHaveProperty('audience');
      expect(next.phases.poc).not.toHaveProperty('intent');
      expect(JSON.stringify(next)).toBe(JSON.stringify(plan));
    });

    it('listed audience members (not on the form) are kept', () => {
      const spec = structuredClone(plan);
      spec.phases.poc.audience = {
        ...phase({ audienceGroups: GROUP }).next.phases.poc.audience!,
        members: [PERSON],
      };
      expect(phase({ audienceGroups: '' }, spec).next.phases.poc.audience?.members).toEqual([PERSON]);
    });

    it('bad input comes back on its field, nothing saved', () => {
      const { errors, checked } = phase({
        audienceGroups: 'All staff',
        audienceCountries: 'Germany',
        audiencePlatforms: 'windows,web',
        intent: 'sometimes',
        signoffEnabled: 'true',
        signoffGroups: 'helpdesk',
      });
      expect(errors).toEqual({ intent: 'Choose required or available.' });
      expect(checked.errors).toEqual({
        audienceGroups: 'must be an Entra group id (a GUID) (got "all")',
        audienceCountries: 'must be a two-letter country code (ISO 3166 alpha-2, e.g. DE) (got "GERMANY")',
        audiencePlatforms: 'must be one of windows, macos, ios, android, linux (got "web")',
        signoffGroups: 'must be an Entra group id (a GUID) (got "helpdesk")',
      });
    });

    it('a wave form: its audience beside its group id and members, which keep their meaning', () => {
      const errors: Record<string, string> = {};
      const { plan: next, waveId } = waveFrom(
        plan,
        'enterprise',
        '',
        {
          ...waveValues(null, enterprise),
          name: 'Germany',
          groupId: GROUP,
          members: PERSON,
          platforms: 'windows',
          audienceCountries: 'DE',
          audiencePlatforms: 'ios',
          includeDisabled: 'true',
        },
        errors,
      );
      expect(errors).toEqual({});
      const wave = next.phases.enterprise.waves.find((w) => w.id === waveId);
      expect(wave).toMatchObject({ groupId: GROUP, members: [PERSON], platforms: ['windows'] });
      expect(wave?.audience).toMatchObject({
        groups: [],
        filters: { countries: ['DE'], platforms: ['ios'] },
        includeDisabled: true,
      });
      expect(wave).not.toHaveProperty('intent');
      expect(waveValues(wave ?? null, enterpriseOf(next))).toMatchObject(
        audienceValues(wave?.audience, wave?.intent),
      );
      expect(validatePlan(next, () => true)).toEqual({ errors: {}, formError: '' });
    });

    it('sign-off groups: one per line, in lower case; none, no groups key', () => {
      const errors = {};
      const on = { ...signoffValues(defaultReadinessPlan()), signoffGroups: `${GROUP.toUpperCase()}\n` };
      expect(signoffFrom(on, errors)).toEqual({ ...defaultReadinessPlan(), groups: [GROUP] });
      expect(signoffFrom({ ...on, signoffGroups: ' ' }, errors)).toEqual(defaultReadinessPlan());
      expect(signoffValues({ ...defaultReadinessPlan(), groups: [GROUP] }).signoffGroups).toBe(GROUP);
      expect(errors).toEqual({});
    });
  });

  it('slugs and unique ids', () => {
    expect(slug('  Ünïcode & Co. — Wave #1 ')).toBe('unicode-co-wave-1');
    expect(slug('!!!')).toBe('item');
    expect(uniqueId('a', new Set(['a', 'a-2']))).toBe('a-3');
  });
});

describe('the plan card’s sign-off to enter', () => {
  it('says “(default)” where a stage has no setting of its own, and shows it where it moves', () => {
    const rollout = withWaves(aRollout(), ['HR', 'Sales']);
    rollout.phases[3]!.waves[1]!.readiness = null;
    rollout.phases[1]!.readiness = { ...defaultReadinessPlan(), policy: { kind: 'first' } };
    const data = planCardData(rollout);
    expect(data.phases.map((p) => [p.phase, p.signoff])).toEqual([
      ['scope', 'none (default)'],
      ['poc', 'first answer'],
      ['pilot', 'everyone (default)'],
      ['enterprise', 'as its first wave: everyone (default)'],
      ['operations', 'none (default)'],
    ]);
    expect(data.phases[3]?.waves.map((w) => w.signoff)).toEqual(['everyone (default)', 'none']);
  });

  it('with many waves, names a wave’s sign-off only when it is not the default for its place', () => {
    const rollout = withWaves(
      aRollout(),
      Array.from({ length: MAX_WAVES_WITH_FEEDBACK_GOALS + 1 }, (_, i) => `W${i}`),
    );
    rollout.phases[3]!.waves[1]!.readiness = null;
    rollout.phases[3]!.waves[2]!.readiness = defaultReadinessPlan();
    const waves = planCardData(rollout).phases[3]?.waves.map((w) => w.signoff);
    expect(waves?.slice(0, 4)).toEqual(['', 'none', '', '']);
  });
});
