import type { EntityTable, QueryOptions, StoredEntity, TableAction } from '../../src/storage/entity-table';
import { MemoryTable } from '../../src/storage/memory-table';

/** An in-memory table that counts the writes made to it (to prove a path only reads). */
export class WriteCountingTable implements EntityTable {
  writes = 0;
  private readonly inner = new MemoryTable();
  readonly name = this.inner.name;

  ensure(): Promise<void> {
    return this.inner.ensure();
  }
  get(partitionKey: string, rowKey: string): Promise<StoredEntity | null> {
    return this.inner.get(partitionKey, rowKey);
  }
  query(partitionKey: string, options?: QueryOptions): Promise<StoredEntity[]> {
    return this.inner.query(partitionKey, options);
  }
  findByRowKeyPrefix(prefix: string, options?: { limit?: number }): Promise<StoredEntity[]> {
    return this.inner.findByRowKeyPrefix(prefix, options);
  }
  submit(actions: readonly TableAction[]): Promise<string[]> {
    this.writes += actions.length;
    return this.inner.submit(actions);
  }
}
