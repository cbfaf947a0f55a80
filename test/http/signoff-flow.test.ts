import { ADELE, cardText, invoke, LEE, message, type Scope } from '../support/activities';
import { formValues, requireAction, type Card } from '../support/cards';
import { startHarness, type Harness } from '../support/harness';
import { WriteCountingTable } from '../support/write-counting-table';
import { parse, stringify } from 'yaml';

/** Help-desk readiness as admins and the help desk meet it in Teams, through restify and the CloudAdapter. */
const HAL = { id: '00000000-0000-4000-8000-0000000000a3', name: 'Hal Desk' };
const CHANNEL = '19:0000000000000000000000000000cccc@thread.tacv2';
const HELPDESK = '19:helpdesk00000000000000000000000@thread.tacv2';
let h: Harness;
let tables: WriteCountingTable[];
const say = (text: string, from = ADELE, scope: Scope = 'channel', conversationId?: string) =>
  h.post(
    message(text, {
      serviceUrl: h.connector.url,
      from,
      scope,
      ...(conversationId ? { conversationId } : {}),
    }),
  );
const click = async (
  verb: string,
  data: unknown,
  from: { id: string; name: string },
  trigger?: 'automatic',
) => {
  const res = await h.post(
    invoke(verb, data, {
      serviceUrl: h.connector.url,
      from,
      conversationId: HELPDESK,
      ...(trigger ? { trigger } : {}),
    }),
  );
  expect(res.status).toBe(200);
  const body = res.body as { statusCode: number; value: Card | string };
  if (typeof body.value === 'string') throw new Error(`no card: ${body.value}`);
  return body.value;
};
const posts = (conversationId: string) =>
  h.connector.calls.filter((c) => c.method === 'POST' && c.conversationId === conversationId);
const updates = (messageId: string | undefined) =>
  h.connector.calls.filter((c) => c.method === 'PUT' && c.activityId === messageId);
const cardOf = (call: { body: Record<string, unknown> } | undefined): Card =>
  ((call?.body.attachments as { content: Card }[] | undefined)?.[0]?.content ?? {}) as Card;
const lastText = () => h.connector.texts().at(-1) ?? '';

/** A rollout in its proof of concept, the help desk's channel bound, a readiness request posted there. */
const requested = async () => {
  await say('rollout new Teams Premium');
  await say('advance phase --force "lab done"');
  await say('rollout bind helpdesk "Teams Premium"', ADELE, 'channel', HELPDESK);
  expect(lastText()).toMatch(/posted in this conversation/);
  await say('signoff request');
  expect(lastText()).toMatch(
    /Asked the help desk for readiness to enter Pilot, in the help desk's conversation/,
  );
  const posted = posts(HELPDESK).find((c) => cardOf(c).type === 'AdaptiveCard');
  if (!posted) throw new Error('no readiness card in the help desk channel');
  const ready = requireAction(cardOf(posted), 'signoff.answer', (d) => d.ready === true);
  return {
    messageId: posted.answeredId,
    card: cardOf(posted),
    data: { rolloutId: ready.data.rolloutId, requestId: ready.data.requestId },
  };
};

beforeEach(async () => {
  tables = [new WriteCountingTable(), new WriteCountingTable(), new WriteCountingTable()];
  h = await startHarness({
    env: { ROLLOUT_ADMINS: ADELE.id, ROLLOUT_HELPDESK: `${LEE.id},${HAL.id}` },
    table: tables[0],
    feedbackTable: tables[1],
    signoffTable: tables[2],
  });
});
afterEach(() => h.close());

it('the request shows what is coming, the policy and everyone not answered; members see their own view', async () => {
  const { card } = await requested();
  const text = cardText(card);
  expect(text).toMatch(/Help-desk readiness: Pilot/);
  expect(text).toMatch(/Not answered \(2\)/);
  expect(card.refresh).toMatchObject({
    action: { verb: 'signoff.view' },
    userIds: [`8:orgid:${LEE.id}`, `8:orgid:${HAL.id}`],
  });
  // Ready sends no inputs; Not ready sends the reason.
  const buttons = (card.actions as { verb?: string; title?: string; associatedInputs?: string }[]).filter(
    (a) => a.verb === 'signoff.answer',
  );
  expect(buttons.map((b) => [b.title, b.associatedInputs])).toEqual([
    ['Ready', 'none'],
    ['Not ready', 'auto'],
  ]);
});

