import {
  DEFAULT_FEEDBACK_GOALS,
  defaultFeedbackPlan,
  type FeedbackPlan,
} from '../../src/domain/feedback-goals';
import { applyPlan, planOf, waveState, type PlanSpec } from '../../src/domain/plan';
import { markCriterion } from '../../src/domain/manual-criteria';
import { evaluateExitCriteria, NO_MEASUREMENTS } from '../../src/domain/criteria';
import { suggestWaveOrder } from '../../src/domain/wave-order';
import { newWave } from '../../src/domain/templates';
import { defaultReadinessPlan, readinessPlanOf, type ReadinessPlan } from '../../src/domain/signoff';
import { waveSpecOf } from '../../src/domain/plan';
import { TEMPLATES, type Position, type Rollout } from '../../src/domain/rollout';
import { emptyAudience, type AudienceSpec } from '../../src/domain/audience';
import { ADMIN, aRollout, NOW, withWaves } from './fixtures';

const change = (revision: number | null = 1) => ({ by: ADMIN, revision, section: 'test' });
const edit = (rollout: Rollout, mutate: (spec: PlanSpec) => void) => {
  const spec = structuredClone(planOf(rollout));
  mutate(spec);
  return applyPlan(rollout, spec, change(rollout.planRevision), NOW);
};

describe('templates', () => {
  it('the enrollment template pilots in stages starting with IT users and rolls out to production', () => {
    const rollout = aRollout({}, 'enrollment');
    const pilot = rollout.phases.find((p) => p.key === 'pilot');
    expect(pilot?.waves.map((w) => [w.id, w.kind])).toEqual([
      ['it-users', 'it'],
      ['more-it-users', 'it'],
      ['other-groups', 'custom'],
    ]);
    expect(rollout.phases.map((p) => p.title)).toEqual([
      'Project scope',
      'Proof of concept',
      'Pilot',
      'Production rollout',
      'Operations and maintenance',
    ]);
    expect(rollout.phases[0]?.checklist.map((i) => i.id)).toContain('groups-agreed');
    expect(rollout.phases[3]?.checklist.map((i) => i.id)).toContain('approach-per-group');
  });

  it('the app template has no waves until an admin adds them', () => {
    expect(aRollout().phases.every((p) => p.waves.length === 0)).toBe(true);
  });

  it('the pilot and every wave take feedback with the default goals; other phases none', () => {
    const rollout = aRollout({}, 'enrollment');
    expect(rollout.phases.map((p) => [p.key, p.feedback])).toEqual([
      ['scope', null],
      ['poc', null],
      ['pilot', defaultFeedbackPlan()],
      ['enterprise', null],
      ['operations', null],
    ]);
    expect(rollout.phases[2]?.waves.map((w) => w.feedback)).toEqual([
      defaultFeedbackPlan(),
      defaultFeedbackPlan(),
      defaultFeedbackPlan(),
    ]);
    expect(newWave({ id: 'x', name: 'X', kind: 'it' }).feedback).toEqual(defaultFeedbackPlan());
  });

  it('entering the pilot (its first stage) and the enterprise rollout needs the help desk’s sign-off', () => {
    const needs = (rollout: Rollout, stageId: string) => readinessPlanOf(rollout, stageId);
    const app = aRollout();
    expect(app.phases.map((p) => [p.key, needs(app, p.key)])).toEqual([
      ['scope', null],
      ['poc', null],
      ['pilot', defaultReadinessPlan()],
      ['enterprise', defaultReadinessPlan()],
      ['operations', null],
    ]);
    const enrollment = aRollout({}, 'enrollment');
    expect(needs(enrollment, 'pilot')).toBeNull();
    expect(enrollment.phases[2]?.waves.map((w) => needs(enrollment, `pilot/${w.id}`))).toEqual([
      defaultReadinessPlan(),
      null,
      null,
    ]);
    expect(needs(enrollment, 'enterprise')).toEqual(defaultReadinessPlan());
    // A new wave leaves it out: its default depends on its phase and place.
    expect(newWave({ id: 'x', name: 'X', kind: 'it' })).not.toHaveProperty('readiness');
  });

  it.each(TEMPLATES)(
    'a rollout from the %s template has no readiness setting of its own anywhere: the defaults apply',
    (template) => {
      const rollout = aRollout({}, template);
      for (const phase of rollout.phases) {
        expect(phase).not.toHaveProperty('readiness');
        for (const wave of phase.waves) expect(wave).not.toHaveProperty('readiness');
      }
      const spec = planOf(rollout);
      for (const phase of Object.values(spec.phases)) {
        expect(phase).not.toHaveProperty('readiness');
        for (const wave of phase.waves) expect(wave).not.toHaveProperty('readiness');
      }
    },
  );
});

