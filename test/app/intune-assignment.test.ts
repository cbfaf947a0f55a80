import { DirectoryError } from '../../src/app/errors';
import { IntuneAssigner } from '../../src/app/intune-assignment';
import { FILTER_WARNING } from '../../src/app/intune-pending';
import { retryAssignment } from '../../src/app/intune-retry';
import { INTUNE_PERMISSION } from '../../src/app/intune-status';
import type { PendingAssignment, RolloutRepository } from '../../src/app/ports';
import { resolveAudience } from '../../src/app/resolve-audience';
import { emptyAudience, emptyFilters } from '../../src/domain/audience';
import type { Rollout } from '../../src/domain/rollout';
import { intuneNoticeData } from '../../src/teams/views/intune-view';
import { APP, intuneSetup as setup, recordingLog, type IntuneSetup } from './intune-support';
import { ADMIN, MEMBER, TENANT } from './support';

/** The rollout repository, but saving the Intune state fails (a crash before the outbox row is cleared). */
const crashingOnSave = (rollouts: RolloutRepository): RolloutRepository =>
  Object.assign(Object.create(rollouts) as RolloutRepository, {
    saveAssignmentState: async () => {
      throw new Error('process killed');
    },
  });

describe('Intune assignment: order of operations', () => {
  it('the advance commits the assignment with it; it runs after, reads, adds one per group, stores and reports', async () => {
    const t = await setup();
    const outcome = await t.enter();
    // Committed with the advance, nothing asked of Graph yet.
    expect(outcome.message).toMatch(
      /to Proof of concept \(forced: test\)\. Intune: assigning app app-0001 to 1 group \(required\) next/,
    );
    expect(outcome.assignment).toMatchObject({
      stageId: 'poc',
      appId: APP,
      groups: ['g-pilot'],
      intent: 'required',
    });
    expect(await t.deps.rollouts.pendingAssignments(10)).toEqual([outcome.assignment]);
    expect(t.directory.calls.appAssignments + t.directory.calls.assignApp).toBe(0);

    const assigner = t.assigner();
    assigner.enqueue(outcome.assignment as PendingAssignment);
    await assigner.idle();
    expect(t.directory.calls.appAssignments).toBe(1);
    expect(t.directory.calls.assignApp).toBe(1);
    expect(await t.made()).toEqual([
      expect.objectContaining({ target: 'include', groupId: 'g-pilot', intent: 'required' }),
    ]);
    expect(await t.deps.rollouts.pendingAssignments(10)).toEqual([]);
    const state = await t.state();
    expect(state?.latest).toMatchObject({
      state: 'ok',
      assigned: ['g-pilot'],
      leftAlone: [],
      conflicts: [],
      error: null,
    });
    expect(state?.assignments).toEqual(await t.made());
    expect(state?.readAt).toBe(t.deps.clock.now().toISOString());
    expect(t.reports).toEqual([
      expect.objectContaining({ kind: 'intune-assignment', stageLabel: 'Proof of concept' }),
    ]);
  });

  it('owes nothing with INTUNE_ASSIGN off, without an app id, or when the stage has no group', async () => {
    for (const options of [
      { intuneAssign: false },
      { appId: null },
      { audience: { groups: [], members: ['bbbbbbbb-0000-4000-8000-000000000002'] } },
    ]) {
      const t = await setup(options);
      const outcome = await t.enter();
      expect(outcome.assignment).toBeUndefined();
      expect(outcome.message).not.toMatch(/Intune/);
      expect(await t.deps.rollouts.pendingAssignments(10)).toEqual([]);
    }
  });

  it('a crash between the commit and the assignment: the outbox row survives and recovery assigns exactly once', async () => {
    const t = await setup();
    await t.enter(); // committed; the process dies before the assigner ran
    const fresh = t.assigner();
    expect(await fresh.recover()).toBe(1);
    await fresh.idle();
    expect(await fresh.recover()).toBe(0);
    await fresh.idle();
    expect(t.directory.calls.assignApp).toBe(1);
    expect(await t.made()).toHaveLength(1);
  });

  it('a crash after the POST, before the row is cleared: the rerun finds the assignment and makes none', async () => {
    const t = await setup({ audience: { groups: ['g-pilot', 'g-new'] } });
    const outcome = await t.enter();
    const dying = t.assigner(crashingOnSave(t.deps.rollouts));
    dying.enqueue(outcome.assignment as PendingAssignment);
    await dying.idle();
    expect(t.errors).toEqual([expect.stringMatching(/stays in the outbox/)]);
    expect(await t.made()).toHaveLength(2);
    expect(await t.deps.rollouts.pendingAssignments(10)).toHaveLength(1);

    const fresh = t.assigner();
    await fresh.recover();
    await fresh.idle();
    expect(t.directory.calls.assignApp).toBe(2);
    expect(await t.made()).toHaveLength(2);
    expect((await t.state())?.latest).toMatchObject({
      state: 'ok',
      assigned: [],
      leftAlone: ['g-pilot', 'g-new'],
    });
    expect(await t.deps.rollouts.pendingAssignments(10)).toEqual([]);
  });
});

