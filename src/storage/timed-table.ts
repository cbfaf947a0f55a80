import { currentBudget, timeLeft, timeLimit } from '../app/deadline';
import { StorageTimeoutError } from '../app/errors';
import { DelegatingTable, type TableCall } from './delegating-table';
import type { EntityTable } from './entity-table';

/**
 * An EntityTable whose every call has a deadline: `callMs`, or less when the turn under way has
 * less time left. Past it the call fails with StorageTimeoutError (a write: outcome unknown) and
 * the caller goes on; the underlying request is bounded by the client's own time-outs.
 */
export class TimedTable extends DelegatingTable {
  constructor(
    inner: EntityTable,
    private readonly callMs: number,
  ) {
    super(inner);
  }

  protected override run<T>(
    { write, what }: TableCall,
    call: (table: EntityTable) => Promise<T>,
  ): Promise<T> {
    const ms = Math.min(this.callMs, timeLeft());
    if (ms <= 0) {
      return Promise.reject(new StorageTimeoutError(`${this.name}: no time left to ${what}`, false));
    }
    if (write) {
      const budget = currentBudget();
      if (budget) budget.wrote = true;
    }
    return timeLimit(
      call(this.target()),
      ms,
      () => new StorageTimeoutError(`${this.name}: ${what} timed out after ${ms} ms`, write),
    );
  }
}
