import { DelegatingTable, type TableCall } from '../../src/storage/delegating-table';
import type { EntityTable } from '../../src/storage/entity-table';
import { TableReferenceRepository } from '../../src/storage/reference-repository';
import {
  ADELE,
  connectorError,
  conversationUpdateBotAdded,
  conversationUpdateBotRemoved,
  installationAdd,
  installationRemove,
  invoke,
  LEE,
  message,
  TENANT,
  type Scope,
} from '../support/activities';
import { FreezableTable } from '../support/freezable-table';
import { startHarness, type Harness } from '../support/harness';
import { WriteCountingTable } from '../support/write-counting-table';

/** Conversation references as Teams traffic stores and removes them, and private sends use them. */
let h: Harness;
let references: TableReferenceRepository;
const ADELE_CHAT = 'a:1fake-personal-chat-adele-vance-rollout-0000000000000000000000000000000000a1';
const TEAM = '19:0000000000000000000000000000aaaa@thread.tacv2';
const CHANNEL = '19:0000000000000000000000000000cccc@thread.tacv2';
const BOT = '28:00000000-0000-0000-0000-0000000000b0';

const start = async (options: Parameters<typeof startHarness>[0] = {}) => {
  h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id }, ...options });
  references = new TableReferenceRepository(h.audienceTable, h.clock);
};
const say = async (text: string, from = ADELE, scope: Scope = 'channel', conversationId?: string) => {
  const res = await h.post(
    message(text, {
      serviceUrl: h.connector.url,
      from,
      scope,
      ...(conversationId ? { conversationId } : {}),
    }),
  );
  await h.server.settled();
  return res;
};
const postSettled = async (activity: unknown) => {
  const res = await h.post(activity);
  await h.server.settled();
  return res;
};
/** Calls that created a conversation (POST /v3/conversations). */
const creates = () => h.connector.calls.filter((c) => c.method === 'POST' && c.conversationId === null);

afterEach(() => h.close());

describe('capture', () => {
  it('a personal message stores the person’s reference with their name, after the reply; a redelivery writes nothing', async () => {
    const counting = new WriteCountingTable();
    await start({ audienceTable: counting });
    const activity = message('help', { serviceUrl: h.connector.url, scope: 'personal' });
    expect((await postSettled(activity)).status).toBe(200);
    const stored = await references.personal(TENANT, ADELE.id);
    expect(stored?.lastSeen).toBe(stored?.storedAt);
    expect(stored).toEqual({
      tenantId: TENANT,
      personId: ADELE.id,
      name: ADELE.name,
      conversationId: ADELE_CHAT,
      conversationType: 'personal',
      serviceUrl: h.connector.url,
      botId: BOT,
      storedAt: expect.any(String),
      lastSeen: expect.any(String),
    });
    const writes = counting.writes;
    await postSettled(activity);
    await say('status', ADELE, 'personal');
    expect(counting.writes).toBe(writes);
  });

  it('a channel message stores the channel’s reference (its team, without the thread), not the person’s', async () => {
    await start();
    await say('help');
    expect(await references.channel(TENANT, CHANNEL)).toMatchObject({
      conversationId: CHANNEL,
      conversationType: 'channel',
      botId: BOT,
      teamId: expect.any(String),
    });
    expect(await references.personal(TENANT, ADELE.id)).toBeNull();
  });

  it('installationUpdate add stores the personal reference (and greets); remove deletes it', async () => {
    await start();
    await postSettled(installationAdd({ serviceUrl: h.connector.url }));
    expect(h.connector.texts().at(-1)).toContain('Type `help`');
    expect(await references.personal(TENANT, ADELE.id)).toMatchObject({
      name: ADELE.name,
      conversationId: ADELE_CHAT,
    });
    const removal = installationRemove({ serviceUrl: h.connector.url });
    expect((await postSettled(removal)).status).toBe(200);
    expect(await references.personal(TENANT, ADELE.id)).toBeNull();
    // Redelivered: nothing to delete, nothing fails.
    expect((await postSettled(removal)).status).toBe(200);
  });

  it('conversationUpdate with the bot added stores the team’s reference; with the bot removed deletes it', async () => {
    await start();
    await postSettled(conversationUpdateBotAdded({ serviceUrl: h.connector.url }));
    expect(await references.channel(TENANT, TEAM)).toMatchObject({ conversationId: TEAM, teamId: TEAM });
    // As documented, the removal names no person (no aadObjectId): the tenant and channel suffice.
    expect((await postSettled(conversationUpdateBotRemoved({ serviceUrl: h.connector.url }))).status).toBe(
      200,
    );
    expect(await references.channel(TENANT, TEAM)).toBeNull();
  });

  it('a refused card action (400) stores nothing', async () => {
    const counting = new WriteCountingTable();
    await start({ audienceTable: counting });
    const res = await postSettled(
      invoke('no.such.verb', {}, { serviceUrl: h.connector.url, scope: 'personal' }),
    );
    expect(res.body).toMatchObject({ statusCode: 400 });
    expect(counting.writes).toBe(0);
    expect(await references.personal(TENANT, ADELE.id)).toBeNull();
  });

  it('happens after the reply: a frozen store does not hold the turn', async () => {
    const frozen = new FreezableTable();
    await start({ audienceTable: frozen });
    frozen.freeze();
    const res = await h.post(message('help', { serviceUrl: h.connector.url, scope: 'personal' }));
    expect(res.status).toBe(200);
    expect(h.connector.texts().at(-1)).toContain('rollout new');
    frozen.thaw();
    await h.server.settled();
    expect(await references.personal(TENANT, ADELE.id)).toMatchObject({ name: ADELE.name });
  });

  it('a failing store does not fail the turn: the reply is sent and a warning logged, no error', async () => {
    const logs: { level: number; msg: string }[] = [];
    const failing = new (class extends DelegatingTable {
      protected override run<T>(call: TableCall, run: (table: EntityTable) => Promise<T>): Promise<T> {
        return call.write ? Promise.reject(new Error('storage refused the write')) : super.run(call, run);
      }
    })(new WriteCountingTable());
    await start({
      audienceTable: failing,
      logStream: { write: (line) => void logs.push(JSON.parse(line) as { level: number; msg: string }) },
    });
    expect((await say('help', ADELE, 'personal')).status).toBe(200);
    expect(h.connector.texts().at(-1)).toContain('rollout new');
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(logs.some((l) => l.level === 40 && l.msg === 'could not store a conversation reference')).toBe(
      true,
    );
  });
});

