import { previewEntry } from '../../src/app/announce/announce-entry';
import { AnnouncementDispatcher } from '../../src/app/announce/announce-outbox';
import { advancePhase } from '../../src/app/advance-phase';
import { StorageTimeoutError } from '../../src/app/errors';
import type { AnnouncementRepository, RolloutRepository } from '../../src/app/ports';
import type { AnnounceMode } from '../../src/domain/announcement';
import {
  audienceFingerprint,
  audienceParts,
  emptyAudience,
  type AudienceSpec,
} from '../../src/domain/audience';
import { DelegatingTable } from '../../src/storage/delegating-table';
import type { EntityTable, TableAction } from '../../src/storage/entity-table';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import { announceDeps, HELPDESK_CHAT, people } from './announce-support';
import { ADMIN, COORDINATION, rolloutAfter, TENANT } from './support';

/** A table that refuses every transaction holding an announcement's outbox row (storage failing then). */
class RefusingAnnouncementRows extends DelegatingTable {
  override submit(actions: readonly TableAction[]): Promise<string[]> {
    if (actions.some((a) => a.kind !== 'delete' && a.entity.rowKey.startsWith('oa|'))) {
      return Promise.reject(new Error('storage unavailable'));
    }
    return super.submit(actions);
  }
}

/** The rollout repository of a process killed before it could clear the outbox row. */
const killedBeforeClear = (rollouts: RolloutRepository): RolloutRepository =>
  Object.assign(Object.create(rollouts) as RolloutRepository, {
    clearAnnouncement: async () => {
      throw new Error('process killed');
    },
  });

/** The announcements' store, but the create's answer is lost (it landed; the caller saw a time-out). */
const createAnswerLost = (store: AnnouncementRepository): AnnouncementRepository =>
  Object.assign(Object.create(store) as AnnouncementRepository, {
    create: async (...args: Parameters<AnnouncementRepository['create']>) => {
      await store.create(...args);
      throw new StorageTimeoutError('the announcement store did not answer in time', true);
    },
  });

/**
 * A rollout in its proof of concept whose pilot, the stage entered next, lists three people and
 * announces `mode` (absent: no setting, as every rollout stored before announcements); the help
 * desk is bound to HELPDESK_CHAT.
 */
const setup = async (
  mode?: AnnounceMode,
  audience: AudienceSpec = { ...emptyAudience(), members: people(3) },
) => {
  const t = announceDeps();
  const rolloutId = await rolloutAfter(t.deps, 1);
  const stored = await t.deps.rollouts.get(TENANT, rolloutId);
  if (!stored) throw new Error('no rollout');
  await t.deps.rollouts.commit(TENANT, {
    rollout: {
      ...stored.value,
      helpdesk: HELPDESK_CHAT,
      phases: stored.value.phases.map((p) =>
        p.key === 'pilot' ? { ...p, audience, ...(mode ? { announce: mode } : {}) } : p,
      ),
    },
    ifMatch: stored.etag,
    audit: [],
    processed: null,
  });
  const advance = (
    activityKey = 'conv|advance-into-pilot',
    deps: Parameters<typeof advancePhase>[0] = t.deps,
  ) =>
    advancePhase(deps, {
      tenantId: TENANT,
      rolloutId,
      by: ADMIN,
      activityKey,
      command: 'advance phase',
      force: { reason: 'vendor sign-off' },
    });
  /** A dispatcher as a (new) process makes it, over the same tables and queue. */
  const dispatcher = (rollouts: RolloutRepository = t.deps.rollouts, store = t.deps.announce.store) =>
    new AnnouncementDispatcher({ ...t.deps, rollouts, announce: { ...t.deps.announce, store } });
  const announcements = () => t.deps.announce.store.ofRollout(TENANT, rolloutId, 10);
  return { ...t, rolloutId, advance, dispatcher, announcements };
};

type Setup = Awaited<ReturnType<typeof setup>>;

const GROUP = '00000000-0000-4000-8000-00000000a001';

