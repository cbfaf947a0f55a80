import { CountsUpdater } from '../../src/app/announce/counts-updater';
import { COUNTS_UPDATE_MS } from '../../src/domain/announcement';
import { fanoutWorld, people, TENANT } from './fanout-support';
import type { ScriptedAnnouncer } from '../support/scripted-announcer';

const updaterOf = (world: ReturnType<typeof fanoutWorld>, announcer: ScriptedAnnouncer) =>
  new CountsUpdater({
    announcements: world.repo,
    announcer,
    clock: world.time,
    wait: world.time.wait,
    log: world.log,
  });

/** The announcement written and expanded (sending), as the worker leaves it. */
const sending = async (world: ReturnType<typeof fanoutWorld>) => {
  await world.announce();
  await world.time.settle(world.worker('i-0', world.announcer()).runOnce());
  expect((await world.state())?.state).toBe('sending');
};

describe('the counts updater', () => {
  it('updates both posts at most every COUNTS_UPDATE_MS, with one trailing update for progress that came too soon', async () => {
    const world = fanoutWorld(people(10));
    await sending(world);
    const posts = world.announcer();
    const updater = updaterOf(world, posts);
    const t0 = world.time.ms();
    updater.progress(TENANT, 'ann-1');
    await world.time.runFor(0);
    expect(posts.updates.map((u) => u.messageId).sort()).toEqual(['post-coord', 'post-help']);
    for (let i = 1; i <= 4; i++) {
      await world.time.runFor(1000);
      updater.progress(TENANT, 'ann-1');
    }
    await world.time.runFor(0);
    expect(posts.updates).toHaveLength(2);
    await world.time.runFor(COUNTS_UPDATE_MS);
    await world.time.settle(updater.idle());
    expect(posts.updates).toHaveLength(4);
    const times = [...new Set(posts.updates.map((u) => u.at))];
    expect(times).toEqual([t0, t0 + COUNTS_UPDATE_MS]);
    expect(posts.updates[2]?.view.counts).toMatchObject({ recipients: 10, pending: 10 });
  });

  it('across instances only one posts in an interval (the ETag on countsUpdatedAt decides)', async () => {
    const world = fanoutWorld(people(10));
    await sending(world);
    const one = world.announcer();
    const two = world.announcer();
    const a = updaterOf(world, one);
    const b = updaterOf(world, two);
    a.progress(TENANT, 'ann-1');
    b.progress(TENANT, 'ann-1');
    await world.time.runFor(1000);
    expect(one.updates.length + two.updates.length).toBe(2);
    expect((await world.state())?.countsUpdatedAt).toBe(new Date(world.time.ms() - 1000).toISOString());
    await world.time.settle(Promise.all([a.idle(), b.idle()]));
  });

  it('posts the final counts when the announcement is done, however soon after the last; a Got it after it updates again', async () => {
    const world = fanoutWorld(people(120));
    const posts = world.announcer();
    const updater = updaterOf(world, posts);
    await world.announce();
    const worker = world.worker('i-1', world.announcer(), { onProgress: updater.progress });
    await world.drain(worker);
    await world.time.settle(updater.idle());
    expect((await world.state())?.state).toBe('done');
    const last = posts.updates.filter((u) => u.messageId === 'post-coord').at(-1);
    expect(last?.view.announcement.state).toBe('done');
    expect(last?.view.counts).toMatchObject({ recipients: 120, sent: 120, pending: 0 });
    const finals = posts.updates.filter((u) => u.view.announcement.state === 'done');
    // Both posts show it (a trailing update due from the sending may show it once more).
    expect(new Set(finals.map((u) => u.messageId))).toEqual(new Set(['post-coord', 'post-help']));
    // A progress after the end (a "Got it") updates the posts again, throttled like the rest.
    const before = posts.updates.length;
    const lastAt = last?.at ?? 0;
    updater.progress(TENANT, 'ann-1');
    await world.time.settle(updater.idle());
    expect(posts.updates).toHaveLength(before + 2);
    expect((posts.updates.at(-1)?.at ?? 0) - lastAt).toBeGreaterThanOrEqual(COUNTS_UPDATE_MS);
    // Throttled while sending: consecutive updates of one post are COUNTS_UPDATE_MS apart.
    const coord = posts.updates.filter(
      (u) => u.messageId === 'post-coord' && u.view.announcement.state === 'sending',
    );
    for (let i = 1; i < coord.length; i++) {
      expect((coord[i]?.at ?? 0) - (coord[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(COUNTS_UPDATE_MS);
    }
  });
});
