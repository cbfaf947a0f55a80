import { z } from 'zod';
import { defineAction } from '../handler';
import { quoteArg } from '../replies';
import { noticeCard } from '../views/notice-view';

/**
 * Re-runs a command from a card button (the choice card, the status card's buttons): the command
 * and its kept arguments travel in the card data, the rollout is the one chosen. Identity and
 * authorization are the clicking person's, exactly as if they had typed it. A command that
 * answers with one card replaces the clicked card with it; text answers go to the conversation,
 * where everyone sees them, and the clicked card says what was done.
 */
export const commandRun = defineAction({
  verb: 'command.run',
  schema: z.object({
    command: z.string().min(1).max(40),
    rolloutId: z.string().min(1).max(100),
    args: z.string().max(1000).default(''),
  }),
  async run(ctx, data) {
    const text = [data.command, quoteArg(data.rolloutId), data.args].filter(Boolean).join(' ');
    const replies = await ctx.runCommand(text);
    if (!replies) return { message: `Unknown command “${data.command}”.` };
    const [only] = replies;
    if (replies.length === 1 && only && 'card' in only && !only.text) return { card: only.card };
    for (const reply of replies) await ctx.turn.send(reply);
    const said = replies
      .map((r) => r.text ?? '')
      .filter(Boolean)
      .join('\n\n');
    return { card: noticeCard.render({ title: text, text: said || 'Done.' }) };
  },
});
