import type { Directory, PersonalCard } from '../../src/app/ports';
import { loadConfig } from '../../src/config';
import type { Coordination } from '../../src/domain/rollout';
import type { SendOutcome } from '../../src/domain/announcement';
import { createDirectory } from '../../src/graph';
import { TableReferenceRepository } from '../../src/storage/reference-repository';
import { MemoryTable } from '../../src/storage/memory-table';
import { createAdapter } from '../../src/teams/adapter';
import { TeamsAnnouncer, type AnnouncerOptions } from '../../src/teams/announcer';
import { DeliveryError, StorageTimeoutError } from '../../src/app/errors';
import { DelegatingTable, type TableCall } from '../../src/storage/delegating-table';
import blockedFixture from '../fixtures/teams/connector-error-403-blocked.json';
import { anAnnouncement, bigCounts } from '../cards/announcement-fixtures';
import { FakeConnector } from '../support/fake-connector';
import { FakeGraph, fakeGraphConfig, trustingFetch } from '../support/fake-graph';
import { TestClock } from '../support/harness';

/**
 * The Teams side of announcements against a real CloudAdapter (anonymous) and the fake Bot
 * Connector over HTTP: what each answer of the connector becomes, and which chat is used.
 */

const TENANT = 'aaaaaaaa-0000-4000-8000-000000000001';
const ADA = 'ada00000-0000-4000-8000-000000000001';
const EXTERNAL = '3f1d7c52-0000-4000-8000-00000000e001';
const CATALOG_ID = 'c47a1060-0000-4000-8000-0000000000c1';

/** A store that does not answer in time (every call fails as a timed-out one does). */
class DownTable extends DelegatingTable {
  protected override run<T>(call: TableCall): Promise<T> {
    return Promise.reject(new StorageTimeoutError(`storage did not ${call.what} in time`, call.write));
  }
}

let connector: FakeConnector;
let references: TableReferenceRepository;
let clock: TestClock;
let warnings: string[];

