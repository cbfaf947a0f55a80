import { ADELE, cardText, connectorError, invoke, LEE, message, type Scope } from '../support/activities';
import { formValues, requireAction, type Card } from '../support/cards';
import { startHarness, type Harness } from '../support/harness';
import { TableFeedbackRepository } from '../../src/storage/feedback-repository';
import { feedbackPersonKey } from '../../src/app/feedback-keys';

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
/** Cards the bot posted to the personal conversations it created (the private ones), oldest first. */
const personalCards = (): Card[] =>
  h.connector.calls
    .filter((c) => c.method === 'POST' && /^a:(created|personal)-/.test(c.conversationId ?? ''))
    .flatMap((c) => ((c.body.attachments ?? []) as { content: Card }[]).map((a) => a.content));
/** Cards the bot posted in the coordination channel (new threads and replies). */
const channelCards = (): Card[] =>
  h.connector.calls
    .filter((c) => c.method === 'POST' && c.conversationId?.startsWith(CHANNEL))
    .flatMap((c) => ((c.body.attachments ?? []) as { content: Card }[]).map((a) => a.content));
/**
 * What the status card measured for an exit criterion: its line reads
 * "❌ **Pilot: open blockers**: 1 (target: at most 0)"; null when the card has no such criterion.
 */
const measured = (card: Card, label: string): string | null => {
  const line = cardText(card)
    .split('\n')
    .find((l) => l.includes(`**${label}**: `));
  return line ? (/\*\*: (.*) \(target: /.exec(line)?.[1] ?? null) : null;
};
const status = async (): Promise<Card> => {
  await say('status');
  return lastCard();
};
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
  // The announcement previews entering each stage posts after the reply are not what these tests read.
  await h.server.settled();
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
});

it('shared names show only to admins, and only in personal chat or the coordination channel', async () => {
  await answer(await feedbackForm(), GOOD);
  const summaryIn = async (from: typeof ADELE, scope: Scope) => {
    await say('feedback summary Teams Premium', from, scope);
    const text = cardText(lastCard());
    expect(text).toContain('Works');
    return text;
  };
  // Lee shared the name with the rollout team (the admins), where only they read along.
  expect(await summaryIn(ADELE, 'channel')).toContain(LEE.name); // the rollout's coordination channel
  expect(await summaryIn(ADELE, 'personal')).toContain(LEE.name);
  // Anywhere else, even for an admin, and for everyone else anywhere, every comment is unnamed.
  expect(await summaryIn(ADELE, 'groupChat')).not.toContain(LEE.name);
  expect(await summaryIn(LEE, 'channel')).not.toContain(LEE.name);
  expect(await summaryIn(LEE, 'personal')).not.toContain(LEE.name);
});

it('an invalid answer comes back with the errors inline, keeps what was typed, and stores nothing', async () => {
  const form = await feedbackForm();
  const bad = await answer(form, { ...GOOD, rating: '', comment: 'x'.repeat(2001) });
  const text = cardText(bad);
  expect(text).toMatch(/Choose a rating/);
  expect(text).toMatch(/2,?000/);
  expect(formValues(bad).comment).toHaveLength(2001);
  expect(formValues(bad).platform).toBe('windows');
  expect(measured(await status(), 'Pilot: feedback responses')).toBe('0');
  expect(await summary()).toMatch(/No feedback yet/);
  // The same form, valid, is counted (so the checks above can fail).
  await answer(form, GOOD);
  expect(measured(await status(), 'Pilot: feedback responses')).toBe('1');
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

  // The card names the answer by a sealed reference only: no answer key, no stage, no id.
  const rolloutId = String(requireAction(form, 'feedback.submit').data.rolloutId);
  expect(JSON.stringify(issueCard)).not.toContain(feedbackPersonKey(rolloutId, LEE.id));
  expect(Object.keys(requireAction(issueCard, 'blocker.resolve').data).sort()).toEqual(['ref', 'rolloutId']);

  await say('advance phase');
  expect(h.connector.texts().at(-1)).toMatch(/open blockers/i);
  expect(measured(await status(), 'Pilot: open blockers')).toBe('1');

  const resolve = requireAction(issueCard, 'blocker.resolve').data;
  // An altered or forged reference opens nothing.
  const ref = String(resolve.ref);
  const altered = `${ref.slice(0, -2)}${ref.endsWith('AA') ? 'BB' : 'AA'}`;
  for (const bad of [altered, feedbackPersonKey(rolloutId, LEE.id), JSON.stringify({ stageId: 'pilot' })]) {
    expect(await click('blocker.resolve', { ...resolve, ref: bad, note: 'Fixed' })).toMatchObject({
      value: expect.stringMatching(/no longer names an answer/),
    });
  }
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
  expect(measured(await status(), 'Pilot: open blockers')).toBe('0');
});

