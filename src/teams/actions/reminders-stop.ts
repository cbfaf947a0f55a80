import { z } from 'zod';
import { stopReminders } from '../../app/announce/reminder-optout';
import { defineAction } from '../handler';
import { loadRollout } from '../plan-cards';
import { NO_ROLLOUT } from '../replies';
import { feedbackNudgeCard, type FeedbackNudgeCardData } from '../views/reminder-view';

/**
 * `reminders.stop` ("Stop reminding me" on a feedback nudge): recorded for the person who clicked
 * (from the activity; the card only names the rollout), then the card says so and how to undo it.
 * Clicking again, or a redelivery, writes the same and answers the same.
 */
export const remindersStop = defineAction({
  verb: 'reminders.stop',
  retrySafe: 'Clicking again is safe: you are asked once.',
  schema: z.object({
    rolloutId: z.string().min(1).max(100),
  }),
  async run(ctx, data) {
    const rollout = await loadRollout(ctx, data.rolloutId);
    if (!rollout) return { message: NO_ROLLOUT };
    const message = await stopReminders(ctx.deps, rollout, ctx.turn.from);
    const card: FeedbackNudgeCardData = {
      title: `Reminders about ${rollout.name} are off`,
      rolloutName: rollout.name,
      stageLabel: '',
      line: '',
      stopped: true,
      stoppedLine: message,
      rolloutId: rollout.id,
      stageId: '',
    };
    return { card: feedbackNudgeCard.render(card) };
  },
});
