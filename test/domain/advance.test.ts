import { advance, nextPosition } from '../../src/domain/transitions';
import { positionLabel, type Position, type RolloutStatus } from '../../src/domain/rollout';
import type { PhaseKey } from '../../src/domain/phases';
import { ADMIN, aRollout, NOW, withChecklistDone, withWaves } from './fixtures';

const at = (phase: PhaseKey, wave: number | null = null): Position => ({ phase, wave });

describe('advance', () => {
  it.each<[string, Position, Position]>([
    ['scope', at('scope'), at('poc')],
    ['poc', at('poc'), at('pilot')],
    ['pilot', at('pilot'), at('enterprise')],
    ['enterprise', at('enterprise'), at('operations')],
  ])('from %s with the checklist complete → next phase', (_name, from, to) => {
    const rollout = withChecklistDone(aRollout({ position: from }), from.phase);
    const decision = advance(rollout, { by: ADMIN }, NOW);
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
    const decision = advance(rollout, { by: ADMIN }, NOW);
    expect(decision.ok && decision.value.position).toEqual(to);
  });

  it.each<[string, RolloutStatus, Position, string]>([
    ['paused', 'paused', at('pilot'), 'paused'],
    ['completed', 'completed', at('operations'), 'completed'],
    ['in operations', 'active', at('operations'), 'last-phase'],
  ])('refuses when %s', (_name, status, position, code) => {
    const rollout = withChecklistDone(aRollout({ status, position }), position.phase);
    const decision = advance(rollout, { by: ADMIN }, NOW);
    expect(decision.ok ? null : decision.error.code).toBe(code);
  });

  it('refuses with each unmet criterion and its reason', () => {
    const rollout = aRollout();
    const decision = advance(rollout, { by: ADMIN }, NOW);
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
    const decision = advance(aRollout({ position: at('operations') }), { by: ADMIN }, NOW);
    expect(decision.ok ? '' : decision.error.message).toMatch(/last phase; use `rollout close`/);
  });

  it('forces past unmet criteria and records the reason and what was unmet', () => {
    const decision = advance(aRollout(), { by: ADMIN, force: { reason: 'vendor signed off' } }, NOW);
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
    const decision = advance(aRollout(), { by: ADMIN, force: { reason } }, NOW);
    expect(decision.ok ? null : decision.error.code).toBe('reason-required');
  });

  it('a forced advance with every criterion met is not recorded as forced', () => {
    const decision = advance(
      withChecklistDone(aRollout(), 'scope'),
      { by: ADMIN, force: { reason: 'x' } },
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
    const decision = advance(wavesDone, { by: ADMIN }, NOW);
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
