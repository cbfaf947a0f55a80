import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ADELE, cardText, fact, findAction, invoke, LEE, message, TENANT } from '../support/activities';
import { FreezableTable } from '../support/freezable-table';
import { startAuthenticatedHarness, type AuthenticatedHarness } from '../support/authenticated-harness';
import { startHarness, type Harness } from '../support/harness';
import { LIMITS } from '../../src/http/limits';

/**
 * The HTTP edge as an attacker and a bad day meet it: nothing crashes or stalls the bot, bad input
 * is refused before anything happens, and every turn is answered within its budget.
 */
let h: Harness;

interface RawResponse {
  status: number;
  body: string;
}

/** A request with full control of headers and body (fetch would fix some of them up). */
const raw = (
  path: string,
  options: { headers?: Record<string, string | number>; body?: Buffer | string; chunks?: Buffer[] } = {},
): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const url = new URL(path, h.server.url);
    const req = request(
      url,
      { method: 'POST', headers: { 'Content-Type': 'application/json', ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    // The server may answer and close before the whole body is written.
    req.on('error', (err) =>
      err.message.includes('EPIPE') || err.message.includes('ECONNRESET') ? undefined : reject(err),
    );
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end(options.body);
  });

const healthy = async (): Promise<number> => (await fetch(`${h.server.url}/healthz`)).status;
const say = (text: string, from = ADELE) => h.post(message(text, { serviceUrl: h.connector.url, from }));
const lastText = () => h.connector.texts().at(-1) ?? '';
/** An activity as a test bends it. */
type Loose = Record<string, unknown> & {
  from: Record<string, unknown>;
  conversation: Record<string, unknown>;
  recipient: Record<string, unknown>;
  channelData: Record<string, unknown> & { tenant: Record<string, unknown> };
};
/** The help text (`help`, or an unknown command). */
const HELP = /moves a rollout through|Here is what I can do/;

describe('request bodies', () => {
  beforeEach(async () => {
    h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
  });
  afterEach(() => h.close());

  it.each([
    ['/api/messages', 'gzip', Buffer.from('{}')],
    ['/api/messages', 'gzip', gzipSync(JSON.stringify({ type: 'message' }))],
    ['/api/messages', 'deflate', Buffer.from('{}')],
    ['/api/messages', 'br', Buffer.from('{}')],
    ['/api/messages', 'x-made-up', Buffer.from('{}')],
    ['/exports/feedback', 'gzip', Buffer.from('token=x')],
  ])('%s with Content-Encoding %s → 415, and the bot stays up', async (path, encoding, body) => {
    const res = await raw(path, { headers: { 'Content-Encoding': encoding }, body });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'UnsupportedMediaType', message: 'Compressed request bodies are not accepted.' },
    });
    expect(await healthy()).toBe(200);
    expect((await say('help')).status).toBe(200);
  });

  it('a body of 51 KB that would inflate to 50 MB is never inflated', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(LIMITS.bodyBytes);
    const res = await raw('/api/messages', { headers: { 'Content-Encoding': 'gzip' }, body: bomb });
    expect(res.status).toBe(415);
    expect(process.memoryUsage().rss).toBeLessThan(2 * 1024 ** 3);
  });

  it('Content-Encoding identity is the same as none', async () => {
    const activity = message('help', { serviceUrl: h.connector.url });
    const res = await raw('/api/messages', {
      headers: { 'Content-Encoding': 'identity' },
      body: JSON.stringify(activity),
    });
    expect(res.status).toBe(200);
    expect(lastText()).toMatch(HELP);
  });

  it('an oversized Content-Length → 413 before the body is read', async () => {
    const res = await raw('/api/messages', {
      headers: { 'Content-Length': LIMITS.bodyBytes + 1 },
      body: Buffer.alloc(16, 0x20),
    }).catch(() => ({ status: -1, body: '' }));
    expect(res.status).toBe(413);
    expect(await healthy()).toBe(200);
  });

  it('a chunked body over the limit → 413, and nothing is stored', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const res = await raw('/api/messages', {
      headers: { 'Transfer-Encoding': 'chunked' },
      chunks: Array.from({ length: 10 }, () => chunk),
    });
    expect(res.status).toBe(413);
    expect(h.connector.calls).toHaveLength(0);
  });

  it.each([
    ['not JSON', '{"type": "message",', /not valid JSON/],
    [
      'nested too deep',
      `${'['.repeat(LIMITS.jsonDepth + 1)}${']'.repeat(LIMITS.jsonDepth + 1)}`,
      /nested deeper/,
    ],
    [
      'too many values',
      JSON.stringify({ type: 'message', v: Array.from({ length: LIMITS.jsonNodes }, () => 1) }),
      /more than/,
    ],
    ['a JSON string', '"message"', /Malformed activity/],
    ['a JSON array', '[]', /Malformed activity/],
  ])('%s → 400 with a short reason, nothing sent', async (_name, body, reason) => {
    const res = await raw('/api/messages', { body });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.message).toMatch(reason);
    expect(h.connector.calls).toHaveLength(0);
  });

  it('__proto__ and constructor keys anywhere in a body never reach Object.prototype', async () => {
    const activity = message('help', { serviceUrl: h.connector.url });
    const body = JSON.stringify(activity).replace(
      /^\{/,
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"value":{"__proto__":{"polluted":true}},',
    );
    const res = await raw('/api/messages', { body });
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(lastText()).toMatch(HELP);
  });

  it('a client that sends part of a body and then nothing is answered 408 and cut off', async () => {
    await h.close();
    h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id }, bodyTimeoutMs: 200 });
    const answer = await new Promise<number>((resolve, reject) => {
      const req = request(new URL('/api/messages', h.server.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': 1000 },
      });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.write('{"type":');
    });
    expect(answer).toBe(408);
    expect(await healthy()).toBe(200);
  });
});

