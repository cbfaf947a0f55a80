import { feedbackSummary } from '../../app/feedback-queries';
import { isAdmin } from '../../domain/roles';
import type { CommandHandler } from '../handler';
import { renderCard } from '../render-card';
import { NO_ROLLOUT, withRollout } from '../replies';
import { feedbackSummaryData } from '../views/feedback-view';

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
    // Names were shared with the rollout team (its admins); others read every comment unnamed.
    const team = isAdmin(ctx.turn.from, ctx.deps.access, summary.rollout);
    const comments = team ? summary.comments : summary.comments.map((c) => ({ ...c, name: null }));
    await ctx.turn.send({
      card: renderCard(
        'feedback-summary',
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
