import {
  cancelAnnouncement,
  cancelPending,
  requeueFailed,
  retryAnnouncement,
} from '../../src/app/announce/announce-control';
import { recordGotIt } from '../../src/app/announce/announce-gotit';
import { previewAnnouncement } from '../../src/app/announce/announce-preview';
import { announcementReport, announcementStatus } from '../../src/app/announce/announce-report';
import {
  publishAnnouncement,
  sendAnnouncement,
  skipAnnouncement,
  testAnnouncement,
  type PreviewClick,
} from '../../src/app/announce/announce-send';
import { PART_SIZE } from '../../src/domain/announcement';
import type { Rollout } from '../../src/domain/rollout';
import { announceDeps, deliver, HELPDESK_CHAT, people, pilotWith } from './announce-support';
import { ADMIN, COORDINATION, MEMBER, TENANT } from './support';

/** The announce use cases over the real repository on an in-memory table, a memory queue and a recording announcer. */
const setup = async (
  members = [ADMIN.id, MEMBER.id],
  options: { timeZone?: string; helpdesk?: boolean } = {},
) => {
  const t = announceDeps();
  const rolloutId = await pilotWith(t.deps, members, options);
  const rollout = async (): Promise<Rollout> => (await t.deps.rollouts.get(TENANT, rolloutId))!.value;
  const click = (announcementId: string, more: Partial<PreviewClick> = {}): PreviewClick => ({
    tenantId: TENANT,
    rolloutId,
    stageId: 'pilot',
    announcementId,
    at: null,
    by: ADMIN,
    activityKey: `conv|${announcementId}-${Math.random()}`,
    ...more,
  });
  return { ...t, rolloutId, rollout, click };
};

const preview = async (
  t: Awaited<ReturnType<typeof setup>>,
  at: string | null = null,
  stageId: string | null = null,
) => {
  const outcome = await previewAnnouncement(t.deps, { rollout: await t.rollout(), stageId, at, by: ADMIN });
  if (outcome.kind !== 'preview') throw new Error(outcome.message);
  return outcome.preview;
};

describe('announce (the preview)', () => {
  it('the current stage by default, its listed members counted, a new id each time', async () => {
    const t = await setup([ADMIN.id, MEMBER.id, ADMIN.id.toUpperCase()]);
    const first = await preview(t);
    expect(first).toMatchObject({
      rolloutId: t.rolloutId,
      audience: 'listed',
      recipients: 2,
      scheduledAt: null,
    });
    expect(first.text.stageId).toBe('pilot');
    expect((await preview(t)).announcementId).not.toBe(first.announcementId);
    expect(await t.deps.announce.store.ofRollout(TENANT, t.rolloutId, 10)).toEqual([]);
  });

  it('--at is read in the rollout’s time zone (Europe/Berlin: UTC+1 in February)', async () => {
    const t = await setup(undefined, { timeZone: 'Europe/Berlin' });
    expect((await preview(t, '2026-02-11 09:00')).scheduledAt).toBe('2026-02-11T08:00:00.000Z');
    expect((await preview(t, '2026-02-11T09:30')).scheduledAt).toBe('2026-02-11T08:30:00.000Z');
  });

  it.each([
    ['2026-02-10 18:00', /has passed/], // 17:00 UTC in Berlin: the clock says 17:30
    ['2026-02-31 09:00', /is not one/],
    ['tomorrow', /is not one/],
    ['2026-02-11', /is not one/],
  ])('--at %s is refused', async (at, message) => {
    const t = await setup(undefined, { timeZone: 'Europe/Berlin' });
    const outcome = await previewAnnouncement(t.deps, {
      rollout: await t.rollout(),
      stageId: null,
      at,
      by: ADMIN,
    });
    expect(outcome).toEqual({ kind: 'invalid', message: expect.stringMatching(message) });
  });

  it('an unknown --stage names the stages there are', async () => {
    const t = await setup();
    const outcome = await previewAnnouncement(t.deps, {
      rollout: await t.rollout(),
      stageId: 'pilot/x',
      at: null,
      by: ADMIN,
    });
    expect(outcome).toEqual({
      kind: 'invalid',
      message: expect.stringMatching(/no phase or wave “pilot\/x”.*`pilot`/),
    });
  });

  it('a closed rollout: no preview, and an old preview’s Send makes nothing', async () => {
    const t = await setup();
    const { announcementId } = await preview(t);
    const stored = (await t.deps.rollouts.get(TENANT, t.rolloutId))!;
    await t.deps.rollouts.commit(TENANT, {
      rollout: { ...stored.value, status: 'completed' },
      ifMatch: stored.etag,
      audit: [],
      processed: null,
    });
    const outcome = await previewAnnouncement(t.deps, {
      rollout: await t.rollout(),
      stageId: null,
      at: null,
      by: ADMIN,
    });
    expect(outcome).toEqual({ kind: 'invalid', message: expect.stringMatching(/is closed/) });
    expect(await sendAnnouncement(t.deps, t.click(announcementId))).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/is closed/),
    });
    expect(await t.deps.announce.store.get(TENANT, announcementId)).toBeNull();
  });

  it('audience none when no one is known', async () => {
    const t = await setup([]);
    expect(await preview(t)).toMatchObject({ audience: 'none', recipients: 0 });
  });
});

