import type { CriterionResult } from '../domain/decision';
import { evaluateExitCriteria } from '../domain/criteria';
import { audienceSizes } from './audience-refresh';
import type { Rollout } from '../domain/rollout';
import { isAdmin, type Person } from '../domain/roles';
import { refuseNonAdmin } from './mutate';
import type { AuditEntry, Deps, RolloutSummary } from './ports';
import { currentReadiness } from './signoff-view';

export interface RolloutStatusView {
  rollout: Rollout;
  criteria: CriterionResult[];
  recent: AuditEntry[];
}

export const RECENT_AUDIT = 5;

/** The rollout, its exit criteria measured (feedback counts read from their shards), its latest audit. */
export const getStatus = async (
  deps: Pick<Deps, 'rollouts' | 'feedback' | 'signoffs' | 'audiences'>,
  tenantId: string,
  rolloutId: string,
): Promise<RolloutStatusView | null> => {
  const [stored, recent, measured] = await Promise.all([
    deps.rollouts.get(tenantId, rolloutId),
    deps.rollouts.audit(tenantId, rolloutId, RECENT_AUDIT),
    deps.feedback.tallies(tenantId, rolloutId),
  ]);
  if (!stored) return null;
  const [state, sizes] = await Promise.all([
    currentReadiness(deps, tenantId, stored.value),
    audienceSizes(deps, stored.value),
  ]);
  const readiness = state ? { request: state.request.value, answers: state.answers } : null;
  return {
    rollout: stored.value,
    criteria: evaluateExitCriteria(stored.value, measured, readiness, sizes),
    recent,
  };
};

export type ListResult = { kind: 'ok'; rollouts: RolloutSummary[] } | { kind: 'forbidden'; message: string };

/** This conversation's rollouts, or with `all` (admins only) the tenant's. */
export const listRollouts = async (
  deps: Deps,
  input: { tenantId: string; conversationId: string; all: boolean; by: Person; activityKey?: string | null },
): Promise<ListResult> => {
  if (input.all && !isAdmin(input.by, deps.access, null)) {
    return refuseNonAdmin(
      deps,
      input.tenantId,
      null,
      input.by,
      'rollout list --all',
      input.activityKey ?? null,
    );
  }
  const rollouts = await deps.rollouts.list(
    input.tenantId,
    input.all ? {} : { conversationId: input.conversationId },
  );
  return { kind: 'ok', rollouts };
};

/** Longer than any rollout name (80) or id. */
const MAX_REF_CHARS = 100;

export type Resolution =
  | { kind: 'one'; rolloutId: string }
  | { kind: 'many'; rollouts: RolloutSummary[] }
  | { kind: 'none'; message: string };

/**
 * Finds the rollout a command is about: by id or name when given (this conversation's first, then
 * the tenant's), else the one rollout of this conversation. Completed rollouts are only picked
 * implicitly when nothing else is there.
 */
export const resolveRollout = async (
  deps: Pick<Deps, 'rollouts'>,
  input: { tenantId: string; conversationId: string; ref: string | null },
): Promise<Resolution> => {
  const here = await deps.rollouts.list(input.tenantId, { conversationId: input.conversationId });
  if (input.ref === null) {
    const open = here.filter((r) => r.status !== 'completed');
    const candidates = open.length > 0 ? open : here;
    if (candidates.length === 1 && candidates[0]) return { kind: 'one', rolloutId: candidates[0].id };
    if (candidates.length > 1) return { kind: 'many', rollouts: candidates };
    return {
      kind: 'none',
      message: 'There is no rollout in this conversation yet. Start one with `rollout new {name}`.',
    };
  }
  const ref = input.ref.trim().toLowerCase();
  const shown = input.ref.length > 80 ? `${input.ref.slice(0, 80)}…` : input.ref;
  const notFound = `No rollout is called “${shown}”. \`rollout list\` shows them.`;
  // Names are at most 80 characters and ids shorter: a longer ref names nothing (and never
  // becomes a storage key, which Table Storage caps at 1 KiB).
  if (ref.length > MAX_REF_CHARS) return { kind: 'none', message: notFound };
  const byId = await deps.rollouts.get(input.tenantId, ref);
  if (byId) return { kind: 'one', rolloutId: byId.value.id };
  const match = (list: RolloutSummary[]) => list.filter((r) => r.name.toLowerCase() === ref);
  let found = match(here);
  if (found.length === 0) found = match(await deps.rollouts.list(input.tenantId));
  if (found.length === 1 && found[0]) return { kind: 'one', rolloutId: found[0].id };
  if (found.length > 1) return { kind: 'many', rollouts: found };
  return { kind: 'none', message: notFound };
};

/** An open rollout of the tenant (other than `exceptId`) already called `name`, with the message to give. */
export const nameTaken = async (
  deps: Pick<Deps, 'rollouts'>,
  tenantId: string,
  name: string,
  exceptId: string,
): Promise<string | null> => {
  const wanted = name.trim().toLowerCase();
  const existing = (await deps.rollouts.list(tenantId)).find(
    (r) => r.id !== exceptId && r.status !== 'completed' && r.name.toLowerCase() === wanted,
  );
  return existing
    ? `A rollout named “${existing.name}” already exists (${existing.id}). Choose another name.`
    : null;
};
