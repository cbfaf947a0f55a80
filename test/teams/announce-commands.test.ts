import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Response } from 'restify';
import type { Rollout } from '../../src/domain/rollout';
import { serveFeedbackExport } from '../../src/export/export-endpoint';
import { SignedExportLinks } from '../../src/export/export-links';
import { TableTokenLedger } from '../../src/storage/token-ledger';
import { MemoryTable } from '../../src/storage/memory-table';
import { ACTIONS } from '../../src/teams/actions';
import { COMMANDS } from '../../src/teams/commands';
import { Router, type InvokeResponseBody } from '../../src/teams/router';
import type { Reply, Turn } from '../../src/teams/turn';
import { announceDeps, deliver, HELPDESK_CHAT, people, pilotWith } from '../app/announce-support';
import { ADMIN, COORDINATION, MEMBER, TENANT } from '../app/support';

/**
 * The announce commands and card actions through the real router (commands, verbs, schemas,
 * roles), on the real repository over an in-memory table, a memory queue and a recording
 * announcer; the work after the reply is run by the test, as the server runs it after answering.
 */
let n = 0;
const recordingTurn = (
  from: { id: string; name: string },
  options: { clicked?: string; activityId?: string } = {},
) => {
  const replies: Reply[] = [];
  const privately: Reply[] = [];
  const updates: { messageId: string; reply: Reply }[] = [];
  const deferred: (() => void | Promise<unknown>)[] = [];
  const id = options.activityId ?? `a-${++n}`;
  const turn: Turn = {
    tenantId: TENANT,
    from,
    conversation: { id: COORDINATION.conversationId, type: 'channel', serviceUrl: 'https://smba.example/' },
    activityId: id,
    activityKey: `${COORDINATION.conversationId}|${id}`,
    localTimezone: null,
    sentAt: null,
    send: async (reply) => void replies.push(reply),
    sendPrivately: async (reply) => (privately.push(reply), true),
    clickedMessageId: options.clicked ?? null,
    update: async (messageId, reply) => void updates.push({ messageId, reply }),
    defer: (task) => void deferred.push(task),
  };
  const afterReply = async () => {
    for (const task of deferred.splice(0)) await task();
  };
  return { turn, replies, privately, updates, afterReply };
};

const textOf = (reply: Reply | undefined): string =>
  reply && 'card' in reply ? JSON.stringify(reply.card.content) : (reply?.text ?? '');
const bodyText = (body: InvokeResponseBody): string => JSON.stringify(body.value);

interface PreviewData {
  announcementId: string;
  rolloutId: string;
  stageId: string;
  at?: string;
}

/** The data of the card's Send button (Action.Execute `announcement.send`), wherever it sits in the card. */
const sendData = (reply: Reply | undefined): PreviewData | null => {
  if (!reply || !('card' in reply)) return null;
  let found: PreviewData | null = null;
  JSON.stringify(reply.card.content, (key, value: unknown) => {
    const v = value as { verb?: string; data?: PreviewData } | null;
    if (v && typeof v === 'object' && v.verb === 'announcement.send' && v.data) found = v.data;
    return value;
  });
  return found;
};

const setup = async (options: { timeZone?: string } = {}) => {
  const t = announceDeps();
  const rolloutId = await pilotWith(t.deps, [ADMIN.id, MEMBER.id], options);
  const router = new Router(COMMANDS, ACTIONS, t.deps, pino({ level: 'silent' }));
  const say = async (text: string, from = ADMIN) => {
    const r = recordingTurn(from);
    await router.handleMessage(r.turn, text);
    await r.afterReply();
    return r;
  };
  const click = async (verb: string, data: unknown, from = ADMIN, options: { activityId?: string } = {}) => {
    const r = recordingTurn(from, { clicked: 'preview-msg', ...options });
    const body = await router.handleAction(r.turn, { action: { type: 'Action.Execute', verb, data } });
    await r.afterReply();
    return { ...r, body };
  };
  const rollout = async (): Promise<Rollout> => (await t.deps.rollouts.get(TENANT, rolloutId))!.value;
  /** `announce`, then the preview card's Send data (as its buttons carry it). */
  const previewed = async (flags = '') => {
    const r = await say(`announce ${rolloutId} ${flags}`);
    const data = sendData(r.replies[0]);
    if (!data) throw new Error(`no preview: ${textOf(r.replies[0])}`);
    return data;
  };
  return { ...t, rolloutId, router, say, click, rollout, previewed };
};

