import type { CommandHandler } from '../handler';
import { renderCard } from '../render-card';
import { withRollout } from '../replies';
import { checklistCardData } from '../views/checklist-view';

export const checklist: CommandHandler = {
  name: 'checklist',
  usage: 'checklist [rollout]',
  description: "Show the current phase's checklist; admins tick items on the card.",
  adminOnly: false,
  flags: {},
  async run(ctx, args) {
    const rolloutId = await withRollout(ctx, 'checklist', args);
    if (!rolloutId) return;
    const stored = await ctx.deps.rollouts.get(ctx.turn.tenantId, rolloutId);
    if (!stored) return void (await ctx.turn.send({ text: 'That rollout no longer exists.' }));
    await ctx.turn.send({ card: renderCard('checklist', checklistCardData(stored.value)) });
  },
};
