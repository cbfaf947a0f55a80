import { advancePhase } from '../../src/app/advance-phase';
import { closeRollout, pauseRollout, resumeRollout } from '../../src/app/change-status';
import { createRollout } from '../../src/app/create-rollout';
import type { Outcome } from '../../src/app/mutate';
import { getStatus, listRollouts, resolveRollout } from '../../src/app/queries';
import { tickChecklist } from '../../src/app/tick-checklist';
import { changePlan } from '../../src/app/change-plan';
import { CHECKLISTS } from '../../src/domain/templates';

const DEFAULT_CHECKLISTS = CHECKLISTS.app;
import { ADMIN, ADMIN2, COORDINATION, makeDeps, MEMBER, TENANT } from './support';

type D = ReturnType<typeof makeDeps>;

const create = async (deps: D, name = 'Teams Premium', activityKey: string | null = `conv|${name}`) => {
  const outcome = await createRollout(deps, {
    tenantId: TENANT,
    by: ADMIN,
    name,
    activityKey,
    coordination: COORDINATION,
    template: 'app',
    timeZone: 'UTC',
  });
  if (outcome.kind !== 'done') throw new Error(`not created: ${JSON.stringify(outcome)}`);
  return outcome.rollout.id;
};

const request = (rolloutId: string, key: string | null, by = ADMIN) => ({
  tenantId: TENANT,
  rolloutId,
  by,
  activityKey: key,
  command: 'advance phase',
});

const tickAll = async (deps: D, rolloutId: string, phase: keyof typeof CHECKLISTS.app) => {
  for (const [itemId] of DEFAULT_CHECKLISTS[phase]) {
    const outcome = await tickChecklist(deps, {
      ...request(rolloutId, `tick-${phase}-${itemId}`),
      phase,
      waveId: null,
      itemId,
      done: true,
    });
    expect(outcome.kind).toBe('done');
  }
};

const kinds = (outcomes: Outcome[]) => outcomes.map((o) => o.kind).sort();

describe('creating rollouts', () => {
  it('a redelivered `rollout new` creates one rollout and answers the repeat the same way', async () => {
    const deps = makeDeps();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        createRollout(deps, {
          tenantId: TENANT,
          by: ADMIN,
          name: 'Teams',
          activityKey: 'conv|a1',
          coordination: COORDINATION,
          template: 'app',
          timeZone: 'UTC',
        }),
      ),
    );
    expect(kinds(outcomes)).toEqual(['done', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await deps.rollouts.list(TENANT)).toHaveLength(1);
    const done = outcomes.find((o) => o.kind === 'done');
    const dup = outcomes.find((o) => o.kind === 'duplicate');
    expect(dup?.kind === 'duplicate' && dup.rolloutId).toBe(done?.kind === 'done' && done.rollout.id);
  });

  it('refuses a non-admin and audits the refusal at tenant level', async () => {
    const deps = makeDeps();
    const outcome = await createRollout(deps, {
      tenantId: TENANT,
      by: MEMBER,
      name: 'X',
      activityKey: 'k',
      coordination: COORDINATION,
      template: 'app',
      timeZone: 'UTC',
    });
    expect(outcome.kind).toBe('forbidden');
    expect(await deps.rollouts.list(TENANT)).toEqual([]);
    expect(await deps.rollouts.audit(TENANT, null, 5)).toEqual([
      expect.objectContaining({
        type: 'access-denied',
        by: MEMBER,
        summary: expect.stringContaining('rollout new'),
      }),
    ]);
  });

  it('refuses a second open rollout with the same name', async () => {
    const deps = makeDeps();
    await create(deps, 'Teams Premium', 'k1');
    const outcome = await createRollout(deps, {
      tenantId: TENANT,
      by: ADMIN,
      name: 'teams premium',
      activityKey: 'k2',
      coordination: COORDINATION,
      template: 'app',
      timeZone: 'UTC',
    });
    expect(outcome).toMatchObject({ kind: 'invalid', message: expect.stringContaining('already exists') });
  });

  it('audits the creation', async () => {
    const deps = makeDeps();
    const id = await create(deps);
    expect(await deps.rollouts.audit(TENANT, id, 5)).toEqual([
      expect.objectContaining({ type: 'rollout-created', by: ADMIN }),
    ]);
  });
});