describe('feedback in the plan', () => {
  const custom: FeedbackPlan = {
    goals: {
      minResponses: 25,
      minResponsePercent: null,
      minAverageRating: 4.25,
      minInstallSuccess: 95,
      maxOpenBlockers: null,
    },
  };

  it('planOf gives each stage its feedback; applyPlan stores what the plan says and planOf reads it back', () => {
    const rollout = withWaves(aRollout(), ['HR']);
    const spec = planOf(rollout);
    expect(spec.phases.pilot.feedback).toEqual(defaultFeedbackPlan());
    expect(spec.phases.scope.feedback).toBeNull();
    expect(spec.phases.enterprise.waves[0]?.feedback).toEqual(defaultFeedbackPlan());

    const decision = edit(rollout, (s) => {
      s.phases.scope.feedback = custom;
      s.phases.enterprise.waves[0]!.feedback = null;
    });
    if (!decision.ok) throw new Error(decision.error.message);
    const next = decision.value;
    expect(next.phases[0]?.feedback).toEqual(custom);
    expect(next.phases[3]?.waves[0]?.feedback).toBeNull();
    expect(planOf(next).phases.scope.feedback).toEqual(custom);
    expect(planOf(next).phases.enterprise.waves[0]?.feedback).toBeNull();
    // A plan change like any other: a new revision, audited with the plan before and after.
    expect(next.planRevision).toBe(2);
    const { before, after } = decision.events[0] as { before: string; after: string };
    expect(JSON.parse(before).phases.scope.feedback).toBeNull();
    expect(JSON.parse(after).phases.scope.feedback).toEqual(custom);
    // The stored plan is a copy: changing the spec afterwards does not change the rollout.
    const again = edit(next, (s) => void (s.phases.scope.feedback!.goals.minResponses = 1));
    expect(again.ok && again.value.phases[0]?.feedback?.goals.minResponses).toBe(1);
    expect(next.phases[0]?.feedback?.goals.minResponses).toBe(25);
  });

  it('an explicit null is kept: the stage takes no feedback, not the default', () => {
    const decision = edit(aRollout(), (s) => void (s.phases.pilot.feedback = null));
    if (!decision.ok) throw new Error(decision.error.message);
    expect(decision.value.phases[2]).toHaveProperty('feedback', null);
    expect(planOf(decision.value).phases.pilot.feedback).toBeNull();
  });

  it('a stage stored before feedback existed (no property) gets the default, and an unchanged plan stays unchanged', () => {
    const legacy = withWaves(aRollout(), ['HR']);
    for (const phase of legacy.phases) {
      delete phase.feedback;
      for (const wave of phase.waves) delete wave.feedback;
    }
    const spec = planOf(legacy);
    expect(spec.phases.pilot.feedback).toEqual({ goals: { ...DEFAULT_FEEDBACK_GOALS } });
    expect(spec.phases.enterprise.feedback).toBeNull();
    expect(spec.phases.enterprise.waves[0]?.feedback).toEqual(defaultFeedbackPlan());
    const unchanged = applyPlan(legacy, spec, change(1), NOW);
    expect(unchanged.ok && unchanged.value).toBe(legacy);
  });

  it.each<[string, Position, (spec: PlanSpec) => void, string | null]>([
    [
      'a passed phase’s feedback',
      { phase: 'enterprise', wave: null },
      (s) => void (s.phases.pilot.feedback = null),
      'phase-passed',
    ],
    [
      'a passed phase’s feedback goals',
      { phase: 'enterprise', wave: null },
      (s) => void (s.phases.pilot.feedback!.goals.minAverageRating = 4),
      'phase-passed',
    ],
    [
      'the current phase’s feedback',
      { phase: 'pilot', wave: null },
      (s) => void (s.phases.pilot.feedback!.goals.minResponses = 5),
      null,
    ],
    [
      'a future phase’s feedback',
      { phase: 'pilot', wave: null },
      (s) => void (s.phases.enterprise.feedback = defaultFeedbackPlan()),
      null,
    ],
  ])('editing %s', (_name, position, mutate, code) => {
    const decision = edit(aRollout({ position }), mutate);
    expect(decision.ok ? null : decision.error.code).toBe(code);
  });

  it.each<[string, number, string | null]>([
    ['a passed wave', 0, 'phase-passed'],
    ['the current wave', 1, null],
    ['a planned wave', 2, null],
  ])('editing the feedback of %s', (_name, index, code) => {
    const rollout = withWaves(aRollout({ position: { phase: 'enterprise', wave: 1 } }), [
      'HR',
      'Sales',
      'Ops',
    ]);
    const decision = edit(rollout, (s) => void (s.phases.enterprise.waves[index]!.feedback = null));
    expect(decision.ok ? null : decision.error.code).toBe(code);
  });
});

