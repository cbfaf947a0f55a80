import { MAX_VISIBILITY_SECONDS } from '../../src/app/ports-queue';
import {
  PART_SIZE,
  cancelDelivery,
  countDeliveries,
  partitionRecipients,
  type Delivery,
} from '../../src/domain/announcement';
import { isConcurrencyError } from '../../src/app/errors';
import { DEFAULT_CLAIM_MS } from '../../src/app/announce/fanout-worker';
import { MAX_DELAY_SECONDS } from '../../src/app/announce/fanout-messages';
import { HEADROOM, RateController } from '../../src/app/announce/rate-control';
import { fanoutWorld, people, TENANT } from './fanout-support';

const statuses = (rows: Delivery[]) => {
  const by: Record<string, number> = {};
  for (const d of rows) by[d.status] = (by[d.status] ?? 0) + 1;
  return by;
};

/** What a canceller does (another use case): the announcement cancelled, then its pending rows (retried on races). */
const cancelAll = async (world: ReturnType<typeof fanoutWorld>): Promise<void> => {
  const got = await world.repo.get(TENANT, 'ann-1');
  if (got) await world.repo.update({ ...got.value, state: 'cancelled' }, got.etag);
  for (;;) {
    const part = await world.repo.readPart(TENANT, 'ann-1', 0);
    const changes = part.deliveries
      .filter((d) => d.value.status === 'pending')
      .map((d) => ({ value: cancelDelivery(d.value, world.time.now()), etag: d.etag }));
    const changed = new Map(changes.map((c) => [c.value.personId, c.value]));
    const rows = part.deliveries.map((d) => changed.get(d.value.personId) ?? d.value);
    if (!part.counts) return;
    try {
      return await world.repo.commitPart(TENANT, 'ann-1', 0, changes, {
        value: countDeliveries(rows),
        etag: part.counts.etag,
      });
    } catch (err) {
      if (!isConcurrencyError(err)) throw err;
    }
  }
};

