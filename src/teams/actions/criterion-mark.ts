import { z } from 'zod';
import { markCriterion } from '../../app/change-plan';
import { defineAction } from '../handler';
import { cardBoolean, checklistAfter } from '../checklist-reply';
import { requestFor } from '../replies';

/** An admin marks a manual goal of the current phase (or wave) met with a note, or not met. */
export const criterionMark = defineAction({
  verb: 'criterion.mark',
  schema: z.looseObject({
    rolloutId: z.string().min(1).max(100),
    stageId: z.string().min(1).max(150),
    criterionId: z.string().min(1).max(100),
    met: cardBoolean,
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
    return checklistAfter(ctx, data.rolloutId, outcome);
  },
});
