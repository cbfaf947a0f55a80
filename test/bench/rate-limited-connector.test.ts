import { ConnectorLimits, SlidingWindows, TEAMS_CONVERSATION_LIMITS } from '../../bench/connector-limits';
import { startNodeArgs } from '../../bench/fanout-bots';
import { RateLimitedConnector } from '../../bench/rate-limited-connector';

const TENANT = '72f988bf-0000-4000-8000-000000000001';

describe('the bench connector’s limits', () => {
  it('lets 50 requests of a tenant through in any second, then 429 with Retry-After: 1; refusals fill nothing', () => {
    const limits = new ConnectorLimits({ tenantRps: 50, conversationLimits: [] });
    for (let i = 0; i < 50; i++) expect(limits.admit(TENANT, null, 1000 + i)).toEqual({ ok: true });
    expect(limits.admit(TENANT, null, 1100)).toMatchObject({
      ok: false,
      scope: 'tenant',
      retryAfterSeconds: 1,
    });
    expect(limits.admit('other-tenant', null, 1100)).toEqual({ ok: true });
    // The window slides: the first request (at 1000) leaves it at 2000, the second at 2001.
    expect(limits.admit(TENANT, null, 1999)).toMatchObject({ ok: false });
    expect(limits.admit(TENANT, null, 2000)).toEqual({ ok: true });
    expect(limits.admit(TENANT, null, 2000)).toMatchObject({ ok: false });
    expect(limits.admit(TENANT, null, 2001)).toEqual({ ok: true });
    expect(limits.peaks().get(TENANT)).toEqual({ arrivals: 53, accepted: 50 });
  });

  it('holds a conversation to 7 in 1 s and 8 in 2 s, without Retry-After', () => {
    const limits = new ConnectorLimits({ tenantRps: 1000 });
    for (let i = 0; i < 7; i++) expect(limits.admit(TENANT, 'c1', i).ok).toBe(true);
    expect(limits.admit(TENANT, 'c1', 10)).toEqual({
      ok: false,
      scope: 'conversation',
      retryAfterSeconds: null,
      waitMs: 990,
    });
    expect(limits.admit(TENANT, 'c2', 10).ok).toBe(true);
    expect(limits.admit(TENANT, 'c1', 1000).ok).toBe(true);
    // 8 in the last 2 s now: the 2 s window refuses until the first leaves it.
    expect(limits.admit(TENANT, 'c1', 1500)).toMatchObject({ ok: false, waitMs: 500 });
    expect(limits.admit(TENANT, 'c1', 2000).ok).toBe(true);
  });

  it('holds a conversation to 60 in 30 s and 1800 in an hour', () => {
    const windows = new SlidingWindows();
    for (let i = 0; i < 60; i++) expect(windows.take('c', TEAMS_CONVERSATION_LIMITS, i * 2000)).toBe(0);
    expect(windows.take('c', TEAMS_CONVERSATION_LIMITS, 120_000)).toBe(0);
    const hourly = [{ max: 1800, windowMs: 3_600_000 }];
    for (let i = 0; i < 1800; i++) windows.take('h', hourly, i);
    expect(windows.take('h', hourly, 1_000_000)).toBe(3_600_000 - 1_000_000);
    expect(windows.take('h', hourly, 3_600_000)).toBe(0);
  });
});

describe('the bench connector', () => {
  let connector: RateLimitedConnector;
  const call = (path: string, body: unknown, method = 'POST') =>
    fetch(new URL(path, connector.url), {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const create = (member: string) =>
    call('/v3/conversations', {
      isGroup: false,
      bot: { id: '28:bot' },
      members: [{ id: member }],
      tenantId: TENANT,
      channelData: { tenant: { id: TENANT } },
    });

  beforeEach(async () => {
    connector = await new RateLimitedConnector({ tenantRps: 5 }).start();
  });
  afterEach(() => connector.stop());

  it('creates one 1:1 conversation per member, counts messages per recipient and answers 429 Throttled beyond the tenant limit', async () => {
    const first = await create('AA-1');
    expect(first.status).toBe(201);
    const { id } = (await first.json()) as { id: string };
    expect(((await (await create('aa-1')).json()) as { id: string }).id).toBe(id);
    const path = `/v3/conversations/${encodeURIComponent(id)}/activities`;
    expect((await call(path, { type: 'message' })).status).toBe(200);
    const sent = (await (await call(path, { type: 'message' })).json()) as { id: string };
    expect((await call(`${path}/${sent.id}`, { type: 'message' }, 'PUT')).status).toBe(200);
    const throttled = await call(path, { type: 'message' });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(await throttled.json()).toEqual({ error: { code: 'Throttled', message: 'Too many requests.' } });

    expect(connector.recipientTallies().get('aa-1')).toEqual({
      creates: 2,
      messages: 2,
      updates: 1,
      throttled: 1,
    });
    const stats = (await (await fetch(new URL('/stats', connector.url))).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({
      requests: 6,
      accepted: 5,
      creates: 2,
      sends: 2,
      updates: 1,
      recipients: 1,
      recipientMessages: 2,
      throttled: { tenant: 1, conversation: 0 },
      peak: { arrivals: 6, accepted: 5 },
    });
  });

  it('knows a chat made before the run: sends to it count for its recipient, without a createConversation', async () => {
    const id = connector.knowPersonal(TENANT, 'BB-2');
    expect(((await (await create('bb-2')).json()) as { id: string }).id).toBe(id);
    expect((await call(`/v3/conversations/${encodeURIComponent(id)}/activities`, {})).status).toBe(200);
    expect(connector.recipientTallies().get('bb-2')).toMatchObject({ creates: 1, messages: 1 });
  });

  it('counts the requests accepted in the sending period: the first accepted to the last for a recipient', async () => {
    let now = 1000;
    await connector.stop();
    connector = await new RateLimitedConnector({ tenantRps: 50, now: () => now }).start();
    const post = (conversation: string) =>
      call(`/v3/conversations/${encodeURIComponent(conversation)}/activities`, {
        conversation: { tenantId: TENANT },
      });
    expect((await post('19:coordination@thread.tacv2')).status).toBe(200);
    now = 1500;
    const { id } = (await (await create('cc-3')).json()) as { id: string };
    now = 2000;
    expect((await post(id)).status).toBe(200);
    now = 9000;
    expect((await post('19:coordination@thread.tacv2')).status).toBe(200);
    expect(connector.getStats()).toMatchObject({
      accepted: 4,
      firstAcceptedAt: 1000,
      lastRecipientAcceptedAt: 2000,
      acceptedInSending: 3,
    });
  });

  it('refuses a createConversation without a member or a tenant', async () => {
    expect((await call('/v3/conversations', { isGroup: false, members: [] })).status).toBe(400);
    expect((await call('/v3/other', {})).status).toBe(404);
  });
});

describe('the bench bot’s node flags', () => {
  it('are npm start’s: the flags between node and dist/src/index.js in package.json', () => {
    expect(startNodeArgs('node --a=1 --max-old-space-size=128 dist/src/index.js')).toEqual([
      '--a=1',
      '--max-old-space-size=128',
    ]);
    expect(startNodeArgs()).toContain('--max-old-space-size=128');
    expect(() => startNodeArgs('tsx src/index.ts')).toThrow(/start script/);
  });
});
