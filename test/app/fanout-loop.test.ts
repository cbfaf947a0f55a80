import { FanoutWorker } from '../../src/app/announce/fanout-worker';
import { RateController } from '../../src/app/announce/rate-control';
import { QueueUnavailableError } from '../../src/app/errors';
import type { StorageCall } from '../../src/storage/timed-call';
import { DelegatingQueue } from '../../src/storage/delegating-queue';
import type { WorkQueue } from '../../src/app/ports';
import { announcement, fanoutWorld, people, quietLog, SERVICE_URL } from './fanout-support';
import { DelegatingTable, type TableCall } from '../../src/storage/delegating-table';
import type { EntityTable } from '../../src/storage/entity-table';
import { MemoryTable } from '../../src/storage/memory-table';
import { MemoryQueue } from '../../src/storage/memory-queue';
import { TableAnnouncementRepository } from '../../src/storage/announcement-repository';
import { VirtualTime } from '../support/virtual-time';
import { ScriptedAnnouncer } from '../support/scripted-announcer';

/** A queue that fails every call while `down` (the service unreachable). */
class FailingQueue extends DelegatingQueue {
  down = false;
  calls = 0;
  protected override run<T>(call: StorageCall, work: (queue: WorkQueue) => Promise<T>): Promise<T> {
    this.calls++;
    if (this.down) return Promise.reject(new QueueUnavailableError(`queue down: ${call.what}`));
    return super.run(call, work);
  }
}

describe('the fan-out receive loop', () => {
  it('pauses while the queue is down, logging it, and goes on once it answers', async () => {
    const world = fanoutWorld(people(20));
    const queue = new FailingQueue(world.queue);
    const announcer = world.announcer();
    const worker = new FanoutWorker({
      queue,
      announcements: world.repo,
      announcer,
      rate: new RateController({ tenantRps: 50, now: () => world.time.ms(), wait: world.time.wait }),
      recipientsOf: async () => people(20),
      serviceUrlOf: () => 'https://smba.example/emea/',
      clock: world.time,
      wait: world.time.wait,
      log: world.log,
      instanceId: 'i-1',
    });
    await world.announce();
    expect(worker.health()).toEqual({ pausedSince: null });
    queue.down = true;
    const downAt = new Date(world.time.ms()).toISOString();
    worker.start();
    await world.time.runFor(60_000);
    // `status` says since when it is held up (the first failure, not the latest).
    expect(worker.health()).toEqual({ pausedSince: downAt });
    const warnings = world.log.lines.filter((l) => l.level === 'warn');
    expect(warnings.length).toBeGreaterThan(1);
    // Backing off: far fewer tries than a minute of busy polling.
    expect(queue.calls).toBeLessThan(15);
    expect(announcer.sends).toEqual([]);
    queue.down = false;
    await world.time.settle(
      (async () => {
        while ((await world.state())?.state !== 'done') await world.time.wait(1000);
      })(),
    );
    expect(worker.health()).toEqual({ pausedSince: null });
    await world.time.settle(worker.stop());
    expect(announcer.sendsPerPerson().size).toBe(20);
  });

  it('an idle worker polls less and less often, and a kick makes it look at once', async () => {
    const world = fanoutWorld(people(2));
    const queue = new FailingQueue(world.queue);
    const announcer = world.announcer();
    const worker = world.worker('i-1', announcer, { queue });
    worker.start();
    await world.time.runFor(5 * 60_000);
    // 1 s doubling to 30 s: about a dozen polls in five minutes, not 300.
    expect(queue.calls).toBeLessThan(20);
    await world.announce();
    worker.kick();
    await world.time.runFor(500);
    expect(announcer.sends.length).toBe(2);
    await world.time.settle(worker.stop());
  });

  it('drops a message that is not the fan-out’s, logging it', async () => {
    const world = fanoutWorld(people(2));
    const worker = world.worker('i-1', world.announcer());
    await world.queue.send('{"v":9,"kind":"nonsense"}');
    expect(await world.time.settle(worker.runOnce())).toBe(1);
    expect(await world.queue.approximateLength()).toBe(0);
    expect(world.log.lines).toContainEqual({ level: 'error', message: 'not a fan-out message; dropped' });
  });
});

