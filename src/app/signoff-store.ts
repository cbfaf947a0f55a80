/** What the readiness use cases share: their outcome, their ports, loading and ETag-guarded updates. */
import type { SignoffRequest } from '../domain/signoff';
import { retryOnConflict } from './mutate';
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
  | 'facts'
  | 'audiences'
  | 'helpdeskGroups'
  | 'helpdesk'
  | 'settings'
>;

export const refused = (message: string): SignoffOutcome => ({ kind: 'refused', message });

/** Replaces a request, ETag-guarded, re-reading it after a conflict. */
export const updateRequest = async (
  deps: SignoffDeps,
  ref: SignoffRef,
  change: (request: SignoffRequest) => SignoffRequest | null,
  audit: (request: SignoffRequest) => Parameters<Deps['signoffs']['update']>[2],
): Promise<SignoffState | null> => {
  return retryOnConflict(`readiness request ${ref.requestId}`, 8, async () => {
    const state = await deps.signoffs.get(ref.tenantId, ref.rolloutId, ref.requestId);
    if (!state) return null;
    const next = change(state.request.value);
    if (!next) return state;
    const saved = await deps.signoffs.update(next, state.request.etag, audit(next));
    return { request: saved, answers: state.answers };
  });
};

export const refOf = (request: SignoffRequest): SignoffRef => ({
  tenantId: request.tenantId,
  rolloutId: request.rolloutId,
  requestId: request.id,
});
