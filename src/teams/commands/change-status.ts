import { closeRollout, pauseRollout, resumeRollout } from '../../app/change-status';
import type { MutationRequest, Outcome } from '../../app/mutate';
import type { Deps } from '../../app/ports';
import type { CommandArgs } from '../command-parser';
import type { CommandHandler } from '../handler';
import { outcomeReply, requestFor, withRollout } from '../replies';

const statusCommand = (
  name: string,
  usage: string,
  description: string,
  flags: CommandHandler['flags'],
  change: (deps: Deps, request: MutationRequest, args: CommandArgs) => Promise<Outcome>,
): CommandHandler => ({
  name,
  usage,
  description,
  adminOnly: true,
  flags,
  async run(ctx, args) {
    const rolloutId = await withRollout(ctx, name, args);
    if (!rolloutId) return;
    const request = requestFor(ctx.turn, rolloutId, name);
    const outcome = await change(ctx.deps, request, args);
    // A completed rollout's audience snapshots are no longer read: deleted in the background.
    if (outcome.kind === 'done' && outcome.rollout.status === 'completed') {
      const { tenantId } = ctx.turn;
      ctx.turn.defer(() => ctx.deps.audienceRefresh.purge(tenantId, rolloutId));
    }
    await ctx.turn.send(outcomeReply(outcome));
  },
});

export const pause = statusCommand(
  'pause',
  'pause [rollout] [--reason "why"]',
  'Pause a rollout: advancing and ticking wait until it resumes.',
  { reason: 'value' },
  (deps, request, args) =>
    pauseRollout(deps, {
      ...request,
      reason: typeof args.flags.reason === 'string' ? args.flags.reason : null,
    }),
);

export const resume = statusCommand(
  'resume',
  'resume [rollout]',
  'Resume a paused rollout.',
  {},
  (deps, request) => resumeRollout(deps, request),
);

export const rolloutClose = statusCommand(
  'rollout close',
  'rollout close [rollout]',
  'Complete a rollout that is in operations and maintenance.',
  {},
  (deps, request) => closeRollout(deps, request),
);
