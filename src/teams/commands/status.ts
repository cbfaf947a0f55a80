import { announcementStatus } from '../../app/announce/announce-report';
import { intuneView } from '../../app/intune-status';
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
    const { deps, turn } = ctx;
    const [view, intune] = await Promise.all([
      getStatus(deps, turn.tenantId, rolloutId),
      deps.settings.intuneAssign ? intuneView(deps, turn.tenantId, rolloutId) : undefined,
    ]);
    if (!view) return void (await turn.send({ text: NO_ROLLOUT }));
    // Never fails the card: an unreadable announcements store is a line that says so.
    const announcement = await announcementStatus(deps, view.rollout);
    await turn.send({
      card: statusCard.render(statusCardData(view, intune, announcement, deps.settings.dashboardUrl)),
    });
  },
};