describe('readiness sign-off in the plan', () => {
  const quorum: ReadinessPlan = {
    policy: { kind: 'quorum', n: 2 },
    allowNotReady: true,
    members: ['cccccccc-0000-4000-8000-000000000003'],
    deadline: '2026-05-01T17:00',
  };
  const needs = (rollout: Rollout, stageId: string) => readinessPlanOf(rollout, stageId);

  it('planOf copies each stage’s own sign-off, leaves out the default; applyPlan stores what the plan says', () => {
    const rollout = withWaves(aRollout(), ['HR', 'Sales']);
    const spec = planOf(rollout);
    // No setting of its own anywhere: each stage gets the default for its place.
    expect(spec.phases.pilot).not.toHaveProperty('readiness');
    expect(spec.phases.scope).not.toHaveProperty('readiness');
    expect(spec.phases.enterprise.waves.every((w) => !('readiness' in w))).toBe(true);

    const decision = edit(rollout, (s) => {
      s.phases.poc.readiness = { ...defaultReadinessPlan(), policy: { kind: 'first' } };
      s.phases.enterprise.waves[0]!.readiness = quorum;
      s.phases.enterprise.waves[1]!.readiness = null;
    });
    if (!decision.ok) throw new Error(decision.error.message);
    const next = decision.value;
    expect(next.phases[1]?.readiness).toEqual({ ...defaultReadinessPlan(), policy: { kind: 'first' } });
    expect(next.phases[3]?.waves.map((w) => w.readiness)).toEqual([quorum, null]);
    expect(planOf(next).phases.enterprise.waves.map((w) => w.readiness)).toEqual([quorum, null]);
    // The others still have none of their own.
    expect(next.phases[2]).not.toHaveProperty('readiness');
    expect(next.phases[3]).not.toHaveProperty('readiness');
    // A plan change like any other: a new revision, audited with the plan before and after.
    expect(next.planRevision).toBe(2);
    const { before, after } = decision.events[0] as { before: string; after: string };
    expect(JSON.parse(before).phases.enterprise.waves[0]).not.toHaveProperty('readiness');
    expect(JSON.parse(after).phases.enterprise.waves[0].readiness).toEqual(quorum);
    // The stored plan is a copy: changing the spec afterwards does not change the rollout.
    const again = edit(next, (s) => void s.phases.enterprise.waves[0]!.readiness!.members.push('x'));
    expect(again.ok && again.value.phases[3]?.waves[0]?.readiness?.members).toHaveLength(2);
    expect(next.phases[3]?.waves[0]?.readiness?.members).toHaveLength(1);
    // Applying the plan read back changes nothing.
    const same = applyPlan(next, planOf(next), change(next.planRevision), NOW);
    expect(same.ok && same.value).toBe(next);
  });

  it.each(TEMPLATES)(
    'planOf → applyPlan changes nothing (the %s template, with and without settings)',
    (t) => {
      const fresh = withWaves(aRollout({}, t), ['HR', 'Sales']);
      const unchanged = applyPlan(fresh, planOf(fresh), change(fresh.planRevision), NOW);
      expect(unchanged.ok && unchanged.value).toBe(fresh);
      const set = edit(fresh, (s) => {
        s.phases.pilot.readiness = null;
        s.phases.enterprise.waves[1]!.readiness = quorum;
      });
      if (!set.ok) throw new Error(set.error.message);
      const again = applyPlan(set.value, planOf(set.value), change(set.value.planRevision), NOW);
      expect(again.ok && again.value).toBe(set.value);
      // No events either: nothing to audit.
      expect(again.ok && again.events).toEqual([]);
      // What the plan says is read back exactly: own settings kept, defaults left out.
      expect(planOf(set.value).phases.pilot).toHaveProperty('readiness', null);
      expect(planOf(set.value).phases.enterprise.waves.map((w) => w.readiness)).toEqual([undefined, quorum]);
      expect(planOf(set.value).phases.enterprise.waves[0]).not.toHaveProperty('readiness');
    },
  );

  it('an explicit null is kept: entering the stage needs no sign-off, not the default', () => {
    const decision = edit(aRollout(), (s) => void (s.phases.pilot.readiness = null));
    if (!decision.ok) throw new Error(decision.error.message);
    expect(decision.value.phases[2]).toHaveProperty('readiness', null);
    expect(planOf(decision.value).phases.pilot).toHaveProperty('readiness', null);
    expect(needs(decision.value, 'pilot')).toBeNull();
  });

  it('a setting taken out again (absent) brings the default back', () => {
    const pinned = edit(aRollout(), (s) => void (s.phases.pilot.readiness = quorum));
    if (!pinned.ok) throw new Error(pinned.error.message);
    expect(needs(pinned.value, 'pilot')).toEqual(quorum);
    const back = edit(pinned.value, (s) => void delete s.phases.pilot.readiness);
    if (!back.ok) throw new Error(back.error.message);
    expect(back.value.phases[2]).not.toHaveProperty('readiness');
    expect(needs(back.value, 'pilot')).toEqual(defaultReadinessPlan());
    expect(back.value.planRevision).toBe(pinned.value.planRevision + 1);
  });

  describe('the default stays with the place when pilot waves move (after a plan save)', () => {
    /** The app template with pilot waves a and b, saved once through the plan (as the forms do). */
    const pilotWithWaves = (): Rollout => {
      const rollout = aRollout();
      const saved = edit(rollout, (s) => {
        s.phases.pilot.waves = ['a', 'b'].map((id) => waveSpecOf(newWave({ id, name: id, kind: 'it' })));
      });
      if (!saved.ok) throw new Error(saved.error.message);
      const again = edit(saved.value, (s) => void (s.phases.pilot.timeFrame.start = '2026-05-01'));
      if (!again.ok) throw new Error(again.error.message);
      return again.value;
    };

    it('reversing [a, b]: entering the pilot needs the sign-off on b, now first, and no longer on a', () => {
      const rollout = pilotWithWaves();
      expect(needs(rollout, 'pilot/a')).toEqual(defaultReadinessPlan());
      expect(needs(rollout, 'pilot/b')).toBeNull();
      const reversed = edit(rollout, (s) => void s.phases.pilot.waves.reverse());
      if (!reversed.ok) throw new Error(reversed.error.message);
      expect(reversed.value.phases[2]?.waves.map((w) => w.id)).toEqual(['b', 'a']);
      expect(needs(reversed.value, 'pilot/b')).toEqual(defaultReadinessPlan());
      expect(needs(reversed.value, 'pilot/a')).toBeNull();
      expect(reversed.value.phases[2]?.waves.every((w) => !('readiness' in w))).toBe(true);
    });

    it('removing the first wave: the next one, now first, needs it', () => {
      const removed = edit(pilotWithWaves(), (s) => void s.phases.pilot.waves.shift());
      if (!removed.ok) throw new Error(removed.error.message);
      expect(removed.value.phases[2]?.waves.map((w) => w.id)).toEqual(['b']);
      expect(needs(removed.value, 'pilot/b')).toEqual(defaultReadinessPlan());
    });

    it('removing all waves: the pilot itself needs it again', () => {
      const removed = edit(pilotWithWaves(), (s) => void (s.phases.pilot.waves = []));
      if (!removed.ok) throw new Error(removed.error.message);
      expect(needs(removed.value, 'pilot')).toEqual(defaultReadinessPlan());
    });

    it('the enrollment template’s pilot stages, reordered: the new first stage needs it', () => {
      const rollout = aRollout({}, 'enrollment');
      const reordered = edit(rollout, (s) => {
        const [first, ...rest] = s.phases.pilot.waves;
        s.phases.pilot.waves = [...rest, first!];
      });
      if (!reordered.ok) throw new Error(reordered.error.message);
      expect(
        reordered.value.phases[2]?.waves.map((w) => [w.id, needs(reordered.value, `pilot/${w.id}`)]),
      ).toEqual([
        ['more-it-users', defaultReadinessPlan()],
        ['other-groups', null],
        ['it-users', null],
      ]);
    });

    it('a setting of the wave’s own moves with the wave', () => {
      const set = edit(pilotWithWaves(), (s) => void (s.phases.pilot.waves[1]!.readiness = quorum));
      if (!set.ok) throw new Error(set.error.message);
      const reversed = edit(set.value, (s) => void s.phases.pilot.waves.reverse());
      if (!reversed.ok) throw new Error(reversed.error.message);
      expect(needs(reversed.value, 'pilot/b')).toEqual(quorum);
      expect(needs(reversed.value, 'pilot/a')).toBeNull();
    });
  });

  it('a wave spec keeps what the wave says (nothing when it says nothing)', () => {
    expect(waveSpecOf(newWave({ id: 'x', name: 'X', kind: 'it' }))).not.toHaveProperty('readiness');
    expect(
      waveSpecOf({ ...newWave({ id: 'x', name: 'X', kind: 'it' }), readiness: quorum }).readiness,
    ).toEqual(quorum);
    expect(waveSpecOf({ ...newWave({ id: 'x', name: 'X', kind: 'it' }), readiness: null })).toHaveProperty(
      'readiness',
      null,
    );
  });

  it.each<[string, Position, (spec: PlanSpec) => void, string | null]>([
    [
      'a passed phase’s sign-off',
      { phase: 'enterprise', wave: null },
      (s) => void (s.phases.pilot.readiness = null),
      'phase-passed',
    ],
    [
      'a passed phase’s sign-off deadline',
      { phase: 'enterprise', wave: null },
      (s) => void (s.phases.pilot.readiness = { ...defaultReadinessPlan(), deadline: '2026-05-01T17:00' }),
      'phase-passed',
    ],
    [
      'a passed phase’s sign-off, pinned to what its default is',
      { phase: 'enterprise', wave: null },
      (s) => void (s.phases.pilot.readiness = defaultReadinessPlan()),
      'phase-passed',
    ],
    [
      'the current phase’s sign-off',
      { phase: 'pilot', wave: null },
      (s) => void (s.phases.pilot.readiness = quorum),
      null,
    ],
    [
      'a future phase’s sign-off',
      { phase: 'pilot', wave: null },
      (s) => void (s.phases.enterprise.readiness = { ...defaultReadinessPlan(), policy: { kind: 'first' } }),
      null,
    ],
  ])('editing %s', (_name, position, mutate, code) => {
    const decision = edit(aRollout({ position }), mutate);
    expect(decision.ok ? null : decision.error.code).toBe(code);
  });

  it.each<[string, number, string | null]>([
    ['a passed wave', 0, 'phase-passed'],
    ['the current wave', 1, null],
    ['a planned wave', 2, null],
  ])('editing the sign-off of %s', (_name, index, code) => {
    const rollout = withWaves(aRollout({ position: { phase: 'enterprise', wave: 1 } }), [
      'HR',
      'Sales',
      'Ops',
    ]);
    const decision = edit(rollout, (s) => void (s.phases.enterprise.waves[index]!.readiness = quorum));
    expect(decision.ok ? null : decision.error.code).toBe(code);
  });

  it('a passed pilot stage left unchanged stays unchanged, its default read where it is', () => {
    // The enrollment pilot's first stage needs the sign-off by default, the second not.
    const rollout = aRollout({ position: { phase: 'pilot', wave: 2 } }, 'enrollment');
    const decision = edit(rollout, (s) => void (s.phases.pilot.waves[2]!.geography = 'EMEA'));
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.value.phases[2]?.waves.every((w) => !('readiness' in w))).toBe(true);
    expect(decision.value.phases[2]?.waves.map((w) => needs(decision.value, `pilot/${w.id}`))).toEqual([
      defaultReadinessPlan(),
      null,
      null,
    ]);
  });

  it('a stage pinned by an earlier version (an explicit copy of its default) keeps it until changed', () => {
    // Rollouts saved before the default was kept as such hold explicit copies: applied as they are.
    const pinned = withWaves(aRollout({}, 'enrollment'), ['HR']);
    pinned.phases[2]!.waves[0]!.readiness = defaultReadinessPlan();
    pinned.phases[2]!.waves[1]!.readiness = null;
    const unchanged = applyPlan(pinned, planOf(pinned), change(1), NOW);
    expect(unchanged.ok && unchanged.value).toBe(pinned);
  });
});

