import { DelegatingTable, type TableCall } from '../../src/storage/delegating-table';
import type { EntityTable } from '../../src/storage/entity-table';
import { MemoryTable } from '../../src/storage/memory-table';

/** An in-memory table that counts the writes (submits) made to it (to prove a path only reads). */
export class WriteCountingTable extends DelegatingTable {
  writes = 0;

  constructor() {
    super(new MemoryTable());
  }

  protected override run<T>(call: TableCall, run: (table: EntityTable) => Promise<T>): Promise<T> {
    if (call.write) this.writes += 1;
    return super.run(call, run);
  }
}