describe('message text', () => {
  beforeEach(async () => {
    h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
  });
  afterEach(() => h.close());

  it('200 KB of repeated <at is answered at once, with a clear message', async () => {
    const res = await say('<at'.repeat(70_000));
    expect(res.status).toBe(200);
    expect(lastText()).toMatch(
      /^That message is too long for a command \(210,000 characters; at most 30,000\)/,
    );
    expect(await healthy()).toBe(200);
  });

  it('a long text of mentions under the bound is parsed, mentions stripped', async () => {
    const res = await say(`${'<at>Rollout</at> '.repeat(1500)}help`);
    expect(res.status).toBe(200);
    expect(lastText()).toMatch(HELP);
  });
});

describe('fields of an activity', () => {
  beforeEach(async () => {
    h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
  });
  afterEach(() => h.close());

  const mutate = (change: (a: Loose) => void) => {
    const activity = message('help', { serviceUrl: h.connector.url }) as Loose;
    change(activity);
    return activity;
  };

  it.each<[string, (a: Loose) => void]>([
    ['from.aadObjectId a number', (a) => (a.from.aadObjectId = 42)],
    ['from.name a number', (a) => (a.from.name = 42)],
    ['from.role an object', (a) => (a.from.role = { admin: true })],
    ['conversation.isGroup a string', (a) => (a.conversation.isGroup = 'yes')],
    ['conversation.conversationType a number', (a) => (a.conversation.conversationType = 7)],
    ['conversation.tenantId a number', (a) => (a.conversation.tenantId = 7)],
    ['locale a list', (a) => (a.locale = ['en-US'])],
    ['locale with a header break', (a) => (a.locale = 'en-US\r\nX-Evil: 1')],
    ['recipient.name an object', (a) => (a.recipient.name = {})],
    ['channelData a string', (a) => ((a as Record<string, unknown>).channelData = 'tenant')],
    ['channelData.tenant.id a number', (a) => (a.channelData.tenant = { id: 5 })],
    ['deliveryMode expectReplies', (a) => (a.deliveryMode = 'expectReplies')],
  ])('%s is dropped: the reply is still sent', async (_name, change) => {
    const res = await h.post(mutate(change));
    expect(res.status).toBe(200);
    expect(lastText()).toMatch(HELP);
  });

  it.each<[string, (a: Loose) => void, RegExp]>([
    ['type a number', (a) => (a.type = 5), /type/],
    ['id a number', (a) => (a.id = 5), /id/],
    ['from.id an object', (a) => (a.from.id = {}), /from\.id/],
    ['conversation.id not ASCII', (a) => (a.conversation.id = 'a:ünïcödé'), /conversation\.id/],
    ['conversation.id with a line break', (a) => (a.conversation.id = 'a:1\r\nX: y'), /conversation\.id/],
    ['serviceUrl not a URL', (a) => (a.serviceUrl = 'javascript:alert(1)'), /serviceUrl/],
    ['serviceUrl a number', (a) => (a.serviceUrl = 1), /serviceUrl/],
    ['channelId missing', (a) => delete a.channelId, /channelId/],
  ])('%s → 400, nothing sent', async (_name, change, where) => {
    const res = await h.post(mutate(change));
    expect(res.status).toBe(400);
    expect((res.body as { error: { message: string } }).error.message).toMatch(where);
    expect(h.connector.calls).toHaveLength(0);
  });

  it('a non-string from.name on a card action gets a clear answer, not a 500', async () => {
    const activity = invoke(
      'signoff.answer',
      { rolloutId: 'ro-0000000000', requestId: 'x', answer: 'ready' },
      { serviceUrl: h.connector.url },
    ) as Loose;
    activity.from.name = 42;
    const res = await h.post(activity);
    expect(res.status).toBe(200);
    expect((res.body as { statusCode: number }).statusCode).not.toBe(500);
  });

  it('a lone surrogate in a command is a rollout not found, not an error', async () => {
    await say('status "\udfff"');
    expect(lastText()).toBe('No rollout is called “\ufffd”. `rollout list` shows them.');
  });

  it('a lone surrogate in card data is answered clearly', async () => {
    const res = await h.post(
      invoke(
        'checklist.tick',
        { rolloutId: 'ro-\udfff', phase: 'scope', itemId: 'x', done: true },
        { serviceUrl: h.connector.url, scope: 'personal' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      statusCode: 200,
      value: expect.stringMatching(/no longer exists|No rollout/),
    });
  });

  it('a 28,000-character rollout name is not found, with the name cut short', async () => {
    await say(`status ${'x'.repeat(28_000)}`);
    expect(lastText()).toBe(`No rollout is called “${'x'.repeat(80)}…”. \`rollout list\` shows them.`);
  });
});

describe('tenants', () => {
  const OTHER = '72f988bf-0000-4000-8000-00000000beef';
  afterEach(() => h.close());

  it('a conversation.tenantId that disagrees with channelData.tenant.id → 400', async () => {
    h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
    const activity = message('help', { serviceUrl: h.connector.url }) as Loose;
    activity.conversation.tenantId = OTHER;
    const res = await h.post(activity);
    expect(res.status).toBe(400);
    expect(h.connector.calls).toHaveLength(0);
  });

  it('ALLOWED_TENANT_IDS: another tenant gets 403 and nothing is sent into it', async () => {
    h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id, ALLOWED_TENANT_IDS: TENANT } });
    expect((await say('help')).status).toBe(200);
    const activity = message('rollout new Sneaky', { serviceUrl: h.connector.url }) as Loose;
    activity.channelData.tenant.id = OTHER;
    activity.conversation.tenantId = OTHER;
    h.connector.clear();
    const res = await h.post(activity);
    expect(res.status).toBe(403);
    expect(h.connector.calls).toHaveLength(0);
    expect(await h.table.query(`t|${OTHER}`)).toEqual([]);
  });
});

