import { ADELE, cardText, connectorError, invoke, LEE, message, type Scope } from '../support/activities';
import { requireAction, type Card } from '../support/cards';
import { startHarness, type Harness } from '../support/harness';
import { MemoryTable } from '../../src/storage/memory-table';
import type { QueryOptions, StoredEntity } from '../../src/storage/entity-table';

/**
 * The export link as a browser, a link scanner and a tamperer meet it: GET shows a page (nothing
 * is used up), its form POSTs the token, and that POST downloads the CSV once.
 */
let h: Harness;
let feedbackTable: FlakyTable;
const CHANNEL = '19:0000000000000000000000000000cccc@thread.tacv2';
const TEAMS_PREMIUM_CSV = /attachment; filename="feedback-Teams-Premium\.csv"/;
/** Lee's answer, not shared by name. */
const ANSWER = {
  rating: '4',
  installed: 'yes',
  category: 'functionality',
  severity: 'none',
  platform: 'windows',
  comment: 'Works',
  shareName: 'false',
};

/** A table whose queries fail while `failing` is set (a storage outage). */
class FlakyTable extends MemoryTable {
  failing = false;
  override query(partitionKey: string, options?: QueryOptions): Promise<StoredEntity[]> {
    if (this.failing) return Promise.reject(new Error('storage unavailable'));
    return super.query(partitionKey, options);
  }
}

const say = (text: string, from = ADELE, scope: Scope = 'channel') =>
  h.post(message(text, { serviceUrl: h.connector.url, from, scope }));

/** Cards the bot posted to the personal conversations it created, oldest first. */
const personalCards = (): Card[] =>
  h.connector.calls
    .filter((c) => c.method === 'POST' && /^a:(created|personal)-/.test(c.conversationId ?? ''))
    .flatMap((c) => ((c.body.attachments ?? []) as { content: Card }[]).map((a) => a.content));

const openUrlOf = (card: Card): string => {
  const found = JSON.stringify(card).match(/"type":"Action\.OpenUrl"[^}]*"url":"([^"]+)"/);
  if (!found?.[1]) throw new Error(`no link on the card: ${cardText(card)}`);
  return found[1];
};

/** `feedback export` in the coordination channel; the link from the personal chat. */
const exportLink = async (): Promise<string> => {
  const before = personalCards().length;
  await say('feedback export');
  const card = personalCards()[before];
  if (!card) throw new Error('no export card in a personal chat');
  return openUrlOf(card);
};

const tokenOf = (link: string): string => new URL(link).searchParams.get('token') ?? '';
const page = (link: string) => fetch(link);
/** What the page's form sends: the token, url-encoded, to the same path. */
const download = (link: string, token = tokenOf(link)) =>
  fetch(new URL('feedback', link), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });

beforeEach(async () => {
  feedbackTable = new FlakyTable();
  h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id }, feedbackTable });
  await say('rollout new Teams Premium');
  await say('advance phase --force "lab done"');
  await say('advance phase --force "pilot group chosen"');
  await say('feedback', LEE, 'personal');
  const form = h.connector.cards().at(-1) as Card;
  const res = await h.post(
    invoke(
      'feedback.submit',
      { ...requireAction(form, 'feedback.submit').data, ...ANSWER },
      { serviceUrl: h.connector.url, scope: 'personal', from: LEE },
    ),
  );
  expect(res.status).toBe(200);
  h.connector.clear();
});
afterEach(() => h.close());

it('in a channel, the link goes to the admin privately; the channel hears only where it went', async () => {
  const link = await exportLink();
  expect(link).toContain('/exports/feedback?token=');
  const inChannel = h.connector.calls.filter(
    (c) => c.method === 'POST' && c.conversationId?.startsWith(CHANNEL),
  );
  expect(inChannel.map((c) => c.body.text)).toEqual(['I sent you the download link in our personal chat.']);
  expect(JSON.stringify(inChannel)).not.toMatch(/OpenUrl|token=/);
});

it('when Teams will not open a personal chat, the channel is told how to get the link, and gets none', async () => {
  h.connector.failNext(connectorError('connector-error-403-blocked'));
  await say('feedback export');
  expect(personalCards()).toEqual([]);
  expect(h.connector.texts().at(-1)).toMatch(
    /could not message you privately[\s\S]*`feedback export` in your chat/,
  );
  expect(JSON.stringify(h.connector.calls)).not.toMatch(/OpenUrl|token=/);
});

it('a page first (a scanner’s GETs use nothing up), then one download by POST; a second is refused', async () => {
  const link = await exportLink();
  for (let i = 0; i < 2; i++) {
    const res = await page(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    );
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toMatch(/<form method="post" action="feedback">/);
    expect(html).toContain(`<input type="hidden" name="token" value="${tokenOf(link)}">`);
    expect(html).toContain('Download CSV');
    // Nothing from outside, and nothing about the rollout or its answers.
    expect(html).not.toMatch(/https?:|src=|<script|<link|Teams Premium|Works/);
  }
  const first = await download(link);
  expect(first.status).toBe(200);
  expect(first.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(first.headers.get('content-disposition')).toMatch(TEAMS_PREMIUM_CSV);
  const csv = await first.text();
  expect(csv).toContain('Works');
  expect(csv).not.toContain(LEE.name);
  expect(csv).not.toContain(LEE.id);

  expect((await download(link)).status).toBe(410);
  expect(await (await download(link)).text()).toMatch(/already used/);
});

it('an expired link: 410 on the page and on the download', async () => {
  const link = await exportLink();
  h.clock.advance(11 * 60_000);
  const shown = await page(link);
  expect(shown.status).toBe(410);
  expect(await shown.text()).toMatch(/expired/);
  expect((await download(link)).status).toBe(410);
});

it('a tampered link: 403 on the page and on the download; not a link at all: 400', async () => {
  const link = await exportLink();
  const token = tokenOf(link);
  const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
  const tamperedLink = `${link.split('?')[0]}?token=${tampered}`;
  expect((await page(tamperedLink)).status).toBe(403);
  expect((await download(link, tampered)).status).toBe(403);
  expect((await page(`${h.server.url}/exports/feedback?token=${'x'.repeat(40)}`)).status).toBe(400);
  expect((await page(`${h.server.url}/exports/feedback`)).status).toBe(400);
  expect((await download(link, '')).status).toBe(400);
  const asArray = await fetch(`${h.server.url}/exports/feedback`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'token[]=a&token[]=b',
  });
  expect(asArray.status).toBe(400);
  // The tampered attempts used nothing up.
  expect((await download(link)).status).toBe(200);
});

it('when the answers cannot be read, the download fails with 503 and the link still works', async () => {
  const link = await exportLink();
  feedbackTable.failing = true;
  const failed = await download(link);
  expect(failed.status).toBe(503);
  expect(await failed.text()).toMatch(/not used up/);
  feedbackTable.failing = false;
  const retried = await download(link);
  expect(retried.status).toBe(200);
  expect(retried.headers.get('content-disposition')).toMatch(TEAMS_PREMIUM_CSV);
});
