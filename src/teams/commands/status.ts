import { getStatus } from '../../app/queries';
import type { CommandHandler } from '../handler';
import { withRollout, NO_ROLLOUT } from '../replies';
import { statusCard, statusCardData } from '../views/status-view';

export const status: CommandHandler = {
  name: 'status',
  usage: 'status [rollout]',
  description: 'Show where a rollout stands: phase, exit criteria, latest activity.',
  adminOnly: false,
  flags: {},
  async run(ctx, args) {
    const rolloutId = await withRollout(ctx, 'status', args);
    if (!rolloutId) return;
    const view = await getStatus(ctx.deps, ctx.turn.tenantId, rolloutId);
    if (!view) return void (await ctx.turn.send({ text: NO_ROLLOUT }));
    await ctx.turn.send({ card: statusCard.render(statusCardData(view)) });
  },
};