describe('the fan-out worker', () => {
  it('sends every recipient of three partitions exactly once, then marks the announcement done', async () => {
    const world = fanoutWorld(people(120));
    const announcer = world.announcer();
    const worker = world.worker('i-1', announcer);
    await world.announce();
    await world.drain(worker);
    const a = await world.state();
    expect(a?.state).toBe('done');
    expect(a?.recipients).toBe(120);
    expect(a?.parts).toBe(Math.ceil(120 / PART_SIZE));
    expect(a?.completedAt).not.toBeNull();
    const perPerson = announcer.sendsPerPerson();
    expect(perPerson.size).toBe(120);
    expect([...perPerson.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(announcer.sends.map((s) => s.serviceUrl))).toEqual(
      new Set(['https://smba.example/emea/']),
    );
    const { counts } = await world.repo.counts(TENANT, 'ann-1');
    expect(counts).toMatchObject({ recipients: 120, sent: 120, pending: 0, possibleDuplicates: 0 });
    expect(await world.queue.approximateLength()).toBe(0);
    expect(world.progress.length).toBeGreaterThan(0);
  });

  it('an expansion cut short and taken up again after the audience changed: nobody twice, nobody left out', async () => {
    const before = people(120);
    const world = fanoutWorld(before);
    await world.announce({ state: 'expanding' });
    // A first expansion wrote two partitions of the audience as it was, then its instance died.
    const [p0, p1] = partitionRecipients(before);
    await world.repo.writePart(TENANT, 'ann-1', 0, p0 ?? []);
    await world.repo.writePart(TENANT, 'ann-1', 1, p1 ?? []);
    // Meanwhile ten people left the audience and thirty joined.
    const now = [...before.slice(10), ...people(150).slice(120)];
    const announcer = world.announcer();
    await world.drain(world.worker('i-2', announcer, { recipientsOf: async () => now }));
    const perPerson = announcer.sendsPerPerson();
    // Those already written stay in; everyone of the audience now is in; each exactly once.
    const expected = new Set([...(p0 ?? []), ...(p1 ?? []), ...now].map((r) => r.personId));
    expect(new Set(perPerson.keys())).toEqual(expected);
    expect([...perPerson.values()].every((n) => n === 1)).toBe(true);
    expect((await world.state())?.recipients).toBe(expected.size);
  });

  it('an audience of nobody is done at once, nothing sent', async () => {
    const world = fanoutWorld([]);
    const announcer = world.announcer();
    await world.announce({ audience: 'none' });
    await world.drain(world.worker('i-1', announcer));
    expect((await world.state())?.state).toBe('done');
    expect(announcer.sends).toEqual([]);
    expect(world.progress).toEqual(['ann-1']);
  });

  it('a person who blocked the bot (403 MessageWritesBlocked) is blocked and not tried again', async () => {
    const world = fanoutWorld(people(5));
    const blocked = people(5)[2]?.personId;
    const announcer = world.announcer();
    announcer.answer((id) =>
      id === blocked ? { kind: 'blocked', status: '403 MessageWritesBlocked' } : { kind: 'sent' },
    );
    const worker = world.worker('i-1', announcer);
    await world.announce();
    await world.drain(worker);
    world.time.advance(3600_000);
    await world.drain(worker);
    expect(announcer.sendsPerPerson().get(blocked ?? '')).toBe(1);
    const row = (await world.deliveries()).find((d) => d.personId === blocked);
    expect(row).toMatchObject({ status: 'blocked', lastStatus: '403 MessageWritesBlocked', attempts: 1 });
    expect((await world.state())?.state).toBe('done');
  });

  it('a 429 with Retry-After is retried after it, the tenant paused meanwhile', async () => {
    const world = fanoutWorld(people(3));
    const first: { personId?: string } = {};
    const announcer = world.announcer();
    const sentAt: Record<string, number[]> = {};
    announcer.answer((id, attempt) => {
      (sentAt[id] ??= []).push(world.time.ms());
      first.personId ??= id;
      return id === first.personId && attempt === 1
        ? { kind: 'throttled', status: '429', retryAfterMs: 5000 }
        : { kind: 'sent' };
    });
    const worker = world.worker('i-1', announcer, { chunkSize: 1 });
    await world.announce();
    await world.drain(worker);
    const throttledAt = sentAt[first?.personId ?? '']?.[0] ?? NaN;
    // Retried after its Retry-After; every other send of the tenant waited for the pause too.
    expect(sentAt[first?.personId ?? '']).toHaveLength(2);
    expect(sentAt[first?.personId ?? '']?.[1]).toBeGreaterThanOrEqual(throttledAt + 5000);
    const others = Object.entries(sentAt).filter(([id]) => id !== first?.personId);
    expect(others).toHaveLength(2);
    for (const [, at] of others) expect(at[0]).toBeGreaterThanOrEqual(throttledAt + 5000);
    const row = (await world.deliveries()).find((d) => d.personId === first?.personId);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, lastStatus: 'sent', possibleDuplicate: false });
    expect(statuses(await world.deliveries())).toEqual({ sent: 3 });
    expect((await world.state())?.state).toBe('done');
  });

  it('a row waiting for its Retry-After is left to a part message delayed until then', async () => {
    const world = fanoutWorld(people(1));
    const announcer = world.announcer();
    announcer.answer((_id, attempt) =>
      attempt === 1 ? { kind: 'throttled', status: '429', retryAfterMs: 120_000 } : { kind: 'sent' },
    );
    const worker = world.worker('i-1', announcer);
    await world.announce();
    await world.drain(worker);
    const [row] = await world.deliveries();
    expect(row).toMatchObject({ status: 'pending', lastStatus: '429', attempts: 1 });
    expect(Date.parse(row?.retryAt ?? '')).toBeGreaterThan(world.time.ms() + 100_000);
    expect(await world.queue.approximateLength()).toBe(1);
    world.time.advance(119_000);
    expect(await world.time.settle(worker.runOnce())).toBe(0);
    world.time.advance(2000);
    await world.drain(worker);
    expect(announcer.sends).toHaveLength(2);
    expect((await world.state())?.state).toBe('done');
  });

  it('an unknown outcome (a time-out after the request left) is retried and counted a possible duplicate', async () => {
    const world = fanoutWorld(people(4));
    const [flaky] = people(4);
    const announcer = world.announcer();
    announcer.answer((id, attempt) =>
      id === flaky?.personId && attempt === 1
        ? { kind: 'transient', status: 'timeout', unknown: true }
        : { kind: 'sent' },
    );
    const worker = world.worker('i-1', announcer);
    await world.announce();
    await world.drain(worker);
    world.time.advance(60_000);
    await world.drain(worker);
    expect(announcer.sendsPerPerson().get(flaky?.personId ?? '')).toBe(2);
    const row = (await world.deliveries()).find((d) => d.personId === flaky?.personId);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, possibleDuplicate: true });
    const { counts } = await world.repo.counts(TENANT, 'ann-1');
    expect(counts).toMatchObject({ sent: 4, possibleDuplicates: 1 });
    expect((await world.state())?.state).toBe('done');
  });

  it('a delivery failing every attempt is failed after the last', async () => {
    const world = fanoutWorld(people(2));
    const [bad] = people(2);
    const announcer = world.announcer();
    announcer.answer((id) =>
      id === bad?.personId ? { kind: 'transient', status: '503', unknown: false } : { kind: 'sent' },
    );
    const worker = world.worker('i-1', announcer, { maxAttempts: 3 });
    await world.announce();
    for (let i = 0; i < 10; i++) {
      await world.drain(worker);
      world.time.advance(10 * 60_000);
    }
    expect(announcer.sendsPerPerson().get(bad?.personId ?? '')).toBe(3);
    const row = (await world.deliveries()).find((d) => d.personId === bad?.personId);
    expect(row).toMatchObject({ status: 'failed', attempts: 3, lastStatus: '503' });
    expect((await world.state())?.state).toBe('done');
    expect(await world.queue.approximateLength()).toBe(0);
  });

  it('a sender that dies mid-part loses nobody: its rows come back after their claims, possible duplicates; sent rows are not sent again', async () => {
    const world = fanoutWorld(people(PART_SIZE));
    const dying = world.announcer();
    // The first chunk is answered; then the sender dies waiting for the answers of the second.
    dying.answer(() => (dying.sends.length <= 10 ? { kind: 'sent' } : 'hang'));
    const first = world.worker('i-dead', dying, { chunkSize: 10 });
    await world.announce();
    await world.time.settle(first.runOnce()); // start: one partition queued
    void first.runOnce(); // never finishes
    await world.time.runFor(1000);
    expect(dying.sends.length).toBe(20);
    const before = await world.deliveries();
    expect(statuses(before)).toEqual({ sent: 10, pending: 40 });
    expect(before.filter((d) => d.claim?.by === 'i-dead' && d.status === 'pending')).toHaveLength(10);

    // The part message comes back after its visibility time-out; the claims lapse later.
    const second = world.announcer();
    const next = world.worker('i-next', second);
    world.time.advance(31_000);
    await world.drain(next);
    expect(second.sends).toHaveLength(30);
    expect(statuses(await world.deliveries())).toEqual({ sent: 40, pending: 10 });
    world.time.advance(DEFAULT_CLAIM_MS);
    await world.drain(next);

    const rows = await world.deliveries();
    expect(statuses(rows)).toEqual({ sent: 50 });
    const sentFirst = new Set(dying.sends.slice(0, 10).map((s) => s.personId));
    expect(second.sends.some((s) => sentFirst.has(s.personId))).toBe(false);
    expect(second.sendsPerPerson().size).toBe(40);
    expect([...second.sendsPerPerson().values()].every((n) => n === 1)).toBe(true);
    const lapsed = new Set(dying.sends.slice(10).map((s) => s.personId));
    expect(
      rows
        .filter((d) => d.possibleDuplicate)
        .map((d) => d.personId)
        .sort(),
    ).toEqual([...lapsed].sort());
    expect((await world.repo.counts(TENANT, 'ann-1')).counts.possibleDuplicates).toBe(10);
    expect((await world.state())?.state).toBe('done');
  });

  it('two workers on one queue share the work (duplicate part messages too) with no one sent twice', async () => {
    const world = fanoutWorld(people(160));
    const a = world.announcer();
    const b = world.announcer();
    const one = world.worker('i-a', a, { concurrency: 2 });
    const two = world.worker('i-b', b, { concurrency: 2 });
    await world.announce();
    await world.time.settle(one.runOnce()); // start: 4 partitions queued
    for (let part = 0; part < 4; part++) {
      await world.queue.send(
        JSON.stringify({ v: 1, kind: 'part', tenantId: TENANT, announcementId: 'ann-1', part }),
      );
    }
    one.start();
    two.start();
    await world.time.settle(
      (async () => {
        while ((await world.state())?.state !== 'done') await world.time.wait(500);
      })(),
    );
    await world.time.settle(Promise.all([one.stop(), two.stop()]));
    const total = new Map<string, number>();
    for (const s of [...a.sends, ...b.sends]) total.set(s.personId, (total.get(s.personId) ?? 0) + 1);
    expect(total.size).toBe(160);
    expect([...total.values()].every((n) => n === 1)).toBe(true);
    expect(a.sends.length).toBeGreaterThan(0);
    expect(b.sends.length).toBeGreaterThan(0);
    expect((await world.repo.counts(TENANT, 'ann-1')).counts).toMatchObject({
      sent: 160,
      possibleDuplicates: 0,
    });
  });

  it('a scheduled start waits for its time, re-delayed within the queue’s 7 days', async () => {
    const world = fanoutWorld(people(3));
    const announcer = world.announcer();
    const worker = world.worker('i-1', announcer);
    const at = world.time.ms() + 10 * 24 * 3600_000;
    await world.announce({ scheduledAt: new Date(at).toISOString() });
    expect(await world.time.settle(worker.runOnce())).toBe(1);
    expect((await world.state())?.state).toBe('scheduled');
    expect(announcer.sends).toEqual([]);
    expect(MAX_DELAY_SECONDS).toBeLessThan(MAX_VISIBILITY_SECONDS);
    world.time.advance((MAX_DELAY_SECONDS - 1) * 1000);
    expect(await world.time.settle(worker.runOnce())).toBe(0);
    world.time.advance(1000);
    expect(await world.time.settle(worker.runOnce())).toBe(1); // re-delayed again, for the rest
    expect((await world.state())?.state).toBe('scheduled');
    world.time.advance(at - world.time.ms() - 1000);
    expect(await world.time.settle(worker.runOnce())).toBe(0);
    world.time.advance(1000);
    await world.drain(worker);
    expect((await world.state())?.state).toBe('done');
    expect(announcer.sends).toHaveLength(3);
  });

  it('a cancelled announcement stops sending: the rows the canceller marked stay cancelled', async () => {
    const world = fanoutWorld(people(PART_SIZE));
    const announcer = world.announcer();
    let cancel: Promise<void> | null = null;
    announcer.answer(() => {
      if (announcer.sends.length === 10) cancel ??= cancelAll(world);
      return { kind: 'sent' };
    });
    const worker = world.worker('i-1', announcer);
    await world.announce();
    await world.drain(worker);
    await cancel;
    expect(announcer.sends).toHaveLength(10);
    expect((await world.state())?.state).toBe('cancelled');
    expect(statuses(await world.deliveries())).toEqual({ sent: 10, cancelled: 40 });
    expect(await world.queue.approximateLength()).toBe(0);
  });
});