/** The pilot's audience resolved (as `audience refresh` stores it): `n` people. */
const resolvePilot = async (t: Setup, n: number): Promise<void> => {
  const rollout = (await t.deps.rollouts.get(TENANT, t.rolloutId))?.value;
  if (!rollout) throw new Error('no rollout');
  const writer = t.deps.audiences.begin(TENANT, t.rolloutId, 'pilot');
  await writer.add(people(n).map((id) => ({ id, name: id, department: null, country: null, platforms: [] })));
  await writer.commit({
    fingerprint: audienceFingerprint(audienceParts(rollout, 'pilot')),
    resolvedAt: t.deps.clock.now().toISOString(),
    counts: {
      people: n,
      byDepartment: {},
      byCountry: {},
      byPlatform: {},
      devicesByOs: {},
      withoutDevice: null,
      leftOut: { guest: 0, disabled: 0, filtered: 0, noDevice: 0 },
      nonUsers: 0,
    },
    sample: [],
    warnings: [],
  });
};

/** The queue's 'start' messages (each announcement id once per message). */
const starts = async (t: Setup): Promise<string[]> =>
  (await t.messages()).flatMap((m) => {
    const message = m as { kind?: string; announcementId?: string };
    return message.kind === 'start' ? [message.announcementId ?? ''] : [];
  });

const advanced = async (t: Setup) => {
  const outcome = await t.advance();
  if (outcome.kind !== 'done') throw new Error(outcome.kind);
  return outcome;
};

