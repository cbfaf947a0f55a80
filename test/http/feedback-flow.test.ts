import {
  ADELE,
  cardText,
  connectorError,
  fact,
  invoke,
  LEE,
  message,
  type Scope,
} from '../support/activities';
import { formValues, requireAction, type Card } from '../support/cards';
import { startHarness, type Harness } from '../support/harness';
import { TableFeedbackRepository } from '../../src/storage/feedback-repository';

/** Pilot feedback as pilot users and admins meet it in Teams, through restify and the CloudAdapter. */
let h: Harness;
const CHANNEL = '19:0000000000000000000000000000cccc@thread.tacv2';
const say = (text: string, from = ADELE, scope: Scope = 'channel') =>
  h.post(message(text, { serviceUrl: h.connector.url, from, scope }));
const post = (verb: string, data: unknown, from = ADELE, extra: { id?: string; replyToId?: string } = {}) =>
  h.post(invoke(verb, data, { serviceUrl: h.connector.url, scope: 'personal', from, ...extra }));
const click = async (
  verb: string,
  data: unknown,
  from = ADELE,
  extra: { id?: string; replyToId?: string } = {},
) => {
  const res = await post(verb, data, from, extra);
  expect(res.status).toBe(200);
  return res.body as { statusCode: number; type: string; value: Card | string };
};
const clickCard = async (...args: Parameters<typeof click>): Promise<Card> => {
  const body = await click(...args);
  if (body.statusCode !== 200 || typeof body.value === 'string')
    throw new Error(`no card: ${JSON.stringify(body)}`);
  return body.value;
};
const lastCard = () => h.connector.cards().at(-1) as Card;
const GOOD = {
  rating: '4',
  installed: 'yes',
  category: 'functionality',
  severity: 'none',
  platform: 'windows',
  comment: 'Works',
  shareName: 'true',
};
const answer = (form: Card, values: Record<string, string>, from = LEE, extra: { id?: string } = {}) =>
  clickCard('feedback.submit', { ...requireAction(form, 'feedback.submit').data, ...values }, from, extra);
const summary = async () => {
  await say('feedback summary');
  return cardText(lastCard());
};
const feedbackForm = async (from = LEE): Promise<Card> => {
  await say('feedback', from, 'personal');
  return lastCard();
};

beforeEach(async () => {
  h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
  await say('rollout new Teams Premium');
  await say('advance phase --force "lab done"');
  await say('advance phase --force "pilot group chosen"');
  h.connector.clear();
});
afterEach(() => h.close());

it('a pilot user asks for the form in personal chat, gets it for the pilot, and their answer is counted', async () => {
  const form = await feedbackForm();
  expect(requireAction(form, 'feedback.submit').data).toMatchObject({ stageId: 'pilot' });
  expect(cardText(form)).toMatch(/Teams Premium/);
  const thanks = await answer(form, GOOD);
  expect(cardText(thanks)).toMatch(/Thanks/);
  expect(requireAction(thanks, 'feedback.edit').data).toMatchObject({ stageId: 'pilot' });
  expect(await summary()).toMatch(/Responses\D*1\b/);
  // Lee shared the name with the rollout team (the admins); others read the comment unnamed.
  expect(await summary()).toContain(LEE.name);
  await say('feedback summary', LEE);
  expect(cardText(lastCard())).toContain('Works');
  expect(cardText(lastCard())).not.toContain(LEE.name);
});

it('an invalid answer comes back with the errors inline, keeps what was typed, and stores nothing', async () => {
  const form = await feedbackForm();
  const bad = await answer(form, { ...GOOD, rating: '', comment: 'x'.repeat(2001) });
  const text = cardText(bad);
  expect(text).toMatch(/Choose a rating/);
  expect(text).toMatch(/2,?000/);
  expect(formValues(bad).comment).toHaveLength(2001);
  expect(formValues(bad).platform).toBe('windows');
  await say('status');
  expect(cardText(lastCard())).toMatch(/Pilot: feedback responses/);
  expect(fact(lastCard(), 'Pilot: feedback responses') ?? cardText(lastCard())).not.toMatch(
    /\b1\b.*at least/,
  );
  expect(await summary()).not.toMatch(/Responses\D*1\b/);
});

it('a redelivered submission and a double click store once; an edit moves the counts', async () => {
  const form = await feedbackForm();
  await answer(form, GOOD, LEE, { id: 'f:redelivered' });
  await answer(form, GOOD, LEE, { id: 'f:redelivered' });
  await answer(form, GOOD, LEE, { id: 'f:double-click' });
  await answer(form, { ...GOOD, rating: '2' }, LEE);
  const text = await summary();
  expect(text).toMatch(/Responses\D*1\b/);
  expect(text).toMatch(/2\.00|Average rating\D*2\b/);
});

