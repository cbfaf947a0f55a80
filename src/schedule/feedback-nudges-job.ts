import { runFeedbackNudges } from '../app/schedule/feedback-nudges';
import type { Deps } from '../app/ports';
import type { ScheduledJob } from './scheduler';

/** Every 15 minutes: the feedback nudges and "Got it" reminders due, outside each rollout's quiet hours. */
export const feedbackNudgesJob = (deps: Deps): ScheduledJob => ({
  name: 'feedback-nudges',
  cron: '*/15 * * * *',
  description:
    'every 15 minutes: feedback nudges to people of the current stage who have not answered (at most the stage’s nudges, two days apart) and the “Got it” reminder, outside quiet hours',
  run: (slot) => runFeedbackNudges(deps, slot),
});