describe('audiences and Intune intent in the plan', () => {
  const HR: AudienceSpec = {
    groups: ['dddddddd-0000-4000-8000-000000000004'],
    members: ['cccccccc-0000-4000-8000-000000000003'],
    filters: { departments: ['HR'], countries: ['DE'], offices: [], platforms: ['windows'] },
    includeGuests: false,
    includeDisabled: true,
  };

  it('planOf leaves out an empty audience and the default intent; applyPlan stores a copy of what the plan says, audited', () => {
    const rollout = withWaves(aRollout(), ['HR', 'Sales']);
    const spec = planOf(rollout);
    expect(spec.phases.pilot).not.toHaveProperty('audience');
    expect(spec.phases.enterprise.waves.every((w) => !('audience' in w) && !('intent' in w))).toBe(true);

    const decision = edit(rollout, (s) => {
      s.phases.pilot.audience = HR;
      s.phases.pilot.intent = 'available';
      s.phases.enterprise.waves[0]!.audience = HR;
    });
    if (!decision.ok) throw new Error(decision.error.message);
    const next = decision.value;
    expect([next.phases[2]?.audience, next.phases[2]?.intent]).toEqual([HR, 'available']);
    expect(next.phases[3]?.waves.map((w) => w.audience)).toEqual([HR, undefined]);
    expect(planOf(next).phases.enterprise.waves[0]?.audience).toEqual(HR);
    const { before, after } = decision.events[0] as { before: string; after: string };
    expect(JSON.parse(before).phases.pilot).not.toHaveProperty('audience');
    expect(JSON.parse(after).phases.pilot).toMatchObject({ audience: HR, intent: 'available' });
    // A copy: changing the spec afterwards does not change the rollout.
    const again = edit(next, (s) => void s.phases.pilot.audience!.groups.push('x'));
    expect(again.ok && again.value.phases[2]?.audience?.groups).toHaveLength(2);
    expect(next.phases[2]?.audience?.groups).toHaveLength(1);
    // Applying the plan read back changes nothing.
    const same = applyPlan(next, planOf(next), change(next.planRevision), NOW);
    expect(same.ok && same.value).toBe(next);
  });

  it('removing them from the plan removes them from the stage; an empty audience and intent required are the same as none', () => {
    const set = edit(aRollout(), (s) => {
      s.phases.poc.audience = HR;
      s.phases.poc.intent = 'available';
    });
    if (!set.ok) throw new Error(set.error.message);
    const removed = edit(set.value, (s) => {
      s.phases.poc.audience = emptyAudience();
      s.phases.poc.intent = 'required';
    });
    if (!removed.ok) throw new Error(removed.error.message);
    expect(removed.value.phases[1]).not.toHaveProperty('audience');
    expect(removed.value.phases[1]).not.toHaveProperty('intent');
    expect(JSON.stringify(planOf(removed.value))).toBe(JSON.stringify(planOf(aRollout())));
  });

  it("a passed phase's audience can no longer change", () => {
    const rollout = aRollout({ position: { phase: 'pilot', wave: null } });
    const decision = edit(rollout, (s) => void (s.phases.scope.audience = HR));
    expect(decision.ok ? null : decision.error.code).toBe('phase-passed');
  });
});

