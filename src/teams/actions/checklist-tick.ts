import { z } from 'zod';
import { tickChecklist } from '../../app/tick-checklist';
import { defineAction } from '../handler';
import { renderCard } from '../render-card';
import { outcomeReply, requestFor } from '../replies';
import { checklistCardData } from '../views/checklist-view';

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const checklistTick = defineAction({
  verb: 'checklist.tick',
  schema: z.object({
    rolloutId: z.string().min(1).max(100),
    phase: z.string().min(1).max(40),
    waveId: z.string().max(100).default(''),
    itemId: z.string().min(1).max(100),
    done: flag,
  }),
  async run({ turn, deps }, data) {
    const outcome = await tickChecklist(deps, {
      ...requestFor(turn, data.rolloutId, 'checklist tick'),
      phase: data.phase,
      waveId: data.waveId || null,
      itemId: data.itemId,
      done: data.done,
    });
    const stored = await deps.rollouts.get(turn.tenantId, data.rolloutId);
    if (!stored) return { message: 'That rollout no longer exists.' };
    // The refreshed card replaces the clicked one; a refusal shows on it as a notice.
    const quiet = outcome.kind === 'done' || outcome.kind === 'duplicate' || outcome.kind === 'unchanged';
    const notice = quiet ? '' : outcomeReply(outcome).text;
    return { card: renderCard('checklist', checklistCardData(stored.value, notice)) };
  },
});
