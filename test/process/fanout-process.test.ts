import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { PART_SIZE, type Delivery } from '../../src/domain/announcement';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY, type TableTarget } from '../../src/storage/azure-table';
import { startTestAzurite, type TestAzurite } from '../support/azurite';
import { startBotProcess, type BotProcess } from '../support/bot-process';
import { FakeConnector } from '../support/fake-connector';
import { readDeliveries, seedListedFanout, senderRows } from '../support/listed-fanout';
import { poll, waitUntil } from '../support/poll';

/**
 * The fan-out across processes: two real bots (`npm start`, the built code) on one Azurite share
 * one announcement to 600 listed members (12 partitions: more than one bot's 8 messages at once,
 * so the second bot has work too); the second is SIGKILLed while it holds claims and started
 * again. Nobody is lost, a person messaged twice is a counted possible duplicate, both bots sent,
 * and the two together never went past TEAMS_TENANT_RPS (the connector answers 429 beyond it).
 *
 * Who sent what is seen from outside through the delivery rows: a row is claimed (claimBy: the
 * sender's instance id, which its heartbeat row names) before its send, and a row sent at its
 * first attempt, never marked a possible duplicate, was sent by the one claim it ever had.
 *
 * Its length is set by the product: the killed bot's claims hold their rows for DEFAULT_CLAIM_MS
 * (90 s) before anyone sends them again.
 */

const TENANT = '72f988bf-0000-4000-8000-0000000000f1';
const PEOPLE = 600;
const PARTS = Math.ceil(PEOPLE / PART_SIZE);
const RPS = 50;

let azurite: TestAzurite;
let connector: FakeConnector;
let dir: string;
const bots: BotProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rollout-fanout-process-'));
  azurite = await startTestAzurite();
  connector = new FakeConnector().limitTenant(TENANT, RPS);
  connector.latencyMs = 20;
  await connector.start();
}, 60_000);

/** Ends the test's delivery sampler (also when an assertion failed before it was ended). */
let stopSampling = (): void => undefined;

