import { DelegatingTable } from './delegating-table';
import type { EntityTable } from './entity-table';

/**
 * The store object (a table, a queue) opened on the current endpoint of a store that may move
 * (the embedded Azurite restarted on a new port): `repoint` opens the same one on another
 * endpoint. A call under way when it swaps finishes (or fails) where it started.
 */
export class Repointing<T extends { readonly name: string }> {
  private current: T;
  private at: string;

  constructor(
    private readonly open: (endpoint: string) => T,
    endpoint: string,
  ) {
    this.current = open(endpoint);
    this.at = endpoint;
  }

  /** What calls go to now. */
  get target(): T {
    return this.current;
  }

  /** The endpoint calls go to now. */
  get endpoint(): string {
    return this.at;
  }

  /** Sends every later call to the one on `endpoint` (nothing changes when it is the same). */
  repoint(endpoint: string): void {
    if (endpoint === this.at) return;
    const next = this.open(endpoint);
    if (next.name !== this.current.name) {
      throw new Error(`repointed ${next.name} is not ${this.current.name}`);
    }
    this.current = next;
    this.at = endpoint;
  }
}

/** An EntityTable that follows its store to a new endpoint (see Repointing). */
export class RepointableTable extends DelegatingTable {
  private readonly repointing: Repointing<EntityTable>;

  constructor(open: (endpoint: string) => EntityTable, endpoint: string) {
    const repointing = new Repointing(open, endpoint);
    super(repointing.target);
    this.repointing = repointing;
  }

  get endpoint(): string {
    return this.repointing.endpoint;
  }

  repoint(endpoint: string): void {
    this.repointing.repoint(endpoint);
  }

  protected override target(): EntityTable {
    return this.repointing.target;
  }
}
