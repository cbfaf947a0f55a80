import { sumTallies } from '../../domain/feedback';
import type { CommandHandler } from '../handler';
import { renderCard } from '../render-card';
import { withAdminRollout } from '../replies';
import { feedbackExportData } from '../views/feedback-view';

/**
 * `feedback export [rollout]` (admins): a signed, expiring, single-use link to a CSV of every
 * answer (anonymous ones without name or id). A link, not a file consent card: those only work in
 * personal chat.
 */
export const feedbackExport: CommandHandler = {
  name: 'feedback export',
  usage: 'feedback export [rollout]',
  description: 'Download every answer as a CSV file, through a link that works once.',
  adminOnly: true,
  flags: {},
  async run(ctx, args) {
    const rollout = await withAdminRollout(ctx, 'feedback export', args);
    if (!rollout) return;
    const { turn, deps } = ctx;
    const count = sumTallies((await deps.feedback.tallies(turn.tenantId, rollout.id)).values()).responses;
    const link = deps.exportLinks.issue(turn.tenantId, rollout.id);
    await turn.send({ card: renderCard('feedback-export', feedbackExportData({ rollout, count, ...link })) });
  },
};
