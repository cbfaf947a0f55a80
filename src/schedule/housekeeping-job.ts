import { runHousekeeping, type HousekeepingDeps } from '../app/schedule/housekeeping';
import type { ScheduledJob } from './scheduler';

/** Every 10 minutes: the outbox sweep, then the retention purges (bounded per run). */
export const housekeepingJob = (deps: HousekeepingDeps): ScheduledJob => ({
  name: 'housekeeping',
  cron: '*/10 * * * *',
  description:
    'every 10 minutes: sends again what the outboxes still hold, then purges what is past its retention (bounded per run)',
  run: (slot) => runHousekeeping(deps, slot),
});
