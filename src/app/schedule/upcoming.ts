/**
 * What the bot will send next for a rollout, and when (`schedule [rollout]`): each job says what
 * it has coming, from the same rules it decides with.
 */
export interface Upcoming {
  /** When (ISO instant). */
  at: string;
  /** One line, e.g. "Reminder to 3 help-desk members who have not answered (Pilot sign-off)". */
  what: string;
}

/** Items shown at most (the soonest). */
export const MAX_UPCOMING = 12;

/** The soonest first, at most MAX_UPCOMING; what is already due shows as now (the next run sends it). */
export const soonest = (items: readonly Upcoming[], now: Date): Upcoming[] => {
  const from = now.toISOString();
  return items
    .map((item) => (item.at < from ? { ...item, at: from } : item))
    .sort((a, b) => a.at.localeCompare(b.at) || a.what.localeCompare(b.what))
    .slice(0, MAX_UPCOMING);
};
