import { z } from 'zod';
import { isPhaseKey } from '../../domain/phases';
import type { PlanSpec } from '../../domain/plan';
import { defineAction } from '../handler';
import { afterChange, savePlan, loadRollout, planCard } from '../plan-cards';
import { NO_ROLLOUT } from '../replies';

const move = (
  plan: PlanSpec,
  phase: keyof PlanSpec['phases'],
  waveId: string,
  direction: string,
): PlanSpec => {
  const waves = [...plan.phases[phase].waves];
  const i = waves.findIndex((w) => w.id === waveId);
  if (i < 0) return plan;
  const [wave] = waves.splice(i, 1);
  if (wave && direction !== 'remove') {
    const to = direction === 'earlier' ? Math.max(0, i - 1) : Math.min(waves.length, i + 1);
    waves.splice(to, 0, wave);
  }
  return { ...plan, phases: { ...plan.phases, [phase]: { ...plan.phases[phase], waves } } };
};

/** Moves a planned wave earlier or later, or removes it (waves already reached stay put). */
export const planMove = defineAction({
  verb: 'plan.move',
  schema: z.looseObject({
    rolloutId: z.string().min(1).max(100),
    revision: z.coerce.number().int().min(0),
    phase: z.string().refine(isPhaseKey, 'unknown phase'),
    waveId: z.string().min(1).max(100),
    direction: z.enum(['earlier', 'later', 'remove']),
  }),
  async run(ctx, data) {
    const rollout = await loadRollout(ctx, data.rolloutId);
    if (!rollout) return { message: NO_ROLLOUT };
    if (!isPhaseKey(data.phase)) return planCard(rollout, 'That phase does not exist.');
    const phase = data.phase;
    const outcome = await savePlan(ctx, rollout.id, {
      command: 'plan edit',
      revision: data.revision,
      section: `${data.direction === 'remove' ? 'remove' : 'move'} wave ${phase}/${data.waveId}`,
      edit: (plan) => move(plan, phase, data.waveId, data.direction),
    });
    return afterChange(ctx, rollout.id, outcome, (fresh, message) => planCard(fresh, message));
  },
});
