import { z } from 'zod';
import { defineAction } from '../handler';
import { feedbackFormFor } from '../feedback-cards';
import { loadRollout } from '../plan-cards';
import { NO_ROLLOUT } from '../replies';

/** `feedback.edit` (the thank-you card's Edit): the form again, filled with the standing answer. */
export const feedbackEdit = defineAction({
  verb: 'feedback.edit',
  schema: z.object({ rolloutId: z.string().min(1).max(100), stageId: z.string().min(1).max(140) }),
  async run(ctx, data) {
    const rollout = await loadRollout(ctx, data.rolloutId);
    if (!rollout) return { message: NO_ROLLOUT };
    const reply = await feedbackFormFor(ctx, rollout, { blank: false, stageId: data.stageId });
    return 'card' in reply ? { card: reply.card } : { message: reply.text };
  },
});