describe('advancing', () => {
  it('refuses while criteria are unmet, then advances once they are', async () => {
    const deps = makeDeps();
    const id = await create(deps);
    const refused = await advancePhase(deps, { ...request(id, 'a1'), force: null });
    expect(refused).toMatchObject({ kind: 'refused', error: { code: 'gate-unmet' } });
    await tickAll(deps, id, 'scope');
    const done = await advancePhase(deps, { ...request(id, 'a2'), force: null });
    expect(done).toMatchObject({ kind: 'done', rollout: { position: { phase: 'poc' } } });
    const audit = await deps.rollouts.audit(TENANT, id, 1);
    expect(audit[0]).toMatchObject({ type: 'phase-advanced', from: 'Project scope', to: 'Proof of concept' });
  });

  it('two admins advancing at the same moment advance it once; the other is told who did', async () => {
    const deps = makeDeps();
    const id = await create(deps);
    await tickAll(deps, id, 'scope');
    const [a, b] = await Promise.all([
      advancePhase(deps, { ...request(id, 'x1', ADMIN), force: null }),
      advancePhase(deps, { ...request(id, 'x2', ADMIN2), force: null }),
    ]);
    expect(kinds([a!, b!])).toEqual(['done', 'superseded']);
    const loser = [a, b].find((o) => o?.kind === 'superseded');
    const winner = [a, b].find((o) => o?.kind === 'done');
    const winnerName = winner === a ? ADMIN.name : ADMIN2.name;
    expect(loser?.kind === 'superseded' && loser.message).toBe(
      `${winnerName} already advanced it to Proof of concept; nothing more was done.`,
    );
    expect((await deps.rollouts.get(TENANT, id))?.value.position.phase).toBe('poc');
    const advances = (await deps.rollouts.audit(TENANT, id, 50)).filter((e) => e.type === 'phase-advanced');
    expect(advances).toHaveLength(1);
  });

  it('a command sent before someone else’s advance was recorded does not advance again', async () => {
    const deps = makeDeps();
    const id = await create(deps);
    const sentAt = deps.clock.now().toISOString();
    deps.clock.advance(200);
    expect(
      (await advancePhase(deps, { ...request(id, 'first', ADMIN2), force: { reason: 'go' } })).kind,
    ).toBe('done');
    deps.clock.advance(300);
    const late = await advancePhase(deps, { ...request(id, 'second'), force: { reason: 'go' }, sentAt });
    expect(late).toMatchObject({
      kind: 'superseded',
      message: `${ADMIN2.name} already advanced it to Proof of concept; nothing more was done.`,
    });
    // Sent after the advance was recorded: a deliberate second advance.
    const later = await advancePhase(deps, {
      ...request(id, 'third'),
      force: { reason: 'go' },
      sentAt: deps.clock.now().toISOString(),
    });
    expect(later).toMatchObject({ kind: 'done', rollout: { position: { phase: 'pilot' } } });
  });

  it('the same activity delivered 5 times at once acts once', async () => {
    const deps = makeDeps();
    const id = await create(deps);
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        advancePhase(deps, { ...request(id, 'same'), force: { reason: 'go' } }),
      ),
    );
    expect(kinds(outcomes)).toEqual(['done', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect((await deps.rollouts.get(TENANT, id))?.value.position.phase).toBe('poc');
    const done = outcomes.find((o) => o.kind === 'done');
    for (const dup of outcomes.filter((o) => o.kind === 'duplicate')) {
      expect(dup.kind === 'duplicate' && dup.message).toBe(done?.kind === 'done' && done.message);
    }
  });

  it('a concurrent checklist tick is retried, not reported', async () => {
    const deps = makeDeps();
    const id = await create(deps);
    const [advance, tick] = await Promise.all([
      advancePhase(deps, { ...request(id, 'f1'), force: { reason: 'demo' } }),
      tickChecklist(deps, {
        ...request(id, 't1', ADMIN2),
        phase: 'scope',
        waveId: null,
        itemId: 'installer',
        done: true,
      }),
    ]);
    expect(advance?.kind).toBe('done');
    // The tick either landed before the advance or found scope no longer current: never a conflict.
    expect(['done', 'refused']).toContain(tick?.kind);
    const stored = await deps.rollouts.get(TENANT, id);
    expect(stored?.value.position.phase).toBe('poc');
  });

  it('many ticks at once all land (conflicts retried)', async () => {
    const deps = makeDeps();
    const id = await create(deps);
    const items = DEFAULT_CHECKLISTS.scope.map(([itemId]) => itemId);
    const outcomes = await Promise.all(
      items.map((itemId) =>
        tickChecklist(deps, {
          ...request(id, `t-${itemId}`),
          phase: 'scope',
          waveId: null,
          itemId,
          done: true,
        }),
      ),
    );
    expect(outcomes.every((o) => o.kind === 'done')).toBe(true);
    const view = await getStatus(deps, TENANT, id);
    expect(view?.criteria[0]).toMatchObject({ met: true, measured: '6 of 6 done' });
  });

  it('a non-admin is refused, nothing changes, and the attempt is audited', async () => {
    const deps = makeDeps();
    const id = await create(deps);
    const before = await deps.rollouts.get(TENANT, id);
    const outcome = await advancePhase(deps, { ...request(id, 'm1', MEMBER), force: { reason: 'please' } });
    expect(outcome.kind).toBe('forbidden');
    const after = await deps.rollouts.get(TENANT, id);
    expect(after?.etag).toBe(before?.etag);
    expect((await deps.rollouts.audit(TENANT, id, 1))[0]).toMatchObject({
      type: 'access-denied',
      by: MEMBER,
    });
  });

  it('the creator is an admin of their rollout even when not configured', async () => {
    const deps = makeDeps();
    deps.access = { admins: new Set([ADMIN.id]), everyoneIsAdmin: false };
    const id = await create(deps);
    deps.access = { admins: new Set(), everyoneIsAdmin: false };
    const outcome = await pauseRollout(deps, { ...request(id, 'p1'), reason: null });
    expect(outcome.kind).toBe('done');
  });
});

