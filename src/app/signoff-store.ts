/** What the readiness use cases share: their outcome, their ports, loading and ETag-guarded updates. */
import type { Rollout } from '../domain/rollout';
import { isAdmin, type Person } from '../domain/roles';
import type { SignoffRequest } from '../domain/signoff';
import { isConcurrencyError } from './errors';
import { auditDenied, forbiddenMessage } from './mutate';
import type { Deps, SignoffRef, SignoffState } from './ports';

export type SignoffOutcome =
  | { kind: 'done'; message: string; ref: SignoffRef | null }
  | { kind: 'refused' | 'forbidden' | 'not-found'; message: string };

export type SignoffDeps = Pick<
  Deps,
  | 'tallies'
  | 'rollouts'
  | 'signoffs'
  | 'feedback'
  | 'messenger'
  | 'clock'
  | 'access'
  | 'helpdesk'
  | 'settings'
>;

export const refused = (message: string): SignoffOutcome => ({ kind: 'refused', message });

/** Loads the rollout and checks the person is one of its admins (refusals are audited). */
export const adminRollout = async (
  deps: SignoffDeps,
  input: { tenantId: string; rolloutId: string; by: Person },
  command: string,
): Promise<Rollout | SignoffOutcome> => {
  const rollout = (await deps.rollouts.get(input.tenantId, input.rolloutId))?.value;
  if (!rollout) return { kind: 'not-found', message: 'That rollout no longer exists.' };
  if (!isAdmin(input.by, deps.access, rollout)) {
    await auditDenied(deps, input.tenantId, rollout.id, input.by, command);
    return { kind: 'forbidden', message: forbiddenMessage(command) };
  }
  return rollout;
};

export const isOutcome = (value: Rollout | SignoffOutcome): value is SignoffOutcome =>
  'kind' in value && !('phases' in value);

/** Replaces a request, ETag-guarded, re-reading it after a conflict. */
export const updateRequest = async (
  deps: SignoffDeps,
  ref: SignoffRef,
  change: (request: SignoffRequest) => SignoffRequest | null,
  audit: (request: SignoffRequest) => Parameters<Deps['signoffs']['update']>[2],
): Promise<SignoffState | null> => {
  for (let attempt = 0; attempt < 8; attempt++) {
    const state = await deps.signoffs.get(ref.tenantId, ref.rolloutId, ref.requestId);
    if (!state) return null;
    const next = change(state.request.value);
    if (!next) return state;
    try {
      const saved = await deps.signoffs.update(next, state.request.etag, audit(next));
      return { request: saved, answers: state.answers };
    } catch (err) {
      if (!isConcurrencyError(err)) throw err;
    }
  }
  throw new Error(`readiness request ${ref.requestId}: gave up after 8 conflicting writes`);
};

export const refOf = (request: SignoffRequest): SignoffRef => ({
  tenantId: request.tenantId,
  rolloutId: request.rolloutId,
  requestId: request.id,
});
