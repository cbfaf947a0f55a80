import { ADELE, cardText, invoke, LEE, message, TENANT, type Scope } from '../support/activities';
import { requireAction, type Card } from '../support/cards';
import { startHarness, type Harness } from '../support/harness';
import { MemoryTable } from '../../src/storage/memory-table';
import type { StoredEntity, TableAction } from '../../src/storage/entity-table';
import { signExportToken } from '../../src/export/signed-link';

/**
 * Two tenants on one bot: tenant A's rollout (its pilot with a reported blocker, a readiness
 * request, an export link) and tenant B, whose people have the same Entra object ids (possible:
 * object ids are only unique within a tenant) and are admins and help-desk members there too.
 * Whatever a tenant-B activity names — A's rollout id, A's sealed issue reference, A's readiness
 * request, a link issued for A — B sees nothing of A, and no row of A's changes.
 */
const TENANT_B = '5b5b5b5b-0000-4000-8000-00000000000b';
const SECRET = 'tenant-isolation-test-secret-0123456789abcdef';
const HAL = { id: '00000000-0000-4000-8000-0000000000a3', name: 'Hal Desk' };
const CHANNEL_A = '19:0000000000000000000000000000cccc@thread.tacv2';
const HELPDESK_A = '19:helpdesk00000000000000000000000@thread.tacv2';
const A_NAME = 'Teams Premium';
const CRASH = 'Crashes on start for tenant A';

/** An in-memory table that remembers every partition written, to list a tenant's rows. */
class ObservedTable extends MemoryTable {
  private readonly partitions = new Set<string>();
  override submit(actions: readonly TableAction[]): Promise<string[]> {
    for (const a of actions)
      this.partitions.add(a.kind === 'delete' ? a.partitionKey : a.entity.partitionKey);
    return super.submit(actions);
  }
  /** Every row (with its ETag) in the partitions that belong to the tenant, by partition. */
  async rowsOf(tenantId: string): Promise<Record<string, StoredEntity[]>> {
    const out: Record<string, StoredEntity[]> = {};
    for (const pk of [...this.partitions].sort()) {
      if (pk.split('|').includes(tenantId)) out[pk] = await this.query(pk);
    }
    return out;
  }
}

let h: Harness;
let tables: ObservedTable[];
/** What tenant A has, found through A's own cards. */
let a: {
  rolloutId: string;
  issue: Record<string, unknown>;
  signoff: { rolloutId: unknown; requestId: unknown };
  signoffMessageId: string;
};

type Person = { id: string; name: string };
type Json = Record<string, unknown>;

/**
 * The same activity as it would come from tenant B: its tenant (both places Teams puts it) and
 * its conversation, channel and team are B's. The card data (`value`) is left as the test gave it.
 */
const inTenantB = (activity: Json, options: { keepConversation?: boolean } = {}): Json => {
  const { value, ...envelope } = activity;
  let json = JSON.stringify(envelope).replaceAll(TENANT, TENANT_B);
  if (!options.keepConversation) {
    json = json
      .replaceAll('0000cccc@thread', '0000bcbc@thread')
      .replaceAll('0000aaaa@thread', '0000baba@thread')
      .replaceAll('helpdesk00000', 'helpdeskbbbbb')
      .replaceAll('personal-chat-', 'personal-chat-tenant-b-');
  }
  const moved = JSON.parse(json) as Json;
  return value === undefined ? moved : { ...moved, value };
};

const say = (text: string, from: Person = ADELE, scope: Scope = 'channel', conversationId?: string) =>
  h.post(
    message(text, {
      serviceUrl: h.connector.url,
      from,
      scope,
      ...(conversationId ? { conversationId } : {}),
    }),
  );
const sayInB = (text: string, from: Person = ADELE, scope: Scope = 'channel', keepConversation = false) =>
  h.post(inTenantB(message(text, { serviceUrl: h.connector.url, from, scope }), { keepConversation }));
const clickAs = async (
  tenant: 'A' | 'B',
  verb: string,
  data: unknown,
  from: Person,
  scope: Scope = 'channel',
  trigger?: 'automatic',
) => {
  const built = invoke(verb, data, {
    serviceUrl: h.connector.url,
    from,
    scope: scope === 'personal' ? 'personal' : 'channel',
    ...(trigger ? { trigger } : {}),
  });
  const res = await h.post(tenant === 'B' ? inTenantB(built) : built);
  expect(res.status).toBe(200);
  return res.body as { statusCode: number; type: string; value: Card | string };
};
const lastCard = () => h.connector.cards().at(-1) as Card;
const cardOf = (call: { body: Json } | undefined): Card =>
  ((call?.body.attachments as { content: Card }[] | undefined)?.[0]?.content ?? {}) as Card;

