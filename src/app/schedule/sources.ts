import { DEFAULT_ESCALATE_HOURS } from '../../domain/signoff-schedule';
import { upcomingDigest } from './daily-digest';
import { nudgesUpcoming } from './feedback-nudges';
import { upcomingWatch } from './timeframe-watch';
import { signoffUpcomingSource } from './signoff-reminders';
import type { UpcomingSource } from './what-is-next';

/** The sign-off steps coming, with the escalation hours configured. */
const signoffUpcoming: UpcomingSource = (deps, ...rest) =>
  signoffUpcomingSource(deps.settings.escalateHours ?? DEFAULT_ESCALATE_HOURS)(deps, ...rest);

/** Every job's "what is coming" for `schedule [rollout]`. */
export const UPCOMING_SOURCES: readonly UpcomingSource[] = [
  signoffUpcoming,
  nudgesUpcoming,
  async (_deps, rollout, state, now) => upcomingDigest(rollout, state, now),
  async (deps, rollout, state, now) =>
    upcomingWatch(rollout, state, now, { graph: deps.facts.directory !== null }),
];
