import type { JobRun } from '../../src/app/schedule/each-rollout';
import type { EntityTable } from '../../src/storage/entity-table';
import { TableScheduleRepository } from '../../src/storage/schedule-repository';
import { Scheduler, type ScheduledJob } from '../../src/schedule/scheduler';
import { TestClock } from '../support/harness';

export const QUIET_LOG = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A job that records the slots it ran (by instance) and can be told to fail. */
export const recordingJob = (
  name: string,
  cron: string,
  runs: { instance: number; slot: string }[],
  instance: number,
  outcome: () => JobRun | Promise<JobRun> = () => ({ rollouts: 0, failed: [] }),
): ScheduledJob => ({
  name,
  cron,
  description: `test job ${name}`,
  run: async (slot) => {
    runs.push({ instance, slot: slot.toISOString() });
    return outcome();
  },
});

/** `count` schedulers (instances) sharing one table, each with its own repository and clock. */
export const instances = (
  count: number,
  table: (n: number) => EntityTable,
  jobs: (n: number) => ScheduledJob[],
  clock = new TestClock(new Date('2026-12-03T09:00:00.000Z')),
): { schedulers: Scheduler[]; clock: TestClock } => ({
  clock,
  schedulers: Array.from(
    { length: count },
    (_, n) =>
      new Scheduler({ jobs: jobs(n), store: new TableScheduleRepository(table(n)), clock, log: QUIET_LOG }),
  ),
});
