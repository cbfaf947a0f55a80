import type { CommandHandler } from '../handler';
import { withLoadedRollout } from '../replies';
import { checklistCard, checklistCardData } from '../views/checklist-view';

export const checklist: CommandHandler = {
  name: 'checklist',
  usage: 'checklist [rollout]',
  description: "Show the current phase's checklist and goals; admins tick items and mark goals on the card.",
  adminOnly: false,
  flags: {},
  async run(ctx, args) {
    const rollout = await withLoadedRollout(ctx, 'checklist', args);
    if (rollout) await ctx.turn.send({ card: checklistCard.render(checklistCardData(rollout)) });
  },
};