describe('the fan-out receive loop and its own delayed messages', () => {
  it('looks again when a retry it queued becomes visible, not at its next idle poll', async () => {
    const world = fanoutWorld(people(1));
    const announcer = world.announcer();
    announcer.answer((_id, attempt) =>
      attempt === 1 ? { kind: 'throttled', status: '429', retryAfterMs: 20_000 } : { kind: 'sent' },
    );
    const worker = world.worker('i-1', announcer);
    // Idle long enough for the poll to back off to its longest.
    worker.start();
    await world.time.runFor(5 * 60_000);
    await world.announce();
    worker.kick();
    await world.time.runFor(1000);
    expect(announcer.sends).toHaveLength(1);
    const throttledAt = announcer.sends[0]?.at ?? NaN;
    await world.time.runFor(22_000);
    expect(announcer.sends).toHaveLength(2);
    expect((announcer.sends[1]?.at ?? NaN) - throttledAt).toBeLessThan(22_000);
    await world.time.settle(worker.stop());
    expect((await world.state())?.state).toBe('done');
  });
});

/** A table that fails every call while `down` (Table Storage unreachable mid fan-out). */
class FailingTable extends DelegatingTable {
  down = false;
  protected override run<T>(call: TableCall, work: (table: EntityTable) => Promise<T>): Promise<T> {
    if (this.down) return Promise.reject(new Error(`table storage unavailable: ${call.what}`));
    return super.run(call, work);
  }
}

describe('the fan-out with Table Storage down mid-way', () => {
  it('pauses the sends, loses nobody, and finishes once the store answers again', async () => {
    const time = new VirtualTime();
    const table = new FailingTable(new MemoryTable());
    const repo = new TableAnnouncementRepository(table);
    const queue = new MemoryQueue('announcements', time);
    const announcer = new ScriptedAnnouncer(undefined, () => time.ms());
    const log = quietLog();
    const worker = new FanoutWorker({
      queue,
      announcements: repo,
      announcer,
      rate: new RateController({ tenantRps: 50, now: () => time.ms(), wait: time.wait }),
      recipientsOf: async () => people(200),
      serviceUrlOf: () => SERVICE_URL,
      clock: time,
      wait: time.wait,
      log,
      instanceId: 'i-1',
      random: () => 0.5,
    });
    const a = announcement(time);
    await repo.create(a);
    await queue.send(JSON.stringify({ v: 1, kind: 'start', tenantId: a.tenantId, announcementId: a.id }));
    worker.start();
    // Some sent, then the store goes away for two minutes.
    await time.settle(
      (async () => {
        while (announcer.sends.length < 60) await time.wait(100);
      })(),
    );
    table.down = true;
    const sentBefore = announcer.sends.length;
    await time.runFor(120_000);
    // Sends stop soon after (the claims cannot be written): at most the chunks already claimed go out.
    expect(announcer.sends.length - sentBefore).toBeLessThanOrEqual(8 * 10);
    expect(log.lines.some((l) => l.level === 'warn')).toBe(true);
    table.down = false;
    await time.settle(
      (async () => {
        while ((await repo.get(a.tenantId, a.id))?.value.state !== 'done') await time.wait(1000);
      })(),
    );
    await time.settle(worker.stop());
    const perPerson = announcer.sendsPerPerson();
    expect(perPerson.size).toBe(200);
    const { counts } = await repo.counts(a.tenantId, a.id);
    expect(counts).toMatchObject({ recipients: 200, sent: 200, pending: 0 });
    // Anyone sent twice is counted as a possible duplicate (a claim whose outcome could not be written).
    const twice = [...perPerson.values()].filter((n) => n > 1).length;
    expect(twice).toBeLessThanOrEqual(counts.possibleDuplicates);
  });
});
