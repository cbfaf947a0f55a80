import pino from 'pino';
import { AnnouncementDispatcher } from '../../src/app/announce/announce-outbox';
import type { AnnounceMode } from '../../src/domain/announcement';
import { emptyAudience } from '../../src/domain/audience';
import { ACTIONS } from '../../src/teams/actions';
import { COMMANDS } from '../../src/teams/commands';
import { Router } from '../../src/teams/router';
import type { Reply, Turn } from '../../src/teams/turn';
import { announcementPreviewData } from '../../src/teams/views/announcement-view';
import { announceDeps, HELPDESK_CHAT, people } from '../app/announce-support';
import { ADMIN, COORDINATION, rolloutAfter, TENANT } from '../app/support';

/**
 * `advance phase` into a stage that announces, through the real router, on the real repositories
 * over in-memory tables, a memory queue and a recording announcer, with the dispatcher the server
 * wires; the work after the reply is run by the test, as the server runs it after answering.
 */
const recordingTurn = (activityId: string) => {
  const replies: Reply[] = [];
  const deferred: (() => void | Promise<unknown>)[] = [];
  const turn: Turn = {
    tenantId: TENANT,
    from: ADMIN,
    conversation: { id: COORDINATION.conversationId, type: 'channel', serviceUrl: COORDINATION.serviceUrl },
    activityId,
    activityKey: `${COORDINATION.conversationId}|${activityId}`,
    localTimezone: null,
    sentAt: null,
    send: async (reply) => void replies.push(reply),
    sendPrivately: async () => true,
    clickedMessageId: 'preview-msg',
    update: async () => {},
    defer: (task) => void deferred.push(task),
  };
  const afterReply = async () => {
    for (const task of deferred.splice(0)) await task();
  };
  return { turn, replies, deferred, afterReply };
};

const textOf = (reply: Reply | undefined): string =>
  reply && 'card' in reply ? JSON.stringify(reply.card.content) : (reply?.text ?? '');

/** A rollout in its proof of concept whose pilot lists three people and announces `mode`. */
const setup = async (mode?: AnnounceMode) => {
  const t = announceDeps();
  const dispatcher = new AnnouncementDispatcher(t.deps);
  t.deps.announce.outbox = dispatcher;
  const rolloutId = await rolloutAfter(t.deps, 1);
  const stored = await t.deps.rollouts.get(TENANT, rolloutId);
  if (!stored) throw new Error('no rollout');
  await t.deps.rollouts.commit(TENANT, {
    rollout: {
      ...stored.value,
      helpdesk: HELPDESK_CHAT,
      phases: stored.value.phases.map((p) =>
        p.key === 'pilot'
          ? {
              ...p,
              audience: { ...emptyAudience(), members: people(3) },
              ...(mode ? { announce: mode } : {}),
            }
          : p,
      ),
    },
    ifMatch: stored.etag,
    audit: [],
    processed: null,
  });
  const router = new Router(COMMANDS, ACTIONS, t.deps, pino({ level: 'silent' }));
  const say = async (text: string, activityId: string) => {
    const r = recordingTurn(activityId);
    await router.handleMessage(r.turn, text);
    return r;
  };
  const click = async (verb: string, data: unknown, activityId: string) => {
    const r = recordingTurn(activityId);
    const body = await router.handleAction(r.turn, { action: { type: 'Action.Execute', verb, data } });
    await r.afterReply();
    return body;
  };
  const announcements = () => t.deps.announce.store.ofRollout(TENANT, rolloutId, 10);
  return { ...t, dispatcher, rolloutId, say, click, announcements };
};

describe('advance phase into a stage that announces', () => {
  it('auto: the reply first; after it the announcement is made, posted and started; a redelivery makes no second', async () => {
    const t = await setup('auto');
    const advanced = await t.say('advance phase --force "vendor ok"', 'adv-1');
    expect(textOf(advanced.replies[0])).toMatch(
      / to Pilot \(forced: vendor ok\)\. The announcement goes out to 3 people; its progress is posted in the rollout's conversation\.$/,
    );
    // Answered, not yet run: the row waits in the outbox.
    expect(await t.announcements()).toEqual([]);
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toHaveLength(1);
    await advanced.afterReply();
    await t.dispatcher.idle();
    const [made, ...more] = await t.announcements();
    expect(more).toEqual([]);
    expect(made).toMatchObject({ stageId: 'pilot', audience: 'listed', by: ADMIN });
    expect(t.announcer.posts.map((p) => p.to.conversationId)).toEqual([
      COORDINATION.conversationId,
      HELPDESK_CHAT.conversationId,
    ]);
    expect(t.announcer.previews).toEqual([]);
    expect(await t.messages()).toEqual([{ v: 1, kind: 'start', tenantId: TENANT, announcementId: made?.id }]);
    expect(t.kicks.count).toBe(1);
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toEqual([]);

    const redelivered = await t.say('advance phase --force "vendor ok"', 'adv-1');
    expect(textOf(redelivered.replies[0])).toBe(`Already done: ${textOf(advanced.replies[0])}`);
    await redelivered.afterReply();
    await t.dispatcher.idle();
    expect(await t.announcements()).toHaveLength(1);
    expect(t.announcer.posts).toHaveLength(2);
    // The queue still holds the one start (`messages` leaves them there): no second was sent.
    expect(await t.messages()).toEqual([{ v: 1, kind: 'start', tenantId: TENANT, announcementId: made?.id }]);
  });

  it('prompt (no setting): the preview follows the reply; its Send makes the one announcement, a second Send none', async () => {
    const t = await setup();
    const advanced = await t.say('advance phase --force "vendor ok"', 'adv-1');
    expect(textOf(advanced.replies[0])).toMatch(
      / A preview of the announcement to 3 people follows in the rollout's conversation: Send or Skip it there\.$/,
    );
    expect(t.announcer.previews).toEqual([]);
    await advanced.afterReply();
    await t.dispatcher.idle();
    const [previewed, ...more] = t.announcer.previews;
    expect(more).toEqual([]);
    expect(previewed?.to).toEqual(COORDINATION);
    expect(previewed?.preview).toMatchObject({ audience: 'listed', recipients: 3 });
    expect(await t.announcements()).toEqual([]);
    expect(await t.deps.rollouts.pendingAnnouncements(10)).toEqual([]);

    if (!previewed) throw new Error('no preview');
    const data = announcementPreviewData(previewed.preview).actionData;
    expect(JSON.stringify(await t.click('announcement.send', data, 'send-1'))).toContain(
      `Sent by ${ADMIN.name}`,
    );
    expect(JSON.stringify(await t.click('announcement.send', data, 'send-2'))).toContain(
      `Already sent by ${ADMIN.name}`,
    );
    expect((await t.announcements()).map((a) => a.id)).toEqual([previewed.preview.announcementId]);
  });

  it('off: the reply says nothing of an announcement, and nothing follows it', async () => {
    const t = await setup('off');
    const advanced = await t.say('advance phase --force "vendor ok"', 'adv-1');
    expect(textOf(advanced.replies[0])).not.toMatch(/announcement/i);
    await advanced.afterReply();
    await t.dispatcher.idle();
    expect(t.announcer.previews).toEqual([]);
    expect(t.announcer.posts).toEqual([]);
    expect(await t.announcements()).toEqual([]);
    expect(await t.messages()).toEqual([]);
  });
});
