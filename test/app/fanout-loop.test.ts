import { FanoutWorker } from '../../src/app/announce/fanout-worker';
import { RateController } from '../../src/app/announce/rate-control';
import { QueueUnavailableError } from '../../src/app/errors';
import type { StorageCall } from '../../src/storage/timed-call';
import { DelegatingQueue } from '../../src/storage/delegating-queue';
import type { WorkQueue } from '../../src/app/ports';
import { fanoutWorld, people } from './fanout-support';

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
