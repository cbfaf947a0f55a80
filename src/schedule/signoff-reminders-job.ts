import type { Deps } from '../app/ports';
import { reminderStarter, runSignoffReminders } from '../app/schedule/signoff-reminders';
import { DEFAULT_ESCALATE_HOURS } from '../domain/signoff-schedule';
import type { ScheduledJob } from './scheduler';

/**
 * Every 5 minutes: for each active and paused rollout's current readiness request, the reminders
 * due to members who have not answered (not for paused rollouts), the escalations before the
 * deadline (not for paused rollouts), and closing at the deadline. `escalateHours` is
 * SIGNOFF_ESCALATE_HOURS (default 24 and 2 hours before the deadline).
 */
export const signoffRemindersJob = (
  deps: Deps,
  escalateHours: readonly number[] = DEFAULT_ESCALATE_HOURS,
): ScheduledJob => {
  const reminders = { ...deps, escalateHours, startReminder: reminderStarter(deps) };
  return {
    name: 'signoff-reminders',
    cron: '*/5 * * * *',
    description:
      'every 5 minutes: reminds help-desk members who have not answered a readiness request, tells the coordination conversation before the deadline, and closes the request at its deadline',
    run: (slot) => runSignoffReminders(reminders, slot),
  };
};
