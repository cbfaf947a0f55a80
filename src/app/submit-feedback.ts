import { randomUUID } from 'node:crypto';
import { decideSubmit, type FeedbackAnswer, type FeedbackEntry } from '../domain/feedback';
import { feedbackGate, type FeedbackGate } from '../domain/feedback-access';
import type { Rollout } from '../domain/rollout';
import type { Person } from '../domain/roles';
import { audienceFact } from './directory-facts';
import { TooLargeError } from './errors';
import { retryOnConflict } from './mutate';
import { feedbackPersonKey } from './feedback-keys';
import type { Deps, Notice } from './ports';

export interface SubmitFeedbackInput {
  tenantId: string;
  rolloutId: string;
  /** The phase or wave the card was issued for (from the card; checked against the plan). */
  stageId: string;
  by: Person;
  activityKey: string;
  answer: FeedbackAnswer;
}

export type FeedbackOutcome =
  | { kind: 'stored'; rollout: Rollout; entry: FeedbackEntry; notice: Notice | null }
  | { kind: 'unchanged' | 'duplicate'; rollout: Rollout; entry: FeedbackEntry }
  | { kind: 'refused'; rollout: Rollout; message: string }
  | { kind: 'not-found'; message: string };

/** Hot writers retry on a different count shard each time; this many tries is far beyond need. */
export const MAX_FEEDBACK_ATTEMPTS = 16;

const yieldToOthers = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The feedback gate with the person's audience membership resolved first (Graph, snapshots). */
export const feedbackGateFor = async (
  deps: Pick<Deps, 'access' | 'facts' | 'audiences'>,
  tenantId: string,
  rollout: Rollout,
  stageId: string,
  person: Person,
): Promise<FeedbackGate> =>
  feedbackGate(
    rollout,
    stageId,
    person,
    deps.access,
    await audienceFact(deps, tenantId, rollout, stageId, person),
  );

/** Loads the rollout and checks that the person may answer for the stage; else why not. */
export const openFeedbackStage = async (
  deps: Pick<Deps, 'rollouts' | 'access' | 'facts' | 'audiences'>,
  input: { tenantId: string; rolloutId: string; stageId: string; by: Person },
): Promise<
  | { kind: 'open'; rollout: Rollout; gate: Extract<FeedbackGate, { open: true }> }
  | Exclude<FeedbackOutcome, { kind: 'stored' | 'unchanged' | 'duplicate' }>
> => {
  const stored = await deps.rollouts.get(input.tenantId, input.rolloutId);
  if (!stored) return { kind: 'not-found', message: 'That rollout no longer exists.' };
  const rollout = stored.value;
  const gate = await feedbackGateFor(deps, input.tenantId, rollout, input.stageId, input.by);
  if (!gate.open) return { kind: 'refused', rollout, message: gate.message };
  return { kind: 'open', rollout, gate };
};

/**
 * Stores a person's answer for a phase or wave: one row per person per stage, edited in place,
 * its stage's counts moved in the same transaction. A redelivered activity or a double click
 * stores once. A newly reported blocker or major issue leaves a notice in the outbox, written
 * with the answer, for the caller to hand to the dispatcher once the person has been answered.
 */
export const submitFeedback = async (deps: Deps, input: SubmitFeedbackInput): Promise<FeedbackOutcome> => {
  const opened = await openFeedbackStage(deps, input);
  if (opened.kind !== 'open') return opened;
  const { rollout } = opened;
  const personKey = feedbackPersonKey(rollout.id, input.by.id);
  const what = `feedback for ${rollout.id}/${input.stageId}`;
  const store = async (attempt: number): Promise<FeedbackOutcome> => {
    const stored = await deps.feedback.get(input.tenantId, rollout.id, input.stageId, personKey);
    const now = deps.clock.now();
    const decision = decideSubmit(
      stored?.value ?? null,
      {
        rolloutId: rollout.id,
        stageId: input.stageId,
        person: input.by,
        answer: input.answer,
        activityKey: input.activityKey,
      },
      now,
    );
    if (decision.kind !== 'store') return { kind: decision.kind, rollout, entry: decision.entry };
    const notice: Notice | null = decision.report
      ? {
          id: randomUUID(),
          tenantId: input.tenantId,
          kind: 'feedback-issue',
          rolloutId: rollout.id,
          stageId: input.stageId,
          personKey,
          createdAt: now.toISOString(),
        }
      : null;
    const saved = await deps.feedback.save(input.tenantId, {
      entry: decision.entry,
      ifMatch: stored?.etag ?? null,
      delta: decision.delta,
      attempt,
      notice,
    });
    return { kind: 'stored', rollout, entry: saved.value, notice };
  };
  try {
    return await retryOnConflict(what, MAX_FEEDBACK_ATTEMPTS, store, yieldToOthers);
  } catch (err) {
    if (!(err instanceof TooLargeError)) throw err;
    return { kind: 'refused', rollout, message: 'That answer is too long to store. Shorten the comment.' };
  }
};
