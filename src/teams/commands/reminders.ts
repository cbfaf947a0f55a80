import { startReminders } from '../../app/announce/reminder-optout';
import type { CommandHandler } from '../handler';
import { withLoadedRollout } from '../replies';

/** `reminders on [rollout]`: undoes "Stop reminding me" for the person asking (idempotent). */
export const remindersOn: CommandHandler = {
  name: 'reminders on',
  usage: 'reminders on [rollout]',
  description:
    'Get feedback nudges and “Got it” reminders about the rollout again, after “Stop reminding me”.',
  adminOnly: false,
  flags: {},
  async run(ctx, args) {
    const rollout = await withLoadedRollout(ctx, 'reminders on', args);
    if (!rollout) return;
    await ctx.turn.send({ text: await startReminders(ctx.deps, rollout, ctx.turn.from) });
  },
};
