import { z } from 'zod';
import type { Outcome } from '../app/mutate';
import type { ActionResult, CommandContext } from './handler';
import { loadRollout } from './plan-cards';
import { NO_ROLLOUT, outcomeReply } from './replies';
import { checklistCard, checklistCardData } from './views/checklist-view';

/** A boolean in card data: templating may deliver it as the string "true" or "false". */
export const cardBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/**
 * After a checklist-card action: the refreshed checklist replaces the clicked card; a refusal
 * (paused, not an admin, no note) shows on it as a notice.
 */
export const checklistAfter = async (
  ctx: CommandContext,
  rolloutId: string,
  outcome: Outcome,
): Promise<ActionResult> => {
  const rollout = await loadRollout(ctx, rolloutId);
  if (!rollout) return { message: NO_ROLLOUT };
  const quiet = outcome.kind === 'done' || outcome.kind === 'duplicate' || outcome.kind === 'unchanged';
  return {
    card: checklistCard.render(checklistCardData(rollout, quiet ? '' : outcomeReply(outcome).text)),
  };
};