it('a failed update of the channel card does not fail the resolve: the admin gets the new card and why', async () => {
  await answer(await feedbackForm(), { ...GOOD, severity: 'blocker', comment: 'Crashes on start' });
  await h.server.notices.idle();
  const issueCard = channelCards().at(-1);
  if (!issueCard) throw new Error('no notice in the coordination channel');
  const resolve = requireAction(issueCard, 'blocker.resolve').data;
  h.connector.clear();
  h.connector.failNext(connectorError('connector-error-403-blocked'));
  const body = await click('blocker.resolve', { ...resolve, note: 'Fixed in 2.1' }, ADELE, {
    replyToId: '1770744675001',
  });
  expect(body.statusCode).toBe(200);
  const text = cardText(body.value);
  expect(text).toMatch(/Resolved by Adele Vance/);
  expect(text).toMatch(/card in the channel could not be updated/);
  expect(h.connector.calls).toContainEqual(
    expect.objectContaining({ method: 'PUT', activityId: '1770744675001' }),
  );
  // Saved all the same: the gate no longer counts it.
  expect(measured(await status(), 'Pilot: open blockers')).toBe('0');
});

it('a resolved blocker made "no problem" and then a blocker again is open and reported again', async () => {
  const form = await feedbackForm();
  await answer(form, { ...GOOD, severity: 'blocker', comment: 'Crashes' });
  await h.server.notices.idle();
  const resolve = requireAction(channelCards().at(-1) as Card, 'blocker.resolve').data;
  await clickCard('blocker.resolve', { ...resolve, note: 'Fixed in 2.1' });
  expect(measured(await status(), 'Pilot: open blockers')).toBe('0');
  await answer(form, { ...GOOD, severity: 'none', comment: 'Fine now' });
  h.connector.clear();
  const thanks = await answer(form, { ...GOOD, severity: 'blocker', comment: 'Crashes again' });
  expect(cardText(thanks)).toMatch(/rollout team has been told/);
  await h.server.notices.idle();
  const notice = channelCards().at(-1);
  expect(cardText(notice)).toMatch(/Crashes again[\s\S]*^Open$/m);
  expect(measured(await status(), 'Pilot: open blockers')).toBe('1');
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
  // The form went to the personal chat the bot created, and no form to the channel.
  expect(personalCards()).toHaveLength(1);
  expect(requireAction(personalCards()[0] as Card, 'feedback.submit').data).toMatchObject({
    stageId: 'pilot',
  });
  expect(channelCards()).toEqual([]);
  await say('feedback post', LEE);
  expect(h.connector.texts().at(-1)).toMatch(/only the rollout's admins/);
  await say('feedback post');
  expect(formValues(lastCard()).comment ?? '').toBe('');
  expect(requireAction(lastCard(), 'feedback.submit').data).toMatchObject({ stageId: 'pilot' });
});

it('exports a CSV through a link sent privately that works once; anonymous answers carry neither name nor id', async () => {
  await answer(await feedbackForm(), { ...GOOD, comment: '=HYPERLINK("x")', shareName: 'false' });
  await say('feedback export', LEE);
  expect(h.connector.texts().at(-1)).toMatch(/only the rollout's admins/);
  h.connector.clear();
  await say('feedback export');
  // In the channel: where the link went, and no link.
  expect(channelCards()).toEqual([]);
  expect(h.connector.texts()).toEqual(['I sent you the download link in our personal chat.']);
  expect(h.connector.calls.some((c) => c.method === 'POST' && c.conversationId === null)).toBe(true);
  const [exportCard] = personalCards();
  if (!exportCard) throw new Error('no export card in a personal chat');
  const link = requireOpenUrl(exportCard);
  // The link opens a page (a scanner's GET uses nothing up); its form downloads once.
  expect((await fetch(link)).status).toBe(200);
  const first = await downloadFrom(link);
  expect(first.status).toBe(200);
  expect(first.headers.get('content-disposition')).toMatch(
    /attachment; filename="feedback-Teams-Premium\.csv"/,
  );
  const csv = await first.text();
  expect(csv).toContain("'=HYPERLINK");
  expect(csv).not.toContain(LEE.name);
  expect(csv).not.toContain(LEE.id);
  expect((await downloadFrom(link)).status).toBe(410);

  // In personal chat the card comes straight back.
  h.connector.clear();
  await say('feedback export Teams Premium', ADELE, 'personal');
  expect(h.connector.calls.some((c) => c.conversationId === null)).toBe(false);
  expect(requireOpenUrl(lastCard())).toContain('/exports/feedback?token=');
});

/** Submits the export page's form: the token from its hidden field, POSTed to the form's action. */
const downloadFrom = async (link: string): Promise<Response> => {
  const html = await (await fetch(link)).text();
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1];
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !token) throw new Error(`no download form: ${html.slice(0, 300)}`);
  return fetch(new URL(action, link), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
};

const requireOpenUrl = (card: Card): string => {
  const match =
    /"type":"Action\.OpenUrl"[^}]*"url":"([^"]+)"/.exec(JSON.stringify(card)) ??
    /"url":"([^"]+)"[^}]*"type":"Action\.OpenUrl"/.exec(JSON.stringify(card));
  if (!match?.[1]) throw new Error(`no link on the card: ${cardText(card)}`);
  return match[1];
};