describe('entering a stage that announces auto', () => {
  it('commits the announcement with the advance; after the reply it is made, posted once to each conversation, started and cleared', async () => {
    const t = await setup('auto');
    const outcome = await advanced(t);
    expect(outcome.rollout.position.phase).toBe('pilot');
    expect(outcome.message).toBe(
      "“Teams Premium” advanced from Proof of concept to Pilot (forced: vendor sign-off). The announcement goes out to 3 people; its progress is posted in the rollout's conversation.",
    );
    const pending = outcome.announcement;
    expect(pending).toMatchObject({ tenantId: TENANT, rolloutId: t.rolloutId, stageId: 'pilot', by: ADMIN });
    expect(pending?.text.stageLabel).toBe('Pilot');
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toEqual([pending]);
    // Nothing is made before the reply.
    expect(await t.announcements()).toEqual([]);

    const dispatcher = t.dispatcher();
    if (pending) dispatcher.enqueue(pending);
    await dispatcher.idle();

    const [made, ...more] = await t.announcements();
    expect(more).toEqual([]);
    expect(made).toMatchObject({
      id: pending?.id,
      stageId: 'pilot',
      state: 'expanding',
      scheduledAt: null,
      audience: 'listed',
      recipients: 0,
      parts: 0,
      text: pending?.text,
      by: ADMIN,
      coordination: { conversation: COORDINATION, messageId: 'post-1' },
      helpdesk: { conversation: HELPDESK_CHAT, messageId: 'post-2' },
    });
    expect(t.announcer.posts.map((p) => p.to.conversationId)).toEqual([
      COORDINATION.conversationId,
      HELPDESK_CHAT.conversationId,
    ]);
    expect(t.announcer.previews).toEqual([]);
    expect(await starts(t)).toEqual([pending?.id]);
    expect(t.kicks.count).toBe(1);
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toEqual([]);
  });

  it('a transaction that fails writes neither the advance nor its announcement', async () => {
    const t = await setup('auto');
    const refusing = new TableRolloutRepository(new RefusingAnnouncementRows(t.deps.table as EntityTable));
    await expect(t.advance('conv|advance-into-pilot', { ...t.deps, rollouts: refusing })).rejects.toThrow(
      'storage unavailable',
    );
    const rollout = (await t.deps.rollouts.get(TENANT, t.rolloutId))?.value;
    expect(rollout?.position.phase).toBe('poc');
    expect(rollout?.history).toHaveLength(1);
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toEqual([]);
    expect(await t.deps.rollouts.findProcessed(TENANT, 'conv|advance-into-pilot')).toBeNull();
    // Tried again with storage back: one advance, one announcement.
    const again = await advanced(t);
    expect(again.announcement).toBeDefined();
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toHaveLength(1);
  });

  it('a crash between the commit and the dispatch: a new process recovers it, exactly one announcement, posted once, started once', async () => {
    const t = await setup('auto');
    const { announcement: pending } = await advanced(t);
    // The process dies here: nothing after the reply ran.
    const next = t.dispatcher();
    expect(await next.recover()).toBe(1);
    await next.idle();
    expect((await t.announcements()).map((a) => a.id)).toEqual([pending?.id]);
    expect(t.announcer.posts).toHaveLength(2);
    expect(await starts(t)).toEqual([pending?.id]);
    // Recovered again (the sweep): nothing is left.
    expect(await next.recover()).toBe(0);
    await next.idle();
    expect(await t.announcements()).toHaveLength(1);
    expect(t.announcer.posts).toHaveLength(2);
  });

  it('a crash after the create (its answer lost): recovery finds it made, posts it once and starts it', async () => {
    const t = await setup('auto');
    const { announcement: pending } = await advanced(t);
    if (!pending) throw new Error('no announcement');
    const dying = t.dispatcher(t.deps.rollouts, createAnswerLost(t.deps.announce.store));
    dying.enqueue(pending);
    await dying.idle();
    expect(t.announcer.posts).toEqual([]);
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toHaveLength(1);

    const next = t.dispatcher();
    expect(await next.recover()).toBe(1);
    await next.idle();
    const [made, ...more] = await t.announcements();
    expect(more).toEqual([]);
    expect(made?.coordination?.messageId).toBe('post-1');
    expect(made?.helpdesk?.messageId).toBe('post-2');
    expect(t.announcer.posts).toHaveLength(2);
    expect(await starts(t)).toEqual([pending.id]);
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toEqual([]);
  });

  it('a crash after the start, before the row is cleared: the rerun posts nothing more; a second start is all it sends', async () => {
    const t = await setup('auto');
    const { announcement: pending } = await advanced(t);
    if (!pending) throw new Error('no announcement');
    const dying = t.dispatcher(killedBeforeClear(t.deps.rollouts));
    dying.enqueue(pending);
    await dying.idle();
    expect(t.announcer.posts).toHaveLength(2);
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toHaveLength(1);

    const next = t.dispatcher();
    expect(await next.recover()).toBe(1);
    await next.idle();
    expect(await t.announcements()).toHaveLength(1);
    expect(t.announcer.posts).toHaveLength(2);
    // The worker takes an announcement where it stands: the second start changes nothing.
    expect(await starts(t)).toEqual([pending.id, pending.id]);
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toEqual([]);
  });

  it('a redelivered advance activity is answered the same, and makes no second announcement', async () => {
    const t = await setup('auto');
    const first = await advanced(t);
    const dispatcher = t.dispatcher();
    if (first.announcement) dispatcher.enqueue(first.announcement);
    await dispatcher.idle();
    const again = await t.advance();
    expect(again).toEqual({ kind: 'duplicate', message: first.message, rolloutId: t.rolloutId });
    expect(await dispatcher.recover()).toBe(0);
    await dispatcher.idle();
    expect(await t.announcements()).toHaveLength(1);
    expect(t.announcer.posts).toHaveLength(2);
    expect(await starts(t)).toHaveLength(1);
  });

  it('the next advance into another auto stage makes another announcement (its own id)', async () => {
    const t = await setup('auto');
    const into = await advanced(t);
    const stored = await t.deps.rollouts.get(TENANT, t.rolloutId);
    if (!stored) throw new Error('no rollout');
    await t.deps.rollouts.commit(TENANT, {
      rollout: {
        ...stored.value,
        phases: stored.value.phases.map((p) => (p.key === 'enterprise' ? { ...p, announce: 'auto' } : p)),
      },
      ifMatch: stored.etag,
      audit: [],
      processed: null,
    });
    t.deps.clock.advance(60_000);
    const onward = await t.advance('conv|advance-into-enterprise');
    if (onward.kind !== 'done') throw new Error(onward.kind);
    expect(onward.announcement?.stageId).toBe('enterprise');
    expect(onward.announcement?.id).not.toBe(into.announcement?.id);
    expect((await t.deps.rollouts.pendingAnnouncements(10)).map((p) => p.stageId).sort()).toEqual([
      'enterprise',
      'pilot',
    ]);
  });

  it('a group not resolved yet: the reply says the announcement is queued, and it is made for nobody known yet', async () => {
    const t = await setup('auto', { ...emptyAudience(), groups: [GROUP] });
    const outcome = await advanced(t);
    expect(outcome.message).toMatch(
      / The announcement is queued for the stage's audience \(not resolved yet\); its progress is posted in the rollout's conversation\.$/,
    );
    const dispatcher = t.dispatcher();
    if (outcome.announcement) dispatcher.enqueue(outcome.announcement);
    await dispatcher.idle();
    expect((await t.announcements()).map((a) => a.audience)).toEqual(['none']);
  });

  it('a resolved group: the reply counts its snapshot and the announcement is made from it', async () => {
    const t = await setup('auto', { ...emptyAudience(), groups: [GROUP] });
    await resolvePilot(t, 1200);
    const outcome = await advanced(t);
    expect(outcome.message).toMatch(/ The announcement goes out to 1,200 people; /);
    const dispatcher = t.dispatcher();
    if (outcome.announcement) dispatcher.enqueue(outcome.announcement);
    await dispatcher.idle();
    expect((await t.announcements()).map((a) => a.audience)).toEqual(['snapshot']);
  });

  it('without announcements on the bot, nothing is committed and the reply says nothing of one', async () => {
    const t = await setup('auto');
    const { announce: _, ...without } = t.deps;
    const outcome = await t.advance('conv|advance-into-pilot', without);
    if (outcome.kind !== 'done') throw new Error(outcome.kind);
    expect(outcome.announcement).toBeUndefined();
    expect(outcome.message).not.toMatch(/announcement/);
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toEqual([]);
  });
});