const adapter = createAdapter(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', NODE_ENV: 'test' }));

const announcer = (options: Partial<AnnouncerOptions> = {}) =>
  new TeamsAnnouncer({
    adapter,
    appId: '',
    references,
    proactiveInstall: false,
    teamsAppExternalId: EXTERNAL,
    log: { info: () => undefined, warn: (_details, message) => void warnings.push(message) },
    timeoutMs: 2000,
    clock,
    ...options,
  });

const card = (overrides: Partial<PersonalCard> = {}): PersonalCard => ({
  announcement: anAnnouncement({ tenantId: TENANT }),
  part: 3,
  recipient: { personId: ADA, name: 'Ada' },
  ...overrides,
});

const storeChat = (conversationId: string) =>
  references.rememberPersonal({
    tenantId: TENANT,
    personId: ADA,
    name: 'Ada',
    conversationId,
    conversationType: 'personal',
    serviceUrl: connector.url,
    botId: '28:bot',
  });

const sends = () => connector.calls.filter((c) => c.method === 'POST' && c.conversationId !== null);
const creates = () => connector.calls.filter((c) => c.method === 'POST' && c.conversationId === null);
/** The Got it button of the card the person got. */
const gotItData = () => {
  const content = connector.cards()[0] as { actions?: { verb?: string; data?: unknown }[] } | undefined;
  return content?.actions?.find((a) => a.verb === 'announcement.gotit')?.data;
};

beforeEach(async () => {
  connector = await new FakeConnector().start();
  clock = new TestClock();
  references = new TableReferenceRepository(new MemoryTable(), clock);
  warnings = [];
});
afterEach(() => connector.stop());

describe('sendPersonal', () => {
  it('uses the stored personal chat: one send, no createConversation, the card names the partition', async () => {
    await storeChat('a:stored-chat');
    await expect(announcer().sendPersonal(connector.url, card())).resolves.toEqual({ kind: 'sent' });
    expect(creates()).toEqual([]);
    expect(sends().map((c) => c.conversationId)).toEqual(['a:stored-chat']);
    expect(gotItData()).toEqual({ announcementId: 'ann-1', part: 3, test: false });
    expect(JSON.stringify(gotItData())).not.toContain(ADA);
  });

  it('without a stored chat: createConversation with the tenant and the person, the send, the reference stored', async () => {
    await expect(announcer().sendPersonal(connector.url, card())).resolves.toEqual({ kind: 'sent' });
    const [create] = creates();
    expect(create?.body).toMatchObject({
      isGroup: false,
      members: [{ id: ADA }],
      tenantId: TENANT,
      channelData: { tenant: { id: TENANT } },
    });
    expect(connector.messagesFor(ADA)).toBe(1);
    const stored = await references.personal(TENANT, ADA);
    expect(stored).toMatchObject({
      conversationId: connector.chatOf(ADA)?.conversationId,
      name: 'Ada',
      serviceUrl: connector.url,
    });
    // The next announcement uses it.
    connector.clear();
    await announcer().sendPersonal(connector.url, card());
    expect(creates()).toEqual([]);
    expect(connector.messagesFor(ADA)).toBe(2);
  });

  it('paces every connector request right before it leaves: a new chat costs two waits, a stored one one', async () => {
    const paced: string[] = [];
    const reported: string[] = [];
    const pace = {
      acquire: async (tenantId: string) => void paced.push(tenantId),
      report: (_tenantId: string, outcome: SendOutcome) => void reported.push(outcome.kind),
    };
    await announcer({ pace }).sendPersonal(connector.url, card());
    expect(creates()).toHaveLength(1);
    expect(sends()).toHaveLength(1);
    expect(paced).toEqual([TENANT, TENANT]);
    // Each request's answer is reported: the limit counts requests, not people.
    expect(reported).toEqual(['sent', 'sent']);
    // With the chat stored: one request, one wait.
    await announcer({ pace }).sendPersonal(connector.url, card());
    expect(paced).toEqual([TENANT, TENANT, TENANT]);
  });

  it('a stored chat answering 404 ConversationNotFound is forgotten and a new one made', async () => {
    await storeChat('a:stale');
    connector.forgetConversation('a:stale');
    await expect(announcer().sendPersonal(connector.url, card())).resolves.toEqual({ kind: 'sent' });
    expect(sends().map((c) => c.conversationId)).toEqual(['a:stale', connector.chatOf(ADA)?.conversationId]);
    expect((await references.personal(TENANT, ADA))?.conversationId).toBe(
      connector.chatOf(ADA)?.conversationId,
    );
  });

  it('a person who blocked the bot is blocked, the chat kept, nothing created', async () => {
    await storeChat('a:personal-' + ADA);
    connector.chats.set('a:personal-' + ADA, {
      conversationId: 'a:personal-' + ADA,
      tenantId: TENANT,
      memberId: ADA,
    });
    connector.block(ADA);
    await expect(announcer().sendPersonal(connector.url, card())).resolves.toEqual({
      kind: 'blocked',
      status: '403 MessageWritesBlocked',
    });
    expect(creates()).toEqual([]);
    expect(await references.personal(TENANT, ADA)).not.toBeNull();
  });

  it("Teams' own 403 body (errorCode 209, the subCode in the message) is read as blocked too", async () => {
    await storeChat('a:chat');
    const { _status, _headers, ...body } = blockedFixture;
    connector.failNext({ status: _status, body, headers: _headers });
    await expect(announcer().sendPersonal(connector.url, card())).resolves.toMatchObject({ kind: 'blocked' });
  });

  it('not installed, without proactive install: not-installed after one createConversation', async () => {
    connector.refuseUninstalled(403);
    await expect(announcer().sendPersonal(connector.url, card())).resolves.toEqual({
      kind: 'not-installed',
      status: '403 Forbidden',
    });
    expect(creates()).toHaveLength(1);
    expect(sends()).toEqual([]);
    expect(await references.personal(TENANT, ADA)).toBeNull();
  });

  describe('with proactive install (Graph)', () => {
    let graph: FakeGraph;
    let directory: Directory;
    beforeEach(async () => {
      graph = await new FakeGraph().start();
      graph.tenant(TENANT, {
        roles: ['AppCatalog.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All'],
        users: [{ id: ADA, displayName: 'Ada' }],
        teamsApps: [
          {
            id: CATALOG_ID,
            externalId: EXTERNAL,
            displayName: 'Rollout',
            distributionMethod: 'organization',
          },
        ],
      });
      directory = createDirectory(fakeGraphConfig(graph), undefined, {
        credential: { tlsOptions: { ca: graph.ca } },
        fetch: trustingFetch(graph.ca),
        timing: { wait: async () => undefined, now: () => Date.now() },
      }) as Directory;
      connector.refuseUninstalled(403);
    });
    afterEach(() => graph.stop());

    it('installs the app through Graph, then creates the chat and sends', async () => {
      // Teams takes the chat once Graph has installed the app for the person.
      connector.refuseUninstalled(403, (id) => graph.installs.some((i) => i.userId === id));
      const installing = announcer({ proactiveInstall: true, directory });
      await expect(installing.sendPersonal(connector.url, card())).resolves.toEqual({ kind: 'sent' });
      expect(graph.installs).toEqual([{ tenantId: TENANT, userId: ADA, teamsAppId: CATALOG_ID }]);
      expect(creates()).toHaveLength(2);
      expect(connector.messagesFor(ADA)).toBe(1);
      // The catalog is read once per tenant.
      connector.clear();
      await references.forgetPersonal(TENANT, ADA);
      await installing.sendPersonal(connector.url, card({ recipient: { personId: ADA, name: 'Ada' } }));
      expect(graph.callsTo('/appCatalogs/teamsApps')).toHaveLength(1);
    });

    it('the app not in the catalog: not-installed, said once in the log', async () => {
      graph.tenant(TENANT, { roles: ['AppCatalog.Read.All'], users: [{ id: ADA, displayName: 'Ada' }] });
      const installing = announcer({ proactiveInstall: true, directory });
      await expect(installing.sendPersonal(connector.url, card())).resolves.toMatchObject({
        kind: 'not-installed',
      });
      await expect(installing.sendPersonal(connector.url, card())).resolves.toMatchObject({
        kind: 'not-installed',
      });
      expect(graph.callsTo('/appCatalogs/teamsApps')).toHaveLength(1);
      expect(warnings.filter((w) => w.includes('catalog'))).toHaveLength(1);
    });

    it('installed but Teams still refuses the chat: transient (worth another try), not not-installed', async () => {
      await expect(
        announcer({ proactiveInstall: true, directory }).sendPersonal(connector.url, card()),
      ).resolves.toMatchObject({ kind: 'transient', unknown: false });
    });
  });

  it('429 with Retry-After: throttled with the wait, tried once (no SDK retry)', async () => {
    await storeChat('a:chat');
    connector.failNext({
      status: 429,
      body: { error: { code: 'Throttled', message: 'Too many requests.' } },
      headers: { 'Retry-After': '3' },
    });
    await expect(announcer().sendPersonal(connector.url, card())).resolves.toEqual({
      kind: 'throttled',
      status: '429 Throttled',
      retryAfterMs: 3000,
    });
    expect(sends()).toHaveLength(1);
  });

  it("the fake connector's tenant rate answers 429 with Retry-After past the limit", async () => {
    await storeChat('a:chat');
    connector.limitTenant(TENANT, 2);
    connector.now = () => 1_000_000;
    const sender = announcer();
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await sender.sendPersonal(connector.url, card())).kind);
    expect(outcomes).toEqual(['sent', 'sent', 'throttled']);
    expect(connector.throttled).toBe(1);
    connector.now = () => 1_001_001;
    await expect(sender.sendPersonal(connector.url, card())).resolves.toEqual({ kind: 'sent' });
  });

  it("Teams' per-conversation limits: the 8th message within a second to one conversation is throttled", async () => {
    await storeChat('a:chat');
    connector.enforceConversationLimits();
    connector.now = () => 5_000_000;
    const sender = announcer();
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) outcomes.push((await sender.sendPersonal(connector.url, card())).kind);
    expect(outcomes).toEqual([...Array(7).fill('sent'), 'throttled']);
    expect(connector.messagesIn('a:chat')).toBe(7);
  });

  it('latency past the deadline: the send times out as unknown (it had left)', async () => {
    await storeChat('a:chat');
    connector.latencyMs = 400;
    await expect(announcer({ timeoutMs: 100 }).sendPersonal(connector.url, card())).resolves.toEqual({
      kind: 'transient',
      status: 'timeout',
      unknown: true,
    });
  });

  it('a reference store that fails to read: a new chat is created and the person reached', async () => {
    const broken = new TableReferenceRepository(new DownTable(new MemoryTable()), clock);
    await expect(announcer({ references: broken }).sendPersonal(connector.url, card())).resolves.toEqual({
      kind: 'sent',
    });
    expect(creates()).toHaveLength(1);
    expect(warnings).toEqual([
      'could not read a conversation reference: creating a chat',
      'could not store a personal chat',
    ]);
  });

  it('503: transient, known not delivered', async () => {
    await storeChat('a:chat');
    connector.failNext({ status: 503, body: { error: { code: 'ServiceUnavailable', message: 'busy' } } });
    await expect(announcer().sendPersonal(connector.url, card())).resolves.toEqual({
      kind: 'transient',
      status: '503 ServiceUnavailable',
      unknown: false,
    });
    expect(sends()).toHaveLength(1);
  });

  it('a connector that never answers: transient, unknown, within the deadline', async () => {
    await storeChat('a:chat');
    const release = connector.hold();
    const started = Date.now();
    try {
      await expect(announcer({ timeoutMs: 300 }).sendPersonal(connector.url, card())).resolves.toEqual({
        kind: 'transient',
        status: 'timeout',
        unknown: true,
      });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      release();
    }
  });

  it('a createConversation that never answers: transient, known not delivered (it carries no message)', async () => {
    const release = connector.hold();
    try {
      await expect(announcer({ timeoutMs: 200 }).sendPersonal(connector.url, card())).resolves.toEqual({
        kind: 'transient',
        status: 'reset',
        unknown: false,
      });
      expect(creates()).toHaveLength(1);
      expect(sends()).toEqual([]);
    } finally {
      release();
    }
  });

  it('a connector that refuses connections: transient, known not delivered; never throws', async () => {
    await storeChat('a:chat');
    const url = connector.url;
    await connector.stop();
    await expect(announcer().sendPersonal(url, card())).resolves.toEqual({
      kind: 'transient',
      status: 'refused',
      unknown: false,
    });
  });

  it('a test card says so and its Got it names no delivery', async () => {
    await storeChat('a:chat');
    await announcer().sendPersonal(connector.url, card({ test: true }));
    expect(gotItData()).toEqual({ announcementId: 'ann-1', part: -1, test: true });
    expect(JSON.stringify(connector.cards()[0])).toContain('Test — only you got this');
  });
});

