import type { DomainEvent } from './events';

/** Why a rule refused a change. `message` is written for the person who asked. */
export interface DomainError {
  code: DomainErrorCode;
  message: string;
  /** For `gate-unmet`: each exit criterion that is not met, with its reason. */
  unmet?: readonly CriterionResult[];
}

export type DomainErrorCode =
  | 'paused'
  | 'completed'
  | 'last-phase'
  | 'gate-unmet'
  | 'reason-required'
  | 'unknown-item'
  | 'stage-not-current'
  | 'not-paused'
  | 'already-paused'
  | 'not-in-operations'
  | 'invalid-name'
  | 'invalid-plan'
  | 'stale-revision'
  | 'phase-passed'
  | 'wave-reached'
  | 'note-required';

/** The measured outcome of one exit criterion. */
export interface CriterionResult {
  id: string;
  label: string;
  met: boolean;
  measured: string;
  target: string;
  reason: string;
}

/** The result of every domain rule: the new value and the events it caused, or a refusal. */
export type Decision<T> = { ok: true; value: T; events: DomainEvent[] } | { ok: false; error: DomainError };

export const accept = <T>(value: T, events: DomainEvent[]): Decision<T> => ({
  ok: true,
  value,
  events,
});

export const refuse = <T>(
  code: DomainErrorCode,
  message: string,
  unmet?: readonly CriterionResult[],
): Decision<T> => ({ ok: false, error: unmet ? { code, message, unmet } : { code, message } });
