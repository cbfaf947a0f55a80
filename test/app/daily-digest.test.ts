import { digestKey, DIGEST_LATE_MS, runDailyDigest } from '../../src/app/schedule/daily-digest';
import type { DigestFacts } from '../../src/app/schedule/daily-digest';
import { getStatus } from '../../src/app/queries';
import { submitFeedback } from '../../src/app/submit-feedback';
import type { Deps, ScheduledNotice } from '../../src/app/ports';
import { dailyDigestJob } from '../../src/schedule/daily-digest-job';
import type { Rollout } from '../../src/domain/rollout';
import { makeDeps, MEMBER, rolloutInPilot, TENANT } from './support';

/**
 * The daily digest with slots passed in: one per local date at the plan's time (09:00 by
 * default, the rollout's zone), DST days included, once however late or however many runs race;
 * its figures are those `status` shows; the daily snapshots give "since yesterday".
 */
const FIVE_MIN = 5 * 60_000;
type D = ReturnType<typeof makeDeps>;

const setUp = async (change: (rollout: Rollout) => Rollout = (r) => r) => {
  const deps = makeDeps();
  const rolloutId = await rolloutInPilot(deps);
  const stored = await deps.rollouts.get(TENANT, rolloutId);
  if (!stored) throw new Error('no rollout');
  await deps.rollouts.commit(TENANT, {
    rollout: change({ ...stored.value, timeZone: 'Europe/Berlin' }),
    ifMatch: stored.etag,
    audit: [],
    processed: null,
  });
  return { deps, rolloutId };
};

const digests = (deps: D): DigestFacts[] =>
  deps.enqueued
    .filter((n): n is ScheduledNotice => n.kind === 'scheduled' && n.topic === 'digest')
    .map((n) => JSON.parse(n.data) as DigestFacts);

/** Runs the job at every 5-minute slot from `from` (inclusive) to `to` (exclusive). */
const runEvery5 = async (deps: Deps, from: string, to: string) => {
  for (let t = Date.parse(from); t < Date.parse(to); t += FIVE_MIN) await runDailyDigest(deps, new Date(t));
};

const answer = (deps: Deps, rolloutId: string, n: number, rating: 1 | 2 | 3 | 4 | 5) =>
  submitFeedback(deps, {
    tenantId: TENANT,
    rolloutId,
    stageId: 'pilot',
    by: { id: `${MEMBER.id.slice(0, -2)}${String(n).padStart(2, '0')}`, name: `Person ${n}` },
    activityKey: `c|answer-${n}`,
    answer: {
      rating,
      installed: 'yes',
      category: 'none',
      severity: 'none',
      platform: 'windows',
      comment: '',
      shareName: false,
    },
  } as never);