describe('the fan-out worker holding its work', () => {
  it('keeps a long part’s message hidden from other workers while it works (extending its visibility)', async () => {
    const world = fanoutWorld(people(PART_SIZE));
    const slow = world.announcer();
    const one = world.worker('i-1', slow, {
      rate: new RateController({ tenantRps: 1, now: () => world.time.ms(), wait: world.time.wait }),
    });
    const other = world.announcer();
    const two = world.worker('i-2', other);
    await world.announce();
    await world.time.settle(one.runOnce()); // start
    const working = one.runOnce(); // 50 sends at 1/s: well past the 30 s visibility
    await world.time.runFor(40_000);
    expect(slow.sends.length).toBeGreaterThan(30);
    expect(await world.time.settle(two.runOnce())).toBe(0);
    await world.time.settle(working);
    expect(other.sends).toEqual([]);
    expect(slow.sendsPerPerson().size).toBe(PART_SIZE);
    expect((await world.state())?.state).toBe('done');
  });

  it('does not start a send once its claim could lapse (a long Retry-After): another sender has the row by then', async () => {
    const world = fanoutWorld(people(10));
    const paused = world.announcer();
    paused.answer(() =>
      paused.sends.length === 1
        ? { kind: 'throttled', status: '429', retryAfterMs: 100_000 }
        : { kind: 'sent' },
    );
    const one = world.worker('i-1', paused, { chunkSize: 10 });
    const other = world.announcer();
    const two = world.worker('i-2', other);
    await world.announce();
    await world.time.settle(one.runOnce()); // start
    const began = world.time.ms();
    const waiting = one.runOnce(); // the sends not under way wait out the tenant's 100 s pause
    await world.time.runFor(95_000);
    // The claims (90 s) lapsed and the message came back: the other sender takes the chunk (the
    // throttled row's outcome too was not committed yet: a chunk commits once all its sends end).
    await world.time.settle(two.runOnce());
    expect(other.sends).toHaveLength(10);
    await world.time.settle(waiting);
    // The paused sender sent none after its pause (only those already under way when the 429 came).
    expect(paused.sends.length).toBeLessThan(10);
    expect(paused.sends.every((s) => s.at < began + 1000)).toBe(true);
    world.time.advance(10_000);
    await world.drain(two);
    const rows = await world.deliveries();
    expect(statuses(rows)).toEqual({ sent: 10 });
    expect(rows.filter((d) => d.possibleDuplicate)).toHaveLength(10); // lapsed claims: cannot tell
    const all = [...paused.sends, ...other.sends].map((s) => s.personId);
    expect(new Set(all).size).toBe(10);
    // Each person at most twice: once by each sender (a send under way when the claim lapsed).
    expect(all.length).toBe(10 + paused.sends.length);
    expect((await world.state())?.state).toBe('done');
  });

  it('shares the tenant rate among the live senders (heartbeats)', async () => {
    const world = fanoutWorld(people(1));
    const rateOne = new RateController({ tenantRps: 50, now: () => world.time.ms(), wait: world.time.wait });
    const rateTwo = new RateController({ tenantRps: 50, now: () => world.time.ms(), wait: world.time.wait });
    const one = world.worker('i-1', world.announcer(), { rate: rateOne });
    const two = world.worker('i-2', world.announcer(), { rate: rateTwo });
    expect(await one.heartbeat()).toBe(1);
    expect(await two.heartbeat()).toBe(2);
    expect(await one.heartbeat()).toBe(2);
    expect(rateOne.tenant(TENANT).ceiling).toBe(25 * HEADROOM);
    expect(rateTwo.tenant(TENANT).ceiling).toBe(25 * HEADROOM);
  });
});

