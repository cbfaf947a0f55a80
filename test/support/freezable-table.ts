import type { EntityTable, QueryOptions, StoredEntity, TableAction } from '../../src/storage/entity-table';
import { MemoryTable } from '../../src/storage/memory-table';

/**
 * A storage process that can be frozen (as `kill -STOP` does to Azurite): while frozen every call
 * waits; on thaw the waiting calls go through, late, in order. Writes then land as a real store's
 * would, after the bot gave up on them.
 */
export class FreezableTable implements EntityTable {
  readonly name: string;
  private frozen: Promise<void> | null = null;
  private thawNow: () => void = () => {};
  /** Calls that arrived while frozen. */
  waiting = 0;

  constructor(readonly inner: MemoryTable = new MemoryTable()) {
    this.name = inner.name;
  }

  freeze(): void {
    this.frozen ??= new Promise<void>((resolve) => (this.thawNow = resolve));
  }

  thaw(): void {
    this.frozen = null;
    this.thawNow();
  }

  private async gate<T>(call: () => Promise<T>): Promise<T> {
    if (this.frozen) {
      this.waiting += 1;
      await this.frozen;
    }
    return call();
  }

  ensure(): Promise<void> {
    return this.gate(() => this.inner.ensure());
  }
  get(partitionKey: string, rowKey: string): Promise<StoredEntity | null> {
    return this.gate(() => this.inner.get(partitionKey, rowKey));
  }
  query(partitionKey: string, options?: QueryOptions): Promise<StoredEntity[]> {
    return this.gate(() => this.inner.query(partitionKey, options));
  }
  submit(actions: readonly TableAction[]): Promise<string[]> {
    return this.gate(() => this.inner.submit(actions));
  }
  findByRowKeyPrefix(prefix: string, options?: { limit?: number }): Promise<StoredEntity[]> {
    return this.gate(() => this.inner.findByRowKeyPrefix(prefix, options));
  }
}
