import { decideResolve, type FeedbackEntry } from '../domain/feedback';
import type { Rollout } from '../domain/rollout';
import type { Person } from '../domain/roles';
import { toAuditEntry } from './audit';
import { loadAsAdmin, retryOnConflict } from './mutate';
import { MAX_FEEDBACK_ATTEMPTS } from './submit-feedback';
import type { Deps } from './ports';

export interface ResolveIssueInput {
  tenantId: string;
  rolloutId: string;
  stageId: string;
  personKey: string;
  by: Person;
  resolved: boolean;
  note: string;
}

export type ResolveOutcome =
  | { kind: 'done' | 'unchanged'; rollout: Rollout; entry: FeedbackEntry; message: string }
  | { kind: 'refused'; rollout: Rollout; entry: FeedbackEntry; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'not-found'; message: string };

/**
 * An admin marks a reported blocker or major issue resolved with a note, or reopens it. The
 * answer row and its stage's open-issue counts change in one transaction; the rollout's audit
 * records who did it (appended after the change: the row itself also keeps who and when).
 */
export const resolveIssue = async (deps: Deps, input: ResolveIssueInput): Promise<ResolveOutcome> => {
  const command = input.resolved ? 'blocker resolve' : 'blocker reopen';
  const access = await loadAsAdmin(deps, input, command);
  if (access.kind !== 'admin') return access;
  const { rollout } = access;
  const what = `issue ${input.rolloutId}/${input.stageId}`;
  return retryOnConflict(what, MAX_FEEDBACK_ATTEMPTS, async (attempt): Promise<ResolveOutcome> => {
    const stored = await deps.feedback.get(input.tenantId, rollout.id, input.stageId, input.personKey);
    if (!stored) return { kind: 'not-found', message: 'That answer no longer exists.' };
    const now = deps.clock.now();
    const decision = decideResolve(stored.value, input, now);
    if (!decision.ok) return { kind: 'refused', rollout, entry: stored.value, message: decision.message };
    const verb = input.resolved ? 'resolved' : 'reopened';
    if (decision.kind === 'unchanged') {
      return { kind: 'unchanged', rollout, entry: decision.entry, message: `Already ${verb}.` };
    }
    const saved = await deps.feedback.save(input.tenantId, {
      entry: decision.entry,
      ifMatch: stored.etag,
      delta: decision.delta,
      attempt,
      notice: null,
    });
    const issue = `${stored.value.answer.severity} issue (${input.stageId})`;
    const at = now.toISOString();
    const summary = input.resolved
      ? `Resolved a ${issue}: ${decision.entry.resolution?.note ?? ''}`
      : `Reopened a ${issue}`;
    const type = input.resolved ? 'issue-resolved' : 'issue-reopened';
    await deps.rollouts.appendAudit(input.tenantId, [
      toAuditEntry(rollout.id, { type, by: input.by, at, summary }),
    ]);
    return { kind: 'done', rollout, entry: saved.value, message: `Marked ${verb}.` };
  });
};
