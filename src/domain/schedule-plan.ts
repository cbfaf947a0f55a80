import type { Rollout, Stage } from './rollout';

/**
 * What a rollout's plan says about the scheduler: when it may nudge people (quiet hours), when
 * the daily digest goes out, and per stage how many feedback nudges, whether a "Got it" reminder
 * follows the announcement, and whether the stage advances by itself once its gate passes.
 */

/** Local times (HH:mm, the rollout's zone) between which no nudge goes out; `weekends`: Saturday and Sunday too. */
export interface QuietHours {
  /** Start of the quiet period, e.g. 19:00. */
  start: string;
  /** End of the quiet period, e.g. 08:00 (before `start`: the period spans midnight). */
  end: string;
  weekends: boolean;
}

export interface RolloutSchedule {
  /** Null: no quiet hours (nudges go out whenever they are due). */
  quietHours: QuietHours | null;
  /** Local time (HH:mm) of the daily digest; null: no digest. */
  digestTime: string | null;
}

export const DEFAULT_QUIET_HOURS: QuietHours = { start: '19:00', end: '08:00', weekends: true };
export const DEFAULT_DIGEST_TIME = '09:00';
/** Feedback nudges per stage when the plan names none, and the most a plan may ask for. */
export const DEFAULT_NUDGES = 2;
export const MAX_NUDGES = 5;
/** Two nudges of one stage are at least this far apart. */
export const NUDGE_SPACING_MS = 2 * 86_400_000;

export const defaultRolloutSchedule = (): RolloutSchedule => ({
  quietHours: { ...DEFAULT_QUIET_HOURS },
  digestTime: DEFAULT_DIGEST_TIME,
});

/** The rollout's schedule settings; a rollout stored before the scheduler has the defaults. */
export const rolloutScheduleOf = (rollout: Pick<Rollout, 'schedule'>): RolloutSchedule =>
  rollout.schedule ?? defaultRolloutSchedule();

/** What the scheduler does per stage, with the defaults filled in. */
export interface StageSchedule {
  /** Feedback nudges at most (0: none). */
  nudges: number;
  /** One reminder to those who have not clicked "Got it" on the stage's announcement. */
  gotItReminder: boolean;
  /** The stage advances by itself once its end has passed and its gate passes. */
  autoAdvance: boolean;
}

export const stageScheduleOf = (
  stage: Pick<Stage, 'nudges' | 'gotItReminder' | 'autoAdvance'>,
): StageSchedule => ({
  nudges: stage.nudges ?? DEFAULT_NUDGES,
  gotItReminder: stage.gotItReminder ?? false,
  autoAdvance: stage.autoAdvance ?? false,
});

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
/** `HH:mm`, 00:00–23:59. */
export const isLocalTime = (value: string): boolean => HH_MM.test(value);
