import type { ScheduledNotice } from '../../src/app/ports';
import { runTimeframeWatch } from '../../src/app/schedule/timeframe-watch';
import type { Rollout } from '../../src/domain/rollout';
import { SCHEDULER } from '../../src/domain/roles';
import { newWave } from '../../src/domain/templates';
import { timeframeWatchJob } from '../../src/schedule/timeframe-watch-job';
import { makeDeps, rolloutAfter, TENANT } from './support';

/**
 * The time-frame watch with slots passed in: a stage past its end is said ready or overdue once,
 * auto-advance happens once and only where the plan enables it and the gate passes, recorded as
 * by the scheduler; paused rollouts are left alone.
 */
const SLOT = new Date('2026-12-03T10:00:00.000Z'); // a Thursday morning in UTC
const LATER = new Date('2026-12-03T10:15:00.000Z');

/** A rollout in project scope whose time frame ended on 1 December, changed by `change`. */
const setUp = async (change: (rollout: Rollout) => Rollout) => {
  const deps = makeDeps();
  const rolloutId = await rolloutAfter(deps, 0);
  const stored = await deps.rollouts.get(TENANT, rolloutId);
  if (!stored) throw new Error('no rollout');
  const phases = stored.value.phases.map((p) =>
    p.key === 'scope' ? { ...p, timeFrame: { start: '2026-11-01', end: '2026-12-01' } } : p,
  );
  await deps.rollouts.commit(TENANT, {
    rollout: change({ ...stored.value, phases }),
    ifMatch: stored.etag,
    audit: [],
    processed: null,
  });
  return { deps, rolloutId };
};

const ticked = (rollout: Rollout): Rollout => ({
  ...rollout,
  phases: rollout.phases.map((p) =>
    p.key === 'scope' ? { ...p, checklist: p.checklist.map((item) => ({ ...item, done: true })) } : p,
  ),
});
const autoAdvancing = (rollout: Rollout): Rollout => ({
  ...rollout,
  phases: rollout.phases.map((p) => (p.key === 'scope' ? { ...p, autoAdvance: true } : p)),
});

const topics = (deps: ReturnType<typeof makeDeps>): string[] =>
  deps.enqueued.filter((n): n is ScheduledNotice => n.kind === 'scheduled').map((n) => n.topic);

