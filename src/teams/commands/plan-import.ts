import type { CommandHandler } from '../handler';
import { withAdminRollout } from '../replies';
import { planImportCard } from '../views/plan-file-view';

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
      card: planImportCard.render({
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
