import { DelegatingTable, type TableCall } from './delegating-table';
import type { EntityTable } from './entity-table';
import { timedCall } from './timed-call';

/**
 * An EntityTable whose every call has a deadline: `callMs`, or less when the turn under way has
 * less time left (see timedCall).
 */
export class TimedTable extends DelegatingTable {
  constructor(
    inner: EntityTable,
    private readonly callMs: number,
  ) {
    super(inner);
  }

  protected override run<T>(what: TableCall, call: (table: EntityTable) => Promise<T>): Promise<T> {
    return timedCall(this.name, this.callMs, what, () => call(this.target()));
  }
}