describe('Intune assignment: what is there already', () => {
  it('keeps existing assignments, leaves the same one alone, reports the other intent and exclusions', async () => {
    const t = await setup({ audience: { groups: ['g-pilot', 'g-vip', 'g-done', 'g-new'] } });
    const seed = [
      { id: 'seed-1', target: 'include' as const, groupId: 'g-other', intent: 'required' },
      { id: 'seed-2', target: 'include' as const, groupId: 'G-PILOT', intent: 'available' },
      { id: 'seed-3', target: 'exclude' as const, groupId: 'g-vip', intent: 'required' },
      { id: 'seed-4', target: 'include' as const, groupId: 'g-done', intent: 'required' },
    ];
    for (const a of seed) t.directory.addAssignment(TENANT, APP, a);
    const outcome = await t.enter();
    const assigner = t.assigner();
    assigner.enqueue(outcome.assignment as PendingAssignment);
    await assigner.idle();
    const after = await t.made();
    expect(after.slice(0, 4)).toEqual(seed);
    expect(after.slice(4)).toEqual([expect.objectContaining({ groupId: 'g-new', intent: 'required' })]);
    expect((await t.state())?.latest).toMatchObject({
      state: 'ok',
      assigned: ['g-new'],
      leftAlone: ['g-done'],
      conflicts: [
        { groupId: 'g-pilot', found: 'assigned as available' },
        { groupId: 'g-vip', found: 'excluded' },
      ],
    });
  });

  it('a filtered audience is assigned by group with a warning; listed members are named as not assigned', async () => {
    const t = await setup({
      audience: { filters: { ...emptyFilters(), departments: ['Sales'] }, members: [MEMBER.id] },
      intent: 'available',
    });
    const outcome = await t.enter();
    const assigner = t.assigner();
    assigner.enqueue(outcome.assignment as PendingAssignment);
    await assigner.idle();
    expect(await t.made()).toEqual([expect.objectContaining({ groupId: 'g-pilot', intent: 'available' })]);
    expect((await t.state())?.latest?.warnings).toEqual([
      FILTER_WARNING,
      '1 listed member is not assigned: an assignment names groups only',
    ]);
  });
});

