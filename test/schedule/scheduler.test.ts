import type { JobRun } from '../../src/app/schedule/each-rollout';
import type { EntityTable } from '../../src/storage/entity-table';
import { MemoryTable } from '../../src/storage/memory-table';
import { TableScheduleRepository } from '../../src/storage/schedule-repository';
import { FAILING_AFTER, previousSlot, Scheduler } from '../../src/schedule/scheduler';
import { TestClock } from '../support/harness';
import { rejection } from '../support/rejection';
import { instances, QUIET_LOG, recordingJob } from './scheduler-support';

const EVERY_5 = '*/5 * * * *';
const at = (iso: string): Date => new Date(iso);

describe('previousSlot', () => {
  it('is the most recent slot at or before now, to the minute, in UTC', () => {
    expect(previousSlot(EVERY_5, at('2026-12-03T09:07:59.999Z'))?.toISOString()).toBe(
      '2026-12-03T09:05:00.000Z',
    );
    expect(previousSlot(EVERY_5, at('2026-12-03T09:05:00.000Z'))?.toISOString()).toBe(
      '2026-12-03T09:05:00.000Z',
    );
    expect(previousSlot('30 2 * * *', at('2026-12-03T02:29:00Z'))?.toISOString()).toBe(
      '2026-12-02T02:30:00.000Z',
    );
    expect(previousSlot('0 0 1 1 *', at('2026-12-03T00:00:00Z'))).toBeNull();
  });
});

