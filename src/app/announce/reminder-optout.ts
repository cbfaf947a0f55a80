/**
 * "Stop reminding me" on a feedback nudge, and `reminders on [rollout]` that undoes it: one row per
 * person and rollout (`ScheduleRepository.setOptOut`), written for the person of the activity
 * (never one the card names). Both are idempotent: a redelivered click or command writes the same
 * row state and answers the same. Feedback nudges and "Got it" reminders honour it; sign-off
 * reminders, the help desk's duty, do not.
 */
import type { Rollout } from '../../domain/rollout';
import type { Person } from '../../domain/roles';
import type { Deps } from '../ports';

/** What the person is told after "Stop reminding me" (the card is replaced with it). */
export const stoppedMessage = (rollout: Pick<Rollout, 'name'>): string =>
  `You won't get more reminders about ${rollout.name}. Type \`reminders on ${quoted(rollout.name)}\` to undo.`;

/** What the person is told after `reminders on`. */
export const remindersOnMessage = (rollout: Pick<Rollout, 'name'>): string =>
  `Reminders about ${rollout.name} are on again: you may get a feedback nudge while its current stage asks for feedback.`;

const quoted = (name: string): string => (/\s/.test(name) ? `"${name}"` : name);

/** "Stop reminding me": `by` gets no more feedback nudges or "Got it" reminders about the rollout. */
export const stopReminders = async (
  deps: Pick<Deps, 'schedules'>,
  rollout: Rollout,
  by: Person,
): Promise<string> => {
  await deps.schedules.setOptOut(rollout.tenantId, rollout.id, by.id.toLowerCase(), true);
  return stoppedMessage(rollout);
};

/** `reminders on`: `by`'s "Stop reminding me" about the rollout undone. */
export const startReminders = async (
  deps: Pick<Deps, 'schedules'>,
  rollout: Rollout,
  by: Person,
): Promise<string> => {
  await deps.schedules.setOptOut(rollout.tenantId, rollout.id, by.id.toLowerCase(), false);
  return remindersOnMessage(rollout);
};