describe('deadlines', () => {
  let table: FreezableTable;
  afterEach(async () => {
    table.thaw();
    await h.close();
  });

  const start = async (storageCallMs?: number) => {
    table = new FreezableTable();
    h = await startHarness({
      env: { ROLLOUT_ADMINS: ADELE.id },
      table,
      deadlines: { invokeMs: 700, messageMs: 2000 },
      ...(storageCallMs ? { storageCallMs } : {}),
    });
  };
  const newRollout = async () => {
    await say('rollout new Teams Premium');
    const id = fact(h.connector.cards().at(-1), 'Rollout id');
    if (!id) throw new Error(lastText());
    return id;
  };

  it('a message while storage is frozen is answered within its deadline: nothing was changed', async () => {
    await start();
    await newRollout();
    table.freeze();
    h.connector.clear();
    const res = await say('status');
    expect(res.status).toBe(200);
    expect(h.connector.texts()).toEqual([
      'Storage is slow right now, so nothing was changed. Please try again in a moment.',
    ]);
    table.thaw();
    await h.server.settled();
    // The status the frozen turn would have sent never arrives late.
    expect(h.connector.calls).toHaveLength(1);
  });

  it('a card action whose write is stuck says it may or may not be saved, and that clicking again is safe', async () => {
    await start();
    const id = await newRollout();
    await say('checklist');
    const tick = findAction(h.connector.cards().at(-1), 'checklist.tick');
    table.freeze();
    h.connector.clear();
    const res = await h.post(
      invoke('checklist.tick', tick?.data, { serviceUrl: h.connector.url, scope: 'personal' }),
    );
    expect(res.body).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringMatching(/^Storage is slow right now/),
    });
    table.thaw();
    await h.server.settled();
    expect(h.connector.calls).toHaveLength(0);
    // Clicking again acts once: the item is ticked, once.
    const again = await h.post(
      invoke('checklist.tick', tick?.data, { serviceUrl: h.connector.url, scope: 'personal' }),
    );
    expect(cardText((again.body as { value: unknown }).value)).toContain('1 of 6 done');
    expect(id).toMatch(/^ro-/);
  });

  it('a write that goes out and never comes back: "may or may not have been saved"', async () => {
    await start();
    await newRollout();
    await say('checklist');
    const tick = findAction(h.connector.cards().at(-1), 'checklist.tick');
    const submit = table.submit.bind(table);
    // Reads answer; the write is sent and hangs.
    table.submit = (actions) => {
      table.freeze();
      return submit(actions);
    };
    const res = await h.post(
      invoke('checklist.tick', tick?.data, { serviceUrl: h.connector.url, scope: 'personal' }),
    );
    expect((res.body as { value: string }).value).toBe(
      'Storage is slow right now: this may or may not have been saved. Check `status` before trying again. Clicking again is safe: the item ends up ticked (or unticked) once.',
    );
  });

  it('one storage call that times out before the deadline is answered the same way, at once', async () => {
    await start(50);
    await newRollout();
    table.freeze();
    h.connector.clear();
    await say('status');
    expect(h.connector.texts()).toEqual([
      'Storage is slow right now, so nothing was changed. Please try again in a moment.',
    ]);
  });
});