describe('Send', () => {
  it('twice (a double click, a redelivery) makes one announcement and one start message', async () => {
    const t = await setup();
    const { announcementId } = await preview(t);
    const first = await sendAnnouncement(t.deps, t.click(announcementId));
    expect(first).toMatchObject({
      kind: 'done',
      announcement: { state: 'expanding', scheduledAt: null, audience: 'listed' },
    });
    if (first.kind !== 'done') throw new Error();
    await publishAnnouncement(t.deps, first.announcement);
    const second = await sendAnnouncement(t.deps, t.click(announcementId));
    expect(second).toMatchObject({ kind: 'exists', message: `Already sent by ${ADMIN.name}.` });
    expect(await t.deps.announce.store.ofRollout(TENANT, t.rolloutId, 10)).toHaveLength(1);
    expect(await t.messages()).toEqual([{ v: 1, kind: 'start', tenantId: TENANT, announcementId }]);
    expect(t.kicks.count).toBe(1);
  });

  it('posts to the coordination and help-desk conversations and records the posts', async () => {
    const t = await setup();
    const { announcementId } = await preview(t);
    const sent = await sendAnnouncement(t.deps, t.click(announcementId));
    if (sent.kind !== 'done') throw new Error(sent.message);
    await publishAnnouncement(t.deps, sent.announcement);
    expect(t.announcer.posts.map((p) => p.to.conversationId)).toEqual([
      COORDINATION.conversationId,
      HELPDESK_CHAT.conversationId,
    ]);
    const stored = (await t.deps.announce.store.get(TENANT, announcementId))!.value;
    expect(stored.coordination).toEqual({ conversation: COORDINATION, messageId: 'post-1' });
    expect(stored.helpdesk).toEqual({ conversation: HELPDESK_CHAT, messageId: 'post-2' });
  });

  it('a post that fails still starts the announcement', async () => {
    const t = await setup(undefined, { helpdesk: false });
    t.announcer.failPosts = true;
    const { announcementId } = await preview(t);
    const sent = await sendAnnouncement(t.deps, t.click(announcementId));
    if (sent.kind !== 'done') throw new Error(sent.message);
    await publishAnnouncement(t.deps, sent.announcement);
    expect(await t.messages()).toHaveLength(1);
    expect((await t.deps.announce.store.get(TENANT, announcementId))!.value).toMatchObject({
      coordination: { messageId: null },
      helpdesk: null,
    });
  });

  it('with --at: scheduled for that instant, the help desk posted at once', async () => {
    const t = await setup(undefined, { timeZone: 'Europe/Berlin' });
    const p = await preview(t, '2026-02-11 09:00');
    const sent = await sendAnnouncement(t.deps, t.click(p.announcementId, { at: p.scheduledAt }));
    expect(sent).toMatchObject({
      kind: 'done',
      announcement: { state: 'scheduled', scheduledAt: '2026-02-11T08:00:00.000Z' },
    });
    if (sent.kind !== 'done') throw new Error();
    expect(sent.message).toMatch(/Scheduled by Adele Vance for 11 Feb 2026, 09:00 \(Europe\/Berlin\)/);
    await publishAnnouncement(t.deps, sent.announcement);
    expect(t.announcer.posts.map((p) => p.to.conversationId)).toContain(HELPDESK_CHAT.conversationId);
  });

  it('a preview whose time has passed sends nothing', async () => {
    const t = await setup();
    const p = await preview(t, '2026-02-10 18:00');
    t.deps.clock.advance(60 * 60_000);
    expect(await sendAnnouncement(t.deps, t.click(p.announcementId, { at: p.scheduledAt }))).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/has passed: nothing was sent/),
    });
    expect(await t.deps.announce.store.get(TENANT, p.announcementId)).toBeNull();
  });

  it('non-admins are refused: Send, Skip and the test send change nothing and send nothing', async () => {
    const t = await setup();
    const { announcementId } = await preview(t);
    for (const outcome of [
      await sendAnnouncement(t.deps, t.click(announcementId, { by: MEMBER })),
      await skipAnnouncement(t.deps, t.click(announcementId, { by: MEMBER })),
      await testAnnouncement(t.deps, t.click(announcementId, { by: MEMBER }), 'http://x/'),
    ]) {
      expect(outcome).toEqual({
        kind: 'refused',
        message: expect.stringMatching(/only the rollout's admins/),
      });
    }
    expect(await t.deps.announce.store.get(TENANT, announcementId)).toBeNull();
    expect(t.announcer.personal).toEqual([]);
  });

  it('Skip, then Send: refused, nothing sent', async () => {
    const t = await setup();
    const { announcementId } = await preview(t);
    expect(await skipAnnouncement(t.deps, t.click(announcementId))).toMatchObject({
      kind: 'done',
      announcement: { state: 'skipped' },
    });
    const sent = await sendAnnouncement(t.deps, t.click(announcementId));
    expect(sent).toMatchObject({
      kind: 'exists',
      message: expect.stringMatching(/skipped this announcement: nothing was sent/),
    });
    expect(await t.messages()).toEqual([]);
  });

  it('Send a test to me: the personal card to the admin alone, marked a test; nothing stored', async () => {
    const t = await setup();
    const { announcementId } = await preview(t);
    const outcome = await testAnnouncement(t.deps, t.click(announcementId), 'https://smba.example/');
    expect(outcome).toEqual({ kind: 'tested', message: expect.stringMatching(/sent you a test/) });
    expect(t.announcer.personal).toHaveLength(1);
    const [{ serviceUrl, card }] = t.announcer.personal as [(typeof t.announcer.personal)[number]];
    expect(serviceUrl).toBe('https://smba.example/');
    expect(card).toMatchObject({ test: true, recipient: { personId: ADMIN.id, name: ADMIN.name } });
    expect(card.announcement.id).not.toBe(announcementId);
    expect(await t.deps.announce.store.get(TENANT, announcementId)).toBeNull();
    t.announcer.outcome = { kind: 'blocked', status: '403 MessageWritesBlocked' };
    expect((await testAnnouncement(t.deps, t.click(announcementId), 'x')).message).toMatch(/blocked/);
  });
});

