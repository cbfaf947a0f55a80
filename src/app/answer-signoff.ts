import { randomUUID } from 'node:crypto';
import type { Rollout } from '../domain/rollout';
import type { Person } from '../domain/roles';
import { decideAnswer, type SignoffAnswer } from '../domain/signoff';
import { toAuditEntry } from './audit';
import { retryOnConflict } from './mutate';
import type { Deps, SignoffNotice, SignoffRef, SignoffState } from './ports';

export interface AnswerSignoffInput {
  tenantId: string;
  rolloutId: string;
  requestId: string;
  by: Person;
  ready: boolean;
  reason: string;
  activityKey: string;
}

export type AnswerOutcome =
  | { kind: 'stored'; rollout: Rollout; state: SignoffState; notice: SignoffNotice | null; ref: SignoffRef }
  | { kind: 'unchanged' | 'duplicate'; rollout: Rollout; state: SignoffState }
  | { kind: 'refused'; rollout: Rollout; state: SignoffState; message: string }
  | { kind: 'not-found'; message: string };

/**
 * A help-desk member answers Ready or Not ready (with a reason), or changes their answer, until
 * the deadline. The answer, its audit line and (Not ready) the notice to the coordination
 * conversation commit together in the request's own partition: answers never wait on the rollout
 * or on each other. A redelivered invoke stores once.
 */
export const answerSignoff = async (
  deps: Pick<Deps, 'rollouts' | 'signoffs' | 'clock'>,
  input: AnswerSignoffInput,
): Promise<AnswerOutcome> => {
  const rollout = (await deps.rollouts.get(input.tenantId, input.rolloutId))?.value;
  if (!rollout) return { kind: 'not-found', message: 'That rollout no longer exists.' };
  const by = { ...input.by, id: input.by.id.toLowerCase() };
  return retryOnConflict(`readiness answer ${input.requestId}`, 8, async (): Promise<AnswerOutcome> => {
    const [state, mine] = await Promise.all([
      deps.signoffs.get(input.tenantId, rollout.id, input.requestId),
      deps.signoffs.getAnswer(input.tenantId, rollout.id, input.requestId, by.id),
    ]);
    if (!state) return { kind: 'not-found', message: 'That readiness request no longer exists.' };
    const request = state.request.value;
    const now = deps.clock.now();
    const decision = decideAnswer(request, mine?.value ?? null, { ...input, by }, now, rollout.timeZone);
    if (decision.kind === 'refused') return { kind: 'refused', rollout, state, message: decision.message };
    if (decision.kind !== 'store') return { kind: decision.kind, rollout, state };
    const at = now.toISOString();
    const notice: SignoffNotice | null = decision.notReadyReported
      ? {
          id: randomUUID(),
          tenantId: input.tenantId,
          kind: 'signoff-not-ready',
          rolloutId: rollout.id,
          requestId: request.id,
          personId: by.id,
          createdAt: at,
        }
      : null;
    const summary = decision.answer.ready
      ? `Ready for ${request.stageLabel}`
      : `Not ready for ${request.stageLabel}: ${decision.answer.reason ?? ''}`;
    await deps.signoffs.answer(input.tenantId, {
      request,
      answer: decision.answer,
      ifMatch: mine?.etag ?? null,
      audit: toAuditEntry(rollout.id, { type: 'signoff-answered', by, at, summary }),
      notice,
    });
    const answers: SignoffAnswer[] = [...state.answers.filter((a) => a.person.id !== by.id), decision.answer];
    const ref = { tenantId: input.tenantId, rolloutId: rollout.id, requestId: request.id };
    return { kind: 'stored', rollout, state: { request: state.request, answers }, notice, ref };
  });
};
