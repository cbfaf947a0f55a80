import { auditDenied } from '../../app/mutate';
import { sumTallies } from '../../domain/feedback';
import { isAdmin } from '../../domain/roles';
import type { CommandHandler } from '../handler';
import { renderCard } from '../render-card';
import { forbiddenReply, withLoadedRollout } from '../replies';
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
    const rollout = await withLoadedRollout(ctx, 'feedback export', args);
    if (!rollout) return;
    const { turn, deps } = ctx;
    if (!isAdmin(turn.from, deps.access, rollout)) {
      await auditDenied(deps, turn.tenantId, rollout.id, turn.from, 'feedback export');
      return void (await turn.send(forbiddenReply('feedback export')));
    }
    const count = sumTallies((await deps.feedback.tallies(turn.tenantId, rollout.id)).values()).responses;
    const link = deps.exportLinks.issue(turn.tenantId, rollout.id);
    await turn.send({ card: renderCard('feedback-export', feedbackExportData({ rollout, count, ...link })) });
  },
};
