import { close, pause, resume, tickChecklist } from '../../src/domain/transitions';
import { createRollout, MAX_NAME_LENGTH, type RolloutStatus } from '../../src/domain/rollout';
import { evaluateExitCriteria, NO_MEASUREMENTS } from '../../src/domain/criteria';
import { isAdmin } from '../../src/domain/roles';
import { ADMIN, aRollout, NOW, OTHER, withWaves } from './fixtures';

const tick = (overrides: Partial<Parameters<typeof tickChecklist>[1]> = {}) => ({
  by: OTHER,
  phase: 'scope',
  waveId: null,
  itemId: 'installer',
  done: true,
  ...overrides,
});

describe('checklist ticks', () => {
  it('records who ticked and when, and the criterion moves', () => {
    const decision = tickChecklist(aRollout(), tick(), NOW);
    if (!decision.ok) throw new Error(decision.error.message);
    const item = decision.value.phases[0]?.checklist.find((i) => i.id === 'installer');
    expect(item).toMatchObject({ done: true, by: OTHER, at: NOW.toISOString() });
    expect(evaluateExitCriteria(decision.value, NO_MEASUREMENTS, null)[0]?.measured).toBe('1 of 6 done');
    expect(decision.events).toEqual([
      expect.objectContaining({ type: 'checklist-ticked', itemId: 'installer', done: true }),
    ]);
  });

  it('unticking keeps who unticked it', () => {
    const ticked = tickChecklist(aRollout(), tick(), NOW);
    if (!ticked.ok) throw new Error();
    const unticked = tickChecklist(ticked.value, tick({ done: false, by: ADMIN }), NOW);
    expect(
      unticked.ok && unticked.value.phases[0]?.checklist.find((i) => i.id === 'installer'),
    ).toMatchObject({
      done: false,
      by: ADMIN,
    });
  });

  it('ticking an item already ticked changes nothing and emits nothing', () => {
    const once = tickChecklist(aRollout(), tick(), NOW);
    if (!once.ok) throw new Error();
    const twice = tickChecklist(once.value, tick(), NOW);
    expect(twice.ok && twice.events).toEqual([]);
    expect(twice.ok && twice.value).toBe(once.value);
  });

  it.each<[string, Partial<Parameters<typeof tickChecklist>[1]>, RolloutStatus, string]>([
    ['an item of another phase', { phase: 'pilot', itemId: 'no-vip' }, 'active', 'stage-not-current'],
    ['an unknown item', { itemId: 'nope' }, 'active', 'unknown-item'],
    ['while paused', {}, 'paused', 'paused'],
    ['when completed', {}, 'completed', 'completed'],
    ['a wave that is not current', { waveId: 'w1' }, 'active', 'stage-not-current'],
  ])('refuses %s', (_name, options, status, code) => {
    const decision = tickChecklist(aRollout({ status }), tick(options), NOW);
    expect(decision.ok ? null : decision.error.code).toBe(code);
  });

  it('ticks the current wave’s own checklist', () => {
    const rollout = withWaves(aRollout({ position: { phase: 'enterprise', wave: 0 } }), ['HR']);
    const decision = tickChecklist(
      rollout,
      tick({ phase: 'enterprise', waveId: 'w1', itemId: 'wave-comms' }),
      NOW,
    );
    expect(
      decision.ok && decision.value.phases[3]?.waves[0]?.checklist.find((i) => i.id === 'wave-comms')?.done,
    ).toBe(true);
  });
});

describe('pause, resume, close', () => {
  it.each<[string, RolloutStatus, 'pause' | 'resume' | 'close', string, RolloutStatus | string]>([
    ['active', 'active', 'pause', 'operations', 'paused'],
    ['paused', 'paused', 'pause', 'operations', 'already-paused'],
    ['paused', 'paused', 'resume', 'operations', 'active'],
    ['active', 'active', 'resume', 'operations', 'not-paused'],
    ['active in operations', 'active', 'close', 'operations', 'completed'],
    ['active in pilot', 'active', 'close', 'pilot', 'not-in-operations'],
    ['paused in operations', 'paused', 'close', 'operations', 'paused'],
    ['completed', 'completed', 'pause', 'operations', 'completed'],
  ])('from %s with %s → %s', (_name, status, action, phase, expected) => {
    const rollout = aRollout({ status, position: { phase: phase as 'operations', wave: null } });
    const run = { pause, resume, close }[action];
    const decision = run(rollout, { by: ADMIN }, NOW);
    expect(decision.ok ? decision.value.status : decision.error.code).toBe(expected);
  });
});

describe('creating a rollout', () => {
  const make = (name: string) =>
    createRollout(
      {
        id: 'ro-1',
        tenantId: 't',
        name,
        by: ADMIN,
        coordination: { conversationId: 'c', conversationType: 'personal', serviceUrl: 'u' },
        template: 'app',
        timeZone: 'UTC',
      },
      NOW,
    );

  it.each([
    ['  Teams   Premium ', 'Teams Premium'],
    ['“Quoted name”', 'Quoted name'],
    ["'single'", 'single'],
  ])('tidies %j into %j', (raw, name) => {
    const decision = make(raw);
    expect(decision.ok && decision.value.name).toBe(name);
  });

  it.each(['', '   ', '""', 'x'.repeat(MAX_NAME_LENGTH + 1)])('refuses the name %j', (raw) => {
    expect(make(raw).ok).toBe(false);
  });

  it('starts in project scope, active, with the default checklists and no waves', () => {
    const decision = make('Intune rollout');
    if (!decision.ok) throw new Error();
    expect(decision.value).toMatchObject({
      status: 'active',
      position: { phase: 'scope', wave: null },
      createdBy: ADMIN,
    });
    expect(decision.value.phases.map((p) => [p.key, p.checklist.length, p.waves.length])).toEqual([
      ['scope', 6, 0],
      ['poc', 5, 0],
      ['pilot', 5, 0],
      ['enterprise', 4, 0],
      ['operations', 2, 0],
    ]);
  });
});

describe('roles', () => {
  const policy = (admins: string[], everyoneIsAdmin = false) => ({
    admins: new Set(admins),
    everyoneIsAdmin,
  });
  it.each<[string, ReturnType<typeof policy>, boolean, boolean]>([
    ['a configured admin', policy([OTHER.id]), false, true],
    ['the creator', policy([]), true, true],
    ['anyone else', policy([ADMIN.id]), false, false],
    ['anyone in open local mode', policy([], true), false, true],
  ])('%s', (_name, access, asCreator, expected) => {
    const rollout = aRollout({ createdBy: asCreator ? OTHER : ADMIN });
    expect(isAdmin(OTHER, access, rollout)).toBe(expected);
  });

  it('compares ids without regard to case', () => {
    expect(isAdmin({ id: OTHER.id.toUpperCase(), name: '' }, policy([OTHER.id]), null)).toBe(true);
  });
});
