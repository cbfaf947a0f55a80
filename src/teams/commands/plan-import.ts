import type { CommandHandler } from '../handler';
import { renderCard } from '../render-card';
import { withAdminRollout } from '../replies';

export const planImport: CommandHandler = {
  name: 'plan import',
  usage: 'plan import [rollout]',
  description: 'Open a card to paste a plan file (YAML) into; it replaces the editable plan.',
  adminOnly: true,
  flags: {},
  async run(ctx, args) {
    const rollout = await withAdminRollout(ctx, 'plan import', args);
    if (!rollout) return;
    await ctx.turn.send({
      card: renderCard('plan-import', {
        rolloutId: rollout.id,
        revision: rollout.planRevision,
        name: rollout.name,
        yaml: '',
        errors: '',
        hasErrors: false,
      }),
    });
  },
};
