import { DelegatingTable, type TableCall } from '../../src/storage/delegating-table';
import type { EntityTable } from '../../src/storage/entity-table';
import { MemoryTable } from '../../src/storage/memory-table';

/**
 * A storage process that can be frozen (as `kill -STOP` does to Azurite): while frozen every call
 * waits; on thaw the waiting calls go through, late, in order. Writes then land as a real store's
 * would, after the bot gave up on them.
 */
export class FreezableTable extends DelegatingTable {
  private frozen: Promise<void> | null = null;
  private thawNow: () => void = () => {};
  /** Calls that arrived while frozen. */
  waiting = 0;

  constructor(readonly inner: MemoryTable = new MemoryTable()) {
    super(inner);
  }

  freeze(): void {
    this.frozen ??= new Promise<void>((resolve) => (this.thawNow = resolve));
  }

  thaw(): void {
    this.frozen = null;
    this.thawNow();
  }

  protected override async run<T>(_call: TableCall, call: (table: EntityTable) => Promise<T>): Promise<T> {
    if (this.frozen) {
      this.waiting += 1;
      await this.frozen;
    }
    return call(this.inner);
  }
}
