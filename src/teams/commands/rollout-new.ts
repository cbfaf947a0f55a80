import { createRollout } from '../../app/create-rollout';
import { getStatus } from '../../app/queries';
import type { CommandHandler } from '../handler';
import { renderCard } from '../render-card';
import { outcomeReply } from '../replies';
import { statusCardData } from '../views/status-view';

export const rolloutNew: CommandHandler = {
  name: 'rollout new',
  usage: 'rollout new <name>',
  description: 'Create a rollout coordinated in this conversation.',
  adminOnly: true,
  flags: {},
  async run({ turn, deps }, args) {
    const outcome = await createRollout(deps, {
      tenantId: turn.tenantId,
      by: turn.from,
      name: args.rest,
      activityKey: turn.activityKey,
      coordination: {
        conversationId: turn.conversation.id,
        conversationType: turn.conversation.type,
        serviceUrl: turn.conversation.serviceUrl,
      },
    });
    const rolloutId =
      outcome.kind === 'done' ? outcome.rollout.id : outcome.kind === 'duplicate' ? outcome.rolloutId : null;
    const view = rolloutId ? await getStatus(deps, turn.tenantId, rolloutId) : null;
    const reply = outcomeReply(outcome);
    await turn.send(view ? { ...reply, card: renderCard('status', statusCardData(view)) } : reply);
  },
};