describe('renaming', () => {
  it('a plan change may not give a rollout another open rollout’s name', async () => {
    const deps = makeDeps();
    await create(deps, 'Alpha', 'k1');
    const beta = await create(deps, 'Beta', 'k2');
    const rename = (name: string, key: string) =>
      changePlan(deps, {
        ...request(beta, key),
        revision: null,
        section: 'settings',
        edit: (plan) => ({ ...plan, name }),
      });
    expect(await rename('alpha', 'r1')).toMatchObject({
      kind: 'refused',
      error: { code: 'invalid-name', message: expect.stringContaining('already exists') },
    });
    expect((await deps.rollouts.get(TENANT, beta))?.value.name).toBe('Beta');
    expect((await rename('Gamma', 'r2')).kind).toBe('done');
  });
});

describe('limits', () => {
  it('a change too large to store is refused with a clear message and changes nothing', async () => {
    const deps = makeDeps();
    const id = await create(deps);
    const before = await deps.rollouts.get(TENANT, id);
    const outcome = await changePlan(deps, {
      ...request(id, 'big'),
      revision: 1,
      section: 'settings',
      edit: (plan) => ({ ...plan, businessPurpose: 'x'.repeat(600_000) }),
    });
    expect(outcome).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('Nothing was changed'),
    });
    expect((await deps.rollouts.get(TENANT, id))?.etag).toBe(before?.etag);
  });
});

