import { sumTallies } from '../../domain/feedback';
import type { CommandHandler } from '../handler';
import { withAdminRollout } from '../replies';
import { feedbackExportCard, feedbackExportData } from '../views/feedback-report-view';

export const EXPORT_SENT_PRIVATELY = 'I sent you the download link in our personal chat.';
export const EXPORT_NOT_DELIVERED =
  'I could not message you privately, and the download link is for you alone: add Rollout Coordinator as a personal app, then type `feedback export` in your chat with me.';

/**
 * `feedback export [rollout]` (admins): a signed, expiring, single-use link to a CSV of every
 * answer (anonymous ones without name or id), sent to the admin alone: in a channel or group
 * chat anyone could open it first. A link, not a file consent card: those only work in personal
 * chat.
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
    const reply = { card: feedbackExportCard.render(feedbackExportData({ rollout, count, ...link })) };
    if (!(await turn.sendPrivately(reply))) return void (await turn.send({ text: EXPORT_NOT_DELIVERED }));
    if (turn.conversation.type !== 'personal') await turn.send({ text: EXPORT_SENT_PRIVATELY });
  },
};