/** Everything of tenant A's in the three tables, ETags included. */
const snapshotA = async () => Promise.all(tables.map((t) => t.rowsOf(TENANT)));
/** Calls the bot made to the connector since `from`, and which conversations they went to. */
const callsSince = (from: number) => h.connector.calls.slice(from);
const conversationsSince = (from: number) => [...new Set(callsSince(from).map((c) => c.conversationId))];
/** Everything the bot said since `from` (texts and cards), as a person reads it. */
const seenSince = (from: number) =>
  callsSince(from)
    .map((c) => [c.body.text ?? '', cardText(cardOf(c))].join('\n'))
    .join('\n');
/** An invoke's answer as a person reads it: the message, or the card's text. */
const shown = (body: { value: Card | string }) =>
  typeof body.value === 'string' ? body.value : cardText(body.value);

const measured = (card: Card, label: string): string | null => {
  const line = cardText(card)
    .split('\n')
    .find((l) => l.includes(`**${label}**: `));
  return line ? (/\*\*: (.*) \(target: /.exec(line)?.[1] ?? null) : null;
};

/** Asserts tenant B's attempt left A's rows exactly as they were and sent nothing into A's conversations. */
const expectAUntouched = async (before: Awaited<ReturnType<typeof snapshotA>>, callsFrom: number | null) => {
  await h.server.settled();
  expect(await snapshotA()).toEqual(before);
  if (callsFrom === null) return;
  for (const id of conversationsSince(callsFrom)) {
    expect(String(id)).not.toContain('0000cccc@thread');
    expect(String(id)).not.toContain('helpdesk00000');
  }
};

const openUrlOf = (card: Card): string => {
  const found = /"type":"Action\.OpenUrl"[^}]*"url":"([^"]+)"/.exec(JSON.stringify(card));
  if (!found?.[1]) throw new Error(`no link on the card: ${cardText(card)}`);
  return found[1];
};
const tokenOf = (link: string): string => new URL(link).searchParams.get('token') ?? '';
const exportUrl = (token: string) => `${h.server.url}/exports/feedback?token=${token}`;
const download = (token: string) =>
  fetch(`${h.server.url}/exports/feedback`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
/** `feedback export` typed in personal chat; the link on the card that comes back (null: none). */
const exportLinkFrom = async (tenant: 'A' | 'B', rollout: string): Promise<string | null> => {
  const from = h.connector.calls.length;
  const text = `feedback export ${rollout}`;
  await (tenant === 'A' ? say(text, ADELE, 'personal') : sayInB(text, ADELE, 'personal'));
  const card = callsSince(from)
    .map((c) => cardOf(c))
    .find((c) => JSON.stringify(c).includes('Action.OpenUrl'));
  return card ? openUrlOf(card) : null;
};
/** The token's claims re-encoded with changes, the signature kept (what a tamperer can do). */
const alter = (token: string, change: Json): string => {
  const [payload = '', signature = ''] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Json;
  return `${Buffer.from(JSON.stringify({ ...claims, ...change }), 'utf8').toString('base64url')}.${signature}`;
};

const ANSWER = {
  rating: '2',
  installed: 'no',
  category: 'functionality',
  severity: 'blocker',
  platform: 'windows',
  comment: CRASH,
  shareName: 'false',
};

beforeEach(async () => {
  tables = [new ObservedTable(), new ObservedTable(), new ObservedTable()];
  h = await startHarness({
    env: { ROLLOUT_ADMINS: ADELE.id, ROLLOUT_HELPDESK: `${LEE.id},${HAL.id}`, EXPORT_LINK_SECRET: SECRET },
    table: tables[0],
    feedbackTable: tables[1],
    signoffTable: tables[2],
  });
  // Tenant A: a rollout in its pilot, the help desk bound, Lee's blocker reported, a readiness request.
  await say(`rollout new ${A_NAME}`);
  await say('advance phase --force "lab done"');
  await say(`rollout bind helpdesk "${A_NAME}"`, ADELE, 'channel', HELPDESK_A);
  await say('advance phase --force "pilot group chosen"');
  await say('feedback', LEE, 'personal');
  const form = lastCard();
  const submit = requireAction(form, 'feedback.submit').data;
  const rolloutId = String(submit.rolloutId);
  const thanks = await clickAs('A', 'feedback.submit', { ...submit, ...ANSWER }, LEE, 'personal');
  expect(shown(thanks)).toMatch(/rollout team has been told/);
  await h.server.notices.idle();
  const notice = h.connector.calls.find(
    (c) => c.method === 'POST' && c.conversationId === CHANNEL_A && cardText(cardOf(c)).includes(CRASH),
  );
  if (!notice?.answeredId) throw new Error('no issue card in A’s coordination channel');
  const issue = requireAction(cardOf(notice), 'blocker.resolve').data;

  await say('signoff request');
  const posted = h.connector.calls.find(
    (c) => c.method === 'POST' && c.conversationId === HELPDESK_A && cardOf(c).type === 'AdaptiveCard',
  );
  if (!posted?.answeredId)
    throw new Error(`no readiness card in A’s help desk: ${h.connector.texts().at(-1)}`);
  const ready = requireAction(cardOf(posted), 'signoff.answer', (d) => d.ready === true).data;
  a = {
    rolloutId,
    issue,
    signoff: { rolloutId: ready.rolloutId, requestId: ready.requestId },
    signoffMessageId: posted.answeredId,
  };
  // Tenant B: its own rollout, in its pilot, made by the same Entra object id.
  await sayInB('rollout new Copilot');
  await sayInB('advance phase --force "lab done"');
  await sayInB('advance phase --force "pilot group chosen"');
  await h.server.settled();
  // A's rows are in all three tables (so comparing them can fail), and B's are apart from them.
  for (const rows of await snapshotA()) expect(Object.keys(rows).length).toBeGreaterThan(0);
  expect(Object.keys(await tables[0]!.rowsOf(TENANT_B))).toHaveLength(1);
  h.connector.clear();
});
afterEach(() => h.close());

describe('a tenant-B admin naming A’s rollout id', () => {
  const typed: [string, (id: string) => string][] = [
    ['status', (id) => `status ${id}`],
    ['advance phase --force', (id) => `advance phase ${id} --force x`],
    ['checklist', (id) => `checklist ${id}`],
    ['plan', (id) => `plan ${id}`],
    ['feedback summary', (id) => `feedback summary ${id}`],
    ['pause', (id) => `pause ${id} --reason x`],
    ['plan export', (id) => `plan export ${id}`],
    ['signoff request', (id) => `signoff request ${id}`],
    ['feedback post', (id) => `feedback post ${id}`],
    ['rollout bind helpdesk', (id) => `rollout bind helpdesk ${id}`],
  ];
  it.each(typed)('types `%s <A’s id>` and is told no such rollout; A is unchanged', async (_name, text) => {
    const before = await snapshotA();
    const from = h.connector.calls.length;
    const res = await sayInB(text(a.rolloutId));
    expect(res.status).toBe(200);
    const seen = seenSince(from);
    expect(seen).toContain(`No rollout is called “${a.rolloutId}”`);
    expect(seen).not.toContain(A_NAME);
    expect(seen).not.toContain(CRASH);
    await expectAUntouched(before, from);
  });

  it('types `status` in a conversation claiming A’s channel id and sees only B’s side: no rollout there', async () => {
    const before = await snapshotA();
    const from = h.connector.calls.length;
    const res = await sayInB('status', ADELE, 'channel', true);
    expect(res.status).toBe(200);
    expect(seenSince(from)).toMatch(/There is no rollout in this conversation yet/);
    expect(seenSince(from)).not.toContain(A_NAME);
    // The answer goes to the conversation the activity names; A's rows are what must not move.
    await expectAUntouched(before, null);
    // The same message from tenant A shows A's rollout (so the check above could fail).
    await say('status');
    expect(cardText(lastCard())).toContain(A_NAME);
  });

  /** Card data made by the bot for tenant A (taken from A's own cards in the test). */
  const clicks: [string, string, () => Promise<Json>, Person, Scope][] = [
    [
      'checklist.tick',
      'checklist.tick',
      async () => {
        await say('checklist');
        return requireAction(lastCard(), 'checklist.tick').data;
      },
      ADELE,
      'channel',
    ],
    [
      'command.run status',
      'command.run',
      async () => ({ command: 'status', rolloutId: a.rolloutId }),
      ADELE,
      'channel',
    ],
    [
      'command.run advance phase --force',
      'command.run',
      async () => ({ command: 'advance phase', rolloutId: a.rolloutId, args: '--force x' }),
      ADELE,
      'channel',
    ],
    [
      'plan.edit',
      'plan.edit',
      async () => {
        await say('plan');
        return requireAction(lastCard(), 'plan.edit', (d) => d.section === 'phase' && d.phase === 'pilot')
          .data;
      },
      ADELE,
      'channel',
    ],
    [
      'feedback.submit',
      'feedback.submit',
      async () => {
        await say('feedback', LEE, 'personal');
        return { ...requireAction(lastCard(), 'feedback.submit').data, ...ANSWER, comment: 'From tenant B' };
      },
      LEE,
      'personal',
    ],
  ];
  it.each(clicks)(
    'clicks %s with A’s card data and is told the rollout no longer exists; A is unchanged',
    async (_name, verb, dataOf, person, scope) => {
      const data = await dataOf();
      expect(data.rolloutId).toBe(a.rolloutId);
      h.connector.clear();
      const before = await snapshotA();
      const body = await clickAs('B', verb, data, person, scope);
      const seen = `${shown(body)}\n${seenSince(0)}`;
      expect(seen).toMatch(verb === 'command.run' ? /No rollout is called/ : /That rollout no longer exists/);
      expect(seen).not.toContain(A_NAME);
      await expectAUntouched(before, 0);
      // The same click from tenant A is taken (so the check above could fail).
      const control = await clickAs('A', verb, data, person, scope);
      expect(shown(control)).not.toMatch(/no longer exists/);
      await h.server.settled();
      if (verb !== 'plan.edit' && !(verb === 'command.run' && data.command === 'status')) {
        expect(await snapshotA()).not.toEqual(before);
      }
    },
  );
});

describe('a tenant-B admin with A’s issue card', () => {
  const resolveAttempts: [string, string, (issue: Json, bRollout: string) => Json][] = [
    ['blocker.resolve with A’s rollout id and ref', 'blocker.resolve', (i) => ({ ...i, note: 'Fixed' })],
    [
      'blocker.resolve with A’s ref under B’s own rollout',
      'blocker.resolve',
      (i, b) => ({ ...i, rolloutId: b, note: 'Fixed' }),
    ],
    ['blocker.reopen with A’s rollout id and ref', 'blocker.reopen', (i) => i],
  ];
  it.each(resolveAttempts)('clicks %s: refused, and A’s answer stays open', async (_name, verb, dataOf) => {
    const bId = await rolloutIdInB();
    expect(bId).not.toBe(a.rolloutId);
    h.connector.clear();
    const before = await snapshotA();
    const body = await clickAs('B', verb, dataOf(a.issue, bId), ADELE);
    expect(typeof body.value).toBe('string');
    expect(shown(body)).toMatch(/no longer exists|no longer names an answer/);
    expect(shown(body)).not.toContain(CRASH);
    await expectAUntouched(before, 0);
    expect(h.connector.calls.some((c) => c.method === 'PUT')).toBe(false);
    await say('status');
    expect(measured(lastCard(), 'Pilot: open blockers')).toBe('1');
  });

  it('the same card clicked in tenant A resolves the blocker (so the refusals above could fail)', async () => {
    const body = await clickAs('A', 'blocker.resolve', { ...a.issue, note: 'Fixed in 2.1' }, ADELE);
    expect(shown(body)).toMatch(/Resolved/);
    await say('status');
    expect(measured(lastCard(), 'Pilot: open blockers')).toBe('0');
  });
});

/** B's rollout id, from the status card B's admin sees (its buttons carry it). */
const rolloutIdInB = async (): Promise<string> => {
  await sayInB('feedback', LEE, 'personal');
  const id = String(requireAction(lastCard(), 'feedback.submit').data.rolloutId);
  h.connector.clear();
  return id;
};

describe('a tenant-B help-desk member with A’s readiness request', () => {
  const NO_ROLLOUT = 'That rollout no longer exists.';
  const NO_REQUEST = 'That readiness request no longer exists.';
  const attempts: [string, string, (bRollout: string) => Json, 'automatic' | undefined, string][] = [
    ['answers Ready', 'signoff.answer', () => ({ ...a.signoff, ready: true }), undefined, NO_ROLLOUT],
    [
      'answers Not ready',
      'signoff.answer',
      () => ({ ...a.signoff, ready: false, reason: 'Not from B' }),
      undefined,
      NO_ROLLOUT,
    ],
    ['refreshes the card', 'signoff.view', () => a.signoff, 'automatic', NO_ROLLOUT],
    [
      'answers with A’s request id under B’s own rollout',
      'signoff.answer',
      (b) => ({ ...a.signoff, rolloutId: b, ready: true }),
      undefined,
      NO_REQUEST,
    ],
    [
      'refreshes with A’s request id under B’s own rollout',
      'signoff.view',
      (b) => ({ ...a.signoff, rolloutId: b }),
      'automatic',
      NO_REQUEST,
    ],
  ];
  it.each(attempts)(
    '%s: refused with no tally shown; A’s tally is unchanged',
    async (_name, verb, dataOf, trigger, refusal) => {
      const data = dataOf(await rolloutIdInB());
      const before = await snapshotA();
      const body = await clickAs('B', verb, data, LEE, 'channel', trigger);
      expect(body.value).toBe(refusal);
      await expectAUntouched(before, 0);
      expect(h.connector.calls.filter((c) => c.activityId === a.signoffMessageId)).toEqual([]);
      await say('status');
      expect(cardText(lastCard())).toMatch(/0 ready · 0 not ready · 2 not answered/);
    },
  );

  it('the same answer from tenant A’s member counts (so the refusals above could fail)', async () => {
    const body = await clickAs('A', 'signoff.answer', { ...a.signoff, ready: true }, LEE);
    expect(shown(body)).toMatch(/Your answer: Ready/);
    await h.server.settled();
    await say('status');
    expect(cardText(lastCard())).toMatch(/1 ready · 0 not ready · 1 not answered/);
  });
});

describe('export links', () => {
  it('a link issued for A downloads A’s answers, once', async () => {
    const link = await exportLinkFrom('A', a.rolloutId);
    if (!link) throw new Error('no export link for A');
    expect((await fetch(link)).status).toBe(200);
    const res = await download(tokenOf(link));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/feedback-Teams-Premium\.csv/);
    expect(await res.text()).toContain(CRASH);
    expect((await download(tokenOf(link))).status).toBe(410);
  });

  it.each([
    ['names tenant B', () => ({ tenantId: TENANT_B })],
    ['names another rollout', () => ({ rolloutId: 'some-other-rollout' })],
    ['names tenant B and B’s rollout', async () => ({ tenantId: TENANT_B, rolloutId: await rolloutIdInB() })],
  ] as [string, () => Json | Promise<Json>][])(
    'a link for A altered so that it %s: 403 on the page and the download; A’s link still works',
    async (_name, change) => {
      const link = await exportLinkFrom('A', a.rolloutId);
      if (!link) throw new Error('no export link for A');
      const altered = alter(tokenOf(link), await change());
      const page = await fetch(exportUrl(altered));
      expect(page.status).toBe(403);
      const refused = await download(altered);
      expect(refused.status).toBe(403);
      expect(await refused.text()).not.toContain(CRASH);
      // Nothing was used up by the refused attempts.
      const res = await download(tokenOf(link));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(CRASH);
    },
  );

  it('even a correctly signed link naming tenant B and A’s rollout id opens nothing of A', async () => {
    const token = signExportToken(SECRET, {
      tenantId: TENANT_B,
      rolloutId: a.rolloutId,
      expiresAt: h.clock.now().getTime() + 60_000,
      nonce: 'abcdefghijklmnopqrstuv',
    });
    const res = await download(token);
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).not.toContain(CRASH);
    expect(text).not.toContain(A_NAME);
  });

  it('the same Entra person, admin in B, gets no link for A’s rollout and B’s own export has none of A’s answers', async () => {
    const before = await snapshotA();
    expect(await exportLinkFrom('B', a.rolloutId)).toBeNull();
    expect(seenSince(0)).toContain(`No rollout is called “${a.rolloutId}”`);
    expect(seenSince(0)).not.toContain(A_NAME);
    await expectAUntouched(before, 0);

    const link = await exportLinkFrom('B', await rolloutIdInB());
    if (!link) throw new Error(`no export link for B: ${seenSince(0)}`);
    const res = await download(tokenOf(link));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/feedback-Copilot\.csv/);
    const csv = await res.text();
    expect(csv).not.toContain(CRASH);
    expect(csv).not.toContain(A_NAME);
    await expectAUntouched(before, 0);
  });
});