describe('post, update, preview', () => {
  const to = (): Coordination => ({
    conversationId: '19:coordination@thread.tacv2',
    conversationType: 'channel',
    serviceUrl: connector.url,
  });

  it('posts the counts card, updates it in place, posts a preview', async () => {
    const sender = announcer();
    const view = { announcement: anAnnouncement({ tenantId: TENANT }), counts: bigCounts() };
    const id = await sender.post(TENANT, to(), view);
    expect(id).toMatch(/\d+/);
    await sender.update(TENANT, to(), id, { ...view, counts: { ...bigCounts(), sent: 110_000 } });
    const update = connector.calls.find((c) => c.method === 'PUT');
    expect([update?.conversationId, update?.activityId]).toEqual([to().conversationId, id]);
    expect(JSON.stringify(update?.body)).toContain('110,000');
    await sender.preview(TENANT, to(), {
      announcementId: 'ann-2',
      tenantId: TENANT,
      rolloutId: 'ro-1',
      text: view.announcement.text,
      audience: 'none',
      recipients: 0,
      scheduledAt: null,
      by: { id: 'admin', name: 'Ada Admin' },
    });
    const preview = JSON.stringify(connector.cards().at(-1));
    expect(preview).toContain('No audience is known');
    expect(preview).toContain('announcement.send');
  });

  it('a refused post throws a DeliveryError (429: retryable with its Retry-After)', async () => {
    connector.failNext({
      status: 429,
      body: { error: { code: 'Throttled', message: 'slow' } },
      headers: { 'Retry-After': '2' },
    });
    const view = { announcement: anAnnouncement({ tenantId: TENANT }), counts: bigCounts() };
    const err = await announcer()
      .post(TENANT, to(), view)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(DeliveryError);
    expect([(err as DeliveryError).permanent, (err as DeliveryError).retryAfterMs]).toEqual([false, 2000]);
    connector.failNext({
      status: 403,
      body: { error: { code: 'BotNotInConversationRoster', message: 'gone' } },
    });
    await expect(announcer().update(TENANT, to(), '1', view)).rejects.toMatchObject({ permanent: true });
  });
});