describe('replies the Bot Connector refuses', () => {
  beforeEach(async () => {
    h = await startHarness({
      env: { ROLLOUT_ADMINS: ADELE.id },
      deadlines: { invokeMs: 700, messageMs: 2000 },
    });
  });
  afterEach(() => h.close());

  it('a message is answered although every reply is refused: bounded retries, no 20 s wait', async () => {
    const unavailable = { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'busy' } } };
    h.connector.failNext(...Array.from({ length: 20 }, () => unavailable));
    const res = await say('help');
    expect(res.status).toBe(200);
    // The help reply (1 + 2 retries) and the failure notice (1 + 2 retries), then it gave up.
    expect(h.connector.calls.length).toBeLessThanOrEqual(6);
  });

  it('403 MessageWritesBlocked is not retried', async () => {
    h.connector.failNext({
      status: 403,
      body: { error: { code: 'ConversationBlockedByUser', message: 'MessageWritesBlocked' } },
    });
    await say('help', LEE);
    expect(
      h.connector.calls.filter((c) => String(c.body.text ?? '').includes('moves a rollout')),
    ).toHaveLength(1);
  });
});

describe('tenants when authenticated', () => {
  let auth: AuthenticatedHarness;
  beforeAll(async () => {
    auth = await startAuthenticatedHarness();
  });
  afterAll(() => auth.close());

  it.each([
    ['the anonymous local tenant', 'local'],
    ['a tenant that is no GUID', 'contoso.com'],
  ])('%s → 400: the local tenant exists only in anonymous mode', async (_name, tenant) => {
    const activity = message('rollout new Local', { serviceUrl: auth.connector.url }) as Loose;
    activity.channelData.tenant.id = tenant;
    delete activity.conversation.tenantId;
    const res = await auth.post(activity, { Authorization: auth.validAuthorization() });
    expect(res.status).toBe(400);
    expect(auth.connector.calls).toHaveLength(0);
  });

  it('the same message from a real tenant is served', async () => {
    const res = await auth.post(message('help', { serviceUrl: auth.connector.url }), {
      Authorization: auth.validAuthorization(),
    });
    expect(res.status).toBe(200);
    expect(auth.connector.texts().at(-1)).toMatch(HELP);
  });
});

describe('the tenant allow-list when authenticated', () => {
  const OTHER = '72f988bf-0000-4000-8000-00000000beef';
  let auth: AuthenticatedHarness;
  beforeAll(async () => {
    auth = await startAuthenticatedHarness({ env: { ALLOWED_TENANT_IDS: TENANT } });
  });
  afterAll(() => auth.close());
  const fromOther = () => {
    const activity = message('help', { serviceUrl: auth.connector.url }) as Loose;
    activity.channelData.tenant.id = OTHER;
    activity.conversation.tenantId = OTHER;
    return activity;
  };

  it('cannot be probed: without a valid token another tenant gets 401, like everyone', async () => {
    const res = await auth.post(fromOther(), { Authorization: 'Bearer not-a-token' });
    expect(res.status).toBe(401);
  });

  it('with a valid token another tenant gets 403, and nothing is sent into it', async () => {
    auth.connector.clear();
    const res = await auth.post(fromOther(), { Authorization: auth.validAuthorization() });
    expect(res.status).toBe(403);
    expect(auth.connector.calls).toHaveLength(0);
  });

  it('an allowed tenant is served', async () => {
    const res = await auth.post(message('help', { serviceUrl: auth.connector.url }), {
      Authorization: auth.validAuthorization(),
    });
    expect(res.status).toBe(200);
    expect(auth.connector.texts().at(-1)).toMatch(HELP);
  });
});