describe('Intune assignment: failures', () => {
  const run = async (t: IntuneSetup) => {
    const outcome = await t.enter();
    const assigner = t.assigner();
    assigner.enqueue(outcome.assignment as PendingAssignment);
    await assigner.idle();
    return t.state();
  };

  it('403: names the app and the permission, is not retried, is reported once, and waits for `intune retry`', async () => {
    const t = await setup();
    t.directory.revoke(TENANT, INTUNE_PERMISSION);
    const state = await run(t);
    expect(state?.latest?.state).toBe('failed');
    expect(state?.latest?.error).toContain(`assign app ${APP}`);
    expect(state?.latest?.error).toContain(INTUNE_PERMISSION);
    expect(t.waits).toEqual([]);
    expect(t.reports).toHaveLength(1);
    expect(await t.deps.rollouts.pendingAssignments(10)).toEqual([]);
    expect(state?.job).toMatchObject({ stageId: 'poc', attempt: 1 });
  });

  it('404 of the app names the app; 404 of a group names the group and the other groups are assigned', async () => {
    const app = await setup();
    app.directory.fail({ method: 'appAssignments', error: new DirectoryError('not-found', 'no app') });
    expect((await run(app))?.latest?.error).toBe(
      `Intune has no app ${APP}: check the Intune app id in the rollout's plan.`,
    );

    const group = await setup({ audience: { groups: ['g-missing', 'g-new'] } });
    group.directory.fail({
      method: 'assignApp',
      groupId: 'g-missing',
      error: new DirectoryError('not-found', 'x'),
    });
    const state = await run(group);
    expect(state?.latest).toMatchObject({
      state: 'failed',
      assigned: ['g-new'],
      error: 'Entra ID has no group g-missing: fix the audience of poc.',
    });
  });

  it('a throttled Graph is retried with back-off, the run read again from the start, at most maxAttempts times', async () => {
    const t = await setup();
    t.directory.fail({ method: 'appAssignments', error: new DirectoryError('throttled', 'busy') });
    const state = await run(t);
    expect(t.directory.calls.appAssignments).toBe(3);
    expect(t.waits).toEqual([500, 1000]);
    expect(state?.latest?.state).toBe('failed');
    expect(state?.latest?.error).toMatch(/after 3 attempts$/);
    expect(t.reports).toHaveLength(1);

    const healing = await setup();
    healing.directory.fail({ method: 'assignApp', error: new DirectoryError('unavailable', 'down') });
    const outcome = await healing.enter();
    const assigner = new IntuneAssigner({
      rollouts: healing.deps.rollouts,
      audiences: healing.deps.audiences,
      directory: healing.directory,
      messenger: { notify: async () => {}, postSignoff: async () => '', updateSignoff: async () => {} },
      clock: healing.deps.clock,
      log: recordingLog().log,
      wait: async () => healing.directory.heal(),
    });
    assigner.enqueue(outcome.assignment as PendingAssignment);
    await assigner.idle();
    expect(await healing.made()).toHaveLength(1);
    expect((await healing.state())?.latest?.state).toBe('ok');
  });
});

describe('intune retry', () => {
  const retry = (t: IntuneSetup, by = ADMIN) =>
    retryAssignment(t.deps, { tenantId: TENANT, rolloutId: t.rollout.id, by, activityKey: null });

  it('with nothing to retry says so; non-admins are refused', async () => {
    const t = await setup();
    expect(await retry(t)).toMatchObject({
      kind: 'nothing',
      message: expect.stringMatching(/no Intune assignment has run/),
    });
    expect((await retry(t, MEMBER)).kind).toBe('forbidden');
    const outcome = await t.enter();
    const assigner = t.assigner();
    assigner.enqueue(outcome.assignment as PendingAssignment);
    await assigner.idle();
    expect(await retry(t)).toMatchObject({
      kind: 'nothing',
      message: expect.stringMatching(/\(poc\) succeeded/),
    });
  });

  it('a failed assignment is queued again (outbox row and state pending) and, run, assigns', async () => {
    const t = await setup();
    t.directory.revoke(TENANT, INTUNE_PERMISSION);
    const outcome = await t.enter();
    const first = t.assigner();
    first.enqueue(outcome.assignment as PendingAssignment);
    await first.idle();
    t.directory.grant(TENANT, [INTUNE_PERMISSION, 'GroupMember.Read.All']);

    const again = await retry(t);
    if (again.kind !== 'queued') throw new Error(again.kind);
    expect(again.message).toMatch(/^The last attempt failed: .*DeviceManagementApps\.ReadWrite\.All/);
    expect(again.job).toMatchObject({ stageId: 'poc', attempt: 2, groups: ['g-pilot'] });
    expect(await t.deps.rollouts.pendingAssignments(10)).toEqual([again.job]);
    expect((await t.state())?.latest?.state).toBe('pending');

    const assigner = t.assigner();
    assigner.enqueue(again.job);
    await assigner.idle();
    expect(await t.made()).toHaveLength(1);
    expect((await t.state())?.latest).toMatchObject({ state: 'ok', attempt: 2 });
  });

  it('an assignment still in the outbox (a crash) is run again as it is', async () => {
    const t = await setup();
    const outcome = await t.enter();
    const again = await retry(t);
    expect(again).toMatchObject({ kind: 'queued', job: outcome.assignment });
  });
});