describe('Scheduler: one run per slot across instances', () => {
  it('runs each slot on exactly one of three instances, however they race', async () => {
    const table = new MemoryTable();
    const runs: { instance: number; slot: string }[] = [];
    const { schedulers } = instances(
      3,
      () => table,
      (n) => [recordingJob('tick', EVERY_5, runs, n)],
    );
    const slots = ['2026-12-03T09:00:00Z', '2026-12-03T09:05:00Z', '2026-12-03T09:10:00Z'].map(at);
    for (const slot of slots) {
      const ran = await Promise.all(schedulers.map((s) => s.runSlot('tick', slot)));
      expect(ran.filter(Boolean)).toHaveLength(1);
    }
    expect(runs.map((r) => r.slot)).toEqual(slots.map((s) => s.toISOString()));
  });

  it('never runs a slot older than the last one claimed (a late instance)', async () => {
    const runs: { instance: number; slot: string }[] = [];
    const table = new MemoryTable();
    const { schedulers } = instances(
      2,
      () => table,
      (n) => [recordingJob('tick', EVERY_5, runs, n)],
    );
    const [first, late] = schedulers as [Scheduler, Scheduler];
    expect(await first.runSlot('tick', at('2026-12-03T09:10:00Z'))).toBe(true);
    expect(await late.runSlot('tick', at('2026-12-03T09:05:00Z'))).toBe(false);
    expect(await late.runSlot('tick', at('2026-12-03T09:10:00Z'))).toBe(false);
    expect(runs).toHaveLength(1);
  });

  it('skips the slot when the job row cannot be read (fail-closed), and runs the next', async () => {
    const runs: { instance: number; slot: string }[] = [];
    const table = new MemoryTable();
    let down = true;
    const flaky: EntityTable = new Proxy(table, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'get' && typeof value === 'function') {
          return (...args: unknown[]) =>
            down
              ? Promise.reject(new Error('storage unavailable'))
              : (value as (...a: unknown[]) => unknown).apply(target, args);
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const { schedulers } = instances(
      1,
      () => flaky,
      (n) => [recordingJob('tick', EVERY_5, runs, n)],
    );
    const [scheduler] = schedulers as [Scheduler];
    expect(String(await rejection(scheduler.runSlot('tick', at('2026-12-03T09:00:00Z'))))).toContain(
      'storage unavailable',
    );
    down = false;
    expect(await scheduler.runSlot('tick', at('2026-12-03T09:05:00Z'))).toBe(true);
    expect(runs.map((r) => r.slot)).toEqual(['2026-12-03T09:05:00.000Z']);
  });
});

describe('Scheduler: catch-up at start-up', () => {
  it('after two days down, runs the most recent due slot once, never once per missed slot', async () => {
    const table = new MemoryTable();
    const runs: { instance: number; slot: string }[] = [];
    const clock = new TestClock(at('2026-12-01T09:00:00Z'));
    const make = () =>
      new Scheduler({
        jobs: [recordingJob('tick', EVERY_5, runs, 0), recordingJob('daily', '0 3 * * *', runs, 0)],
        store: new TableScheduleRepository(table),
        clock,
        log: QUIET_LOG,
      });
    await make().runSlot('tick', at('2026-12-01T09:00:00Z'));
    await make().runSlot('daily', at('2026-12-01T03:00:00Z'));
    runs.length = 0;
    clock.advance(2 * 86_400_000 + 7 * 60_000); // 2026-12-03T09:07
    const restarted = make();
    await restarted.catchUp();
    expect(runs.map((r) => r.slot).sort()).toEqual(['2026-12-03T03:00:00.000Z', '2026-12-03T09:05:00.000Z']);
    await restarted.catchUp();
    await make().catchUp();
    expect(runs).toHaveLength(2);
  });

  it('runs nothing when every job ran its most recent slot', async () => {
    const table = new MemoryTable();
    const runs: { instance: number; slot: string }[] = [];
    const clock = new TestClock(at('2026-12-03T09:06:00Z'));
    const scheduler = new Scheduler({
      jobs: [recordingJob('tick', EVERY_5, runs, 0)],
      store: new TableScheduleRepository(table),
      clock,
      log: QUIET_LOG,
    });
    await scheduler.runSlot('tick', at('2026-12-03T09:05:00Z'));
    await scheduler.catchUp();
    expect(runs).toHaveLength(1);
  });
});

describe('Scheduler: job status and failures', () => {
  it('records each run, tells once per failing streak after FAILING_AFTER runs, and resets on success', async () => {
    const table = new MemoryTable();
    const runs: { instance: number; slot: string }[] = [];
    let outcome: JobRun | Error = new Error('Table Storage answered 503');
    const told: string[] = [];
    const clock = new TestClock(at('2026-12-03T09:00:00Z'));
    const scheduler = new Scheduler({
      jobs: [
        recordingJob('tick', EVERY_5, runs, 0, () => {
          if (outcome instanceof Error) throw outcome;
          return outcome;
        }),
      ],
      store: new TableScheduleRepository(table),
      clock,
      log: QUIET_LOG,
      onFailing: async (job, failed, error) =>
        void told.push(`${job.name}: ${error ?? ''} (${failed.length})`),
    });
    const slot = (n: number) => new Date(Date.UTC(2026, 11, 3, 9, 5 * n));
    for (let n = 0; n < FAILING_AFTER + 2; n++) await scheduler.runSlot('tick', slot(n));
    expect(told).toEqual(['tick: Table Storage answered 503 (0)']);
    let [status] = await scheduler.status();
    expect(status).toMatchObject({
      name: 'tick',
      failures: FAILING_AFTER + 2,
      lastError: 'Table Storage answered 503',
      lastSlot: slot(FAILING_AFTER + 1).toISOString(),
    });

    outcome = { rollouts: 2, failed: [] };
    await scheduler.runSlot('tick', slot(10));
    [status] = await scheduler.status();
    expect(status).toMatchObject({ failures: 0, lastError: null });

    // A new streak, with one rollout failing: told again, once, with that rollout.
    outcome = { rollouts: 2, failed: [{ tenantId: 't', rolloutId: 'r', error: 'boom' }] };
    for (let n = 11; n < 11 + FAILING_AFTER + 1; n++) await scheduler.runSlot('tick', slot(n));
    expect(told).toEqual(['tick: Table Storage answered 503 (0)', 'tick: 1 rollout(s) failed: boom (1)']);
  });

  it('refuses a job whose expression is not a cron expression', () => {
    expect(
      () =>
        new Scheduler({
          jobs: [recordingJob('bad', 'every day', [], 0)],
          store: new TableScheduleRepository(new MemoryTable()),
          clock: new TestClock(),
          log: QUIET_LOG,
        }),
    ).toThrow('not a cron expression');
  });
});
