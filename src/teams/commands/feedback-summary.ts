import { feedbackSummary } from '../../app/feedback-queries';
import type { Rollout } from '../../domain/rollout';
import { isAdmin, type AccessPolicy } from '../../domain/roles';
import type { CommandHandler } from '../handler';
import { NO_ROLLOUT, withRollout } from '../replies';
import type { Turn } from '../turn';
import { feedbackSummaryCard, feedbackSummaryData } from '../views/feedback-report-view';

/**
 * Names were shared with the rollout team (its admins), so they are shown to an admin only
 * where no one else reads along: in personal chat, or in the rollout's coordination
 * conversation (the team's own). Anywhere else (another channel, a group chat) every comment is
 * unnamed, admin or not.
 */
export const showsNames = (turn: Turn, access: AccessPolicy, rollout: Rollout): boolean =>
  isAdmin(turn.from, access, rollout) &&
  (turn.conversation.type === 'personal' || rollout.coordination.conversationId === turn.conversation.id);

/** `feedback summary [rollout]`: counts per phase and wave, charts, the latest comments. */
export const feedbackSummaryCommand: CommandHandler = {
  name: 'feedback summary',
  usage: 'feedback summary [rollout]',
  description:
    'Show the feedback so far: responses, ratings, install success, open blockers, latest comments.',
  adminOnly: false,
  flags: {},
  async run(ctx, args) {
    const rolloutId = await withRollout(ctx, 'feedback summary', args);
    if (!rolloutId) return;
    const summary = await feedbackSummary(ctx.deps, ctx.turn.tenantId, rolloutId);
    if (!summary) return void (await ctx.turn.send({ text: NO_ROLLOUT }));
    const comments = showsNames(ctx.turn, ctx.deps.access, summary.rollout)
      ? summary.comments
      : summary.comments.map((c) => ({ ...c, name: null }));
    await ctx.turn.send({
      card: feedbackSummaryCard.render(
        feedbackSummaryData({
          rollout: summary.rollout,
          stages: summary.stages,
          comments,
          timeZone: summary.rollout.timeZone,
        }),
      ),
    });
  },
};
