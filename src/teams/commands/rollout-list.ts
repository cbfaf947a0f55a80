import { listRollouts } from '../../app/queries';
import type { CommandHandler } from '../handler';
import { summaryDetail } from '../replies';
import { rolloutListCard } from '../views/rollout-list-view';

export const rolloutList: CommandHandler = {
  name: 'rollout list',
  usage: 'rollout list [--all]',
  description: "List this conversation's rollouts (--all: the whole tenant's, admins only).",
  adminOnly: false,
  flags: { all: 'boolean' },
  async run({ turn, deps }, args) {
    const all = args.flags.all === true;
    const result = await listRollouts(deps, {
      tenantId: turn.tenantId,
      conversationId: turn.conversation.id,
      all,
      by: turn.from,
      activityKey: turn.activityKey,
    });
    if (result.kind === 'forbidden') {
      await turn.send({ text: result.message });
      return;
    }
    await turn.send({
      card: rolloutListCard.render({
        title: all ? 'All rollouts' : 'Rollouts in this conversation',
        empty: result.rollouts.length === 0,
        rollouts: result.rollouts.map((r) => ({ name: r.name, id: r.id, detail: summaryDetail(r) })),
      }),
    });
  },
};
