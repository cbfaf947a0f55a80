import { advancePhase } from '../../src/app/advance-phase';
import { answerSignoff } from '../../src/app/answer-signoff';
import { changePlan } from '../../src/app/change-plan';
import { pauseRollout } from '../../src/app/change-status';
import { createRollout } from '../../src/app/create-rollout';
import type { ScheduledNotice } from '../../src/app/ports';
import { getStatus } from '../../src/app/queries';
import { extendSignoff } from '../../src/app/signoff-changes';
import { requestSignoff } from '../../src/app/signoff-requests';
import {
  reminderStarter,
  runSignoffReminders,
  upcomingSignoff,
  type SignoffReminderDeps,
} from '../../src/app/schedule/signoff-reminders';
import { emptyScheduleState } from '../../src/app/ports-schedule';
import type { ReadinessPlan } from '../../src/domain/signoff';
import { announceDeps } from './announce-support';
import { ADMIN, COORDINATION, HELPDESK, HELPDESK2, TENANT } from './support';

let n = 0;
const key = () => `conv|rem-${++n}`;
const at = (iso: string) => new Date(iso);

/**
 * A rollout in its proof of concept (Europe/Berlin, default quiet hours 19:00–08:00 and weekends)
 * whose only exit criterion is the help desk's readiness for the pilot, asked on Wednesday
 * 2026-02-11 10:00 Berlin with a deadline of Monday 2026-02-16 08:00 Berlin (07:00Z).
 */
const setUp = async (readiness: Partial<ReadinessPlan> = {}) => {
  const { deps, announce } = (() => {
    const made = announceDeps();
    return { deps: made.deps, announce: made.deps.announce };
  })();
  const created = await createRollout(deps, {
    tenantId: TENANT,
    name: 'Teams Premium',
    by: ADMIN,
    activityKey: key(),
    coordination: COORDINATION,
    template: 'app',
    timeZone: 'Europe/Berlin',
  });
  if (created.kind !== 'done') throw new Error(created.kind);
  const rolloutId = created.rollout.id;
  await advancePhase(deps, {
    tenantId: TENANT,
    rolloutId,
    by: ADMIN,
    activityKey: key(),
    command: 'advance phase',
    force: { reason: 'x' },
  });
  const edited = await changePlan(deps, {
    tenantId: TENANT,
    rolloutId,
    by: ADMIN,
    activityKey: key(),
    command: 'plan edit',
    revision: null,
    section: 'phase pilot',
    edit: (spec) => ({
      ...spec,
      phases: {
        ...spec.phases,
        poc: { ...spec.phases.poc, criteria: [] },
        pilot: {
          ...spec.phases.pilot,
          readiness: {
            policy: { kind: 'everyone' },
            allowNotReady: false,
            members: [],
            deadline: '2026-02-16T08:00',
            ...readiness,
          },
        },
      },
    }),
  });
  if (edited.kind !== 'done') throw new Error(edited.kind);
  // Wednesday 2026-02-11 09:00Z = 10:00 Berlin.
  deps.clock.advance(at('2026-02-11T09:00:00.000Z').getTime() - deps.clock.now().getTime());
  const asked = await requestSignoff(deps, {
    tenantId: TENANT,
    rolloutId,
    by: ADMIN,
    activityKey: key(),
    command: 'signoff request',
    where: COORDINATION,
  });
  if (asked.kind !== 'done' || !asked.ref) throw new Error(asked.message);
  const requestId = asked.ref.requestId;
  /** Reminders started (the real startReminder over in-memory announcements), with whether each made one. */
  const started: { n: number; at: string; id: string; created: boolean }[] = [];
  const start = reminderStarter(deps);
  const reminders: SignoffReminderDeps = {
    ...deps,
    escalateHours: [24, 2],
    startReminder: async (rollout, stageId, purpose, when) => {
      const result = (await start(rollout, stageId, purpose, when)) as { id: string; created: boolean };
      started.push({ n: purpose.n, at: when.toISOString(), ...result });
      return result;
    },
  };
  const run = (slot: string) => runSignoffReminders(reminders, at(slot));
  const scheduled = () =>
    deps.enqueued.filter((x): x is ScheduledNotice => (x as ScheduledNotice).kind === 'scheduled');
  const topics = () => scheduled().map((x) => x.topic);
  const request = async () => {
    const state = await deps.signoffs.get(TENANT, rolloutId, requestId);
    if (!state) throw new Error('no request');
    return state;
  };
  const answer = (by: { id: string; name: string }, ready: boolean, reason = '') =>
    answerSignoff(deps, { tenantId: TENANT, rolloutId, requestId, by, ready, reason, activityKey: key() });
  const setClock = (iso: string) => deps.clock.advance(at(iso).getTime() - deps.clock.now().getTime());
  const gate = async () =>
    (await getStatus(deps, TENANT, rolloutId))?.criteria.find((c) => c.id === 'pilot:readiness');
  return {
    deps,
    announce,
    rolloutId,
    requestId,
    started,
    reminders,
    run,
    scheduled,
    topics,
    request,
    answer,
    setClock,
    gate,
  };
};

