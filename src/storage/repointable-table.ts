import { DelegatingTable } from './delegating-table';
import type { EntityTable } from './entity-table';

/**
 * An EntityTable that follows its store to a new endpoint: every call goes to the table opened
 * on the current endpoint; `repoint` opens the same table on another one (the embedded Azurite
 * restarted on a new port). A call under way when it swaps finishes (or fails) where it started.
 */
export class RepointableTable extends DelegatingTable {
  private inner: EntityTable;
  private at: string;

  constructor(
    private readonly open: (endpoint: string) => EntityTable,
    endpoint: string,
  ) {
    const inner = open(endpoint);
    super(inner);
    this.inner = inner;
    this.at = endpoint;
  }

  /** The endpoint calls go to now. */
  get endpoint(): string {
    return this.at;
  }

  /** Sends every later call to the table on `endpoint` (nothing changes when it is the same). */
  repoint(endpoint: string): void {
    if (endpoint === this.at) return;
    const next = this.open(endpoint);
    if (next.name !== this.name) {
      throw new Error(`repointed table ${next.name} is not ${this.name}`);
    }
    this.inner = next;
    this.at = endpoint;
  }

  protected override target(): EntityTable {
    return this.inner;
  }
}