describe('changing the plan', () => {
  it('keeps ticks by id, drops removed items, adds new ones open, and bumps the revision', () => {
    const ticked = aRollout();
    ticked.phases[0]!.checklist[0] = {
      ...ticked.phases[0]!.checklist[0]!,
      done: true,
      by: ADMIN,
      at: NOW.toISOString(),
    };
    const decision = edit(ticked, (spec) => {
      spec.phases.scope.checklist = [
        { id: 'user-task', text: 'Renamed task' },
        { id: 'custom-1', text: 'Security review done' },
      ];
    });
    if (!decision.ok) throw new Error(decision.error.message);
    expect(decision.value.phases[0]?.checklist).toEqual([
      expect.objectContaining({ id: 'user-task', text: 'Renamed task', done: true }),
      expect.objectContaining({ id: 'custom-1', done: false }),
    ]);
    expect(decision.value.planRevision).toBe(2);
    expect(decision.events[0]).toMatchObject({ type: 'plan-changed', section: 'test', revision: 2 });
    const { before, after } = decision.events[0] as { before: string; after: string };
    expect(JSON.parse(before).phases.scope.checklist).toHaveLength(6);
    expect(JSON.parse(after).phases.scope.checklist).toHaveLength(2);
  });

  it('refuses a stale revision', () => {
    const decision = applyPlan(aRollout(), planOf(aRollout()), change(0), NOW);
    expect(decision.ok ? null : decision.error.code).toBe('stale-revision');
  });

  it('an unchanged plan changes nothing', () => {
    const decision = applyPlan(aRollout(), planOf(aRollout()), change(1), NOW);
    expect(decision.ok && decision.events).toEqual([]);
  });

  it.each<[string, Position, (spec: PlanSpec) => void, string | null]>([
    [
      'a passed phase',
      { phase: 'pilot', wave: null },
      (s) => void (s.phases.poc.targetGroups = ['x']),
      'phase-passed',
    ],
    [
      'the current phase',
      { phase: 'pilot', wave: null },
      (s) => void (s.phases.pilot.targetGroups = ['x']),
      null,
    ],
    [
      'a future phase',
      { phase: 'pilot', wave: null },
      (s) => void (s.phases.operations.targetGroups = ['x']),
      null,
    ],
    [
      'waves for the current phase that had none',
      { phase: 'pilot', wave: null },
      (s) => void s.phases.pilot.waves.push(waveSpecOf(newWave({ id: 'x', name: 'X', kind: 'it' }))),
      'wave-reached',
    ],
  ])('editing %s', (_name, position, mutate, code) => {
    const decision = edit(aRollout({ position }), mutate);
    expect(decision.ok ? null : decision.error.code).toBe(code);
  });

  describe('waves', () => {
    const inWave = (index: number) =>
      withWaves(aRollout({ position: { phase: 'enterprise', wave: index } }), ['HR', 'Sales', 'Ops', 'Rest']);
    it.each<[string, number, (spec: PlanSpec) => void, string | null]>([
      [
        'reorder planned waves',
        1,
        (s) =>
          s.phases.enterprise.waves.splice(
            2,
            2,
            s.phases.enterprise.waves[3]!,
            s.phases.enterprise.waves[2]!,
          ),
        null,
      ],
      ['remove a planned wave', 1, (s) => void s.phases.enterprise.waves.pop(), null],
      [
        'add a wave at the end',
        1,
        (s) =>
          void s.phases.enterprise.waves.push(
            waveSpecOf(newWave({ id: 'new', name: 'New', kind: 'custom' })),
          ),
        null,
      ],
      ['edit the current wave', 1, (s) => void (s.phases.enterprise.waves[1]!.geography = 'EMEA'), null],
      [
        'edit a passed wave',
        1,
        (s) => void (s.phases.enterprise.waves[0]!.geography = 'EMEA'),
        'phase-passed',
      ],
      ['remove the current wave', 1, (s) => void s.phases.enterprise.waves.splice(1, 1), 'wave-reached'],
      [
        'move a wave before the current one',
        1,
        (s) =>
          s.phases.enterprise.waves.splice(
            0,
            2,
            s.phases.enterprise.waves[1]!,
            s.phases.enterprise.waves[0]!,
          ),
        'wave-reached',
      ],
      ['duplicate wave ids', 1, (s) => void (s.phases.enterprise.waves[3]!.id = 'w3'), 'invalid-plan'],
    ])('%s', (_name, at, mutate, code) => {
      const decision = edit(inWave(at), mutate);
      expect(decision.ok ? null : decision.error.code).toBe(code);
    });

    it('knows which waves are passed, current and planned', () => {
      const rollout = inWave(1);
      expect([0, 1, 2].map((i) => waveState(rollout, 'enterprise', i))).toEqual([
        'passed',
        'current',
        'planned',
      ]);
      expect(waveState(rollout, 'pilot', 0)).toBe('passed');
    });
  });
});

