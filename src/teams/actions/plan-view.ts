import { z } from 'zod';
import { defineAction } from '../handler';
import { loadRollout, resolvedPlanCard } from '../plan-cards';
import { NO_ROLLOUT } from '../replies';

/** Back to the plan overview (from a form or the import card). */
export const planView = defineAction({
  verb: 'plan.view',
  schema: z.looseObject({ rolloutId: z.string().min(1).max(100) }),
  async run(ctx, data) {
    const rollout = await loadRollout(ctx, data.rolloutId);
    return rollout ? resolvedPlanCard(ctx, rollout) : { message: NO_ROLLOUT };
  },
});
