import { currentStageId } from '../domain/feedback-goals';
import { positionLabel, samePosition } from '../domain/rollout';
import type { Person } from '../domain/roles';
import { advance } from '../domain/transitions';
import {
  announcementFollows,
  entryForecast,
  pendingAnnouncementFor,
  previewEntry,
} from './announce/announce-entry';
import { assignmentFollows, pendingAssignmentFor } from './intune-pending';
import { audienceSizes, stagesToResolve } from './audience-refresh';
import { mutateRollout, type MutationRequest, type Outcome } from './mutate';
import type { Deps, RolloutDeps } from './ports';
import { currentReadiness } from './signoff-view';
import { closeEnteredSignoff } from './signoff-changes';

export interface AdvancePhaseInput extends MutationRequest {
  force: { reason: string } | null;
  /** When the sender sent the command; an advance recorded after it is one they had not seen. */
  sentAt?: string | null;
}

/** Clocks differ: a timestamp further than this from ours is not trusted. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const advancedSinceSent = (
  transitionAt: string | undefined,
  sentAt: string | null | undefined,
  now: Date,
): boolean => {
  if (!transitionAt || !sentAt) return false;
  const sent = Date.parse(sentAt);
  if (Math.abs(now.getTime() - sent) > MAX_CLOCK_SKEW_MS) return false;
  return Date.parse(transitionAt) > sent;
};

/**
 * Moves a rollout to its next phase (or wave) when its exit criteria are met, or anyway with a
 * recorded reason. Acts on the position its sender saw: when someone else advanced the rollout
 * after the command was sent (or while it was being handled), it says who and where to, and does
 * not advance a second time. With INTUNE_ASSIGN, the stage entered's Intune assignment commits
 * with the advance (see `intune-assignment.ts`), and so does its announcement when the stage
 * announces `auto` (see `announce/announce-entry.ts`); the caller runs both after the reply.
 */
export const advancePhase = async (
  deps: RolloutDeps & Pick<Deps, 'feedback' | 'signoffs' | 'audiences' | 'announce'>,
  input: AdvancePhaseInput,
): Promise<Outcome> => {
  // Feedback counts and readiness answers move independently of the rollout (their own
  // partitions): read once, before; the readiness request is the one for the position first seen.
  const [measured, first] = await Promise.all([
    deps.feedback.tallies(input.tenantId, input.rolloutId),
    deps.rollouts.get(input.tenantId, input.rolloutId),
  ]);
  const [state, sizes, forecast] = first
    ? await Promise.all([
        currentReadiness(deps, input.tenantId, first.value),
        audienceSizes(deps, first.value),
        entryForecast(deps, first.value),
      ])
    : [null, undefined, null];
  const readiness = state ? { request: state.request.value, answers: state.answers } : null;
  return mutateRollout(deps, input, (current, seen, now) => {
    const last = current.history[current.history.length - 1];
    if (!samePosition(current.position, seen.position) || advancedSinceSent(last?.at, input.sentAt, now)) {
      const who = last ? `${last.by.name || 'Someone'} already advanced it` : 'It was already advanced';
      return {
        kind: 'superseded',
        message: `${who} to ${positionLabel(current, current.position)}; nothing more was done.`,
      };
    }
    const decision = advance(
      current,
      {
        by: input.by,
        measured,
        readiness,
        ...(sizes ? { audienceSizes: sizes } : {}),
        ...(input.force ? { force: input.force } : {}),
      },
      now,
    );
    const assignment = decision.ok ? pendingAssignmentFor(decision.value, deps.settings, now) : null;
    const announcement =
      decision.ok && deps.announce ? pendingAnnouncementFor(decision.value, input.by) : null;
    return {
      kind: 'decide',
      decision,
      assignment,
      announcement,
      describe: (next) => {
        const last = next.history[next.history.length - 1];
        const forced = last?.forced ? ` (forced: ${last.reason ?? ''})` : '';
        const intune = assignment ? assignmentFollows(assignment) : '';
        const announced = announcementFollows(deps, next, announcement, forecast);
        return `“${next.name}” advanced from ${last?.from.label ?? '?'} to ${positionLabel(next, next.position)}${forced}.${intune}${announced}`;
      },
    };
  });
};

/**
 * What follows a done advance when no Teams turn defers it (the scheduler's auto-advance), in the
 * order `advance phase` defers it: the readiness request for the stage entered closes, the stage
 * entered gets a fresh audience snapshot (where Graph is configured), its Intune assignment runs,
 * and its announcement starts (`auto`) or its preview is posted (`prompt`). Each step's failure is
 * logged and the next still runs (the assignment and the announcement also wait in their outbox).
 */
export const afterAdvance = async (
  deps: Deps,
  outcome: Extract<Outcome, { kind: 'done' }>,
  by: Person,
): Promise<void> => {
  const { rollout, assignment, announcement } = outcome;
  const steps: [string, () => unknown][] = [
    ['close the readiness request', () => closeEnteredSignoff(deps, rollout, by)],
    [
      'refresh the audience',
      () => {
        if (!deps.facts.directory) return;
        for (const stageId of stagesToResolve(rollout, currentStageId(rollout)))
          deps.audienceRefresh.schedule({
            tenantId: rollout.tenantId,
            rolloutId: rollout.id,
            stageId,
            tell: null,
          });
      },
    ],
    ['run the Intune assignment', () => assignment && deps.assignments?.enqueue(assignment)],
    [
      'start the announcement',
      () => (announcement ? deps.announce?.outbox?.enqueue(announcement) : previewEntry(deps, rollout, by)),
    ],
  ];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      deps.log.warn({ err, rolloutId: rollout.id }, `after an advance: could not ${what}`);
    }
  }
};
