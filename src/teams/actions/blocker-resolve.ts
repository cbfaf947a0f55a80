import { z } from 'zod';
import { openIssueRef } from '../../app/issue-ref';
import { resolveIssue } from '../../app/resolve-issue';
import { stageLabel } from '../../domain/feedback-access';
import { findStage } from '../../domain/feedback-goals';
import { defineAction, type ActionContext, type ActionResult } from '../handler';
import { feedbackIssueCard, feedbackIssueData } from '../views/feedback-issue-view';

const target = {
  rolloutId: z.string().min(1).max(100),
  /** The answer the card is about, sealed (see `feedbackIssueData`). */
  ref: z.string().min(1).max(2000),
};

export const UNREADABLE_REF =
  'This card no longer names an answer I can find (it was altered, or made before the bot’s secret changed). Use the latest notice card for this issue, or `feedback summary` to see what is open.';

export const NOT_UPDATED_IN_CHANNEL =
  'Saved. The card in the channel could not be updated; it will show the change when reopened.';

/**
 * Resolve or reopen a reported issue from its notice card. The card is updated in place for
 * everyone in the coordination conversation, and returned to the admin who clicked. The change
 * is saved before the in-place update: when that update fails, the admin still gets the new card.
 */
const changeIssue = async (
  ctx: ActionContext,
  data: { rolloutId: string; ref: string; note: string },
  resolved: boolean,
): Promise<ActionResult> => {
  const { turn, deps } = ctx;
  const opened = openIssueRef(ctx.deps.sealer, turn.tenantId, data.rolloutId, data.ref);
  if (!opened) return { message: UNREADABLE_REF };
  const outcome = await resolveIssue(deps, {
    tenantId: turn.tenantId,
    by: turn.from,
    resolved,
    rolloutId: data.rolloutId,
    stageId: opened.stageId,
    personKey: opened.personKey,
    note: data.note,
  });
  if (outcome.kind === 'forbidden' || outcome.kind === 'not-found') return { message: outcome.message };
  const found = findStage(outcome.rollout, opened.stageId);
  const label = found ? stageLabel(outcome.rollout, found) : opened.stageId;
  const card = (notice: string) =>
    feedbackIssueCard.render(
      feedbackIssueData({
        rollout: outcome.rollout,
        stageLabel: label,
        entry: outcome.entry,
        ref: data.ref,
        notice,
      }),
    );
  if (outcome.kind === 'done' && turn.clickedMessageId) {
    try {
      await turn.update(turn.clickedMessageId, { card: card('') });
    } catch {
      // Saved already: the admin's own card shows the change, and says the channel's did not.
      return { card: card(NOT_UPDATED_IN_CHANNEL) };
    }
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
