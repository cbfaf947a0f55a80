import { emptyAudience } from '../../src/domain/audience';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import { ADELE, cardText, fact, findAction, invoke, LEE, message, TENANT } from '../support/activities';
import type { RecordedCall } from '../support/fake-connector';
import { startHarness, type Harness } from '../support/harness';

/**
 * An announcement over real HTTP, end to end: the server with its announcements (in-memory table
 * and queue), the real TeamsAnnouncer against the fake Bot Connector, the fan-out drained by the
 * test. announce → preview; Send (twice) → one announcement posted to the coordination and
 * help-desk conversations; the fan-out → each listed member's personal card; Got it (twice) →
 * counted once; status and announce report say so; the report's CSV link works once.
 */
let h: Harness;
let rolloutId = '';
const HELPDESK = '19:00000000000000000000000000helpdesk@thread.v2';
const say = async (text: string, from = ADELE) => {
  await h.post(message(text, { serviceUrl: h.connector.url, from, scope: 'channel' }));
  await h.server.settled();
};
const lastCard = () => h.connector.cards().at(-1) ?? {};
const click = async (
  verb: string,
  data: unknown,
  from = ADELE,
  scope: 'channel' | 'personal' = 'channel',
) => {
  const res = await h.post(
    invoke(verb, data, { serviceUrl: h.connector.url, from, scope, id: `click-${Math.random()}` }),
  );
  await h.server.settled();
  return res;
};
/** The cards posted to a conversation, oldest first. */
const cardsIn = (conversationId: string): Record<string, unknown>[] =>
  h.connector.calls
    .filter((c: RecordedCall) => c.method === 'POST' && c.conversationId === conversationId)
    .flatMap((c) =>
      ((c.body.attachments ?? []) as { content: Record<string, unknown> }[]).map((a) => a.content),
    );

beforeAll(async () => {
  h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
  await say('rollout new Copilot');
  rolloutId = fact(lastCard(), 'Rollout id') ?? '';
  const repo = new TableRolloutRepository(h.table);
  const stored = await repo.get(TENANT, rolloutId);
  if (!stored) throw new Error('no rollout');
  const audience = { ...emptyAudience(), members: [ADELE.id, LEE.id] };
  const phases = stored.value.phases.map((p) => (p.key === 'scope' ? { ...p, audience } : p));
  const helpdesk = { conversationId: HELPDESK, conversationType: 'groupChat', serviceUrl: h.connector.url };
  await repo.commit(TENANT, {
    rollout: { ...stored.value, phases, helpdesk },
    ifMatch: stored.etag,
    audit: [],
    processed: null,
  });
});
afterAll(() => h.close());

