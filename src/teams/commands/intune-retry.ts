import { retryAssignment } from '../../app/intune-retry';
import type { CommandHandler } from '../handler';
import { withRollout } from '../replies';

export const intuneRetry: CommandHandler = {
  name: 'intune retry',
  usage: 'intune retry [rollout]',
  description: "Run the rollout's failed (or still pending) Intune assignment again.",
  adminOnly: true,
  flags: {},
  async run(ctx, args) {
    const rolloutId = await withRollout(ctx, 'intune retry', args);
    if (!rolloutId) return;
    const { turn, deps } = ctx;
    const outcome = await retryAssignment(deps, {
      tenantId: turn.tenantId,
      rolloutId,
      by: turn.from,
      activityKey: turn.activityKey,
    });
    if (outcome.kind === 'queued') {
      const { job } = outcome;
      turn.defer(() => deps.assignments?.enqueue(job));
    }
    await turn.send({ text: outcome.message });
  },
};