describe('the fan-out worker starting twice', () => {
  it('a duplicated start (two workers at once) expands once in effect: everyone sent once', async () => {
    const world = fanoutWorld(people(120));
    const a = world.announcer();
    const b = world.announcer();
    const one = world.worker('i-a', a, { concurrency: 1 });
    const two = world.worker('i-b', b, { concurrency: 1 });
    await world.announce();
    await world.queue.send(
      JSON.stringify({ v: 1, kind: 'start', tenantId: TENANT, announcementId: 'ann-1' }),
    );
    const [first, second] = await world.queue.receive(2, 30);
    expect(second).toBeDefined();
    // Each worker is handed one of the two starts (put back visible at once for them).
    for (const m of [first, second]) if (m) await world.queue.extend(m, 1);
    world.time.advance(1000);
    const started = await world.time.settle(Promise.all([one.runOnce(), two.runOnce()]));
    expect(started).toEqual([1, 1]);
    for (let i = 0; i < 20; i++) {
      await world.time.settle(Promise.all([one.runOnce(), two.runOnce()]));
      world.time.advance(1000);
    }
    expect((await world.state())?.state).toBe('done');
    const total = new Map<string, number>();
    for (const s of [...a.sends, ...b.sends]) total.set(s.personId, (total.get(s.personId) ?? 0) + 1);
    expect(total.size).toBe(120);
    expect([...total.values()].every((n) => n === 1)).toBe(true);
    expect((await world.repo.counts(TENANT, 'ann-1')).counts.recipients).toBe(120);
  });
});