describe('the time-frame watch', () => {
  it('says a stage past its end with criteria unmet is overdue, with what is missing, once', async () => {
    const { deps } = await setUp((r) => r);
    await Promise.all([runTimeframeWatch(deps, SLOT), runTimeframeWatch(deps, SLOT)]);
    await runTimeframeWatch(deps, LATER);
    expect(topics(deps)).toEqual(['stage-overdue']);
    const notice = deps.enqueued[0] as ScheduledNotice;
    expect(JSON.parse(notice.data).text).toMatch(/checklist/i);
  });

  it('says a stage past its end with every criterion met is ready to advance, once, and does not advance it', async () => {
    const { deps, rolloutId } = await setUp(ticked);
    await runTimeframeWatch(deps, SLOT);
    await runTimeframeWatch(deps, LATER);
    expect(topics(deps)).toEqual(['stage-ready']);
    expect((await deps.rollouts.get(TENANT, rolloutId))?.value.position.phase).toBe('scope');
  });

  it('auto-advances once where the plan enables it and the gate passes, as the scheduler', async () => {
    const { deps, rolloutId } = await setUp((r) => autoAdvancing(ticked(r)));
    await Promise.all([
      runTimeframeWatch(deps, SLOT),
      runTimeframeWatch(deps, SLOT),
      runTimeframeWatch(deps, LATER),
    ]);
    await runTimeframeWatch(deps, new Date('2026-12-03T10:30:00.000Z'));
    const rollout = (await deps.rollouts.get(TENANT, rolloutId))?.value;
    expect(rollout?.position.phase).toBe('poc');
    expect(rollout?.history).toHaveLength(1);
    expect(rollout?.history[0]).toMatchObject({
      by: { id: SCHEDULER.id, name: SCHEDULER.name },
      forced: false,
    });
    expect(topics(deps).filter((t) => t === 'auto-advanced')).toHaveLength(1);
    expect(topics(deps)).not.toContain('stage-ready');
  });

  it('never forces: with the gate unmet an auto-advancing stage stays, said overdue', async () => {
    const { deps, rolloutId } = await setUp(autoAdvancing);
    await runTimeframeWatch(deps, SLOT);
    expect((await deps.rollouts.get(TENANT, rolloutId))?.value.position.phase).toBe('scope');
    expect(topics(deps)).toEqual(['stage-overdue']);
  });

  it('leaves a paused rollout alone: no notice, no advance', async () => {
    const { deps, rolloutId } = await setUp((r) => ({ ...autoAdvancing(ticked(r)), status: 'paused' }));
    await runTimeframeWatch(deps, SLOT);
    expect(topics(deps)).toEqual([]);
    expect((await deps.rollouts.get(TENANT, rolloutId))?.value.position.phase).toBe('scope');
  });

  it('waits for the end of quiet hours: a stage that ended on Saturday is said on Monday morning', async () => {
    const { deps } = await setUp((r) => ({
      ...r,
      phases: r.phases.map((p) =>
        p.key === 'scope' ? { ...p, timeFrame: { start: null, end: '2026-12-05T10:00' } } : p,
      ),
    }));
    await runTimeframeWatch(deps, new Date('2026-12-05T12:00:00.000Z')); // Saturday noon: quiet (weekend)
    expect(topics(deps)).toEqual([]);
    await runTimeframeWatch(deps, new Date('2026-12-07T07:45:00.000Z')); // Monday 07:45: still quiet
    expect(topics(deps)).toEqual([]);
    await runTimeframeWatch(deps, new Date('2026-12-07T08:00:00.000Z')); // Monday 08:00
    expect(topics(deps)).toEqual(['stage-overdue']);
  });

  /** The rollout with no end to project scope, and an enterprise rollout of one wave starting `start`. */
  const waveStarting =
    (start: string) =>
    (rollout: Rollout): Rollout => ({
      ...rollout,
      phases: rollout.phases.map((p) => {
        if (p.key === 'scope') return { ...p, timeFrame: { start: null, end: null } };
        if (p.key !== 'enterprise') return p;
        const wave = newWave({ id: 'w1', name: 'Wave 1', kind: 'department' });
        const checklist = [
          { id: 'comms', text: 'Tell the wave’s managers', done: true, by: null, at: null },
          { id: 'kb', text: 'Publish the help article', done: false, by: null, at: null },
        ];
        return { ...p, waves: [{ ...wave, timeFrame: { start, end: null }, checklist }] };
      }),
    });
  const waveNotices = (deps: ReturnType<typeof makeDeps>) =>
    deps.enqueued
      .filter((n): n is ScheduledNotice => n.kind === 'scheduled' && n.topic === 'wave-tomorrow')
      .map((n) => JSON.parse(n.data) as { title: string; text: string });

  it('reminds of a wave starting tomorrow at the digest time, with its checklist, once', async () => {
    const { deps } = await setUp(waveStarting('2026-12-04'));
    await runTimeframeWatch(deps, new Date('2026-12-03T08:45:00.000Z')); // before the digest time
    expect(waveNotices(deps)).toEqual([]);
    const at = new Date('2026-12-03T09:00:00.000Z');
    await Promise.all([runTimeframeWatch(deps, at), runTimeframeWatch(deps, at)]);
    await runTimeframeWatch(deps, new Date('2026-12-03T09:15:00.000Z'));
    const notices = waveNotices(deps);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.title).toMatch(/starts tomorrow$/);
    expect(notices[0]?.text).toContain('☑ Tell the wave’s managers; ☐ Publish the help article');
    expect(topics(deps)).toEqual(['wave-tomorrow']);
  });

  it('reminds of a Monday wave before the quiet weekend (“soon”), and never once the wave has started', async () => {
    const { deps } = await setUp(waveStarting('2026-12-07'));
    await runTimeframeWatch(deps, new Date('2026-12-04T17:45:00.000Z'));
    expect(waveNotices(deps)).toEqual([]);
    await runTimeframeWatch(deps, new Date('2026-12-04T18:00:00.000Z')); // an hour before Friday's quiet hours
    expect(waveNotices(deps).map((n) => n.title)).toEqual([expect.stringMatching(/starts soon$/)]);

    const late = await setUp(waveStarting('2026-12-03'));
    await runTimeframeWatch(late.deps, SLOT); // the wave started at midnight: too late to remind
    expect(waveNotices(late.deps)).toEqual([]);
  });

  it('runs every 15 minutes as the timeframe-watch job', () => {
    expect(timeframeWatchJob(makeDeps())).toMatchObject({ name: 'timeframe-watch', cron: '*/15 * * * *' });
  });
});