describe('entering a stage that announces prompt, or off', () => {
  it('prompt (also a stage stored without the setting): a preview with the recipients known, and no announcement', async () => {
    const t = await setup();
    const pilot = (await t.deps.rollouts.get(TENANT, t.rolloutId))?.value.phases.find(
      (p) => p.key === 'pilot',
    );
    expect(pilot && 'announce' in pilot).toBe(false);
    const outcome = await advanced(t);
    expect(outcome.message).toMatch(
      / A preview of the announcement to 3 people follows in the rollout's conversation: Send or Skip it there\.$/,
    );
    expect(outcome.announcement).toBeUndefined();
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toEqual([]);

    await previewEntry(t.deps, outcome.rollout, ADMIN);
    expect(t.announcer.previews).toHaveLength(1);
    const [posted] = t.announcer.previews;
    expect(posted?.to).toEqual(COORDINATION);
    expect(posted?.preview).toMatchObject({
      tenantId: TENANT,
      rolloutId: t.rolloutId,
      audience: 'listed',
      recipients: 3,
      scheduledAt: null,
      by: ADMIN,
    });
    expect(posted?.preview.text.stageId).toBe('pilot');
    expect(posted?.preview.announcementId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await t.announcements()).toEqual([]);
    expect(t.announcer.posts).toEqual([]);
    expect(await t.messages()).toEqual([]);
  });

  it("prompt: a resolved group is previewed with its snapshot's count", async () => {
    const t = await setup('prompt', { ...emptyAudience(), groups: [GROUP] });
    await resolvePilot(t, 40);
    const outcome = await advanced(t);
    expect(outcome.message).toMatch(/ A preview of the announcement to 40 people follows /);
    await previewEntry(t.deps, outcome.rollout, ADMIN);
    expect(t.announcer.previews.map((p) => [p.preview.audience, p.preview.recipients])).toEqual([
      ['snapshot', 40],
    ]);
  });

  it('prompt: a preview that cannot be posted is logged, and nothing else happens', async () => {
    const t = await setup('prompt');
    const outcome = await advanced(t);
    const warnings: string[] = [];
    const failing = {
      ...t.deps,
      log: { ...t.deps.log, warn: (_: object, message: string) => void warnings.push(message) },
      announce: {
        ...t.deps.announce,
        announcer: Object.assign(Object.create(t.announcer) as typeof t.announcer, {
          preview: async () => {
            throw new Error('403 Forbidden');
          },
        }),
      },
    };
    await previewEntry(failing, outcome.rollout, ADMIN);
    expect(warnings).toEqual(['could not post the preview of the announcement; `announce` posts another']);
    expect(await t.announcements()).toEqual([]);
  });

  it('off: no announcement, no preview, nothing said', async () => {
    const t = await setup('off');
    const outcome = await advanced(t);
    expect(outcome.message).toBe(
      '“Teams Premium” advanced from Proof of concept to Pilot (forced: vendor sign-off).',
    );
    expect(outcome.announcement).toBeUndefined();
    await previewEntry(t.deps, outcome.rollout, ADMIN);
    expect(t.announcer.previews).toEqual([]);
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toEqual([]);
    expect(await t.announcements()).toEqual([]);
    expect(await t.messages()).toEqual([]);
  });
});
