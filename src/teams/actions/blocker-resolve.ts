import { z } from 'zod';
import { resolveIssue } from '../../app/resolve-issue';
import { stageLabel } from '../../domain/feedback-access';
import { findStage } from '../../domain/feedback-goals';
import { defineAction, type ActionContext, type ActionResult } from '../handler';
import { renderCard } from '../render-card';
import { feedbackIssueData } from '../views/feedback-view';

const target = {
  rolloutId: z.string().min(1).max(100),
  stageId: z.string().min(1).max(140),
  personKey: z.string().regex(/^[0-9a-f]{32}$/, 'not an answer key'),
};

/**
 * Resolve or reopen a reported issue from its notice card. The card is updated in place for
 * everyone in the coordination conversation, and returned to the admin who clicked.
 */
const changeIssue = async (
  ctx: ActionContext,
  data: { rolloutId: string; stageId: string; personKey: string; note: string },
  resolved: boolean,
): Promise<ActionResult> => {
  const { turn, deps } = ctx;
  const outcome = await resolveIssue(deps, { tenantId: turn.tenantId, by: turn.from, resolved, ...data });
  if (outcome.kind === 'forbidden' || outcome.kind === 'not-found') return { message: outcome.message };
  const found = findStage(outcome.rollout, data.stageId);
  const label = found ? stageLabel(outcome.rollout, found) : data.stageId;
  const card = (notice: string) =>
    renderCard(
      'feedback-issue',
      feedbackIssueData({
        rollout: outcome.rollout,
        stageLabel: label,
        entry: outcome.entry,
        personKey: data.personKey,
        notice,
      }),
    );
  if (outcome.kind === 'done' && turn.clickedMessageId) {
    await turn.update(turn.clickedMessageId, { card: card('') });
  }
  return { card: card(outcome.kind === 'done' ? '' : outcome.message) };
};

export const blockerResolve = defineAction({
  verb: 'blocker.resolve',
  schema: z.object({ ...target, note: z.string().max(2000).default('') }),
  run: (ctx, data) => changeIssue(ctx, data, true),
});

export const blockerReopen = defineAction({
  verb: 'blocker.reopen',
  schema: z.object(target),
  run: (ctx, data) => changeIssue(ctx, { ...data, note: '' }, false),
});