describe('sendPrivately', () => {
  beforeEach(async () => {
    await start();
    await say('rollout new Teams Premium');
    await say('advance phase --force "lab done"');
    await say('advance phase --force "pilot group chosen"');
    h.connector.clear();
  });

  it('creates the personal chat once (with the tenant id), stores it, and reuses it the next time', async () => {
    await say('feedback', LEE);
    expect(creates()).toHaveLength(1);
    expect(creates()[0]?.body).toMatchObject({ tenantId: TENANT, channelData: { tenant: { id: TENANT } } });
    const created = creates()[0]?.answeredId;
    expect(await references.personal(TENANT, LEE.id)).toMatchObject({
      conversationId: created,
      name: LEE.name,
      conversationType: 'personal',
    });
    h.connector.clear();
    await say('feedback', LEE);
    expect(creates()).toEqual([]);
    expect(h.connector.calls.filter((c) => c.conversationId === created)).toHaveLength(1);
    expect(h.connector.texts().at(-1)).toMatch(/personal chat/);
  });

  it('uses the personal chat the person wrote from', async () => {
    await say('help', LEE, 'personal', 'a:lee-personal');
    h.connector.clear();
    await say('feedback', LEE);
    expect(creates()).toEqual([]);
    const form = h.connector.calls.find((c) => c.conversationId === 'a:lee-personal');
    expect(form?.body.attachments).toBeDefined();
  });

  it('a stored chat that is gone (404) gets a new one, which replaces it', async () => {
    await say('help', LEE, 'personal', 'a:lee-gone');
    h.connector.clear();
    h.connector.failNext(connectorError('connector-error-404-conversation-not-found'));
    await say('feedback', LEE);
    expect(h.connector.calls[0]?.conversationId).toBe('a:lee-gone');
    expect(creates()).toHaveLength(1);
    expect(h.connector.texts().at(-1)).toMatch(/personal chat/);
    expect(await references.personal(TENANT, LEE.id)).toMatchObject({
      conversationId: creates()[0]?.answeredId,
    });
  });
});
