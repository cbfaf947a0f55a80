/** `intune retry` (step 4 of the order of operations in `intune-assignment.ts`). */
import { randomUUID } from 'node:crypto';
import type { Person } from '../domain/roles';
import { assigning, POSTED } from './intune-pending';
import { loadAsAdmin } from './mutate';
import type { Deps, PendingAssignment } from './ports';

export type RetryOutcome =
  | { kind: 'queued'; job: PendingAssignment; message: string }
  | { kind: 'nothing' | 'forbidden' | 'not-found'; message: string };

/**
 * `intune retry`: the rollout's assignment still in the outbox (a crash, or a retry under way),
 * else its latest failed one queued again (outbox row and state `pending` in one transaction).
 * The caller runs the job after its reply.
 */
export const retryAssignment = async (
  deps: Pick<Deps, 'rollouts' | 'access' | 'clock' | 'settings'>,
  input: { tenantId: string; rolloutId: string; by: Person; activityKey?: string | null },
): Promise<RetryOutcome> => {
  const access = await loadAsAdmin(deps, input, 'intune retry');
  if (access.kind !== 'admin') return access;
  const { rollout } = access;
  if (!deps.settings.intuneAssign) {
    return {
      kind: 'nothing',
      message: 'Intune assignment is off (INTUNE_ASSIGN is not true): nothing to retry.',
    };
  }
  const queued = (message: string, job: PendingAssignment): RetryOutcome => ({
    kind: 'queued',
    job,
    message: `${message} Assigning ${assigning(job)} for ${job.stageId} again now; ${POSTED}.`,
  });
  const [pending] = await deps.rollouts.pendingAssignments(1, {
    tenantId: input.tenantId,
    rolloutId: rollout.id,
  });
  if (pending) return queued('The Intune assignment is still pending.', pending);
  const state = await deps.rollouts.assignmentState(input.tenantId, rollout.id);
  const { latest, job } = state ?? { latest: null, job: null };
  if (!state || !latest || !job || latest.state !== 'failed') {
    const why = latest
      ? `the latest Intune assignment (${latest.stageId}) succeeded`
      : 'no Intune assignment has run';
    return { kind: 'nothing', message: `Nothing to retry for “${rollout.name}”: ${why}.` };
  }
  const now = deps.clock.now().toISOString();
  const again: PendingAssignment = { ...job, id: randomUUID(), attempt: job.attempt + 1, createdAt: now };
  await deps.rollouts.saveAssignmentState(
    {
      ...state,
      latest: { ...latest, jobId: again.id, state: 'pending', attempt: again.attempt, at: now },
      job: again,
    },
    { queue: again },
  );
  return queued(`The last attempt failed: ${latest.error ?? 'unknown'}`, again);
};