describe('pause, resume, close', () => {
  it('pausing blocks ticks and advances; reading still works; resume lifts it', async () => {
    const deps = makeDeps();
    const id = await create(deps);
    expect((await pauseRollout(deps, { ...request(id, 'p'), reason: 'holiday freeze' })).kind).toBe('done');
    const tick = await tickChecklist(deps, {
      ...request(id, 't'),
      phase: 'scope',
      waveId: null,
      itemId: 'installer',
      done: true,
    });
    expect(tick).toMatchObject({ kind: 'refused', error: { code: 'paused' } });
    expect((await advancePhase(deps, { ...request(id, 'a'), force: { reason: 'x' } })).kind).toBe('refused');
    expect((await getStatus(deps, TENANT, id))?.rollout.status).toBe('paused');
    expect((await resumeRollout(deps, request(id, 'r'))).kind).toBe('done');
    expect((await deps.rollouts.audit(TENANT, id, 2)).map((e) => e.summary)).toEqual([
      'Resumed',
      'Paused: holiday freeze',
    ]);
  });

  it('closes from operations only', async () => {
    const deps = makeDeps();
    const id = await create(deps);
    expect(await closeRollout(deps, request(id, 'c0'))).toMatchObject({
      kind: 'refused',
      error: { code: 'not-in-operations' },
    });
    for (let i = 0; i < 4; i++)
      await advancePhase(deps, { ...request(id, `f${i}`), force: { reason: 'test' } });
    expect(await closeRollout(deps, request(id, 'c1'))).toMatchObject({
      kind: 'done',
      rollout: { status: 'completed' },
    });
  });
});

describe('finding rollouts', () => {
  it('lists this conversation’s rollouts; --all is for admins', async () => {
    const deps = makeDeps();
    await create(deps, 'A', 'k1');
    await createRollout(deps, {
      tenantId: TENANT,
      by: ADMIN,
      name: 'B',
      activityKey: 'k2',
      coordination: { ...COORDINATION, conversationId: 'other' },
      template: 'app',
      timeZone: 'UTC',
    });
    const here = await listRollouts(deps, {
      tenantId: TENANT,
      conversationId: 'conv-1',
      all: false,
      by: MEMBER,
    });
    expect(here.kind === 'ok' && here.rollouts.map((r) => r.name)).toEqual(['A']);
    const all = await listRollouts(deps, {
      tenantId: TENANT,
      conversationId: 'conv-1',
      all: true,
      by: ADMIN,
    });
    expect(all.kind === 'ok' && all.rollouts.map((r) => r.name).sort()).toEqual(['A', 'B']);
    expect(
      (await listRollouts(deps, { tenantId: TENANT, conversationId: 'conv-1', all: true, by: MEMBER })).kind,
    ).toBe('forbidden');
  });

  it.each<[string, string | null, string]>([
    ['no reference and two rollouts', null, 'many'],
    ['the name, any case', 'second ONE', 'one'],
    ['an unknown name', 'nope', 'none'],
  ])('resolves %s', async (_name, ref, kind) => {
    const deps = makeDeps();
    await create(deps, 'First', 'k1');
    await create(deps, 'Second one', 'k2');
    const found = await resolveRollout(deps, { tenantId: TENANT, conversationId: 'conv-1', ref });
    expect(found.kind).toBe(kind);
  });

  it('resolves by id, and implicitly when the conversation has one rollout', async () => {
    const deps = makeDeps();
    const id = await create(deps, 'Only', 'k1');
    expect(await resolveRollout(deps, { tenantId: TENANT, conversationId: 'conv-1', ref: id })).toEqual({
      kind: 'one',
      rolloutId: id,
    });
    expect(await resolveRollout(deps, { tenantId: TENANT, conversationId: 'conv-1', ref: null })).toEqual({
      kind: 'one',
      rolloutId: id,
    });
    expect(
      (await resolveRollout(deps, { tenantId: TENANT, conversationId: 'elsewhere', ref: null })).kind,
    ).toBe('none');
  });
});
