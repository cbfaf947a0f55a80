import { advancePhase } from '../../src/app/advance-phase';
import { answerSignoff } from '../../src/app/answer-signoff';
import { changePlan } from '../../src/app/change-plan';
import { createRollout } from '../../src/app/create-rollout';
import { closeEnteredSignoff, extendSignoff, renewChangedSignoffs } from '../../src/app/signoff-changes';
import { bindHelpdeskConversation, pendingSignoffs } from '../../src/app/signoff-queries';
import { requestSignoff } from '../../src/app/signoff-requests';
import type { PlanSpec } from '../../src/domain/plan';
import { tallyOf, type ReadinessPlan } from '../../src/domain/signoff';
import { ADMIN, ADMIN2, COORDINATION, HELPDESK, HELPDESK2, MEMBER, makeDeps, TENANT } from './support';

const HELPDESK_CHANNEL = {
  conversationId: 'helpdesk-channel',
  conversationType: 'channel',
  serviceUrl: 'http://x/',
};
let n = 0;
const key = () => `conv|act-${++n}`;

/** A rollout in its proof of concept whose only exit criterion is the help desk's readiness for the pilot. */
const setUp = async (helpdesk?: string[]) => {
  const deps = { ...makeDeps(), ...(helpdesk ? { helpdesk } : {}) };
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
  const onlyReadiness = await changePlan(deps, {
    tenantId: TENANT,
    rolloutId,
    by: ADMIN,
    activityKey: key(),
    command: 'plan edit',
    revision: null,
    section: 'phase poc',
    edit: (spec) => ({ ...spec, phases: { ...spec.phases, poc: { ...spec.phases.poc, criteria: [] } } }),
  });
  if (onlyReadiness.kind !== 'done') throw new Error(onlyReadiness.kind);
  return { deps, rolloutId };
};
type Ctx = Awaited<ReturnType<typeof setUp>>;
const request = ({ deps, rolloutId }: Ctx, by = ADMIN, activityKey = key()) =>
  requestSignoff(deps, {
    tenantId: TENANT,
    rolloutId,
    by,
    activityKey,
    command: 'signoff request',
    where: COORDINATION,
  });
const answer = (
  { deps, rolloutId }: Ctx,
  requestId: string,
  by: { id: string; name: string },
  ready: boolean,
  reason = '',
) => answerSignoff(deps, { tenantId: TENANT, rolloutId, requestId, by, ready, reason, activityKey: key() });
const requestIdOf = async ({ deps, rolloutId }: Ctx): Promise<string> => {
  const id = (await deps.rollouts.get(TENANT, rolloutId))?.value.signoffs?.pilot;
  if (!id) throw new Error('no request recorded');
  return id;
};
/** Changes the plan as an admin: `edit` gets the current spec and returns the new one. */
const editPlan = ({ deps, rolloutId }: Ctx, section: string, edit: (spec: PlanSpec) => PlanSpec) =>
  changePlan(deps, {
    tenantId: TENANT,
    rolloutId,
    by: ADMIN,
    activityKey: key(),
    command: 'plan edit',
    revision: null,
    section,
    edit,
  });
/** Sets the pilot's readiness sign-off in the plan (defaults: everyone, ROLLOUT_HELPDESK, no deadline). */
const setPilotReadiness = (ctx: Ctx, readiness: Partial<ReadinessPlan>) =>
  editPlan(ctx, 'phase pilot', (spec) => ({
    ...spec,
    phases: {
      ...spec.phases,
      pilot: {
        ...spec.phases.pilot,
        readiness: {
          policy: { kind: 'everyone' },
          allowNotReady: false,
          members: [],
          deadline: null,
          ...readiness,
        },
      },
    },
  }));
const advance = ({ deps, rolloutId }: Ctx) =>
  advancePhase(deps, {
    tenantId: TENANT,
    rolloutId,
    by: ADMIN,
    activityKey: key(),
    command: 'advance phase',
    force: null,
  });

