import type { Decision, DomainError } from '../domain/decision';
import type { DomainEvent } from '../domain/events';
import type { Rollout } from '../domain/rollout';
import { isAdmin, type Person } from '../domain/roles';
import { toAuditEntry } from './audit';
import { isConcurrencyError, TooLargeError } from './errors';
import type { PendingAnnouncement, PendingAssignment, RolloutDeps } from './ports';

/** What a state-changing use case tells its caller. */
export type Outcome =
  | {
      kind: 'done';
      rollout: Rollout;
      message: string;
      events: DomainEvent[];
      /** Committed with the change, to run after the reply. */
      assignment?: PendingAssignment;
      /** Committed with the change, to make and start after the reply. */
      announcement?: PendingAnnouncement;
    }
  | { kind: 'unchanged'; rollout: Rollout; message: string }
  | { kind: 'duplicate'; message: string; rolloutId: string | null }
  | { kind: 'refused'; rollout: Rollout; error: DomainError }
  | { kind: 'superseded'; rollout: Rollout; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'not-found'; message: string };

export interface MutationRequest {
  tenantId: string;
  rolloutId: string;
  by: Person;
  /** conversation id + activity id; null when the caller is not a Teams activity. */
  activityKey: string | null;
  /** The command as typed, for the audit of refusals. */
  command: string;
}

/** One attempt's verdict: a domain decision with what to tell the person, or "someone beat you". */
export type Step =
  | {
      kind: 'decide';
      decision: Decision<Rollout>;
      describe: (next: Rollout) => string;
      unchanged?: string;
      /** An Intune assignment the change owes: committed with it (an outbox row). */
      assignment?: PendingAssignment | null;
      /** An announcement the change owes (`announce: auto`): committed with it (an outbox row). */
      announcement?: PendingAnnouncement | null;
    }
  | { kind: 'superseded'; message: string };

export const MAX_ATTEMPTS = 8;

export const forbiddenMessage = (command: string): string =>
  `Sorry, only the rollout's admins can use \`${command}\`. Ask an admin, or the person who created the rollout.`;

/**
 * Records a refused attempt in the rollout's audit (or the tenant's when no rollout is involved).
 * With the activity's key, a marker is written with the entry, so a redelivered activity is
 * audited once (and answered with the same refusal, never "Already done").
 */
const auditDenied = async (
  deps: Pick<RolloutDeps, 'rollouts' | 'clock'>,
  tenantId: string,
  rolloutId: string | null,
  by: Person,
  command: string,
  activityKey: string | null = null,
): Promise<void> => {
  if (activityKey && (await deps.rollouts.findProcessed(tenantId, activityKey))) return;
  const at = deps.clock.now().toISOString();
  const marker = activityKey
    ? { key: activityKey, rolloutId, outcome: forbiddenMessage(command), at, refused: true }
    : undefined;
  try {
    await deps.rollouts.appendAudit(
      tenantId,
      [toAuditEntry(rolloutId, { type: 'access-denied', by, at, command })],
      marker,
    );
  } catch (err) {
    // The same activity, redelivered at the same moment, was audited by the other handling.
    if (!(marker && isConcurrencyError(err))) throw err;
  }
};

/**
 * Refuses a person who is not an admin: audited (once per activity) with the polite refusal; but
 * when their group roles could not be checked, only told so: nothing is audited or marked, so the
 * same command works once Graph answers again.
 */
export const refuseNonAdmin = async (
  deps: Pick<RolloutDeps, 'rollouts' | 'clock' | 'access'>,
  tenantId: string,
  rolloutId: string | null,
  by: Person,
  command: string,
  activityKey: string | null = null,
): Promise<{ kind: 'forbidden'; message: string }> => {
  if (deps.access.unavailable) return { kind: 'forbidden', message: deps.access.unavailable };
  await auditDenied(deps, tenantId, rolloutId, by, command, activityKey);
  return { kind: 'forbidden', message: forbiddenMessage(command) };
};

/**
 * Load → authorize → decide → commit (ETag-guarded, with audit and processed marker in the same
 * transaction), retrying when another writer got there first. `decide` is called once per attempt
 * with the current state and the state first seen, so a command can act on what its sender saw.
 */