/** An announcement sent by ADMIN and delivered as `statusOf` says; returns its id. */
const sentAnnouncement = async (
  t: Awaited<ReturnType<typeof setup>>,
  ids: string[],
  statusOf: Parameters<typeof deliver>[3],
): Promise<string> => {
  const { announcementId } = await preview(t);
  const sent = await sendAnnouncement(t.deps, t.click(announcementId));
  if (sent.kind !== 'done') throw new Error(sent.message);
  await deliver(t.deps, announcementId, ids, statusOf);
  return announcementId;
};

describe('announce cancel', () => {
  it('marks pending deliveries cancelled and leaves what was sent', async () => {
    const t = await setup();
    const ids = people(120);
    const id = await sentAnnouncement(t, ids, (p) => (p < 'p-040' ? 'sent' : 'pending'));
    const outcome = await cancelAnnouncement(t.deps, await t.rollout(), ADMIN);
    expect(outcome).toMatchObject({ kind: 'done', announcement: { state: 'cancelled', cancelledBy: ADMIN } });
    if (outcome.kind !== 'done') throw new Error();
    expect(await cancelPending(t.deps, outcome.announcement)).toBe(80);
    const { counts, pendingParts } = await t.deps.announce.store.counts(TENANT, id);
    expect(counts).toMatchObject({ recipients: 120, sent: 40, pending: 0, cancelled: 80 });
    expect(pendingParts).toEqual([]);
    expect(await cancelAnnouncement(t.deps, await t.rollout(), ADMIN)).toMatchObject({ kind: 'unchanged' });
  });
});