describe('requesting readiness', () => {
  it('posts the request where it was typed, records it for the gate, and refuses a second one while it stands', async () => {
    const ctx = await setUp();
    const outcome = await request(ctx);
    expect(outcome).toMatchObject({ kind: 'done', message: expect.stringMatching(/enter Pilot, here/) });
    expect(ctx.deps.posted).toEqual([
      expect.objectContaining({ kind: 'post', conversationId: COORDINATION.conversationId }),
    ]);
    const state = await ctx.deps.signoffs.get(TENANT, ctx.rolloutId, await requestIdOf(ctx));
    expect(state?.request.value).toMatchObject({
      stageId: 'pilot',
      members: [HELPDESK.id, HELPDESK2.id],
      messageId: 'm1',
    });
    expect(await request(ctx)).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/already open \(0 ready, 0 not ready, 2 not answered\)/),
    });
    expect(ctx.deps.posted).toHaveLength(1);
  });

  it('goes to the help desk’s conversation once bound; a redelivered command posts once', async () => {
    const ctx = await setUp();
    await bindHelpdeskConversation(ctx.deps, {
      tenantId: TENANT,
      rolloutId: ctx.rolloutId,
      by: ADMIN,
      activityKey: key(),
      command: 'rollout bind helpdesk',
      to: HELPDESK_CHANNEL,
    });
    const same = key();
    await Promise.all([request(ctx, ADMIN, same), request(ctx, ADMIN, same)]);
    expect(ctx.deps.posted.filter((p) => p.kind === 'post').map((p) => p.conversationId)).toEqual([
      'helpdesk-channel',
    ]);
  });

  it('admins only (audited); nobody to ask is a clear refusal', async () => {
    const ctx = await setUp();
    expect(await request(ctx, MEMBER)).toMatchObject({ kind: 'forbidden' });
    expect((await ctx.deps.rollouts.audit(TENANT, ctx.rolloutId, 1))[0]).toMatchObject({
      type: 'access-denied',
    });
    const tooMany = Array.from(
      { length: 201 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    expect(await request(await setUp(tooMany))).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/At most 200/),
    });
    expect(await request(await setUp([]))).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/ROLLOUT_HELPDESK/),
    });
  });
});

describe('answering and the gate', () => {
  it('40 members answering at once give an exact tally; the gate opens when everyone is ready', async () => {
    const members = Array.from(
      { length: 40 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const ctx = await setUp(members);
    await request(ctx);
    const requestId = await requestIdOf(ctx);
    expect(await advance(ctx)).toMatchObject({ kind: 'refused' });
    const outcomes = await Promise.all(
      members.map((id) => answer(ctx, requestId, { id, name: id.slice(-2) }, true)),
    );
    expect(outcomes.every((o) => o.kind === 'stored')).toBe(true);
    const state = await ctx.deps.signoffs.get(TENANT, ctx.rolloutId, requestId);
    if (!state) throw new Error('no request');
    expect(tallyOf(state.request.value, state.answers)).toMatchObject({ met: true, pending: [] });
    expect(state.answers).toHaveLength(40);
    expect(await advance(ctx)).toMatchObject({ kind: 'done' });
  });

  it('Not ready needs a reason, blocks the gate, and leaves a notice for the coordination conversation', async () => {
    const ctx = await setUp();
    await request(ctx);
    const requestId = await requestIdOf(ctx);
    expect(await answer(ctx, requestId, HELPDESK, false, ' ')).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/needs a reason/),
    });
    const notReady = await answer(ctx, requestId, HELPDESK, false, 'No runbook yet');
    expect(notReady).toMatchObject({
      kind: 'stored',
      notice: expect.objectContaining({ kind: 'signoff-not-ready', personId: HELPDESK.id }),
    });
    await answer(ctx, requestId, HELPDESK2, true);
    const refused = await advance(ctx);
    expect(refused.kind === 'refused' && refused.error.unmet?.map((c) => c.id)).toEqual(['pilot:readiness']);
    expect(await answer(ctx, requestId, MEMBER, true)).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/Only the help-desk members/),
    });
    expect(
      (await ctx.deps.signoffs.audit(TENANT, ctx.rolloutId, requestId, 10)).map((a) => a.summary),
    ).toEqual(['Ready for Pilot', 'Not ready for Pilot: No runbook yet']);
  });

  it('after the deadline answers are closed; an admin extends it and answers are taken again', async () => {
    const ctx = await setUp();
    await setPilotReadiness(ctx, {
      policy: { kind: 'first' },
      members: [HELPDESK.id],
      deadline: '2026-02-10T19:00',
    });
    await request(ctx);
    const requestId = await requestIdOf(ctx);
    ctx.deps.clock.advance(2 * 3600_000); // 19:30 in Berlin: past the deadline
    expect(await answer(ctx, requestId, HELPDESK, true)).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(
        /deadline for this sign-off passed at 10 Feb 2026, 19:00 CET; ask an admin to extend it/,
      ),
    });
    const extend = (until: string, by = ADMIN) =>
      extendSignoff(ctx.deps, { tenantId: TENANT, rolloutId: ctx.rolloutId, by, until });
    expect(await extend('2026-02-10 20:00', MEMBER)).toMatchObject({ kind: 'forbidden' });
    expect(await extend('tomorrow')).toMatchObject({ kind: 'refused' });
    expect(await extend('2026-02-10 18:00')).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/future/),
    });
    expect(await extend('2026-02-10 21:00')).toMatchObject({ kind: 'done' });
    expect(await answer(ctx, requestId, HELPDESK, true)).toMatchObject({ kind: 'stored' });
    expect(await advance(ctx)).toMatchObject({ kind: 'done' });
  });
});