export const mutateRollout = async (
  deps: RolloutDeps,
  request: MutationRequest,
  decide: (current: Rollout, firstSeen: Rollout, now: Date) => Step,
): Promise<Outcome> => {
  const { tenantId, rolloutId, activityKey } = request;
  let firstSeen: Rollout | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (activityKey) {
      const marker = await deps.rollouts.findProcessed(tenantId, activityKey);
      if (marker?.refused) return { kind: 'forbidden', message: marker.outcome };
      if (marker)
        return { kind: 'duplicate', message: marker.outcome, rolloutId: marker.rolloutId ?? rolloutId };
    }
    const stored = await deps.rollouts.get(tenantId, rolloutId);
    if (!stored) return { kind: 'not-found', message: `No rollout with id ${rolloutId}.` };
    const current = stored.value;
    if (!isAdmin(request.by, deps.access, current)) {
      return refuseNonAdmin(deps, tenantId, rolloutId, request.by, request.command, activityKey);
    }
    firstSeen ??= current;
    const now = deps.clock.now();
    const step = decide(current, firstSeen, now);
    if (step.kind === 'superseded') return { kind: 'superseded', rollout: current, message: step.message };
    const { decision } = step;
    if (!decision.ok) return { kind: 'refused', rollout: current, error: decision.error };
    if (decision.events.length === 0) {
      return { kind: 'unchanged', rollout: current, message: step.unchanged ?? 'Nothing to change.' };
    }
    const message = step.describe(decision.value);
    try {
      const saved = await deps.rollouts.commit(tenantId, {
        rollout: decision.value,
        ifMatch: stored.etag,
        audit: decision.events.map((event) => toAuditEntry(rolloutId, event)),
        processed: activityKey
          ? { key: activityKey, rolloutId, outcome: message, at: now.toISOString() }
          : null,
        assignment: step.assignment ?? null,
        announcement: step.announcement ?? null,
      });
      const { assignment, announcement } = step;
      return {
        kind: 'done',
        rollout: saved.value,
        message,
        events: decision.events,
        ...(assignment ? { assignment } : {}),
        ...(announcement ? { announcement } : {}),
      };
    } catch (err) {
      if (err instanceof TooLargeError) {
        return {
          kind: 'invalid',
          message: `That is more than a rollout can hold (${err.size.toLocaleString('en-US')} characters; at most ${err.limit.toLocaleString('en-US')}). Nothing was changed: shorten long lists such as wave members.`,
        };
      }
      if (!isConcurrencyError(err)) throw err;
    }
  }
  throw new Error(`rollout ${rolloutId}: gave up after ${MAX_ATTEMPTS} conflicting writes`);
};

/** The rollout when the person is one of its admins; else why not (a refusal is audited). */
export type AdminAccess =
  | { kind: 'admin'; rollout: Rollout }
  | { kind: 'not-found'; message: string }
  | { kind: 'forbidden'; message: string };

/** Loads a rollout for a command only its admins may use. */
export const loadAsAdmin = async (
  deps: Pick<RolloutDeps, 'rollouts' | 'access' | 'clock'>,
  input: { tenantId: string; rolloutId: string; by: Person; activityKey?: string | null },
  command: string,
): Promise<AdminAccess> => {
  const rollout = (await deps.rollouts.get(input.tenantId, input.rolloutId))?.value;
  if (!rollout) return { kind: 'not-found', message: 'That rollout no longer exists.' };
  if (!isAdmin(input.by, deps.access, rollout)) {
    return refuseNonAdmin(deps, input.tenantId, rollout.id, input.by, command, input.activityKey ?? null);
  }
  return { kind: 'admin', rollout };
};

/**
 * Runs `attempt` (given its number) until it completes without losing an ETag race, at most `max`
 * times; each attempt re-reads what it decides on. Other errors pass through.
 */
export const retryOnConflict = async <T>(
  what: string,
  max: number,
  attempt: (n: number) => Promise<T>,
  between: () => Promise<void> = async () => {},
): Promise<T> => {
  for (let n = 0; n < max; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isConcurrencyError(err)) throw err;
      await between();
    }
  }
  throw new Error(`${what}: gave up after ${max} conflicting writes`);
};
