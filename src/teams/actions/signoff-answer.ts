import { z } from 'zod';
import { answerSignoff } from '../../app/answer-signoff';
import { signoffView } from '../../app/signoff-view';
import { MAX_REASON_LENGTH } from '../../domain/signoff';
import { cardBoolean } from '../checklist-reply';
import { defineAction, type ActionContext, type ActionResult } from '../handler';
import { loadRollout } from '../plan-cards';
import { NO_ROLLOUT } from '../replies';
import { signoffCardData, signoffRequestCard } from '../views/signoff-view';
import type { Rollout } from '../../domain/rollout';
import type { SignoffState } from '../../app/ports';

const target = { rolloutId: z.string().min(1).max(100), requestId: z.string().min(1).max(100) };

/** The readiness card as this person sees it: the live tally and their own answer. */
const personalCard = async (
  ctx: ActionContext,
  rollout: Rollout,
  state: SignoffState,
  notice = '',
): Promise<ActionResult> => ({
  card: signoffRequestCard.render(
    signoffCardData(await signoffView(ctx.deps, rollout, state), { viewer: ctx.turn.from, notice }),
  ),
});

/**
 * `signoff.answer`: Ready (sends no inputs) or Not ready (its reason is checked here). The answer
 * is stored in the request's own partition; after the invoke is answered the posted card's tally is
 * updated for everyone and a Not ready is reported to the coordination conversation.
 */
export const signoffAnswer = defineAction({
  verb: 'signoff.answer',
  retrySafe: 'Answering again is safe: it replaces your answer.',
  schema: z.looseObject({
    ...target,
    ready: cardBoolean,
    reason: z
      .string()
      .max(MAX_REASON_LENGTH * 4)
      .default(''),
  }),
  async run(ctx, data) {
    const { turn, deps } = ctx;
    const outcome = await answerSignoff(deps, {
      tenantId: turn.tenantId,
      rolloutId: data.rolloutId,
      requestId: data.requestId,
      by: turn.from,
      ready: data.ready,
      reason: data.ready ? '' : data.reason,
      activityKey: turn.activityKey,
    });
    if (outcome.kind === 'not-found') return { message: outcome.message };
    if (outcome.kind === 'stored') {
      const { notice, ref } = outcome;
      turn.defer(() => {
        deps.tallies.schedule(ref);
        if (notice) deps.notices.enqueue(notice);
      });
    }
    const notice = outcome.kind === 'refused' ? outcome.message : '';
    return personalCard(ctx, outcome.rollout, outcome.state, notice);
  },
});

/**
 * `signoff.view`: the refresh of a readiness card, for each member who looks at it. It only reads
 * (no write, no audit) and answers with the card as that person sees it.
 */
export const signoffViewAction = defineAction({
  verb: 'signoff.view',
  schema: z.object(target),
  async run(ctx, data) {
    const rollout = await loadRollout(ctx, data.rolloutId);
    if (!rollout) return { message: NO_ROLLOUT };
    const state = await ctx.deps.signoffs.get(ctx.turn.tenantId, rollout.id, data.requestId);
    if (!state) return { message: 'That readiness request no longer exists.' };
    return personalCard(ctx, rollout, state);
  },
});