it('a wave that lists its members takes answers from them (and admins) only; its phase takes none of its own', async () => {
  const MEGAN = { id: '00000000-0000-4000-8000-0000000000a3', name: 'Megan Bowen' };
  // A second rollout, in a group chat, whose pilot runs in waves: the first lists Megan alone.
  const inGroup = (text: string, from = ADELE) => say(text, from, 'groupChat');
  await inGroup('rollout new Intune enrollment --template enrollment');
  await inGroup('plan');
  const plan = lastCard();
  const edit = requireAction(
    plan,
    'plan.edit',
    (d) => d.section === 'wave' && d.phase === 'pilot' && d.waveId === 'it-users',
  ).data;
  const rolloutId = String(edit.rolloutId);
  const form = await clickCard('plan.edit', edit);
  const saved = await clickCard('plan.save', {
    ...requireAction(form, 'plan.save').data,
    ...formValues(form),
    f_members: MEGAN.id,
  });
  expect(cardText(saved)).not.toMatch(/Nothing was saved/);
  await inGroup('advance phase --force "lab done"');
  await inGroup('advance phase --force "pilot group chosen"');

  // Lee is not listed: asked by name, the form is refused with the reason.
  await say('feedback Intune enrollment', LEE, 'personal');
  expect(h.connector.texts().at(-1)).toMatch(/not listed among them/);
  // A forged submission for the wave is refused too, and nothing is stored.
  const forged = { rolloutId, stageId: 'pilot/it-users', ...GOOD };
  expect(await click('feedback.submit', forged, LEE)).toMatchObject({
    value: expect.stringMatching(/not listed among them/),
  });
  // So is one for the phase as a whole (its answers go to its waves), even from a listed member.
  expect(await click('feedback.submit', { ...forged, stageId: 'pilot' }, MEGAN)).toMatchObject({
    value: expect.stringMatching(/runs in waves/),
  });
  // And for a crafted id below the wave.
  expect(await click('feedback.submit', { ...forged, stageId: 'pilot/it-users/1' }, MEGAN)).toMatchObject({
    value: expect.stringMatching(/no longer in the plan/),
  });

  // Megan, listed, gets the wave's form and is counted.
  await say('feedback', MEGAN, 'personal');
  const megansForm = lastCard();
  expect(requireAction(megansForm, 'feedback.submit').data).toEqual({ rolloutId, stageId: 'pilot/it-users' });
  expect(cardText(await answer(megansForm, GOOD, MEGAN))).toMatch(/Thanks/);
  await inGroup('status');
  expect(measured(lastCard(), 'IT users: feedback responses')).toBe('1 (100% of 1)');
});

it('a notice the Bot Connector keeps refusing (401: the bot’s own credentials) stays in the outbox until a later sweep sends it', async () => {
  const form = await feedbackForm();
  const unauthorised = {
    status: 401,
    body: { error: { code: 'Unauthorized', message: 'Authorization has been denied' } },
  };
  h.connector.failNext(...Array.from({ length: 8 }, () => unauthorised));
  await answer(form, { ...GOOD, severity: 'blocker', comment: 'Still crashing' });
  await h.server.settled();
  const outbox = new TableFeedbackRepository(h.feedbackTable);
  expect(await outbox.pendingNotices(10)).toHaveLength(1);
  const delivered = () =>
    h.connector.calls.filter((c) => c.conversationId === CHANNEL && c.method === 'POST' && c.answeredId);
  expect(delivered()).toHaveLength(0);
  await h.sweep();
  await h.server.settled();
  expect(delivered()).toHaveLength(1);
  expect(await outbox.pendingNotices(10)).toEqual([]);
});
