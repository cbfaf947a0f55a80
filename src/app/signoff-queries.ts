/** Where readiness requests go (the help desk's conversation), and which are still waiting for answers. */
import type { Coordination } from '../domain/rollout';
import { bindHelpdesk, tallyOf } from '../domain/signoff';
import { mutateRollout, type MutationRequest, type Outcome } from './mutate';
import type { Deps, RolloutDeps, SignoffRef } from './ports';

/** `rollout bind helpdesk` / `rollout unbind helpdesk` (admins, typed in the help desk's channel). */
export const bindHelpdeskConversation = (
  deps: RolloutDeps,
  input: MutationRequest & { to: Coordination | null },
): Promise<Outcome> =>
  mutateRollout(deps, input, (current, _seen, now) => ({
    kind: 'decide',
    decision: bindHelpdesk(current, input.to, input.by, now),
    describe: (next) =>
      input.to
        ? `Readiness requests for “${next.name}” will be posted in this conversation.`
        : `Readiness requests for “${next.name}” will be posted where \`signoff request\` is typed.`,
    unchanged: input.to
      ? 'This conversation is already the help desk’s.'
      : 'No help-desk conversation was bound.',
  }));

export interface PendingSignoff {
  ref: SignoffRef;
  stageLabel: string;
  /** Member ids with no answer yet. */
  pending: string[];
  deadline: string | null;
  /** Milliseconds until the deadline; null without one. */
  timeLeftMs: number | null;
}

/** The open requests (deadline not passed) with who has not answered and the time left (for reminders). */
export const pendingSignoffs = async (
  deps: Pick<Deps, 'signoffs'>,
  now: Date,
  limit = 500,
): Promise<PendingSignoff[]> => {
  const refs = await deps.signoffs.openRequests(limit);
  const states = await Promise.all(
    refs.map((ref) => deps.signoffs.get(ref.tenantId, ref.rolloutId, ref.requestId)),
  );
  return states.flatMap((state, i) => {
    const ref = refs[i];
    const request = state?.request.value;
    if (!state || !ref || !request || request.status !== 'open') return [];
    const left = request.deadline ? Date.parse(request.deadline) - now.getTime() : null;
    if (left !== null && left <= 0) return [];
    return [
      {
        ref,
        stageLabel: request.stageLabel,
        pending: tallyOf(request, state.answers).pending,
        deadline: request.deadline,
        timeLeftMs: left,
      },
    ];
  });
};
