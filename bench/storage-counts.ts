import { isConcurrencyError } from '../src/app/errors';
import type {
  EntityTable,
  QueryOptions,
  RowKeyQueryOptions,
  StoredEntity,
  TableAction,
} from '../src/storage/entity-table';

/** Storage round trips of a run: point reads, partition queries, writes and writes refused by a conflict. */
export interface StorageCounts {
  get: number;
  query: number;
  submit: number;
  conflicts: number;
}

export const zeroCounts = (): StorageCounts => ({ get: 0, query: 0, submit: 0, conflicts: 0 });

export const addCounts = (a: StorageCounts, b: StorageCounts): StorageCounts => ({
  get: a.get + b.get,
  query: a.query + b.query,
  submit: a.submit + b.submit,
  conflicts: a.conflicts + b.conflicts,
});

/** An EntityTable that counts the calls it passes on (to see what the product does per request). */
export class CountingTable implements EntityTable {
  readonly name: string;
  counts = zeroCounts();
  readonly findByRowKey?: (rowKey: string, options?: RowKeyQueryOptions) => Promise<StoredEntity[]>;
  readonly findByRowKeyPrefix?: (prefix: string, options?: { limit?: number }) => Promise<StoredEntity[]>;

  constructor(private readonly inner: EntityTable) {
    this.name = inner.name;
    this.findByRowKey = inner.findByRowKey?.bind(inner);
    this.findByRowKeyPrefix = inner.findByRowKeyPrefix?.bind(inner);
  }

  ensure(): Promise<void> {
    return this.inner.ensure();
  }

  get(partitionKey: string, rowKey: string): Promise<StoredEntity | null> {
    this.counts.get++;
    return this.inner.get(partitionKey, rowKey);
  }

  query(partitionKey: string, options?: QueryOptions): Promise<StoredEntity[]> {
    this.counts.query++;
    return this.inner.query(partitionKey, options);
  }

  async submit(actions: readonly TableAction[]): Promise<string[]> {
    this.counts.submit++;
    try {
      return await this.inner.submit(actions);
    } catch (err) {
      if (isConcurrencyError(err)) this.counts.conflicts++;
      throw err;
    }
  }
}