describe('help-desk reminders', () => {
  it('the first 24 h after the request, the last on Friday before a Monday 08:00 deadline, each once', async () => {
    const ctx = await setUp();
    await ctx.run('2026-02-12T08:55:00.000Z'); // Thursday 09:55 Berlin: not yet
    expect(ctx.started).toEqual([]);
    await ctx.run('2026-02-12T09:00:00.000Z'); // Thursday 10:00 Berlin
    await ctx.run('2026-02-12T09:00:00.000Z'); // the same slot again
    await ctx.run('2026-02-12T09:05:00.000Z');
    expect(ctx.started.map((s) => [s.n, s.at])).toEqual([[1, '2026-02-12T09:00:00.000Z']]);
    await ctx.run('2026-02-13T16:55:00.000Z'); // Friday 17:55 Berlin: not yet
    await ctx.run('2026-02-13T17:00:00.000Z'); // Friday 18:00 Berlin: the last reminder
    await ctx.run('2026-02-14T10:00:00.000Z'); // Saturday: quiet
    await ctx.run('2026-02-16T06:00:00.000Z'); // Monday 07:00 Berlin: quiet, deadline at 08:00
    expect(ctx.started.map((s) => [s.n, s.at])).toEqual([
      [1, '2026-02-12T09:00:00.000Z'],
      [2, '2026-02-13T17:00:00.000Z'],
    ]);
    expect(ctx.started.every((s) => s.created)).toBe(true);
    const state = await ctx.deps.schedules.state(TENANT, ctx.rolloutId);
    expect(state?.value.done).toMatchObject({
      [`remind:${ctx.requestId}:1`]: '2026-02-12T09:00:00.000Z',
      [`remind:${ctx.requestId}:2`]: '2026-02-13T17:00:00.000Z',
    });
  });

  it('two racing runs of one slot make one fan-out and mark it done once', async () => {
    const ctx = await setUp();
    await Promise.all([ctx.run('2026-02-12T09:00:00.000Z'), ctx.run('2026-02-12T09:00:00.000Z')]);
    expect(new Set(ctx.started.map((s) => s.id)).size).toBe(1);
    expect(ctx.started.filter((s) => s.created)).toHaveLength(1);
    await ctx.run('2026-02-12T09:10:00.000Z');
    expect(new Set(ctx.started.map((s) => s.id)).size).toBe(1);
  });

  it('a late run sends only the latest reminder due; nobody is reminded once everyone has answered', async () => {
    const ctx = await setUp();
    await ctx.run('2026-02-13T17:30:00.000Z'); // Friday 18:30: both due, the last one goes
    expect(ctx.started.map((s) => s.n)).toEqual([2]);
    const done = (await ctx.deps.schedules.state(TENANT, ctx.rolloutId))?.value.done ?? {};
    expect(Object.keys(done).sort()).toEqual([`remind:${ctx.requestId}:1`, `remind:${ctx.requestId}:2`]);

    const other = await setUp();
    expect(await other.answer(HELPDESK, true)).toMatchObject({ kind: 'stored' });
    expect(await other.answer(HELPDESK2, true)).toMatchObject({ kind: 'stored' });
    await other.run('2026-02-12T09:00:00.000Z');
    expect(other.started).toEqual([]);
    expect((await other.deps.schedules.state(TENANT, other.rolloutId))?.value.done).toHaveProperty(
      `remind:${other.requestId}:1`,
    );
  });
});

