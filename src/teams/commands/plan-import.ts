import { isAdmin } from '../../domain/roles';
import type { CommandHandler } from '../handler';
import { renderCard } from '../render-card';
import { auditDenied } from '../../app/mutate';
import { forbiddenReply, withLoadedRollout } from '../replies';

export const planImport: CommandHandler = {
  name: 'plan import',
  usage: 'plan import [rollout]',
  description: 'Open a card to paste a plan file (YAML) into; it replaces the editable plan.',
  adminOnly: true,
  flags: {},
  async run(ctx, args) {
    const rollout = await withLoadedRollout(ctx, 'plan import', args);
    if (!rollout) return;
    if (!isAdmin(ctx.turn.from, ctx.deps.access, rollout)) {
      await auditDenied(ctx.deps, ctx.turn.tenantId, rollout.id, ctx.turn.from, 'plan import');
      return void (await ctx.turn.send(forbiddenReply('plan import')));
    }
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