describe('admins only', () => {
  it('every announce command and preview button refuses a non-admin, and nothing is made or sent', async () => {
    const t = await setup();
    for (const command of ['announce', 'announce cancel', 'announce retry', 'announce report']) {
      const r = await t.say(`${command} ${t.rolloutId}`, MEMBER);
      expect(textOf(r.replies[0])).toMatch(new RegExp(`only the rollout's admins can use \`${command}\``));
    }
    const data = await t.previewed();
    for (const verb of ['announcement.send', 'announcement.test', 'announcement.skip']) {
      const { body } = await t.click(verb, data, MEMBER);
      expect(body).toMatchObject({
        statusCode: 200,
        value: expect.stringMatching(/only the rollout's admins/),
      });
    }
    expect(await t.deps.announce.store.ofRollout(TENANT, t.rolloutId, 10)).toEqual([]);
    expect(t.announcer.personal).toEqual([]);
    expect(await t.messages()).toEqual([]);
  });
});

describe('announce and its preview', () => {
  it('previews the current stage to the conversation with its recipients; Send twice makes one announcement and one start', async () => {
    const t = await setup();
    const r = await t.say(`announce ${t.rolloutId}`);
    expect(textOf(r.replies[0])).toContain('Goes to 2 people (the members listed in the plan)');
    const data = sendData(r.replies[0])!;
    expect(data.stageId).toBe('pilot');
    const first = await t.click('announcement.send', data);
    expect(bodyText(first.body)).toContain(`Sent by ${ADMIN.name}`);
    expect(first.updates.map((u) => u.messageId)).toEqual(['preview-msg']);
    const again = await t.click('announcement.send', data);
    expect(bodyText(again.body)).toContain(`Already sent by ${ADMIN.name}`);
    expect(again.updates).toEqual([]);
    expect(await t.deps.announce.store.ofRollout(TENANT, t.rolloutId, 10)).toHaveLength(1);
    expect(await t.messages()).toEqual([
      { v: 1, kind: 'start', tenantId: TENANT, announcementId: data.announcementId },
    ]);
    expect(t.announcer.posts.map((p) => p.to.conversationId)).toEqual([
      COORDINATION.conversationId,
      HELPDESK_CHAT.conversationId,
    ]);
  });

  it('a redelivered Send (the same activity) makes one', async () => {
    const t = await setup();
    const data = await t.previewed();
    await t.click('announcement.send', data, ADMIN, { activityId: 'same' });
    await t.click('announcement.send', data, ADMIN, { activityId: 'same' });
    expect(await t.deps.announce.store.ofRollout(TENANT, t.rolloutId, 10)).toHaveLength(1);
    expect(await t.messages()).toHaveLength(1);
  });

  it('--at in the rollout’s zone: scheduled, the help desk posted at once', async () => {
    const t = await setup({ timeZone: 'Europe/Berlin' });
    const data = await t.previewed('--at "2026-02-11 09:00"');
    expect(data.at).toBe('2026-02-11T08:00:00.000Z');
    const sent = await t.click('announcement.send', data);
    expect(bodyText(sent.body)).toMatch(/Scheduled by Adele Vance for 11 Feb 2026, 09:00 \(Europe\/Berlin\)/);
    expect((await t.deps.announce.store.get(TENANT, data.announcementId))!.value).toMatchObject({
      state: 'scheduled',
      scheduledAt: '2026-02-11T08:00:00.000Z',
      helpdesk: { conversation: HELPDESK_CHAT, messageId: expect.any(String) },
    });
  });

  it.each([
    ['--at "2026-02-10 09:00"', /has passed/],
    ['--at "next week"', /takes a date and time in the rollout's time zone \(Europe\/Berlin\)/],
    ['--stage nope', /has no phase or wave “nope”/],
  ])('%s is refused with a message, no preview', async (flags, message) => {
    const t = await setup({ timeZone: 'Europe/Berlin' });
    const r = await t.say(`announce ${t.rolloutId} ${flags}`);
    expect(textOf(r.replies[0])).toMatch(message);
    expect(sendData(r.replies[0])).toBeNull();
  });

  it('Skip, then Send: refused, nothing sent', async () => {
    const t = await setup();
    const data = await t.previewed();
    expect(bodyText((await t.click('announcement.skip', data)).body)).toContain(`Skipped by ${ADMIN.name}`);
    expect(bodyText((await t.click('announcement.send', data)).body)).toMatch(
      /skipped this announcement: nothing was sent/,
    );
    expect(await t.messages()).toEqual([]);
  });

  it('Send a test to me: the personal card to the clicker alone, on the activity’s service URL; nothing made', async () => {
    const t = await setup();
    const data = await t.previewed();
    const { body } = await t.click('announcement.test', data);
    expect(body).toMatchObject({ statusCode: 200, value: expect.stringMatching(/sent you a test/) });
    expect(t.announcer.personal.map((p) => [p.serviceUrl, p.card.recipient.personId, p.card.test])).toEqual([
      ['https://smba.example/', ADMIN.id, true],
    ]);
    expect(await t.deps.announce.store.get(TENANT, data.announcementId)).toBeNull();
  });

  it('card data that does not parse is refused at the edge', async () => {
    const t = await setup();
    const { body } = await t.click('announcement.send', { announcementId: 'x', rolloutId: t.rolloutId });
    expect(body).toMatchObject({ statusCode: 400 });
  });
});

/** Sent through the preview, then delivered as `statusOf` says. */
const delivered = async (
  t: Awaited<ReturnType<typeof setup>>,
  ids: string[],
  statusOf: Parameters<typeof deliver>[3],
) => {
  const data = await t.previewed();
  await t.click('announcement.send', data);
  await deliver(t.deps, data.announcementId, ids, statusOf);
  return data.announcementId;
};

describe('announce cancel, retry, report', () => {
  it('cancel marks the pending cancelled after the reply and leaves what was sent', async () => {
    const t = await setup();
    const id = await delivered(t, people(70), (p) => (p < 'p-010' ? 'sent' : 'pending'));
    const r = await t.say(`announce cancel ${t.rolloutId}`);
    expect(textOf(r.replies[0])).toMatch(/Cancelled the announcement of Pilot.*What was sent stays sent/);
    expect((await t.deps.announce.store.counts(TENANT, id)).counts).toMatchObject({
      sent: 10,
      cancelled: 60,
      pending: 0,
    });
    expect(textOf((await t.say(`announce cancel ${t.rolloutId}`)).replies[0])).toMatch(
      /no announcement being sent or scheduled/,
    );
  });

  it('retry re-queues the failed', async () => {
    const t = await setup();
    const id = await delivered(t, people(5), (p) => (p === 'p-002' ? 'failed' : 'sent'));
    await t.messages();
    await t.deps.announce.queue.receive(32, 300); // the start message, taken by a worker
    const r = await t.say(`announce retry ${t.rolloutId}`);
    expect(textOf(r.replies[0])).toMatch(/Sending the 1 failed delivery/);
    expect((await t.deps.announce.store.counts(TENANT, id)).counts).toMatchObject({ failed: 0, pending: 1 });
    expect(await t.messages()).toEqual([
      { v: 1, kind: 'part', tenantId: TENANT, announcementId: id, part: 0 },
    ]);
  });

  it('report names who was not reached and why; its CSV link works once', async () => {
    const t = await setup();
    const status = { 'p-000': 'blocked', 'p-001': 'not-installed' } as const;
    const id = await delivered(t, people(4), (p) => status[p as keyof typeof status] ?? 'sent');
    const links = new SignedExportLinks({
      secret: 'report-secret',
      ttlMinutes: 10,
      clock: t.deps.clock,
      baseUrl: () => base,
    });
    const deps = { ...t.deps, exportLinks: links };
    const router = new Router(COMMANDS, ACTIONS, deps, pino({ level: 'silent' }));
    const ledger = new TableTokenLedger(new MemoryTable());
    const server: Server = createServer((req, res) => {
      void serveFeedbackExport(
        { deps, links, ledger, logger: pino({ level: 'silent' }) },
        new URL(req.url ?? '', 'http://x').searchParams.get('token') ?? '',
        res as unknown as Response,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = recordingTurn(ADMIN);
      await router.handleMessage(r.turn, `announce report ${t.rolloutId}`);
      const text = textOf(r.replies[0]);
      expect(text).toMatch(/4 recipients · 2 sent · 0 got it · 1 blocked · 1 not installed/);
      expect(text).toMatch(
        /Not reached \(2\):\n- Name p-000: blocked the bot \(x blocked\)\n- Name p-001: app not installed/,
      );
      expect(textOf(r.replies[1])).toBe('I sent you the download link in our personal chat.');
      const url = /\((http:[^)]+)\)/.exec(textOf(r.privately[0]))?.[1] ?? '';
      expect(url).toContain('/exports/feedback?token=');
      const first = await fetch(url);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-disposition')).toMatch(/announcement-/);
      const csv = await first.text();
      expect(csv.split('\r\n')[0]).toContain(
        'Name,Person id,Status,Last status,Attempts,When,Got it,Possible duplicate',
      );
      expect(csv).toContain('Name p-000,p-000,blocked,x blocked,1,');
      expect(csv.split('\r\n').filter(Boolean)).toHaveLength(5);
      const second = await fetch(url);
      expect(second.status).toBe(410);
      expect(await second.text()).toMatch(/`announce report`/);
      expect(id).toBeTruthy();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('more than 20 not reached: counts by reason', async () => {
    const t = await setup();
    await delivered(t, people(30), (p) => (p < 'p-022' ? 'not-installed' : 'failed'));
    const text = textOf((await t.say(`announce report ${t.rolloutId}`)).replies[0]);
    expect(text).toMatch(/Not reached: 30\n- app not installed: 22\n- failed: 8/);
    expect(text).not.toContain('Name p-000');
  });
});

describe('Got it', () => {
  it('counted once per person (double click, redelivery), then the card thanks them', async () => {
    const t = await setup();
    const id = await delivered(t, [ADMIN.id, MEMBER.id], () => 'sent');
    for (let i = 0; i < 2; i++) {
      const { body } = await t.click('announcement.gotit', { announcementId: id, part: 0 }, MEMBER, {
        activityId: 'g1',
      });
      expect(bodyText(body)).toContain('Thanks');
    }
    await t.click('announcement.gotit', { announcementId: id, part: 0 }, MEMBER);
    expect((await t.deps.announce.store.counts(TENANT, id)).counts.gotIt).toBe(1);
  });

  it('forged data and a test card change nothing', async () => {
    const t = await setup();
    const id = await delivered(t, [MEMBER.id], () => 'sent');
    const stranger = { id: 'ffffffff-0000-4000-8000-00000000000f', name: 'Mallory' };
    for (const [data, from] of [
      [{ announcementId: id, part: 3 }, MEMBER],
      [{ announcementId: 'forged', part: 0 }, MEMBER],
      [{ announcementId: id, part: 0 }, stranger],
      [{ announcementId: id, part: -1, test: true }, MEMBER],
    ] as const) {
      const { body } = await t.click('announcement.gotit', data, from);
      expect(body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    }
    expect((await t.deps.announce.store.counts(TENANT, id)).counts.gotIt).toBe(0);
  });
});

describe('status', () => {
  it('a scheduled announcement: when it goes', async () => {
    const t = await setup({ timeZone: 'Europe/Berlin' });
    await t.click('announcement.send', await t.previewed('--at "2026-02-11 09:00"'));
    const r = await t.say(`status ${t.rolloutId}`);
    expect(textOf(r.replies[0])).toContain('Announcement of Pilot: scheduled for 11 Feb 2026, 09:00 CET');
  });

  it('shows the latest announcement’s counts', async () => {
    const t = await setup();
    await delivered(t, people(3), (p) => (p === 'p-000' ? 'blocked' : 'sent'));
    const r = await t.say(`status ${t.rolloutId}`);
    expect(textOf(r.replies[0])).toContain(
      'Announcement of Pilot (sending): 3 recipients · 2 sent · 0 got it · 1 blocked',
    );
  });

  it('an unreadable store is a line, not a failed card', async () => {
    const t = await setup();
    const store = { ...t.deps.announce.store, ofRollout: () => Promise.reject(new Error('storage down')) };
    const router = new Router(
      COMMANDS,
      ACTIONS,
      { ...t.deps, announce: { ...t.deps.announce, store } },
      pino({ level: 'silent' }),
    );
    const r = recordingTurn(ADMIN);
    await router.handleMessage(r.turn, `status ${t.rolloutId}`);
    expect(textOf(r.replies[0])).toContain('Announcements: paused: storage unavailable.');
  });
});

describe('help', () => {
  it('lists the announce commands', async () => {
    const t = await setup();
    const text = textOf((await t.say('help')).replies[0]);
    for (const usage of [
      'announce [rollout] [--stage id] [--at "YYYY-MM-DD HH:mm"]',
      'announce cancel [rollout]',
      'announce retry [rollout]',
      'announce report [rollout]',
    ]) {
      expect(text).toContain(`\`${usage}\``);
    }
  });
});