describe('escalation to the coordination conversation', () => {
  it('24 h and 2 h before the deadline, each once, naming who has not answered, the tally and the local deadline', async () => {
    const ctx = await setUp();
    await ctx.answer(HELPDESK, true);
    await ctx.run('2026-02-15T06:55:00.000Z');
    expect(ctx.topics()).toEqual([]);
    await Promise.all([ctx.run('2026-02-15T07:00:00.000Z'), ctx.run('2026-02-15T07:00:00.000Z')]);
    await ctx.run('2026-02-15T07:00:00.000Z');
    await ctx.run('2026-02-15T12:00:00.000Z');
    expect(ctx.topics()).toEqual(['signoff-escalation']);
    const [first] = ctx.scheduled();
    const data = JSON.parse(first?.data ?? '{}') as { title: string; text: string };
    expect(data.title).toBe('⏰ Help-desk sign-off for Pilot: 24 h to the deadline');
    expect(data.text).toContain('answers are taken until 16 Feb 2026, 08:00 CET');
    expect(data.text).toContain(`Not answered yet (1): ${HELPDESK2.id}.`);
    expect(data.text).toContain('1 ready · 0 not ready · 1 not answered');
    await ctx.run('2026-02-16T05:00:00.000Z'); // Monday 06:00 Berlin: 2 h before
    await ctx.run('2026-02-16T05:05:00.000Z');
    expect(ctx.topics()).toEqual(['signoff-escalation', 'signoff-escalation']);
    expect(JSON.parse(ctx.scheduled()[1]?.data ?? '{}')).toMatchObject({
      title: '⏰ Help-desk sign-off for Pilot: 2 h to the deadline',
    });
    // The notices wait in the rollout's outbox until sent: one row per decision.
    expect(await ctx.deps.schedules.pendingNotices(10)).toHaveLength(2);
  });
});

