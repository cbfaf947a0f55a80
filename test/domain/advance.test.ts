import { advance, nextPosition } from '../../src/domain/transitions';
import { positionLabel, type Position, type RolloutStatus } from '../../src/domain/rollout';
import type { PhaseKey } from '../../src/domain/phases';
import { evaluateExitCriteria } from '../../src/domain/criteria';
import { addTallies, type FeedbackTally } from '../../src/domain/feedback';
import { defaultFeedbackPlan } from '../../src/domain/feedback-goals';
import { ADMIN, aRollout, NOW, passing, readyFor, tallyOf, withChecklistDone, withWaves } from './fixtures';

const at = (phase: PhaseKey, wave: number | null = null): Position => ({ phase, wave });

describe('advance', () => {
  it.each<[string, Position, Position]>([
    ['scope', at('scope'), at('poc')],
    ['poc', at('poc'), at('pilot')],
    ['pilot', at('pilot'), at('enterprise')],
    ['enterprise', at('enterprise'), at('operations')],
  ])('from %s with the checklist complete → next phase', (_name, from, to) => {
    const rollout = withChecklistDone(aRollout({ position: from }), from.phase);
    const decision = advance(rollout, { by: ADMIN, ...passing(rollout) }, NOW);
    expect(decision.ok && decision.value.position).toEqual(to);
    expect(decision.ok && decision.events).toEqual([
      expect.objectContaining({
        type: 'phase-advanced',
        forced: false,
        reason: null,
        by: ADMIN,
        at: NOW.toISOString(),
      }),
    ]);
  });

  it.each<[string, Position, Position]>([
    ['pilot into the first wave', at('pilot'), at('enterprise', 0)],
    ['wave 1 to wave 2', at('enterprise', 0), at('enterprise', 1)],
    ['wave 2 to wave 3', at('enterprise', 1), at('enterprise', 2)],
    ['the last wave to operations', at('enterprise', 2), at('operations')],
  ])('with waves: %s', (_name, from, to) => {
    const rollout = withChecklistDone(
      withChecklistDone(withWaves(aRollout({ position: from }), ['HR', 'Sales', 'Everyone else']), 'pilot'),
      'enterprise',
    );
    const decision = advance(rollout, { by: ADMIN, ...passing(rollout) }, NOW);
    expect(decision.ok && decision.value.position).toEqual(to);
  });

  it.each<[string, RolloutStatus, Position, string]>([
    ['paused', 'paused', at('pilot'), 'paused'],
    ['completed', 'completed', at('operations'), 'completed'],
    ['in operations', 'active', at('operations'), 'last-phase'],
  ])('refuses when %s', (_name, status, position, code) => {
    const rollout = withChecklistDone(aRollout({ status, position }), position.phase);
    const decision = advance(rollout, { by: ADMIN, ...passing(rollout) }, NOW);
    expect(decision.ok ? null : decision.error.code).toBe(code);
  });

  it('refuses with each unmet criterion and its reason', () => {
    const rollout = aRollout();
    const decision = advance(rollout, { by: ADMIN, ...passing(rollout) }, NOW);
    if (decision.ok) throw new Error('expected a refusal');
    expect(decision.error.code).toBe('gate-unmet');
    expect(decision.error.unmet).toEqual([
      expect.objectContaining({
        label: 'Project scope checklist complete',
        met: false,
        measured: '0 of 6 done',
        target: '6 of 6 done',
      }),
    ]);
    expect(decision.error.unmet?.[0]?.reason).toMatch(/6 items are open: The user task/);
  });

  it('operations refusal tells the admin to close instead', () => {
    const decision = advance(
      aRollout({ position: at('operations') }),
      { by: ADMIN, ...passing(aRollout({ position: at('operations') })) },
      NOW,
    );
    expect(decision.ok ? '' : decision.error.message).toMatch(/last phase; use `rollout close`/);
  });

  it('forces past unmet criteria and records the reason and what was unmet', () => {
    const decision = advance(
      aRollout(),
      { by: ADMIN, ...passing(aRollout()), force: { reason: 'vendor signed off' } },
      NOW,
    );
    if (!decision.ok) throw new Error(decision.error.message);
    expect(decision.value.position).toEqual(at('poc'));
    expect(decision.events[0]).toMatchObject({
      forced: true,
      reason: 'vendor signed off',
      unmet: ['Project scope checklist complete'],
    });
    expect(decision.value.history).toEqual([
      expect.objectContaining({ forced: true, reason: 'vendor signed off' }),
    ]);
  });

  it.each(['', '   '])('a forced advance with reason %j is refused', (reason) => {
    const decision = advance(aRollout(), { by: ADMIN, ...passing(aRollout()), force: { reason } }, NOW);
    expect(decision.ok ? null : decision.error.code).toBe('reason-required');
  });

  it('a forced advance with every criterion met is not recorded as forced', () => {
    const decision = advance(
      withChecklistDone(aRollout(), 'scope'),
      { by: ADMIN, ...passing(aRollout()), force: { reason: 'x' } },
      NOW,
    );
    expect(decision.ok && decision.events[0]).toMatchObject({ forced: false });
  });

  it('leaving the last wave also needs the enterprise checklist', () => {
    const rollout = withWaves(aRollout({ position: at('enterprise', 1) }), ['A', 'B']);
    const wavesDone = {
      ...rollout,
      phases: rollout.phases.map((p) =>
        p.key === 'enterprise'
          ? {
              ...p,
              waves: p.waves.map((w) => ({
                ...w,
                checklist: w.checklist.map((i) => ({ ...i, done: true })),
              })),
            }
          : p,
      ),
    };
    const decision = advance(wavesDone, { by: ADMIN, ...passing(wavesDone) }, NOW);
    expect(decision.ok ? [] : decision.error.unmet?.map((c) => c.label)).toEqual([
      'Enterprise rollout checklist complete',
    ]);
  });

  it('names waves in positions', () => {
    const rollout = withWaves(aRollout({ position: at('enterprise', 1) }), ['HR', 'Sales']);
    expect(positionLabel(rollout, rollout.position)).toBe('Enterprise rollout — wave 2 of 2: Sales');
    expect(nextPosition(rollout)).toEqual(at('operations'));
  });
});

