import { feedbackGateFor, submitFeedback } from '../../app/submit-feedback';
import { defineAction, type ActionResult } from '../handler';
import { feedbackActionSchema, parseFeedbackForm } from '../../app/feedback-form';
import { loadRollout } from '../plan-cards';
import { NO_ROLLOUT } from '../replies';
import {
  feedbackFormCard,
  feedbackFormData,
  feedbackThanksCard,
  feedbackThanksData,
} from '../views/feedback-view';

/**
 * `feedback.submit`: validates the form (errors come back inline on the card, nothing stored),
 * stores the answer (one row per person per phase or wave; a resubmission edits it), and answers
 * with a thank-you card for the person who clicked. A newly reported blocker or major issue is
 * sent to the coordination conversation once this invoke has been answered.
 */
export const feedbackSubmit = defineAction({
  verb: 'feedback.submit',
  retrySafe: 'Sending the same card again is safe: it edits the same answer.',
  schema: feedbackActionSchema,
  async run(ctx, data): Promise<ActionResult> {
    const { turn, deps } = ctx;
    const parsed = parseFeedbackForm(data);
    if (!parsed.ok) {
      const rollout = await loadRollout(ctx, data.rolloutId);
      if (!rollout) return { message: NO_ROLLOUT };
      const gate = await feedbackGateFor(deps, turn.tenantId, rollout, data.stageId, turn.from);
      if (!gate.open) return { message: gate.message };
      const formError = 'Some answers need another look: see below.';
      return {
        card: feedbackFormCard.render(
          feedbackFormData({
            rollout,
            stageId: data.stageId,
            stageLabel: gate.label,
            values: parsed.values,
            errors: parsed.errors,
            formError,
          }),
        ),
      };
    }
    const outcome = await submitFeedback(deps, {
      tenantId: turn.tenantId,
      rolloutId: data.rolloutId,
      stageId: data.stageId,
      by: turn.from,
      activityKey: turn.activityKey,
      answer: parsed.answer,
    });
    switch (outcome.kind) {
      case 'not-found':
      case 'refused':
        return { message: outcome.message };
      case 'stored':
      case 'unchanged':
      case 'duplicate': {
        const { notice } = outcome.kind === 'stored' ? outcome : { notice: null };
        if (notice) turn.defer(() => deps.notices.enqueue(notice));
        const gate = await feedbackGateFor(deps, turn.tenantId, outcome.rollout, data.stageId, turn.from);
        const said = notice
          ? 'Thanks for flagging it: the rollout team has been told about the issue.'
          : outcome.kind === 'stored'
            ? ''
            : 'Already saved: nothing changed.';
        return {
          card: feedbackThanksCard.render(
            feedbackThanksData({
              rollout: outcome.rollout,
              stageId: data.stageId,
              stageLabel: gate.open ? gate.label : data.stageId,
              entry: outcome.entry,
              notice: said,
            }),
          ),
        };
      }
    }
  },
});
