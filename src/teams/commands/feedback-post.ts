import type { CommandHandler } from '../handler';
import { feedbackFormFor } from '../feedback-cards';
import { withAdminRollout } from '../replies';

/**
 * `feedback post [rollout]` (admins): posts a blank feedback form here for everyone. Each person's
 * answer replaces the card for them alone (Universal Actions), so the others keep a blank form.
 */
export const feedbackPost: CommandHandler = {
  name: 'feedback post',
  usage: 'feedback post [rollout]',
  description: 'Post the feedback form for the current phase or wave in this conversation.',
  adminOnly: true,
  flags: {},
  async run(ctx, args) {
    const rollout = await withAdminRollout(ctx, 'feedback post', args);
    if (!rollout) return;
    await ctx.turn.send(await feedbackFormFor(ctx, rollout, { blank: true }));
  },
};