describe('feedback goals in the gate', () => {
  const pilotDone = withChecklistDone(aRollout({ position: at('pilot') }), 'pilot');

  it('the pilot cannot be left without feedback: each goal says what it measured and why', () => {
    const decision = advance(
      pilotDone,
      { by: ADMIN, measured: new Map(), readiness: readyFor(pilotDone) },
      NOW,
    );
    if (decision.ok) throw new Error('expected a refusal');
    expect(decision.error.unmet?.map((c) => [c.id, c.measured, c.target])).toEqual([
      ['pilot:feedback-responses', '0', 'at least 10'],
      ['pilot:feedback-rating', 'no ratings yet', 'at least 3.5'],
      ['pilot:feedback-install', 'no answers yet', 'at least 90%'],
    ]);
    expect(decision.error.unmet?.[0]?.reason).toMatch(/audience size is unknown/);
  });

  it.each<[string, string[], FeedbackTally]>([
    ['10 good answers', [], tallyOf(10)],
    ['9 answers', ['pilot:feedback-responses'], tallyOf(9)],
    ['a low average', ['pilot:feedback-rating'], tallyOf(10, { rating: 3 })],
    ['“partly” installs', ['pilot:feedback-install'], tallyOf(10, { installed: 'partly' })],
    [
      'an open blocker',
      ['pilot:feedback-blockers'],
      addTallies(tallyOf(10), tallyOf(1, { severity: 'blocker' })),
    ],
  ])('with %s → unmet %j', (_name, unmet, tally) => {
    const decision = advance(
      pilotDone,
      { by: ADMIN, measured: new Map([['pilot', tally]]), readiness: readyFor(pilotDone) },
      NOW,
    );
    expect(decision.ok ? [] : decision.error.unmet?.map((c) => c.id)).toEqual(unmet);
  });

  it('a phase with waves counts its waves’ feedback; a wave counts its own', () => {
    const rollout = withChecklistDone(
      withWaves(aRollout({ position: at('enterprise', 1) }), ['A', 'B']),
      'enterprise',
    );
    const enterprise = {
      ...rollout,
      phases: rollout.phases.map((p) =>
        p.key === 'enterprise' ? { ...p, feedback: defaultFeedbackPlan() } : p,
      ),
    };
    const measured = new Map([
      ['enterprise/w1', tallyOf(6)],
      ['enterprise/w2', tallyOf(10)],
    ]);
    const results = evaluateExitCriteria(enterprise, measured, null);
    expect(results.find((c) => c.id === 'enterprise/w2:feedback-responses')?.measured).toBe('10');
    expect(results.find((c) => c.id === 'enterprise:feedback-responses')?.measured).toBe('16');
  });

  it('a known audience needs its share and the count (at most its size); the rate is shown', () => {
    const rollout = withChecklistDone(
      withWaves(aRollout({ position: at('enterprise', 0) }), ['A']),
      'enterprise',
    );
    const members = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10'];
    const sized = {
      ...rollout,
      phases: rollout.phases.map((p) =>
        p.key === 'enterprise' ? { ...p, waves: p.waves.map((w) => ({ ...w, members })) } : p,
      ),
    };
    const responses = (answers: number, audienceSizes?: ReadonlyMap<string, number>) =>
      evaluateExitCriteria(sized, new Map([['enterprise/w1', tallyOf(answers)]]), null, audienceSizes).find(
        (c) => c.id.endsWith('responses'),
      );
    // The default goals, 10 answers and 30%: 30% of 10 is 3, but 10 are asked for and 10 people listed.
    expect(responses(3)).toMatchObject({ met: false, measured: '3 (30% of 10)', target: 'at least 10' });
    expect(responses(10)).toMatchObject({ met: true, measured: '10 (100% of 10)' });
    // A resolved audience size replaces the plan's: 30% of 1,000.
    expect(responses(10, new Map([['enterprise/w1', 1000]]))).toMatchObject({
      met: false,
      measured: '10 (1% of 1000)',
      target: 'at least 300',
    });
  });

  it('a stage that takes no feedback has no feedback goals', () => {
    const noFeedback = {
      ...pilotDone,
      phases: pilotDone.phases.map((p) => (p.key === 'pilot' ? { ...p, feedback: null } : p)),
    };
    expect(
      advance(noFeedback, { by: ADMIN, measured: new Map(), readiness: readyFor(noFeedback) }, NOW).ok,
    ).toBe(true);
  });
});
