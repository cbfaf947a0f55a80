import { z } from 'zod';
import { markCriterion } from '../../app/change-plan';
import { defineAction } from '../handler';
import { loadRollout } from '../plan-cards';
import { renderCard } from '../render-card';
import { outcomeReply, requestFor } from '../replies';
import { checklistCardData } from '../views/checklist-view';

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** An admin marks a manual goal of the current phase (or wave) met with a note, or not met. */
export const criterionMark = defineAction({
  verb: 'criterion.mark',
  schema: z.looseObject({
    rolloutId: z.string().min(1).max(100),
    stageId: z.string().min(1).max(150),
    criterionId: z.string().min(1).max(100),
    met: flag,
    noteInput: z.string().max(300).default(''),
  }),
  async run(ctx, data) {
    const raw = (data as Record<string, unknown>)[data.noteInput];
    const note = typeof raw === 'string' ? raw : '';
    const outcome = await markCriterion(ctx.deps, {
      ...requestFor(ctx.turn, data.rolloutId, 'criterion mark'),
      stageId: data.stageId,
      criterionId: data.criterionId,
      met: data.met,
      note,
    });
    const rollout = await loadRollout(ctx, data.rolloutId);
    if (!rollout) return { message: 'That rollout no longer exists.' };
    const quiet = outcome.kind === 'done' || outcome.kind === 'duplicate' || outcome.kind === 'unchanged';
    return {
      card: renderCard('checklist', checklistCardData(rollout, quiet ? '' : outcomeReply(outcome).text)),
    };
  },
});
