import type { ScheduledNotice } from '../../src/app/ports';
import { runTimeframeWatch } from '../../src/app/schedule/timeframe-watch';
import type { Rollout } from '../../src/domain/rollout';
import { SCHEDULER } from '../../src/domain/roles';
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

  it('runs every 15 minutes as the timeframe-watch job', () => {
    expect(timeframeWatchJob(makeDeps())).toMatchObject({ name: 'timeframe-watch', cron: '*/15 * * * *' });
  });
});
