import { runTimeframeWatch } from '../app/schedule/timeframe-watch';
import type { Deps } from '../app/ports';
import type { ScheduledJob } from './scheduler';

/** Every 15 minutes. */
export const TIMEFRAME_WATCH_CRON = '*/15 * * * *';

/**
 * The time-frame watch (`timeframe-watch.ts`): stages whose end has passed (ready to advance,
 * overdue, or auto-advance where the plan enables it), waves starting tomorrow, and the daily
 * audience refresh where Graph is configured.
 */
export const timeframeWatchJob = (deps: Deps): ScheduledJob => ({
  name: 'timeframe-watch',
  cron: TIMEFRAME_WATCH_CRON,
  description:
    'stages past their end (ready to advance, overdue, auto-advance where the plan enables it), reminders of waves starting tomorrow, and the daily audience refresh where Graph is configured',
  run: (slot) => runTimeframeWatch(deps, slot),
});
