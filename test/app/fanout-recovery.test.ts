import { recoverFanout } from '../../src/app/announce/fanout-recovery';
import { PART_SIZE } from '../../src/domain/announcement';
import { fanoutWorld, people, TENANT } from './fanout-support';

/** Every visible message received and deleted: the queue lost them. */
const loseMessages = async (world: ReturnType<typeof fanoutWorld>) => {
  for (;;) {
    const batch = await world.queue.receive(32, 30);
    if (!batch.length) return;
    for (const m of batch) await world.queue.delete(m);
  }
};

describe('fan-out recovery at start-up', () => {
  it('re-queues the partitions with pending deliveries of a sending announcement whose messages were lost', async () => {
    const world = fanoutWorld(people(PART_SIZE * 3));
    const announcer = world.announcer();
    // Partition 1 sent fully before the loss; 0 and 2 not at all.
    await world.announce();
    const worker = world.worker('i-1', announcer);
    await world.time.settle(worker.runOnce()); // start: three part messages
    const [m0, m1, m2] = await world.queue.receive(3, 30);
    expect(m1).toBeDefined();
    for (const m of [m0, m2]) if (m) await world.queue.delete(m);
    await world.time.settle(worker.runOnce()); // none visible
    world.time.advance(31_000); // m1 visible again
    await world.drain(worker);
    expect((await world.repo.counts(TENANT, 'ann-1')).pendingParts).toHaveLength(2);
    expect(await world.queue.approximateLength()).toBe(0);

    const queued = await recoverFanout({ announcements: world.repo, queue: world.queue, log: world.log });
    expect(queued).toEqual({ starts: 0, parts: 2 });
    await world.drain(worker);
    expect((await world.state())?.state).toBe('done');
    const perPerson = announcer.sendsPerPerson();
    expect(perPerson.size).toBe(PART_SIZE * 3);
    expect([...perPerson.values()].every((n) => n === 1)).toBe(true);
  });

  it('re-queues a start for scheduled and expanding announcements; finished ones are left alone', async () => {
    const world = fanoutWorld(people(7));
    const announcer = world.announcer();
    const worker = world.worker('i-1', announcer);
    await world.announce({ id: 'ann-done' });
    await world.drain(worker);
    expect((await world.state('ann-done'))?.state).toBe('done');
    await world.announce({
      id: 'ann-scheduled',
      scheduledAt: new Date(world.time.ms() + 3600_000).toISOString(),
    });
    // A crash in the middle of expanding: the state written, one partition, no messages.
    await world.announce({ id: 'ann-expanding' });
    await loseMessages(world);
    const got = await world.repo.get(TENANT, 'ann-expanding');
    if (got) await world.repo.update({ ...got.value, state: 'expanding' }, got.etag);
    await world.repo.writePart(TENANT, 'ann-expanding', 0, people(7));

    const queued = await recoverFanout({ announcements: world.repo, queue: world.queue, log: world.log });
    expect(queued).toEqual({ starts: 2, parts: 0 });
    await world.drain(worker);
    expect((await world.state('ann-expanding'))?.state).toBe('done');
    expect((await world.state('ann-scheduled'))?.state).toBe('scheduled');
    world.time.advance(3600_000);
    await world.drain(worker);
    expect((await world.state('ann-scheduled'))?.state).toBe('done');
    expect(announcer.sends).toHaveLength(7 * 3);
  });

  it('a sending announcement with nothing pending (crashed before it was marked done) is marked done', async () => {
    const world = fanoutWorld(people(3));
    const worker = world.worker('i-1', world.announcer());
    await world.announce();
    await world.drain(worker);
    const got = await world.repo.get(TENANT, 'ann-1');
    if (got) await world.repo.update({ ...got.value, state: 'sending', completedAt: null }, got.etag);
    expect(await recoverFanout({ announcements: world.repo, queue: world.queue, log: world.log })).toEqual({
      starts: 0,
      parts: 1,
    });
    await world.drain(worker);
    expect((await world.state())?.state).toBe('done');
  });
});