describe('closing at the deadline', () => {
  it('closes once (one audit line, one notice) and the gate reads it as not met; an answer after is refused, nothing changed', async () => {
    const ctx = await setUp();
    await ctx.answer(HELPDESK, true);
    await ctx.run('2026-02-16T06:55:00.000Z');
    expect((await ctx.request()).request.value.status).toBe('open');
    await Promise.all([ctx.run('2026-02-16T07:00:00.000Z'), ctx.run('2026-02-16T07:00:00.000Z')]);
    await ctx.run('2026-02-16T07:00:00.000Z');
    await ctx.run('2026-02-16T07:05:00.000Z');
    const closed = await ctx.request();
    expect(closed.request.value).toMatchObject({
      status: 'closed',
      closedAt: '2026-02-16T07:00:00.000Z',
      metAtClose: false,
    });
    const audit = await ctx.deps.signoffs.audit(TENANT, ctx.rolloutId, ctx.requestId, 20);
    expect(audit.filter((a) => a.type === 'signoff-closed')).toHaveLength(1);
    expect(ctx.topics().filter((t) => t === 'signoff-closed')).toHaveLength(1);
    const notice = ctx.scheduled().find((x) => x.topic === 'signoff-closed');
    const data = JSON.parse(notice?.data ?? '{}') as { title: string; text: string };
    expect(data.title).toBe('⛔ Help-desk sign-off for Pilot closed: not met');
    expect(data.text).toContain('the deadline passed at 16 Feb 2026, 08:00 CET');
    expect(data.text).toContain(`Did not answer (1): ${HELPDESK2.id}.`);
    expect(ctx.deps.scheduled).toContainEqual({
      tenantId: TENANT,
      rolloutId: ctx.rolloutId,
      requestId: ctx.requestId,
    });
    expect(await ctx.gate()).toMatchObject({
      met: false,
      measured: 'closed at the deadline: 1 ready · 0 not ready · 1 not answered',
    });

    ctx.setClock('2026-02-16T07:30:00.000Z');
    expect(await ctx.answer(HELPDESK2, true)).toEqual({
      kind: 'refused',
      rollout: expect.anything(),
      state: expect.anything(),
      message:
        'The deadline for this sign-off passed at 16 Feb 2026, 08:00 CET; ask an admin to extend it (`signoff extend`).',
    });
    const after = await ctx.request();
    expect(after.answers).toEqual(closed.answers);
    expect(after.request.etag).toBe(closed.request.etag);
    expect(await ctx.deps.signoffs.audit(TENANT, ctx.rolloutId, ctx.requestId, 20)).toEqual(audit);
  });

  it('met at the deadline: the gate reads it as met and the notice says so', async () => {
    const ctx = await setUp();
    await ctx.answer(HELPDESK, true);
    await ctx.answer(HELPDESK2, true);
    await ctx.run('2026-02-16T07:00:00.000Z');
    expect((await ctx.request()).request.value).toMatchObject({ status: 'closed', metAtClose: true });
    expect(await ctx.gate()).toMatchObject({ met: true });
    expect(JSON.parse(ctx.scheduled().find((x) => x.topic === 'signoff-closed')?.data ?? '{}')).toMatchObject(
      {
        title: '✅ Help-desk sign-off for Pilot closed: met',
      },
    );
    ctx.setClock('2026-02-16T08:00:00.000Z');
    const moved = await advancePhase(ctx.deps, {
      tenantId: TENANT,
      rolloutId: ctx.rolloutId,
      by: ADMIN,
      activityKey: key(),
      command: 'advance phase',
      force: null,
    });
    expect(moved.kind).toBe('done');
  });

  it('extending reopens a closed request: answers are taken again, and the new deadline closes it again, told again', async () => {
    const ctx = await setUp();
    await ctx.answer(HELPDESK, true);
    await ctx.run('2026-02-16T07:00:00.000Z');
    ctx.setClock('2026-02-16T09:00:00.000Z');
    const extended = await extendSignoff(ctx.deps, {
      tenantId: TENANT,
      rolloutId: ctx.rolloutId,
      by: ADMIN,
      until: '2026-02-17 17:00',
    });
    expect(extended).toMatchObject({
      kind: 'done',
      message: expect.stringMatching(/^Reopened: answers for Pilot/),
    });
    expect((await ctx.request()).request.value).toMatchObject({
      status: 'open',
      metAtClose: null,
      extensions: 1,
    });
    const audit = await ctx.deps.signoffs.audit(TENANT, ctx.rolloutId, ctx.requestId, 1);
    expect(audit[0]?.summary).toMatch(/reopened after it had closed/);
    expect(await ctx.gate()).toMatchObject({
      met: false,
      measured: '1 ready · 0 not ready · 1 not answered',
    });
    expect(await ctx.answer(HELPDESK2, true)).toMatchObject({ kind: 'stored' });
    expect(await ctx.gate()).toMatchObject({ met: true });
    // The new deadline has its own last reminder (nobody left to remind: marked done, not sent) and closing.
    await ctx.run('2026-02-17T12:00:00.000Z');
    expect(ctx.started).toEqual([]);
    await ctx.run('2026-02-17T16:00:00.000Z');
    expect((await ctx.request()).request.value).toMatchObject({ status: 'closed', metAtClose: true });
    expect(ctx.topics().filter((t) => t === 'signoff-closed')).toHaveLength(2);
  });
});

