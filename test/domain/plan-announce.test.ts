import { announceModeOf, DEFAULT_ANNOUNCE_MODE } from '../../src/domain/announcement';
import { announceEntry, applyPlan, planOf, type PlanSpec } from '../../src/domain/plan';
import type { Rollout } from '../../src/domain/rollout';
import { ADMIN, aRollout, NOW, withWaves } from './fixtures';

const change = (rollout: Rollout) => ({ by: ADMIN, revision: rollout.planRevision, section: 'test' });
const edit = (rollout: Rollout, mutate: (spec: PlanSpec) => void) => {
  const spec = structuredClone(planOf(rollout));
  mutate(spec);
  return applyPlan(rollout, spec, change(rollout), NOW);
};

describe('announce in the plan', () => {
  it('absent (every rollout stored before it): prompt; planOf leaves the default out', () => {
    const rollout = withWaves(aRollout(), ['HR', 'Sales']);
    expect(DEFAULT_ANNOUNCE_MODE).toBe('prompt');
    for (const phase of rollout.phases) {
      expect(announceModeOf(phase)).toBe('prompt');
      for (const wave of phase.waves) expect(announceModeOf(wave)).toBe('prompt');
    }
    const spec = planOf(rollout);
    expect(spec.phases.pilot).not.toHaveProperty('announce');
    expect(spec.phases.enterprise.waves.every((w) => !('announce' in w))).toBe(true);
  });

  it('announceEntry: a key only for auto and off', () => {
    expect(announceEntry(undefined)).toEqual({});
    expect(announceEntry('prompt')).toEqual({});
    expect(announceEntry('auto')).toEqual({ announce: 'auto' });
    expect(announceEntry('off')).toEqual({ announce: 'off' });
  });

  it('announceModeOf: the stage’s own setting; an unknown stored value reads as the default', () => {
    expect(announceModeOf({ announce: 'auto' })).toBe('auto');
    expect(announceModeOf({ announce: 'off' })).toBe('off');
    expect(announceModeOf({ announce: 'prompt' })).toBe('prompt');
    expect(announceModeOf({})).toBe('prompt');
    expect(announceModeOf({ announce: 'loud' as never })).toBe('prompt');
  });

  it('applyPlan stores it on phases and waves, audited; back to prompt removes the key', () => {
    const rollout = withWaves(aRollout(), ['HR', 'Sales']);
    const set = edit(rollout, (s) => {
      s.phases.pilot.announce = 'auto';
      s.phases.enterprise.waves[1]!.announce = 'off';
    });
    if (!set.ok) throw new Error(set.error.message);
    const next = set.value;
    expect(announceModeOf(next.phases[2]!)).toBe('auto');
    expect(next.phases[3]?.waves.map(announceModeOf)).toEqual(['prompt', 'off']);
    expect(next.phases[3]?.waves[0]).not.toHaveProperty('announce');
    const { before, after } = set.events[0] as { before: string; after: string };
    expect(JSON.parse(before).phases.pilot).not.toHaveProperty('announce');
    expect(JSON.parse(after).phases.pilot.announce).toBe('auto');
    // Applying the plan read back changes nothing.
    const same = applyPlan(next, planOf(next), change(next), NOW);
    expect(same.ok && same.value).toBe(next);

    const reset = edit(next, (s) => {
      s.phases.pilot.announce = 'prompt';
      delete s.phases.enterprise.waves[1]!.announce;
    });
    if (!reset.ok) throw new Error(reset.error.message);
    expect(reset.value.phases[2]).not.toHaveProperty('announce');
    expect(reset.value.phases[3]?.waves[1]).not.toHaveProperty('announce');
    expect(JSON.stringify(planOf(reset.value))).toBe(JSON.stringify(planOf(rollout)));
  });

  it('a passed phase or a passed wave cannot change it; the current and later ones can', () => {
    const inPilot = aRollout({ position: { phase: 'pilot', wave: null } });
    const passed = edit(inPilot, (s) => void (s.phases.scope.announce = 'off'));
    expect(passed.ok ? null : passed.error.code).toBe('phase-passed');
    expect(edit(inPilot, (s) => void (s.phases.pilot.announce = 'off')).ok).toBe(true);
    expect(edit(inPilot, (s) => void (s.phases.enterprise.announce = 'auto')).ok).toBe(true);

    const waves = withWaves(aRollout(), ['HR', 'Sales', 'IT']);
    const atSecond = { ...waves, position: { phase: 'enterprise' as const, wave: 1 } };
    const first = edit(atSecond, (s) => void (s.phases.enterprise.waves[0]!.announce = 'auto'));
    expect(first.ok ? null : first.error.code).toBe('phase-passed');
    expect(edit(atSecond, (s) => void (s.phases.enterprise.waves[2]!.announce = 'auto')).ok).toBe(true);
  });

  it('a passed stage stored with prompt said explicitly stays unchanged when the plan is applied', () => {
    const rollout = aRollout({ position: { phase: 'pilot', wave: null } });
    rollout.phases[0] = { ...rollout.phases[0]!, announce: 'prompt' };
    const decision = edit(rollout, (s) => void (s.phases.pilot.announce = 'auto'));
    expect(decision.ok).toBe(true);
  });
});