describe('manual goals', () => {
  const withGoal = () => {
    const decision = edit(aRollout(), (spec) => {
      spec.phases.scope.criteria.push({
        id: 'adoption',
        kind: 'manual',
        goal: '80% of pilot users use it weekly',
      });
    });
    if (!decision.ok) throw new Error(decision.error.message);
    return decision.value;
  };

  it('is unmet until an admin marks it met with a note; the gate reads it', () => {
    const rollout = withGoal();
    expect(
      evaluateExitCriteria(rollout, NO_MEASUREMENTS, null).find((c) => c.id === 'scope:adoption'),
    ).toMatchObject({
      met: false,
    });
    const noNote = markCriterion(
      rollout,
      { by: ADMIN, stageId: 'scope', criterionId: 'adoption', met: true, note: ' ' },
      NOW,
    );
    expect(noNote.ok ? null : noNote.error.code).toBe('note-required');
    const marked = markCriterion(
      rollout,
      { by: ADMIN, stageId: 'scope', criterionId: 'adoption', met: true, note: 'survey: 84%' },
      NOW,
    );
    if (!marked.ok) throw new Error(marked.error.message);
    expect(
      evaluateExitCriteria(marked.value, NO_MEASUREMENTS, null).find((c) => c.id === 'scope:adoption'),
    ).toMatchObject({
      met: true,
      reason: 'Marked met by Adele Vance: survey: 84%.',
    });
    expect(marked.events[0]).toMatchObject({ type: 'criterion-marked', met: true, note: 'survey: 84%' });
    // The mark survives a plan edit that keeps the goal.
    const edited = applyPlan(marked.value, planOf(marked.value), change(marked.value.planRevision), NOW);
    expect(edited.ok && edited.value).toBe(marked.value);
  });

  it('refuses goals that are not exit criteria of where the rollout is now', () => {
    const rollout = withGoal();
    const decision = markCriterion(
      rollout,
      { by: ADMIN, stageId: 'poc', criterionId: 'adoption', met: true, note: 'x' },
      NOW,
    );
    expect(decision.ok ? null : decision.error.code).toBe('stage-not-current');
  });
});

describe('suggested wave order', () => {
  const wave = (
    id: string,
    businessRisk: 'low' | 'medium' | 'high' | null,
    willingness: 'low' | 'medium' | 'high' | null,
  ) => ({
    ...newWave({ id, name: id.toUpperCase(), kind: 'department' }),
    businessRisk,
    willingness,
  });

  it('puts lower risk and higher willingness first, unknowns last, and says why', () => {
    const waves = [
      wave('a', 'high', 'high'),
      wave('b', 'low', 'low'),
      wave('c', 'low', 'high'),
      wave('d', null, null),
    ];
    const suggestion = suggestWaveOrder(waves, 0);
    expect(suggestion.order).toEqual(['c', 'b', 'a', 'd']);
    expect(suggestion.changed).toBe(true);
    expect(suggestion.why).toContain('C (risk low, willingness high) → B (risk low, willingness low)');
  });

  it('keeps reached waves in place', () => {
    const waves = [wave('a', 'high', 'low'), wave('b', 'high', 'low'), wave('c', 'low', 'high')];
    expect(suggestWaveOrder(waves, 2).order).toEqual(['a', 'b', 'c']);
    expect(suggestWaveOrder(waves, 2).changed).toBe(false);
  });
});