describe('no deadline, or a new request after it', () => {
  it('a request with no deadline is reminded once and never closes', async () => {
    const ctx = await setUp({ deadline: null });
    await ctx.run('2026-02-12T09:00:00.000Z');
    const before = ctx.started.length;
    // No deadline: nothing ever closes it.
    await ctx.run('2026-03-12T09:00:00.000Z');
    expect((await ctx.request()).request.value.status).toBe('open');
    expect(ctx.started).toHaveLength(before);
  });

  it('signoff request on a closed request replaces it', async () => {
    const ctx = await setUp();
    await ctx.run('2026-02-16T07:00:00.000Z');
    ctx.setClock('2026-02-16T08:00:00.000Z');
    const again = await requestSignoff(ctx.deps, {
      tenantId: TENANT,
      rolloutId: ctx.rolloutId,
      by: ADMIN,
      activityKey: key(),
      command: 'signoff request',
      where: COORDINATION,
    });
    // The plan's deadline has passed: a new request is refused until it moves; the closed one stands.
    expect(again).toMatchObject({ kind: 'refused', message: expect.stringMatching(/deadline in the plan/) });
    expect((await ctx.request()).request.value.status).toBe('closed');
    const moved = await changePlan(ctx.deps, {
      tenantId: TENANT,
      rolloutId: ctx.rolloutId,
      by: ADMIN,
      activityKey: key(),
      command: 'plan edit',
      revision: null,
      section: 'phase pilot',
      edit: (spec) => {
        const pilot = spec.phases.pilot;
        if (!pilot.readiness) throw new Error('no readiness');
        return {
          ...spec,
          phases: {
            ...spec.phases,
            pilot: { ...pilot, readiness: { ...pilot.readiness, deadline: '2026-02-20T17:00' } },
          },
        };
      },
    });
    expect(moved.kind).toBe('done');
    const renewed = await requestSignoff(ctx.deps, {
      tenantId: TENANT,
      rolloutId: ctx.rolloutId,
      by: ADMIN,
      activityKey: key(),
      command: 'signoff request',
      where: COORDINATION,
    });
    expect(renewed).toMatchObject({ kind: 'done' });
    expect((await ctx.request()).request.value.status).toBe('superseded');
    const current = (await ctx.deps.rollouts.get(TENANT, ctx.rolloutId))?.value.signoffs?.pilot;
    expect(current).not.toBe(ctx.requestId);
    expect(await ctx.gate()).toMatchObject({
      met: false,
      measured: '0 ready · 0 not ready · 2 not answered',
    });
  });
});

describe('paused rollouts', () => {
  it('get no reminders nor escalations; the request still closes at its deadline', async () => {
    const ctx = await setUp();
    const paused = await pauseRollout(ctx.deps, {
      tenantId: TENANT,
      rolloutId: ctx.rolloutId,
      by: ADMIN,
      activityKey: key(),
      command: 'pause',
      reason: null,
    });
    expect(paused.kind).toBe('done');
    for (const slot of ['2026-02-12T09:00:00.000Z', '2026-02-13T17:00:00.000Z', '2026-02-15T07:00:00.000Z']) {
      await ctx.run(slot);
    }
    expect(ctx.started).toEqual([]);
    expect(ctx.topics()).toEqual([]);
    await ctx.run('2026-02-16T07:00:00.000Z');
    expect((await ctx.request()).request.value.status).toBe('closed');
    expect(ctx.topics()).toEqual(['signoff-closed']);
  });
});

describe('what is coming (schedule)', () => {
  it('lists the reminders, escalations and closing not done yet, in the plan of the request', async () => {
    const ctx = await setUp();
    const rollout = (await ctx.deps.rollouts.get(TENANT, ctx.rolloutId))?.value;
    if (!rollout) throw new Error('no rollout');
    const state = emptyScheduleState(TENANT, ctx.rolloutId);
    const items = upcomingSignoff(
      rollout,
      state,
      await ctx.request(),
      [24, 2],
      at('2026-02-11T10:00:00.000Z'),
    );
    expect(items.map((i) => i.at)).toEqual([
      '2026-02-12T09:00:00.000Z',
      '2026-02-13T17:00:00.000Z',
      '2026-02-15T07:00:00.000Z',
      '2026-02-16T05:00:00.000Z',
      '2026-02-16T07:00:00.000Z',
    ]);
    expect(items[0]?.what).toBe(
      'Reminder in personal chat to the 2 help-desk members who have not answered (Pilot sign-off)',
    );
    const done = { ...state, done: { [`remind:${ctx.requestId}:1`]: 'x' } };
    expect(
      upcomingSignoff(rollout, done, await ctx.request(), [24, 2], at('2026-02-11T10:00:00.000Z')),
    ).toHaveLength(4);
    const paused = { ...rollout, status: 'paused' as const };
    expect(
      upcomingSignoff(paused, state, await ctx.request(), [24, 2], at('2026-02-11T10:00:00.000Z')),
    ).toEqual([{ at: '2026-02-16T07:00:00.000Z', what: expect.stringMatching(/closes at its deadline/) }]);
  });
});
