import { z } from 'zod';
import { tickChecklist } from '../../app/tick-checklist';
import { defineAction } from '../handler';
import { cardBoolean, checklistAfter } from '../checklist-reply';
import { requestFor } from '../replies';

export const checklistTick = defineAction({
  verb: 'checklist.tick',
  retrySafe: 'Clicking again is safe: the item ends up ticked (or unticked) once.',
  schema: z.object({
    rolloutId: z.string().min(1).max(100),
    phase: z.string().min(1).max(40),
    waveId: z.string().max(100).default(''),
    itemId: z.string().min(1).max(100),
    done: cardBoolean,
  }),
  async run({ turn, deps }, data) {
    const outcome = await tickChecklist(deps, {
      ...requestFor(turn, data.rolloutId, 'checklist tick'),
      phase: data.phase,
      waveId: data.waveId || null,
      itemId: data.itemId,
      done: data.done,
    });
    return checklistAfter({ turn, deps }, data.rolloutId, outcome);
  },
});