describe('races and closing', () => {
  it('two admins asking at once: one request is recorded and posted, the other is refused and never posted', async () => {
    const ctx = await setUp();
    const outcomes = await Promise.all([request(ctx), request(ctx, ADMIN2)]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['done', 'refused']);
    expect(ctx.deps.posted.filter((p) => p.kind === 'post')).toHaveLength(1);
    expect(await pendingSignoffs(ctx.deps, ctx.deps.clock.now())).toHaveLength(1);
  });

  it('a request that could never be met is refused: a passed deadline, a quorum above the members', async () => {
    const ctx = await setUp();
    await setPilotReadiness(ctx, { deadline: '2026-02-10T09:00' });
    expect(await request(ctx)).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/deadline .* has passed/),
    });
    await setPilotReadiness(ctx, { policy: { kind: 'quorum', n: 3 } });
    expect(await request(ctx)).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/quorum \(3\) is larger than the 2 members/),
    });
    expect(ctx.deps.posted).toEqual([]);
  });

  it('once the stage is entered the request closes: no more answers, no reminders, its card updated', async () => {
    const ctx = await setUp();
    await request(ctx);
    const requestId = await requestIdOf(ctx);
    await answer(ctx, requestId, HELPDESK, true);
    await answer(ctx, requestId, HELPDESK2, true);
    const moved = await advance(ctx);
    if (moved.kind !== 'done') throw new Error(moved.kind);
    await closeEnteredSignoff(ctx.deps, moved.rollout, ADMIN);
    expect((await ctx.deps.signoffs.get(TENANT, ctx.rolloutId, requestId))?.request.value.status).toBe(
      'decided',
    );
    expect(await answer(ctx, requestId, HELPDESK, false, 'changed my mind')).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/entered Pilot/),
    });
    expect(await pendingSignoffs(ctx.deps, ctx.deps.clock.now())).toEqual([]);
    expect(ctx.deps.scheduled).toContainEqual({ tenantId: TENANT, rolloutId: ctx.rolloutId, requestId });
  });
});