afterAll(async () => {
  stopSampling();
  await Promise.all(
    bots
      .filter((b) => b.child.exitCode === null && b.child.signalCode === null)
      .map((b) => b.stop('SIGKILL')),
  );
  await connector?.stop();
  await azurite?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

it('two bots share an announcement; one SIGKILLed and started again: nobody lost, duplicates counted, the rate kept', async () => {
  const prefix = `fp${Date.now().toString(36)}`;
  const config = loadConfig({ TABLE_PREFIX: prefix });
  const tables: TableTarget = { kind: 'azurite', endpoint: azurite.endpoint };
  const queues: TableTarget = { kind: 'azurite', endpoint: azurite.queueEndpoint };
  const seeded = await seedListedFanout(config, tables, queues, {
    tenantId: TENANT,
    serviceUrl: connector.url,
    people: PEOPLE,
  });
  const connection = [
    'DefaultEndpointsProtocol=http',
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_ACCOUNT_KEY}`,
    `TableEndpoint=${azurite.endpoint}`,
    `QueueEndpoint=${azurite.queueEndpoint}`,
  ].join(';');
  const env = (n: number): Record<string, string> => {
    mkdirSync(join(dir, `bot-${n}`), { recursive: true });
    return {
      STORAGE_CONNECTION_STRING: connection,
      TABLE_PREFIX: prefix,
      TEAMS_TENANT_RPS: String(RPS),
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      MicrosoftAppId: '',
      MicrosoftAppPassword: '',
      DATA_DIR: join(dir, `bot-${n}`),
    };
  };
  /** The sender id a bot's heartbeat wrote: the one not among `known`. */
  const newSender = (what: string, known: string[]): Promise<string> =>
    poll(what, async () =>
      (await senderRows(config, tables)).map((r) => r.instanceId).find((id) => !known.includes(id)),
    );

  // Who held each row's claims, as seen by sampling every row while the bots work.
  const claimers = new Map<string, Set<string>>();
  let latest = new Map<string, Delivery>();
  let sampling = true;
  stopSampling = () => {
    sampling = false;
  };
  // What happened when (ms from here): starts, kills, heartbeats (from the sender rows), 429s.
  const t0 = Date.now();
  const timeline: string[] = [];
  const note = (what: string): void => void timeline.push(`${Date.now() - t0} ${what}`);
  const beats = new Map<string, string>();
  let throttledSeen = 0;
  const sample = async (): Promise<void> => {
    for (const sender of await senderRows(config, tables)) {
      if (beats.get(sender.instanceId) === sender.expiresAt) continue;
      beats.set(sender.instanceId, sender.expiresAt);
      note(`heartbeat ${sender.instanceId.slice(0, 8)} busy=${String(sender.busy)}`);
    }
    if (connector.throttled !== throttledSeen) {
      note(`429 × ${connector.throttled - throttledSeen}`);
      throttledSeen = connector.throttled;
    }
    const rows = await readDeliveries(seeded, PARTS);
    for (const [personId, row] of rows) {
      if (row.claim) claimers.set(personId, (claimers.get(personId) ?? new Set()).add(row.claim.by));
    }
    latest = rows;
  };
  const sampler = poll(
    'the delivery sampler to be stopped',
    async () => {
      if (!sampling) return true;
      await sample();
      return undefined;
    },
    240_000,
    500,
  );
  /** People whose row is sent at its first attempt, not a possible duplicate, claimed only ever by `id`. */
  const sentBy = (id: string, rows: Map<string, Delivery>): number =>
    [...rows.values()].filter((d) => {
      const by = claimers.get(d.personId);
      return d.status === 'sent' && d.attempts === 1 && !d.possibleDuplicate && by?.size === 1 && by.has(id);
    }).length;
  const claimsNow = (id: string): number =>
    [...latest.values()].filter((d) => d.status === 'pending' && d.claim?.by === id).length;

  // Bot 1 alone takes the start (expands, queues the partitions, takes 8 of them); bot 2 the rest.
  const first = await startBotProcess(env(1));
  bots.push(first);
  const id1 = await newSender('bot 1’s heartbeat', []);
  note(`bot 1 is ${id1.slice(0, 8)}`);
  const second = await startBotProcess(env(2));
  bots.push(second);
  const id2 = await newSender('bot 2’s heartbeat', [id1]);
  note(`bot 2 is ${id2.slice(0, 8)}`);

  // Mid-way: both have sent, and bot 2 holds claims (rows it may have sent and not yet recorded).
  await waitUntil(
    'both bots to have sent, bot 2 holding claims',
    () => sentBy(id1, latest) > 0 && sentBy(id2, latest) > 0 && claimsNow(id2) > 0,
    60_000,
  );
  const atKill = { messaged: connector.delivered.size, bot2Claims: claimsNow(id2) };
  note(`SIGKILL bot 2: ${JSON.stringify(atKill)}`);
  await second.stop('SIGKILL');
  const restarted = await startBotProcess(env(2));
  bots.push(restarted);
  const id3 = await newSender('the restarted bot’s heartbeat', [id1, id2]);
  note(`bot 2 started again: ${id3.slice(0, 8)}`);
  await poll('the restarted bot to re-queue the unfinished announcement', async () =>
    restarted.logs.find((l) => l.msg === 'announcement work re-queued'),
  );

  const done = await poll(
    'the announcement to be done',
    async () => {
      const got = await seeded.announcements.get(seeded.tenantId, seeded.announcementId);
      return got?.value.state === 'done' ? got.value : undefined;
    },
    180_000,
    250,
  );
  note('done');
  sampling = false;
  await sampler;
  const { counts, pendingParts } = await seeded.announcements.counts(seeded.tenantId, seeded.announcementId);
  const rows = await readDeliveries(seeded, PARTS);

  // Nobody lost: every recipient has the card, and the store says sent for each.
  expect(done.recipients).toBe(PEOPLE);
  expect(rows.size).toBe(PEOPLE);
  expect(seeded.people.filter((p) => connector.messagesFor(p) < 1)).toEqual([]);
  expect(counts).toMatchObject({ recipients: PEOPLE, sent: PEOPLE, pending: 0, failed: 0 });
  expect(pendingParts).toEqual([]);
  expect([...rows.values()].filter((d) => d.status !== 'sent')).toEqual([]);

  // Twice only where a possible duplicate was counted (the killed bot's lapsed claims, or a send
  // whose outcome was unknown).
  const twice = seeded.people.filter((p) => connector.messagesFor(p) > 1);
  expect(twice.filter((p) => !rows.get(p)?.possibleDuplicate)).toEqual([]);
  expect(twice.length).toBeLessThanOrEqual(counts.possibleDuplicates);
  expect(counts.possibleDuplicates).toBe([...rows.values()].filter((d) => d.possibleDuplicate).length);
  // The kill hit live claims: those rows were taken again, marked.
  expect(counts.possibleDuplicates).toBeGreaterThan(0);

  // The work was shared: both original bots sent cards.
  expect(sentBy(id1, rows)).toBeGreaterThan(0);
  expect(sentBy(id2, rows)).toBeGreaterThan(0);

  note(
    `figures: ${JSON.stringify({
      sentByBot1: sentBy(id1, rows),
      sentByBot2: sentBy(id2, rows),
      claimedByTheRestart: [...rows.values()].filter((d) => claimers.get(d.personId)?.has(id3)).length,
      twice: twice.length,
      possibleDuplicates: counts.possibleDuplicates,
    })}`,
  );
  // The tenant's combined rate stayed within TEAMS_TENANT_RPS (every call was counted against the
  // tenant: each chat was created with its id). The bots never start more than their shares in any
  // second; the connector counts arrivals, and two processes' event loops and the local network
  // may bunch a few: at most 2 % of the requests were answered 429 (each retried, none lost).
  // Failing, it shows the timeline.
  const requests = connector.calls.length;
  expect(
    connector.throttled <= 0.02 * requests
      ? []
      : [`${connector.throttled} of ${requests} answered 429`, ...timeline],
  ).toEqual([]);
  expect([...connector.chats.values()].filter((c) => c.tenantId !== TENANT)).toEqual([]);
  expect(connector.chats.size).toBe(PEOPLE);
}, 300_000);
