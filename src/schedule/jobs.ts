import type { Deps, PurgeProgress } from '../app/ports';
import type { Config } from '../config';
import type { HousekeepingDeps, PurgeStep } from '../app/schedule/housekeeping';
import type { TableAnnouncementRepository } from '../storage/announcement-repository';
import type { TableReferenceRepository } from '../storage/reference-repository';
import type { TableRolloutRepository } from '../storage/rollout-repository';
import type { TableScheduleRepository } from '../storage/schedule-repository';
import type { TableTokenLedger } from '../storage/token-ledger';
import { dailyDigestJob } from './daily-digest-job';
import { feedbackNudgesJob } from './feedback-nudges-job';
import { timeframeWatchJob } from './timeframe-watch-job';
import { signoffRemindersJob } from './signoff-reminders-job';
import { housekeepingJob } from './housekeeping-job';
import type { ScheduledJob } from './scheduler';

/** What the jobs need, each its own part (the composition root builds them). */
export interface JobDeps {
  /** What the use cases need (as a turn's). */
  app: Deps;
  housekeeping: HousekeepingDeps;
}

/** Every scheduled job of the bot (the README's "Scheduling" table lists them). */
export const scheduledJobs = (deps: JobDeps): ScheduledJob[] => [
  signoffRemindersJob(deps.app, deps.app.settings.escalateHours),
  feedbackNudgesJob(deps.app),
  dailyDigestJob(deps.app),
  timeframeWatchJob(deps.app),
  housekeepingJob(deps.housekeeping),
];

/** Rows each retention step reads or deletes per run, at most. */
export const RETENTION_STEP = 500;
const DAY_MS = 86_400_000;

/**
 * The retention purges housekeeping runs, a bounded step each: announcements past
 * ANNOUNCEMENT_RETENTION_DAYS with their delivery rows, conversation references not seen for 180
 * days, processed-activity markers past MARKER_RETENTION_DAYS, used export tokens past expiry.
 */
export const retentionSteps = (
  config: Pick<Config, 'ANNOUNCEMENT_RETENTION_DAYS' | 'MARKER_RETENTION_DAYS'>,
  stores: {
    announcements: TableAnnouncementRepository;
    references: TableReferenceRepository;
    rollouts: TableRolloutRepository;
    ledger: TableTokenLedger;
    schedules: TableScheduleRepository;
  },
): PurgeStep[] => {
  const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
  return [
    {
      name: 'announcements',
      run: async (now) =>
        (
          await stores.announcements.purgeOlderThan(
            daysBefore(now, config.ANNOUNCEMENT_RETENTION_DAYS),
            RETENTION_STEP,
          )
        ).deleted,
    },
    {
      name: 'conversation references',
      run: async () => (await stores.references.purgeStaleReferences(RETENTION_STEP)).deleted,
    },
    resumable('processed-activity markers', (now, cursor) =>
      stores.rollouts.purgeMarkers(daysBefore(now, config.MARKER_RETENTION_DAYS), RETENTION_STEP, cursor),
    ),
    resumable('used export links', (now, cursor) => stores.ledger.purgeExpired(now, RETENTION_STEP, cursor)),
  ];
};

/**
 * A purge that goes on where its last run stopped (the cursor lives in this instance: after a
 * restart, or on another instance, the pass starts again, which only costs reads).
 */
const resumable = (
  name: string,
  purge: (now: Date, cursor: string | null) => Promise<PurgeProgress>,
): PurgeStep => {
  let cursor: string | null = null;
  return {
    name,
    run: async (now) => {
      const progress = await purge(now, cursor);
      cursor = progress.cursor;
      return progress.deleted;
    },
  };
};