describe('a plan change invalidates the sign-off', () => {
  it('a new time frame for the pilot supersedes the request (its card updated) and posts a new one', async () => {
    const ctx = await setUp();
    await request(ctx);
    const first = await requestIdOf(ctx);
    await answer(ctx, first, HELPDESK, true);
    await answer(ctx, first, HELPDESK2, true);
    const changed = await editPlan(ctx, 'plan', (spec) => ({
      ...spec,
      phases: {
        ...spec.phases,
        pilot: { ...spec.phases.pilot, timeFrame: { start: '2026-03-02', end: '2026-03-20' } },
      },
    }));
    if (changed.kind !== 'done') throw new Error(changed.kind);
    // Until renewed, the gate already reads the old request as superseded.
    expect(await advance(ctx)).toMatchObject({ kind: 'refused' });
    expect(await renewChangedSignoffs(ctx.deps, changed.rollout, ADMIN)).toEqual([
      expect.stringMatching(/Asked the help desk/),
    ]);
    const second = await requestIdOf(ctx);
    expect(second).not.toBe(first);
    expect((await ctx.deps.signoffs.get(TENANT, ctx.rolloutId, first))?.request.value.status).toBe(
      'superseded',
    );
    expect(ctx.deps.posted.map((p) => [p.kind, 'messageId' in p ? p.messageId : ''])).toEqual([
      ['post', 'm1'],
      ['post', 'm2'],
    ]);
    // The old card is brought up to date ("superseded") by the one writer of its tally.
    expect(ctx.deps.scheduled).toContainEqual({
      tenantId: TENANT,
      rolloutId: ctx.rolloutId,
      requestId: first,
    });
    expect((await ctx.deps.signoffs.audit(TENANT, ctx.rolloutId, first, 1))[0]?.summary).toMatch(
      /Superseded: the time frame, target groups or audience changed/,
    );
    // A change elsewhere in the plan leaves the (new) request alone.
    const elsewhere = await editPlan(ctx, 'settings', (spec) => ({
      ...spec,
      businessPurpose: 'Meetings that summarise themselves',
    }));
    if (elsewhere.kind !== 'done') throw new Error(elsewhere.kind);
    expect(await renewChangedSignoffs(ctx.deps, elsewhere.rollout, ADMIN)).toEqual([]);
    expect(await requestIdOf(ctx)).toBe(second);
  });

  it('a changed audience (groups, members, filters) supersedes the request too', async () => {
    const ctx = await setUp();
    await request(ctx);
    const first = await requestIdOf(ctx);
    const changed = await editPlan(ctx, 'phase pilot', (spec) => ({
      ...spec,
      phases: {
        ...spec.phases,
        pilot: {
          ...spec.phases.pilot,
          audience: {
            groups: ['a0000000-0000-4000-8000-0000000000a0'],
            members: [],
            filters: { departments: ['Finance'], countries: [], offices: [], platforms: [] },
            includeGuests: false,
            includeDisabled: false,
          },
        },
      },
    }));
    if (changed.kind !== 'done') throw new Error(changed.kind);
    expect(await renewChangedSignoffs(ctx.deps, changed.rollout, ADMIN)).toEqual([
      expect.stringMatching(/Asked the help desk/),
    ]);
    expect((await ctx.deps.signoffs.get(TENANT, ctx.rolloutId, first))?.request.value.status).toBe(
      'superseded',
    );
  });

  it('a request made before audiences were fingerprinted stays valid after the upgrade', async () => {
    const ctx = await setUp();
    await request(ctx);
    const id = await requestIdOf(ctx);
    const state = await ctx.deps.signoffs.get(TENANT, ctx.rolloutId, id);
    if (!state) throw new Error('no request');
    // As stored by the previous release: the time frame and target groups only.
    const old = JSON.stringify({ timeFrame: { start: null, end: null }, targetGroups: [] });
    const pilot = (await ctx.deps.rollouts.get(TENANT, ctx.rolloutId))?.value.phases.find(
      (p) => p.key === 'pilot',
    );
    expect(pilot?.timeFrame).toEqual({ start: null, end: null });
    await ctx.deps.signoffs.update({ ...state.request.value, fingerprint: old }, state.request.etag, null);
    const rollout = (await ctx.deps.rollouts.get(TENANT, ctx.rolloutId))?.value;
    if (!rollout) throw new Error('no rollout');
    expect(await renewChangedSignoffs(ctx.deps, rollout, ADMIN)).toEqual([]);
    expect(await advance(ctx)).not.toMatchObject({
      error: { message: expect.stringContaining('superseded') },
    });
    expect((await ctx.deps.signoffs.get(TENANT, ctx.rolloutId, id))?.request.value.status).toBe('open');
  });

  it('pendingSignoffs lists open requests with who has not answered and the time left', async () => {
    const ctx = await setUp();
    await request(ctx);
    const requestId = await requestIdOf(ctx);
    await answer(ctx, requestId, HELPDESK, true);
    expect(await pendingSignoffs(ctx.deps, ctx.deps.clock.now())).toEqual([
      {
        ref: { tenantId: TENANT, rolloutId: ctx.rolloutId, requestId },
        stageLabel: 'Pilot',
        pending: [HELPDESK2.id],
        deadline: null,
        timeLeftMs: null,
      },
    ]);
  });
});
