/**
 * The scheduler's fields of the plan forms: on the settings form the rollout's quiet hours and
 * daily digest time, on the phase and wave forms the stage's feedback nudges, "Got it" reminder
 * and auto-advance. Here, the values a form opens with and the plan a submitted form asks for; the
 * plan file's schema then checks it (HH:mm, 0 to 5 nudges), the same rules as for imports.
 */
import { scheduleEntry, stageScheduleEntry } from '../domain/plan';
import {
  DEFAULT_DIGEST_TIME,
  DEFAULT_QUIET_HOURS,
  MAX_NUDGES,
  stageScheduleOf,
  type RolloutSchedule,
  type StageSchedule,
} from '../domain/schedule-plan';
import type { FieldErrors, Values } from './plan-form';
import { isToggleOn, toggle } from './plan-form-feedback-signoff';

/** The settings form's fields of the rollout's schedule. */
export type ScheduleField =
  'quietHoursEnabled' | 'quietStart' | 'quietEnd' | 'quietWeekends' | 'digestEnabled' | 'digestTime';

/** The phase and wave forms' fields of the stage's scheduler settings. */
export type StageScheduleField = 'nudges' | 'gotItReminder' | 'autoAdvance';

/**
 * The rollout's schedule as the settings form shows it (absent: the defaults). With quiet hours
 * or the digest off, their times open at the defaults, ready to be switched on again.
 */
export const scheduleValues = (schedule: RolloutSchedule): Values<ScheduleField> => ({
  quietHoursEnabled: toggle(schedule.quietHours !== null),
  quietStart: schedule.quietHours?.start ?? DEFAULT_QUIET_HOURS.start,
  quietEnd: schedule.quietHours?.end ?? DEFAULT_QUIET_HOURS.end,
  quietWeekends: toggle(schedule.quietHours?.weekends ?? DEFAULT_QUIET_HOURS.weekends),
  digestEnabled: toggle(schedule.digestTime !== null),
  digestTime: schedule.digestTime ?? DEFAULT_DIGEST_TIME,
});

/**
 * Input.Time may send seconds (`19:00:00`) on some clients: the time of day is its first five
 * characters then; anything else is passed on as typed, for the file's rule to refuse.
 */
const timeOf = (value: string | undefined): string => {
  const t = (value ?? '').trim();
  return /^\d\d:\d\d:\d\d$/.test(t) ? t.slice(0, 5) : t;
};

/**
 * The schedule a settings form asks for, as the plan holds it (`scheduleEntry`: no key for the
 * defaults). A form made before these fields (neither toggle sent) keeps the rollout's `current`
 * settings.
 */
export const scheduleFrom = (
  v: Partial<Values<ScheduleField>>,
  current: RolloutSchedule,
): { schedule?: RolloutSchedule } => {
  // A toggle always sends true or false: neither sent is a form made before these fields.
  if (!v.quietHoursEnabled && !v.digestEnabled) return scheduleEntry(current);
  return scheduleEntry({
    quietHours: isToggleOn(v.quietHoursEnabled ?? '')
      ? { start: timeOf(v.quietStart), end: timeOf(v.quietEnd), weekends: isToggleOn(v.quietWeekends ?? '') }
      : null,
    digestTime: isToggleOn(v.digestEnabled ?? '') ? timeOf(v.digestTime) : null,
  });
};

/** Maps a plan-file path under `schedule` to the settings form's field that shows its error. */
export const scheduleFieldForPath = (path: readonly string[]): ScheduleField => {
  if (path[1] === 'digestTime') return 'digestTime';
  if (path[2] === 'end') return 'quietEnd';
  if (path[2] === 'weekends') return 'quietWeekends';
  return 'quietStart';
};

/** A stage's scheduler settings as its form shows them (absent: the defaults). */
export const stageScheduleValues = (stage: Partial<StageSchedule>): Values<StageScheduleField> => {
  const { nudges, gotItReminder, autoAdvance } = stageScheduleOf(stage);
  return { nudges: String(nudges), gotItReminder: toggle(gotItReminder), autoAdvance: toggle(autoAdvance) };
};

/**
 * The settings a phase or wave form asks for, as the plan holds them (`stageScheduleEntry`: none
 * for the defaults). Nudges left empty (or a form made before the field) mean the default; a value
 * that is not a number is the form's own error, the range is the file's rule.
 */
export const stageScheduleFrom = (
  v: Partial<Values<StageScheduleField>>,
  errors: FieldErrors<StageScheduleField>,
): { nudges?: number; gotItReminder?: boolean; autoAdvance?: boolean } => {
  const typed = (v.nudges ?? '').trim();
  const nudges = typed === '' ? undefined : Number(typed);
  if (nudges !== undefined && !Number.isFinite(nudges)) {
    errors.nudges = `Must be a whole number from 0 to ${MAX_NUDGES}.`;
    return stageScheduleEntry({
      gotItReminder: isToggleOn(v.gotItReminder ?? ''),
      autoAdvance: isToggleOn(v.autoAdvance ?? ''),
    });
  }
  return stageScheduleEntry({
    nudges,
    gotItReminder: isToggleOn(v.gotItReminder ?? ''),
    autoAdvance: isToggleOn(v.autoAdvance ?? ''),
  });
};
