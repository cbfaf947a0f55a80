import { z } from 'zod';
import { isPhaseKey } from '../../domain/phases';
import { defineAction } from '../handler';
import { afterChange, savePlan, loadRollout, planCard } from '../plan-cards';
import { NO_ROLLOUT } from '../replies';

/** Applies the suggested wave order shown on the plan card. */
export const planReorder = defineAction({
  verb: 'plan.reorder',
  schema: z.looseObject({
    rolloutId: z.string().min(1).max(100),
    revision: z.coerce.number().int().min(0),
    phase: z.string().refine(isPhaseKey, 'unknown phase'),
    order: z.string().max(4000),
  }),
  async run(ctx, data) {
    const rollout = await loadRollout(ctx, data.rolloutId);
    if (!rollout) return { message: NO_ROLLOUT };
    if (!isPhaseKey(data.phase)) return planCard(rollout, 'That phase does not exist.');
    const phase = data.phase;
    const order = data.order.split(',').filter(Boolean);
    const outcome = await savePlan(ctx, rollout.id, {
      command: 'plan edit',
      revision: data.revision,
      section: `reorder waves ${phase}`,
      edit: (plan) => {
        const waves = plan.phases[phase].waves;
        const sameSet = order.length === waves.length && waves.every((w) => order.includes(w.id));
        if (!sameSet) return plan;
        const sorted = order.map((id) => waves.find((w) => w.id === id)).filter((w) => w !== undefined);
        return { ...plan, phases: { ...plan.phases, [phase]: { ...plan.phases[phase], waves: sorted } } };
      },
    });
    return afterChange(ctx, rollout.id, outcome, (fresh, message) => planCard(fresh, message));
  },
});