describe('announce retry', () => {
  it('puts failed deliveries back to pending, the announcement back to sending, one part message per partition touched', async () => {
    const t = await setup();
    const ids = people(60);
    const id = await sentAnnouncement(t, ids, (p) => (p === 'p-001' || p === 'p-059' ? 'failed' : 'sent'));
    const stored = (await t.deps.announce.store.get(TENANT, id))!;
    await t.deps.announce.store.update({ ...stored.value, state: 'done' }, stored.etag);
    await t.messages(); // the start message: not this test's
    await t.deps.announce.queue.receive(32, 60);
    const outcome = await retryAnnouncement(t.deps, await t.rollout());
    expect(outcome).toMatchObject({
      kind: 'done',
      message: expect.stringMatching(/2 failed deliveries/),
    });
    if (outcome.kind !== 'done') throw new Error();
    const parts = await requeueFailed(t.deps, outcome.announcement);
    expect((await t.deps.announce.store.get(TENANT, id))!.value).toMatchObject({
      state: 'sending',
      completedAt: null,
    });
    const { counts } = await t.deps.announce.store.counts(TENANT, id);
    expect(counts).toMatchObject({ failed: 0, pending: 2, sent: 58 });
    expect((await t.messages()).sort()).toEqual(
      parts.map((part) => ({ v: 1, kind: 'part', tenantId: TENANT, announcementId: id, part })),
    );
    expect(parts.length).toBeGreaterThanOrEqual(1);
    expect(t.kicks.count).toBe(1);
    const read = await t.deps.announce.store.readPart(TENANT, id, parts[0]!);
    expect(
      read.deliveries.filter((d) => d.value.status === 'pending').every((d) => d.value.attempts === 0),
    ).toBe(true);
  });

  it('nothing failed: nothing to retry', async () => {
    const t = await setup();
    await sentAnnouncement(t, people(3), () => 'sent');
    expect(await retryAnnouncement(t.deps, await t.rollout())).toMatchObject({
      kind: 'unchanged',
      message: expect.stringMatching(/nothing to retry/),
    });
  });
});

