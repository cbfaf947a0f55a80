import { previewEntry } from '../../app/announce/announce-entry';
import { advancePhase as advance } from '../../app/advance-phase';
import { closeEnteredSignoff } from '../../app/signoff-changes';
import { currentStageId } from '../../domain/feedback-goals';
import type { CommandHandler } from '../handler';
import { scheduleStageRefresh } from './audience';
import { outcomeReply, requestFor, withRollout } from '../replies';

export const advancePhase: CommandHandler = {
  name: 'advance phase',
  usage: 'advance phase [rollout] [--force "reason"]',
  description: 'Move to the next phase (or wave) when every exit criterion is met; --force records why not.',
  adminOnly: true,
  flags: { force: 'value' },
  async run(ctx, args) {
    const rolloutId = await withRollout(ctx, 'advance phase', args);
    if (!rolloutId) return;
    const force = typeof args.flags.force === 'string' ? { reason: args.flags.force } : null;
    const outcome = await advance(ctx.deps, {
      ...requestFor(ctx.turn, rolloutId, 'advance phase'),
      force,
      sentAt: ctx.turn.sentAt,
    });
    if (outcome.kind === 'done') {
      const { rollout } = outcome;
      const by = ctx.turn.from;
      // The readiness request for the stage just entered is decided: its card closes.
      ctx.turn.defer(() => closeEnteredSignoff(ctx.deps, rollout, by));
      // The stage entered gets a fresh snapshot of its audience (after the reply).
      scheduleStageRefresh(ctx, rollout, currentStageId(rollout));
      // The stage entered's Intune assignment, committed with the advance, runs after the reply.
      const { assignment } = outcome;
      if (assignment) ctx.turn.defer(() => ctx.deps.assignments?.enqueue(assignment));
      // The stage entered's announcement: committed with the advance (`auto`) and started now, or
      // a preview to confirm (`prompt`).
      const { announcement } = outcome;
      if (announcement) ctx.turn.defer(() => ctx.deps.announce?.outbox?.enqueue(announcement));
      else ctx.turn.defer(() => previewEntry(ctx.deps, rollout, by));
    }
    await ctx.turn.send(outcomeReply(outcome));
  },
};
