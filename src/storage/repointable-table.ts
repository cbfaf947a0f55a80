import type {
  EntityTable,
  QueryOptions,
  RowKeyQueryOptions,
  StoredEntity,
  TableAction,
} from './entity-table';

/**
 * An EntityTable that follows its store to a new endpoint: every call goes to the table opened
 * on the current endpoint; `repoint` opens the same table on another one (the embedded Azurite
 * restarted on a new port). A call under way when it swaps finishes (or fails) where it started.
 */
export class RepointableTable implements EntityTable {
  readonly name: string;
  readonly findByRowKey?: EntityTable['findByRowKey'];
  readonly findByRowKeyPrefix?: EntityTable['findByRowKeyPrefix'];
  private inner: EntityTable;
  private at: string;

  constructor(
    private readonly open: (endpoint: string) => EntityTable,
    endpoint: string,
  ) {
    this.inner = open(endpoint);
    this.at = endpoint;
    this.name = this.inner.name;
    if (this.inner.findByRowKey) {
      this.findByRowKey = (rowKey: string, options?: RowKeyQueryOptions) =>
        this.capability('findByRowKey')(rowKey, options);
    }
    if (this.inner.findByRowKeyPrefix) {
      this.findByRowKeyPrefix = (prefix: string, options?: { limit?: number }) =>
        this.capability('findByRowKeyPrefix')(prefix, options);
    }
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

  ensure(): Promise<void> {
    return this.inner.ensure();
  }

  get(partitionKey: string, rowKey: string): Promise<StoredEntity | null> {
    return this.inner.get(partitionKey, rowKey);
  }

  query(partitionKey: string, options?: QueryOptions): Promise<StoredEntity[]> {
    return this.inner.query(partitionKey, options);
  }

  submit(actions: readonly TableAction[]): Promise<string[]> {
    return this.inner.submit(actions);
  }

  private capability<K extends 'findByRowKey' | 'findByRowKeyPrefix'>(key: K): NonNullable<EntityTable[K]> {
    const inner = this.inner;
    const method = inner[key];
    if (!method) throw new Error(`${this.name}: the table on ${this.at} has no ${key}`);
    return method.bind(inner) as NonNullable<EntityTable[K]>;
  }
}