describe('announce report', () => {
  it('names up to 20 people not reached, with their reason', async () => {
    const t = await setup();
    const status = { 'p-000': 'blocked', 'p-001': 'not-installed', 'p-002': 'failed' } as const;
    await sentAnnouncement(t, people(10), (p) => status[p as keyof typeof status] ?? 'sent');
    const report = await announcementReport(t.deps, await t.rollout());
    expect(report).toMatchObject({
      kind: 'report',
      notReached: 3,
      counts: { sent: 7, blocked: 1, notInstalled: 1, failed: 1 },
    });
    if (report.kind !== 'report') throw new Error();
    expect(report.named.map((d) => [d.personId, d.status]).sort()).toEqual([
      ['p-000', 'blocked'],
      ['p-001', 'not-installed'],
      ['p-002', 'failed'],
    ]);
  });

  it('more than 20: counts only', async () => {
    const t = await setup();
    await sentAnnouncement(t, people(30), (p) => (p < 'p-025' ? 'blocked' : 'sent'));
    expect(await announcementReport(t.deps, await t.rollout())).toMatchObject({
      kind: 'report',
      notReached: 25,
      named: [],
      counts: { blocked: 25 },
    });
  });
});

describe('Got it', () => {
  it('counted once per person, however often clicked', async () => {
    const t = await setup();
    const id = await sentAnnouncement(t, [ADMIN.id, MEMBER.id], () => 'sent');
    for (let i = 0; i < 3; i++) {
      expect(
        await recordGotIt(t.deps, { tenantId: TENANT, announcementId: id, part: 0, by: MEMBER }),
      ).toMatchObject({ kind: 'thanked', first: i === 0 });
    }
    expect((await t.deps.announce.store.counts(TENANT, id)).counts.gotIt).toBe(1);
  });

  it('everyone of a partition clicking at once: each counted once (a conflicting commit reads again)', async () => {
    const t = await setup();
    const ids = people(PART_SIZE);
    const id = await sentAnnouncement(t, ids, () => 'sent');
    const outcomes = await Promise.all(
      ids.map((personId) =>
        recordGotIt(t.deps, {
          tenantId: TENANT,
          announcementId: id,
          part: 0,
          by: { id: personId, name: personId },
        }),
      ),
    );
    expect(outcomes.every((o) => o.kind === 'thanked' && o.first)).toBe(true);
    expect((await t.deps.announce.store.counts(TENANT, id)).counts.gotIt).toBe(PART_SIZE);
  });

  it('forged data (another partition, another announcement, someone not in it) changes nothing', async () => {
    const t = await setup();
    const id = await sentAnnouncement(t, [MEMBER.id], () => 'sent');
    const stranger = { id: 'ffffffff-0000-4000-8000-00000000000f', name: 'Mallory' };
    for (const request of [
      { announcementId: id, part: 1, by: MEMBER },
      { announcementId: id, part: -1, by: MEMBER },
      { announcementId: 'no-such', part: 0, by: MEMBER },
      { announcementId: id, part: 0, by: stranger },
    ]) {
      expect(await recordGotIt(t.deps, { tenantId: TENANT, ...request })).toMatchObject({
        kind: 'not-found',
      });
    }
    expect(
      await recordGotIt(t.deps, { tenantId: 'other-tenant', announcementId: id, part: 0, by: MEMBER }),
    ).toMatchObject({ kind: 'not-found' });
    expect((await t.deps.announce.store.counts(TENANT, id)).counts.gotIt).toBe(0);
  });
});

describe('status', () => {
  it('the latest announcement’s counts; unavailable when the store cannot be read; none without announcements', async () => {
    const t = await setup();
    await sentAnnouncement(t, people(4), (p) => (p === 'p-000' ? 'failed' : 'sent'));
    expect(await announcementStatus(t.deps, await t.rollout())).toMatchObject({
      kind: 'counts',
      counts: { sent: 3, failed: 1 },
    });
    const broken = {
      ...t.deps.announce,
      store: { ...t.deps.announce.store, ofRollout: () => Promise.reject(new Error('down')) },
    };
    expect(await announcementStatus({ announce: broken }, await t.rollout())).toEqual({
      kind: 'unavailable',
    });
    expect(await announcementStatus({}, await t.rollout())).toBeNull();
  });
});