it('announce, Send twice, the fan-out, Got it twice, status, report and its CSV once', async () => {
  await say(`announce ${rolloutId}`, LEE);
  expect(h.connector.texts().at(-1)).toMatch(/only the rollout's admins can use `announce`/);

  await say(`announce ${rolloutId}`);
  const preview = lastCard();
  expect(cardText(preview)).toContain('Goes to 2 people');
  const send = findAction(preview, 'announcement.send');
  if (!send) throw new Error('no Send on the preview');

  const first = await click('announcement.send', send.data);
  expect(first).toMatchObject({ status: 200, body: { statusCode: 200 } });
  expect(JSON.stringify(first.body)).toContain(`Sent by ${ADELE.name}`);
  const second = await click('announcement.send', send.data);
  expect(JSON.stringify(second.body)).toContain(`Already sent by ${ADELE.name}`);
  expect(cardsIn(HELPDESK)).toHaveLength(1);

  // The harness runs the fan-out when the test drains it.
  await h.server.fanout.drain();
  expect(h.connector.messagesFor(LEE.id)).toBe(1);
  expect(h.connector.messagesFor(ADELE.id)).toBe(1);

  const leeChat = h.connector.chatOf(LEE.id)?.conversationId ?? '';
  const gotIt = findAction(cardsIn(leeChat).at(-1), 'announcement.gotit');
  if (!gotIt) throw new Error('no Got it on the personal card');
  for (let i = 0; i < 2; i++) {
    const res = await click('announcement.gotit', gotIt.data, LEE, 'personal');
    expect(JSON.stringify(res.body)).toContain('Thanks');
  }
  // The posts' counts follow the Got it, updated in place (the help desk's as the coordination's).
  const helpdeskUpdate = h.connector.calls
    .filter((c) => c.method === 'PUT' && c.conversationId === HELPDESK)
    .at(-1);
  const updated = (
    helpdeskUpdate?.body.attachments as { content: Record<string, unknown> }[] | undefined
  )?.[0]?.content;
  expect(cardText(updated ?? {})).toMatch(/Done[\s\S]*Sent: 2[\s\S]*Got it: 1/);

  await say(`status ${rolloutId}`);
  expect(cardText(lastCard())).toContain('2 recipients · 2 sent · 1 got it');

  await say(`announce report ${rolloutId}`);
  expect(h.connector.texts().join('\n')).toContain('Everyone was reached.');
  const adeleChat = h.connector.chatOf(ADELE.id)?.conversationId ?? '';
  const linkText = h.connector.calls
    .filter((c) => c.method === 'POST' && c.conversationId === adeleChat && typeof c.body.text === 'string')
    .map((c) => c.body.text as string)
    .find((t) => t.includes('/exports/feedback?token='));
  const url = /\((http[^)]+)\)/.exec(linkText ?? '')?.[1] ?? '';
  expect(url).toContain('token=');
  const token = new URL(url).searchParams.get('token') ?? '';
  expect((await fetch(url)).status).toBe(200); // the page: nothing used up
  const download = () =>
    fetch(new URL('feedback', url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
  const csv = await download();
  expect(csv.status).toBe(200);
  const rows = (await csv.text()).split('\r\n').filter(Boolean);
  expect(rows).toHaveLength(3);
  // A listed member who never met the bot has no name yet: the id says who it is.
  expect(rows.find((r) => r.includes(LEE.id))).toMatch(
    new RegExp(`^[^,]*,${LEE.id},sent,sent,1,20\\d\\d-[^,]+,20\\d\\d-[^,]+,false$`),
  );
  expect((await download()).status).toBe(410);
});

it('announce --at in the rollout’s zone: the help desk is told at once, nobody else before the time; cancel stops it', async () => {
  await say('rollout new Viva');
  const vivaId = fact(lastCard(), 'Rollout id') ?? '';
  const repo = new TableRolloutRepository(h.table);
  const stored = (await repo.get(TENANT, vivaId))!;
  const audience = { ...emptyAudience(), members: [LEE.id] };
  const phases = stored.value.phases.map((p) => (p.key === 'scope' ? { ...p, audience } : p));
  const helpdesk = { conversationId: HELPDESK, conversationType: 'groupChat', serviceUrl: h.connector.url };
  await repo.commit(TENANT, {
    rollout: { ...stored.value, phases, helpdesk, timeZone: 'Europe/Berlin' },
    ifMatch: stored.etag,
    audit: [],
    processed: null,
  });
  await say(`announce ${vivaId} --at "2026-02-10 17:00"`); // 16:00 UTC: the clock says 17:30 UTC
  expect(h.connector.texts().at(-1)).toMatch(/has passed/);
  await say(`announce ${vivaId} --at "2026-02-11 09:00"`);
  const send = findAction(lastCard(), 'announcement.send');
  expect(send?.data.at).toBe('2026-02-11T08:00:00.000Z');
  const helpdeskBefore = cardsIn(HELPDESK).length;
  const leeBefore = h.connector.messagesFor(LEE.id);
  const res = await click('announcement.send', send?.data);
  expect(JSON.stringify(res.body)).toMatch(
    /Scheduled by Adele Vance for 11 Feb 2026, 09:00 \(Europe\/Berlin\)/,
  );
  expect(cardsIn(HELPDESK)).toHaveLength(helpdeskBefore + 1);
  await h.server.fanout.drain();
  expect(h.connector.messagesFor(LEE.id)).toBe(leeBefore);
  await say(`announce cancel ${vivaId}`);
  expect(h.connector.texts().at(-1)).toMatch(/Cancelled the announcement of Project scope/);
  // The help desk's post (made when it was scheduled) says so, updated in place.
  const cancelledPost = h.connector.calls
    .filter((c) => c.method === 'PUT' && c.conversationId === HELPDESK)
    .at(-1);
  expect(JSON.stringify(cancelledPost?.body ?? {})).toMatch(/Cancelled by Adele Vance/);
  await say(`status ${vivaId}`);
  expect(cardText(lastCard())).toMatch(/Announcement of Project scope \(cancelled\)/);
});
