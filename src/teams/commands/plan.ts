import type { CommandHandler } from '../handler';
import { withLoadedRollout } from '../replies';
import { resolvedPlanCard } from '../plan-cards';

export const plan: CommandHandler = {
  name: 'plan',
  usage: 'plan [rollout]',
  description: 'Show the plan (phases, dates, waves, goals); admins edit each section from the card.',
  adminOnly: false,
  flags: {},
  async run(ctx, args) {
    const rollout = await withLoadedRollout(ctx, 'plan', args);
    if (!rollout) return;
    await ctx.turn.send(await resolvedPlanCard(ctx, rollout));
  },
};