it('a blocker reaches the coordination channel after the answer; the gate counts it until an admin resolves it', async () => {
  const form = await feedbackForm();
  const thanks = await answer(form, {
    ...GOOD,
    severity: 'blocker',
    comment: 'Crashes on start',
    shareName: 'false',
  });
  expect(cardText(thanks)).toMatch(/rollout team has been told/);
  await h.server.notices.idle();
  const notice = h.connector.calls.find((c) => c.conversationId === CHANNEL && c.method === 'POST');
  if (!notice) throw new Error('no notice in the coordination channel');
  expect(notice.activityId).toBeNull(); // a new message (thread), not a reply to something
  const issueCard = (notice.body.attachments as { content: Card }[])[0]?.content as Card;
  expect(cardText(issueCard)).toMatch(/Crashes on start/);
  expect(JSON.stringify(issueCard)).not.toContain(LEE.name);
  expect(JSON.stringify(issueCard)).not.toContain(LEE.id);

  await say('advance phase');
  expect(h.connector.texts().at(-1)).toMatch(/open blockers/i);

  const resolve = requireAction(issueCard, 'blocker.resolve').data;
  expect(cardText(await clickCard('blocker.resolve', { ...resolve, note: '' }))).toMatch(/needs a note/);
  expect(await click('blocker.resolve', { ...resolve, note: 'Fixed' }, LEE)).toMatchObject({
    value: expect.stringMatching(/only the rollout's admins/),
  });
  h.connector.clear();
  const resolved = await clickCard('blocker.resolve', { ...resolve, note: 'Fixed in 2.1' }, ADELE, {
    replyToId: '1770744675001',
  });
  expect(cardText(resolved)).toMatch(/Resolved/);
  // Everyone in the channel sees the card change: the message is updated in place.
  expect(h.connector.calls).toContainEqual(
    expect.objectContaining({ method: 'PUT', activityId: '1770744675001' }),
  );
  await say('status');
  expect(cardText(lastCard())).toMatch(/open blockers/i);
  expect(fact(lastCard(), 'Pilot: open blockers') ?? '').not.toMatch(/^1/);
});

it('a throttled notice is still delivered; a channel that blocked the bot is not retried', async () => {
  const form = await feedbackForm();
  const channelPosts = () =>
    h.connector.calls.filter((c) => c.conversationId === CHANNEL && c.method === 'POST');
  // The documented 429 (here with Retry-After: 0, to keep the test fast): sent again, delivered.
  h.connector.failNext({ ...connectorError('connector-error-429'), headers: { 'Retry-After': '0' } });
  await answer(form, { ...GOOD, severity: 'major' });
  await h.server.notices.idle();
  expect(channelPosts()).toHaveLength(2);
  expect(cardText((channelPosts().at(-1)?.body.attachments as { content: Card }[])[0]?.content)).toMatch(
    /Major/,
  );

  h.connector.clear();
  h.connector.failNext(connectorError('connector-error-403-blocked'));
  await answer(form, { ...GOOD, severity: 'blocker' });
  await h.server.notices.idle();
  expect(channelPosts()).toHaveLength(1);
  expect(await new TableFeedbackRepository(h.feedbackTable).pendingNotices(10)).toEqual([]);
});

it('typed in a channel, the form goes to the person privately; feedback post puts a blank form in the channel', async () => {
  await say('feedback', LEE);
  expect(h.connector.calls.some((c) => c.method === 'POST' && c.conversationId === null)).toBe(true);
  expect(h.connector.texts().at(-1)).toMatch(/personal chat/);
  await say('feedback post', LEE);
  expect(h.connector.texts().at(-1)).toMatch(/only the rollout's admins/);
  await say('feedback post');
  expect(formValues(lastCard()).comment ?? '').toBe('');
  expect(requireAction(lastCard(), 'feedback.submit').data).toMatchObject({ stageId: 'pilot' });
});

it('exports a CSV through a link that works once; anonymous answers carry neither name nor id', async () => {
  await answer(await feedbackForm(), { ...GOOD, comment: '=HYPERLINK("x")', shareName: 'false' });
  await say('feedback export', LEE);
  expect(h.connector.texts().at(-1)).toMatch(/only the rollout's admins/);
  await say('feedback export');
  const link = requireOpenUrl(lastCard());
  const first = await fetch(link);
  expect(first.status).toBe(200);
  expect(first.headers.get('content-disposition')).toMatch(
    /attachment; filename="feedback-Teams-Premium\.csv"/,
  );
  const csv = await first.text();
  expect(csv).toContain("'=HYPERLINK");
  expect(csv).not.toContain(LEE.name);
  expect(csv).not.toContain(LEE.id);
  expect((await fetch(link)).status).toBe(410);
  h.clock.advance(11 * 60_000);
  await say('feedback export');
  const expired = requireOpenUrl(lastCard());
  h.clock.advance(11 * 60_000);
  expect((await fetch(expired)).status).toBe(410);
  expect((await fetch(`${h.server.url}/exports/feedback?token=${'x'.repeat(40)}`)).status).toBe(400);
  expect((await fetch(link.replace(/.(?=$)/, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(403);
});

const requireOpenUrl = (card: Card): string => {
  const match =
    /"type":"Action\.OpenUrl"[^}]*"url":"([^"]+)"/.exec(JSON.stringify(card)) ??
    /"url":"([^"]+)"[^}]*"type":"Action\.OpenUrl"/.exec(JSON.stringify(card));
  if (!match?.[1]) throw new Error(`no link on the card: ${cardText(card)}`);
  return match[1];
};
