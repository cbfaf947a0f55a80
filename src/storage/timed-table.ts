import { currentBudget, timeLeft, timeLimit } from '../app/deadline';
import { StorageTimeoutError } from '../app/errors';
import type {
  EntityTable,
  QueryOptions,
  RowKeyQueryOptions,
  StoredEntity,
  TableAction,
} from './entity-table';

/**
 * An EntityTable whose every call has a deadline: `callMs`, or less when the turn under way has
 * less time left. Past it the call fails with StorageTimeoutError (a write: outcome unknown) and
 * the caller goes on; the underlying request is bounded by the client's own time-outs.
 */
export class TimedTable implements EntityTable {
  readonly name: string;
  readonly findByRowKey?: EntityTable['findByRowKey'];
  readonly findByRowKeyPrefix?: EntityTable['findByRowKeyPrefix'];

  constructor(
    private readonly inner: EntityTable,
    private readonly callMs: number,
  ) {
    this.name = inner.name;
    const byRowKey = inner.findByRowKey?.bind(inner);
    if (byRowKey) {
      this.findByRowKey = (rowKey: string, options?: RowKeyQueryOptions) =>
        this.timed('query', false, () => byRowKey(rowKey, options));
    }
    const byPrefix = inner.findByRowKeyPrefix?.bind(inner);
    if (byPrefix) {
      this.findByRowKeyPrefix = (prefix: string, options?: { limit?: number }) =>
        this.timed('query', false, () => byPrefix(prefix, options));
    }
  }

  ensure(): Promise<void> {
    return this.timed('create the table', false, () => this.inner.ensure());
  }

  get(partitionKey: string, rowKey: string): Promise<StoredEntity | null> {
    return this.timed('read', false, () => this.inner.get(partitionKey, rowKey));
  }

  query(partitionKey: string, options?: QueryOptions): Promise<StoredEntity[]> {
    return this.timed('query', false, () => this.inner.query(partitionKey, options));
  }

  submit(actions: readonly TableAction[]): Promise<string[]> {
    return this.timed('write', true, () => this.inner.submit(actions));
  }

  private timed<T>(what: string, write: boolean, call: () => Promise<T>): Promise<T> {
    const ms = Math.min(this.callMs, timeLeft());
    if (ms <= 0) {
      return Promise.reject(new StorageTimeoutError(`${this.name}: no time left to ${what}`, false));
    }
    if (write) {
      const budget = currentBudget();
      if (budget) budget.wrote = true;
    }
    return timeLimit(
      call(),
      ms,
      () => new StorageTimeoutError(`${this.name}: ${what} timed out after ${ms} ms`, write),
    );
  }
}