describe('the assignments as last read', () => {
  it('refresh stores what the app has now and keeps the latest run', async () => {
    const t = await setup();
    const outcome = await t.enter();
    const assigner = t.assigner();
    assigner.enqueue(outcome.assignment as PendingAssignment);
    await assigner.idle();
    t.directory.addAssignment(TENANT, APP, {
      id: 'by-hand',
      target: 'include',
      groupId: 'g-other',
      intent: 'available',
    });
    t.deps.clock.advance(60_000);
    const state = await assigner.refresh(TENANT, t.rollout.id);
    expect(state?.assignments).toHaveLength(2);
    expect(state?.readAt).toBe(t.deps.clock.now().toISOString());
    expect(await t.state()).toEqual(state);
    expect(state?.latest?.state).toBe('ok');
  });
});

describe('Intune assignment: groups of devices', () => {
  const run = async (t: IntuneSetup) => {
    const outcome = await t.enter();
    const assigner = t.assigner();
    assigner.enqueue(outcome.assignment as PendingAssignment);
    await assigner.idle();
    return (await t.state())?.latest;
  };
  const resolve = async (t: IntuneSetup, rollout: Rollout = t.rollout) => {
    const { audiences, clock } = t.deps;
    const outcome = await resolveAudience(
      { directory: t.directory, audiences, clock, log: recordingLog().log },
      rollout,
      'poc',
    );
    expect(outcome.ok).toBe(true);
  };
  const reported = (t: IntuneSetup): string => {
    const [report] = t.reports;
    if (report?.kind !== 'intune-assignment') throw new Error('no report');
    return intuneNoticeData(report.rollout, report.result, report.stageLabel).text;
  };
  const groups = async (t: IntuneSetup) => {
    for (const id of ['u1', 'u2', 'u3']) t.directory.addUser(TENANT, id, {});
    t.directory.addGroup(TENANT, 'g-devices', { nonUsers: 40 });
    t.directory.addGroup(TENANT, 'g-kiosks', { users: ['u1'], nonUsers: 3 });
    t.directory.addGroup(TENANT, 'g-mixed', { users: ['u1', 'u2', 'u3'], nonUsers: 1 });
  };
  const audience = { groups: ['g-devices', 'g-kiosks', 'g-mixed', 'g-pilot'] };

  it("reports, from the stage's fresh snapshot, device groups as such and a mixed group's non-users; assigns as before", async () => {
    const t = await setup({ audience });
    await groups(t);
    await resolve(t);
    const latest = await run(t);
    expect(latest).toMatchObject({
      state: 'ok',
      assigned: ['g-devices', 'g-kiosks', 'g-mixed', 'g-pilot'],
      nonUserGroups: [
        { groupId: 'g-devices', users: 0, nonUsers: 40 },
        { groupId: 'g-kiosks', users: 1, nonUsers: 3 },
        { groupId: 'g-mixed', users: 3, nonUsers: 1 },
      ],
    });
    expect(t.directory.calls.assignApp).toBe(4);
    expect(reported(t).split('\n\n')).toEqual([
      'Assigned (required) to g-devices, g-kiosks, g-mixed, g-pilot.',
      'g-devices: 40 devices — assigned to its devices; not counted as users.',
      'g-kiosks: 3 devices (and 1 user) — assigned to its devices; not counted as users.',
      'g-mixed: 1 of 4 members is not a user (devices) — not counted as users.',
    ]);
  });

  it('without a snapshot, or with one of another definition, says nothing new', async () => {
    for (const stale of [false, true]) {
      const t = await setup({ audience });
      await groups(t);
      if (stale) {
        const other = {
          ...t.rollout,
          phases: t.rollout.phases.map((p) =>
            p.key === 'poc' ? { ...p, audience: { ...emptyAudience(), groups: ['g-devices'] } } : p,
          ),
        };
        await resolve(t, other);
      }
      const latest = await run(t);
      expect(latest?.assigned).toHaveLength(4);
      expect(latest?.nonUserGroups).toBeUndefined();
      expect(reported(t)).toBe('Assigned (required) to g-devices, g-kiosks, g-mixed, g-pilot.');
    }
  });
});
