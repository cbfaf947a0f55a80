import { nudgesUpcoming } from './feedback-nudges';
import type { UpcomingSource } from './what-is-next';

/** Every job's "what is coming" for `schedule [rollout]`. */
export const UPCOMING_SOURCES: readonly UpcomingSource[] = [nudgesUpcoming];