it('answers update the posted card for everyone, in order; Not ready needs a reason and tells the coordination channel', async () => {
  const { messageId, data } = await requested();
  const mine = await click('signoff.answer', { ...data, ready: true }, LEE);
  expect(cardText(mine)).toMatch(/Your answer: Ready/);
  await h.server.settled();
  expect(cardText(cardOf(updates(messageId).at(-1)))).toMatch(/Ready \(1\)[\s\S]*Lee Gu/);

  const noReason = await click('signoff.answer', { ...data, ready: false, reason: '  ' }, HAL);
  expect(cardText(noReason)).toMatch(/Not ready needs a reason/);
  const halNot = await click(
    'signoff.answer',
    { ...data, ready: false, reason: 'No runbook for sign-in loops' },
    HAL,
  );
  expect(cardText(halNot)).toMatch(/Your answer: Not ready/);
  await h.server.settled();
  const last = cardText(cardOf(updates(messageId).at(-1)));
  expect(last).toMatch(/Not ready \(1\)[\s\S]*No runbook for sign-in loops/);
  expect(last).toMatch(/Not answered \(0\)/);
  const notice = posts(CHANNEL)
    .map((c) => cardText(cardOf(c)))
    .find((t) => /not ready/i.test(t));
  expect(notice).toMatch(/Hal Desk: No runbook for sign-in loops/);

  // The gate reads the request: Hal's Not ready blocks; a changed answer opens it.
  await say('advance phase');
  expect(lastText()).toMatch(/Help desk ready for Pilot/);
  await click('signoff.answer', { ...data, ready: true }, HAL);
  await h.server.settled();
  expect(cardText(cardOf(updates(messageId).at(-1)))).toMatch(/Ready \(2\)/);
  await say('advance phase');
  expect(lastText()).not.toMatch(/Help desk ready for Pilot/); // only the checklist is left
  expect(lastText()).toMatch(/1 exit criterion is unmet/);
});

it('only the named members may answer; refresh only reads', async () => {
  const { data } = await requested();
  const outsider = await click('signoff.answer', { ...data, ready: true }, ADELE);
  expect(cardText(outsider)).toMatch(/Only the help-desk members/);
  const writes = tables.map((t) => t.writes);
  const calls = h.connector.calls.length;
  const view = await click('signoff.view', data, LEE, 'automatic');
  expect(cardText(view)).toMatch(/You have not answered yet/);
  await h.server.settled();
  expect(tables.map((t) => t.writes)).toEqual(writes);
  expect(h.connector.calls.length).toBe(calls);
});

it('a new pilot time frame from the edit form supersedes the request in place and posts a new one', async () => {
  const { messageId, data } = await requested();
  await click('signoff.answer', { ...data, ready: true }, LEE);
  await say('plan');
  const plan = h.connector.cards().at(-1) as Card;
  const form = await click(
    'plan.edit',
    requireAction(plan, 'plan.edit', (d) => d.section === 'phase' && d.phase === 'pilot').data,
    ADELE,
  );
  await click(
    'plan.save',
    {
      ...requireAction(form, 'plan.save').data,
      ...formValues(form),
      f_startDate: '2026-03-02',
      f_endDate: '2026-03-20',
    },
    ADELE,
  );
  await h.server.settled();
  expect(cardText(cardOf(updates(messageId).at(-1)))).toMatch(/Superseded/);
  const fresh = posts(HELPDESK).filter((c) => cardOf(c).type === 'AdaptiveCard');
  expect(fresh).toHaveLength(2);
  expect(cardText(cardOf(fresh[1]))).toMatch(/Not answered \(2\)/);
  // An answer on the old card is refused: it shows the card superseded, and nothing counts.
  expect(cardText(await click('signoff.answer', { ...data, ready: true }, HAL))).toMatch(/Superseded/);
  await say('status');
  expect(cardText(h.connector.cards().at(-1))).toMatch(/0 ready · 0 not ready · 2 not answered/);
});

it('an imported plan that changes the pilot’s target groups supersedes the request too', async () => {
  const { messageId } = await requested();
  await say('plan export');
  const exported = JSON.stringify(h.connector.cards().at(-1));
  const plan = parse(
    JSON.parse(`"${/"codeSnippet":"((?:[^"\\]|\\.)*)"/.exec(exported)?.[1] ?? ''}"`) as string,
  ) as {
    phases: { pilot: { targetGroups: string[] } };
  };
  plan.phases.pilot.targetGroups = ['IT department', 'Service desk'];
  await say('plan import');
  const importCard = h.connector.cards().at(-1) as Card;
  const imported = await click(
    'plan.import',
    { ...requireAction(importCard, 'plan.import').data, f_yaml: stringify(plan) },
    ADELE,
  );
  expect(cardText(imported)).toMatch(/Plan revision/);
  await h.server.settled();
  expect(cardText(cardOf(updates(messageId).at(-1)))).toMatch(/Superseded/);
  expect(posts(HELPDESK).filter((c) => cardOf(c).type === 'AdaptiveCard')).toHaveLength(2);
});
