import type {
  EntityTable,
  QueryOptions,
  PrefixQueryOptions,
  RowKeyQueryOptions,
  StoredEntity,
  TableAction,
} from './entity-table';
import type { StorageCall } from './timed-call';

/** What a call does, for a wrapper that treats reads and writes differently. */
export type TableCall = StorageCall;

/**
 * An EntityTable that hands every call to another one through `run`, the single place a wrapper
 * (time limits, re-pointing, test doubles) changes: override `run`, or `target` to choose the
 * table a call goes to. The optional look-ups fail clearly when the target lacks them.
 */
export class DelegatingTable implements EntityTable {
  readonly name: string;

  constructor(private readonly initial: EntityTable) {
    this.name = initial.name;
  }

  /** The table calls go to now. */
  protected target(): EntityTable {
    return this.initial;
  }

  protected run<T>(_call: TableCall, call: (table: EntityTable) => Promise<T>): Promise<T> {
    return call(this.target());
  }

  ensure(): Promise<void> {
    return this.run({ write: false, what: 'create the table' }, (t) => t.ensure());
  }

  get(partitionKey: string, rowKey: string): Promise<StoredEntity | null> {
    return this.run({ write: false, what: 'read' }, (t) => t.get(partitionKey, rowKey));
  }

  query(partitionKey: string, options?: QueryOptions): Promise<StoredEntity[]> {
    return this.run({ write: false, what: 'query' }, (t) => t.query(partitionKey, options));
  }

  submit(actions: readonly TableAction[]): Promise<string[]> {
    return this.run({ write: true, what: 'write' }, (t) => t.submit(actions));
  }

  findByRowKey(rowKey: string, options?: RowKeyQueryOptions): Promise<StoredEntity[]> {
    return this.run({ write: false, what: 'query' }, (t) => {
      if (!t.findByRowKey) throw new Error(`${this.name}: findByRowKey is not supported`);
      return t.findByRowKey(rowKey, options);
    });
  }

  findByRowKeyPrefix(prefix: string, options?: PrefixQueryOptions): Promise<StoredEntity[]> {
    return this.run({ write: false, what: 'query' }, (t) => {
      if (!t.findByRowKeyPrefix) throw new Error(`${this.name}: findByRowKeyPrefix is not supported`);
      return t.findByRowKeyPrefix(prefix, options);
    });
  }
}
