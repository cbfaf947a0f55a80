import { feedbackGateFor } from '../app/submit-feedback';
import { currentStageId } from '../domain/feedback-goals';
import type { FeedbackEntry } from '../domain/feedback';
import type { Rollout } from '../domain/rollout';
import { feedbackPersonKey } from '../app/feedback-keys';
import type { CommandContext } from './handler';
import type { RenderedCard } from './render-card';
import { answerValues, feedbackFormCard, feedbackFormData } from './views/feedback-view';

/**
 * The feedback form of a rollout's current phase or wave, for the person asking: pre-filled with
 * their standing answer when they gave one (blank when `blank`, for a card posted to everyone).
 * A message instead when the stage takes no feedback from them.
 */
export const feedbackFormFor = async (
  ctx: CommandContext,
  rollout: Rollout,
  options: { blank: boolean; stageId?: string },
): Promise<{ card: RenderedCard } | { text: string }> => {
  const { turn, deps } = ctx;
  const stageId = options.stageId ?? currentStageId(rollout);
  const gate = await feedbackGateFor(deps, turn.tenantId, rollout, stageId, turn.from);
  if (!gate.open) return { text: gate.message };
  let entry: FeedbackEntry | null = null;
  if (!options.blank) {
    const key = feedbackPersonKey(rollout.id, turn.from.id);
    entry = (await deps.feedback.get(turn.tenantId, rollout.id, stageId, key))?.value ?? null;
  }
  return {
    card: feedbackFormCard.render(
      feedbackFormData({
        rollout,
        stageId,
        stageLabel: gate.label,
        ...(entry ? { values: answerValues(entry.answer) } : {}),
      }),
    ),
  };
};