describe('the daily digest', () => {
  it('goes once per local date at 09:00 in the rollout’s zone, not before', async () => {
    const { deps } = await setUp();
    // Thursday 2026-12-03: 09:00 in Berlin is 08:00 UTC.
    await runEvery5(deps, '2026-12-03T07:00:00Z', '2026-12-03T08:00:00Z');
    expect(digests(deps)).toHaveLength(0);
    await runEvery5(deps, '2026-12-03T08:00:00Z', '2026-12-04T08:00:00Z');
    expect(digests(deps).map((d) => [d.date, d.at])).toEqual([['2026-12-03', '2026-12-03T08:00:00.000Z']]);
    await runEvery5(deps, '2026-12-04T08:00:00Z', '2026-12-04T09:00:00Z');
    expect(digests(deps).map((d) => d.date)).toEqual(['2026-12-03', '2026-12-04']);
  });

  it.each([
    [
      'spring forward',
      '2026-03-29',
      '2026-03-28T22:00:00Z',
      '2026-03-29T22:00:00Z',
      '2026-03-29T07:00:00.000Z',
    ],
    ['fall back', '2026-10-25', '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', '2026-10-25T08:00:00.000Z'],
  ])(
    'sends one digest on the daylight-saving day (%s, Europe/Berlin %s)',
    async (_name, date, from, to, at) => {
      const { deps } = await setUp();
      await runEvery5(deps, from, to);
      expect(digests(deps).map((d) => [d.date, d.at])).toEqual([[date, at]]);
    },
  );

  it('at a time the spring gap skips (02:30), goes at the first minute that exists (03:00), once', async () => {
    const { deps } = await setUp((r) => ({ ...r, schedule: { quietHours: null, digestTime: '02:30' } }));
    await runEvery5(deps, '2026-03-28T23:00:00Z', '2026-03-29T03:00:00Z');
    expect(digests(deps).map((d) => d.at)).toEqual(['2026-03-29T01:00:00.000Z']);
  });

  it('at a time the autumn change repeats (02:30), goes once', async () => {
    const { deps } = await setUp((r) => ({ ...r, schedule: { quietHours: null, digestTime: '02:30' } }));
    await runEvery5(deps, '2026-10-24T22:00:00Z', '2026-10-25T04:00:00Z');
    expect(digests(deps)).toHaveLength(1);
  });

  it('two days late sends one digest, for the latest date; a digest later than 12 h waits for the next day', async () => {
    const { deps } = await setUp();
    await runDailyDigest(deps, new Date('2026-12-03T08:00:00Z'));
    await runDailyDigest(deps, new Date('2026-12-05T10:00:00Z'));
    expect(digests(deps).map((d) => d.date)).toEqual(['2026-12-03', '2026-12-05']);
    const late = await setUp();
    await runDailyDigest(late.deps, new Date(Date.parse('2026-12-05T08:00:00Z') + DIGEST_LATE_MS + FIVE_MIN));
    expect(digests(late.deps)).toHaveLength(0);
  });

  it('racing runs of the same slot (two instances) send it once', async () => {
    const { deps, rolloutId } = await setUp();
    const slot = new Date('2026-12-03T08:05:00Z');
    await Promise.all([runDailyDigest(deps, slot), runDailyDigest(deps, slot), runDailyDigest(deps, slot)]);
    expect(digests(deps)).toHaveLength(1);
    expect(
      (await deps.schedules.state(TENANT, rolloutId))?.value.done[digestKey('2026-12-03')],
    ).toBeDefined();
    expect(await deps.schedules.pendingNotices(10)).toHaveLength(1);
  });

  it('says what `status` says: the same criteria, met or not, and the same counts', async () => {
    const { deps, rolloutId } = await setUp();
    await answer(deps, rolloutId, 1, 5);
    await answer(deps, rolloutId, 2, 3);
    await runDailyDigest(deps, new Date('2026-12-03T08:00:00Z'));
    const [digest] = digests(deps);
    const status = await getStatus(deps, TENANT, rolloutId);
    expect(digest?.criteria).toEqual(status?.criteria);
    expect(digest?.gatePasses).toBe(status?.criteria.every((c) => c.met));
    expect(digest?.feedback.find((f) => f.stageId === 'pilot')?.responses).toBe(2);
  });

  it('stores one snapshot per stage per day, and gives feedback since the previous one', async () => {
    const { deps, rolloutId } = await setUp();
    await answer(deps, rolloutId, 1, 4);
    await runDailyDigest(deps, new Date('2026-12-03T08:00:00Z'));
    await runDailyDigest(deps, new Date('2026-12-03T08:05:00Z'));
    expect(digests(deps)[0]?.feedback.find((f) => f.stageId === 'pilot')?.since).toBeNull();
    await answer(deps, rolloutId, 2, 2);
    await answer(deps, rolloutId, 3, 5);
    await runDailyDigest(deps, new Date('2026-12-04T08:00:00Z'));
    const snapshots = await deps.schedules.snapshots(TENANT, rolloutId, 'pilot');
    expect(snapshots.map((s) => [s.date, s.tally.responses])).toEqual([
      ['2026-12-03', 1],
      ['2026-12-04', 3],
    ]);
    const second = digests(deps)[1]?.feedback.find((f) => f.stageId === 'pilot');
    expect(second).toMatchObject({ responses: 3, since: 2 });
  });

  it('still takes the snapshot without a digest; a paused rollout’s digest says it is paused', async () => {
    const off = await setUp((r) => ({ ...r, schedule: { quietHours: null, digestTime: null } }));
    await runDailyDigest(off.deps, new Date('2026-12-03T08:00:00Z'));
    expect(digests(off.deps)).toHaveLength(0);
    expect(await off.deps.schedules.snapshots(TENANT, off.rolloutId, 'pilot')).toHaveLength(1);

    const paused = await setUp((r) => ({ ...r, status: 'paused' }));
    await runDailyDigest(paused.deps, new Date('2026-12-03T08:00:00Z'));
    expect(digests(paused.deps).map((d) => d.paused)).toEqual([true]);
  });

  it('runs every 5 minutes as the daily-digest job', () => {
    expect(dailyDigestJob(makeDeps())).toMatchObject({ name: 'daily-digest', cron: '*/5 * * * *' });
  });
});
