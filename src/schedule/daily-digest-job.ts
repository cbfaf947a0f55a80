import { runDailyDigest } from '../app/schedule/daily-digest';
import type { Deps } from '../app/ports';
import type { ScheduledJob } from './scheduler';

/** Every 5 minutes: a digest's time (HH:mm, any minute) is sent within 5 minutes of it. */
export const DAILY_DIGEST_CRON = '*/5 * * * *';

/**
 * The daily digest and the daily snapshot of each stage's feedback counts (`daily-digest.ts`):
 * each rollout's, once per local date, at its digest time in its zone.
 */
export const dailyDigestJob = (deps: Deps): ScheduledJob => ({
  name: 'daily-digest',
  cron: DAILY_DIGEST_CRON,
  description:
    "each rollout's daily digest to its coordination conversation at the plan's digest time (default 09:00, the rollout's zone), with the daily snapshot of each stage's feedback counts",
  run: (slot) => runDailyDigest(deps, slot),
});
