import { currentBudget, timeLeft, timeLimit } from '../app/deadline';
import { StorageTimeoutError } from '../app/errors';

/** What a storage call does, for a wrapper that treats reads and writes differently. */
export interface StorageCall {
  write: boolean;
  /** For messages: "read", "query", "write", "create the table", "receive". */
  what: string;
}

/**
 * Runs a call of the store `name` with a deadline: `callMs`, or less when the turn under way has
 * less time left. Past it the call fails with StorageTimeoutError (a write: outcome unknown) and
 * the caller goes on; the underlying request is bounded by the client's own time-outs.
 */
export const timedCall = <T>(
  name: string,
  callMs: number,
  { write, what }: StorageCall,
  call: () => Promise<T>,
): Promise<T> => {
  const ms = Math.min(callMs, timeLeft());
  if (ms <= 0) {
    return Promise.reject(new StorageTimeoutError(`${name}: no time left to ${what}`, false));
  }
  if (write) {
    const budget = currentBudget();
    if (budget) budget.wrote = true;
  }
  return timeLimit(
    call(),
    ms,
    () => new StorageTimeoutError(`${name}: ${what} timed out after ${ms} ms`, write),
  );
};
