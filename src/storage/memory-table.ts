import { ConcurrencyError } from '../app/errors';
import {
  MAX_QUERY_ROWS,
  MAX_STRING_PROPERTY_CHARS,
  MAX_TRANSACTION_ACTIONS,
  type EntityTable,
  type QueryOptions,
  type PrefixQueryOptions,
  type RowKeyQueryOptions,
  type StoredEntity,
  type TableAction,
  type TableEntity,
} from './entity-table';

/**
 * Thrown for requests Table Storage itself would reject: malformed (400), or a delete without
 * ETag of a row that does not exist (404 ResourceNotFound). `statusCode` and `code` are the ones
 * the service reports (the SDK's RestError carries the same `statusCode`).
 */
export class TableRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(`${code}: ${message}`);
    this.name = 'TableRequestError';
  }
}

const keyOf = (action: TableAction): [string, string] =>
  action.kind === 'delete'
    ? [action.partitionKey, action.rowKey]
    : [action.entity.partitionKey, action.entity.rowKey];

/**
 * An in-memory table that behaves like Table Storage for the operations the project uses:
 * ETags change on every write, stale ETags give 412, creates of existing rows give 409, and a
 * transaction is all-or-nothing, one partition, at most 100 actions, one action per row.
 */
export class MemoryTable implements EntityTable {
  private readonly rows = new Map<string, Map<string, StoredEntity>>();
  private version = 0;

  constructor(readonly name = 'memory') {}

  async ensure(): Promise<void> {}

  async get(partitionKey: string, rowKey: string): Promise<StoredEntity | null> {
    const row = this.rows.get(partitionKey)?.get(rowKey);
    return row ? { ...row } : null;
  }

  async query(partitionKey: string, options: QueryOptions = {}): Promise<StoredEntity[]> {
    const partition = this.rows.get(partitionKey);
    if (!partition) return [];
    const limit = options.limit ?? MAX_QUERY_ROWS;
    const where = Object.entries(options.where ?? {});
    return [...partition.values()]
      .filter((row) => !options.rowKeyPrefix || row.rowKey.startsWith(options.rowKeyPrefix))
      .filter((row) => options.rowKeyAfter === undefined || row.rowKey > options.rowKeyAfter)
      .filter((row) => where.every(([k, v]) => row[k] === v))
      .sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0))
      .slice(0, limit)
      .map((row) => (options.select ? selected(row, options.select) : { ...row }));
  }

  async findByRowKey(rowKey: string, options: RowKeyQueryOptions = {}): Promise<StoredEntity[]> {
    const limit = options.limit ?? MAX_QUERY_ROWS;
    const prefix = options.partitionKeyPrefix ?? '';
    return [...this.rows.entries()]
      .filter(([pk]) => pk.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([, partition]) => {
        const row = partition.get(rowKey);
        return row ? [{ ...row }] : [];
      })
      .slice(0, Math.max(0, limit));
  }

  async findByRowKeyPrefix(prefix: string, options: PrefixQueryOptions = {}): Promise<StoredEntity[]> {
    if (!prefix) throw new Error('findByRowKeyPrefix needs a non-empty prefix');
    const limit = Math.max(0, Math.floor(options.limit ?? MAX_QUERY_ROWS));
    return [...this.rows.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([, partition]) =>
        [...partition.values()]
          .filter((row) => row.rowKey.startsWith(prefix))
          .filter((row) => options.rowKeyBefore === undefined || row.rowKey < options.rowKeyBefore)
          .sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0)),
      )
      .slice(0, limit)
      .map((row) => (options.select ? selected(row, options.select) : { ...row }));
  }

  async submit(actions: readonly TableAction[]): Promise<string[]> {
    this.validate(actions);
    // Check every precondition first, then apply: all or nothing.
    for (const action of actions) {
      const [pk, rk] = keyOf(action);
      const existing = this.rows.get(pk)?.get(rk);
      if ((action.kind === 'update' || action.kind === 'delete') && action.ifMatch === '') {
        throw new ConcurrencyError('etag-mismatch', `entity ${pk}/${rk}: empty ETag`);
      }
      if (action.kind === 'create' && existing) {
        throw new ConcurrencyError('already-exists', `entity ${pk}/${rk} already exists`);
      }
      if ((action.kind === 'update' || (action.kind === 'delete' && action.ifMatch)) && !existing) {
        throw new ConcurrencyError('etag-mismatch', `entity ${pk}/${rk} does not exist`);
      }
      // Like the service: deleting a missing row fails (and fails its transaction) even without ETag.
      if (action.kind === 'delete' && !existing) {
        throw new TableRequestError('ResourceNotFound', `entity ${pk}/${rk} does not exist`, 404);
      }
      const ifMatch = action.kind === 'update' || action.kind === 'delete' ? action.ifMatch : undefined;
      if (existing && ifMatch && ifMatch !== '*' && ifMatch !== existing.etag) {
        throw new ConcurrencyError('etag-mismatch', `entity ${pk}/${rk} changed`);
      }
    }
    return actions.map((action) => {
      const [pk, rk] = keyOf(action);
      if (action.kind === 'delete') {
        this.rows.get(pk)?.delete(rk);
        return '';
      }
      const etag = `W/"datetime'${++this.version}'"`;
      let partition = this.rows.get(pk);
      if (!partition) this.rows.set(pk, (partition = new Map()));
      partition.set(rk, { ...stored(action.entity), etag });
      return etag;
    });
  }

  /** Rows in the table, for tests that check nothing else was written. */
  get size(): number {
    let n = 0;
    for (const partition of this.rows.values()) n += partition.size;
    return n;
  }

  private validate(actions: readonly TableAction[]): void {
    if (actions.length === 0) throw new TableRequestError('InvalidInput', 'empty transaction');
    if (actions.length > MAX_TRANSACTION_ACTIONS) {
      throw new TableRequestError(
        'InvalidInput',
        `a transaction holds at most ${MAX_TRANSACTION_ACTIONS} actions`,
      );
    }
    const seen = new Set<string>();
    const partitions = new Set<string>();
    for (const action of actions) {
      const [pk, rk] = keyOf(action);
      partitions.add(pk);
      if (seen.has(rk)) throw new TableRequestError('InvalidDuplicateRow', `row ${rk} appears twice`);
      seen.add(rk);
      if (action.kind !== 'delete') checkEntity(action.entity);
    }
    if (partitions.size > 1) {
      throw new TableRequestError('CommandsInBatchActOnDifferentPartitions', 'one partition per transaction');
    }
  }
}

/**
 * What the service keeps of an entity: Table Storage has no null (a null property is left out),
 * and `etag` / `timestamp` are system properties the SDK does not send as user properties.
 */
const stored = (entity: TableEntity): TableEntity => {
  const kept: TableEntity = { partitionKey: entity.partitionKey, rowKey: entity.rowKey };
  for (const [name, value] of Object.entries(entity)) {
    if (value !== null && name !== 'etag' && name !== 'timestamp') kept[name] = value;
  }
  return kept;
};

/** Azure allows keys of 1 KiB; Azurite rejects keys over 512 characters: the stricter rule holds. */
const MAX_KEY_CHARS = 512;

// eslint-disable-next-line no-control-regex -- Table Storage forbids control characters in keys
const FORBIDDEN_KEY_CHARS = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

const checkEntity = (entity: TableEntity): void => {
  for (const key of [entity.partitionKey, entity.rowKey]) {
    if (FORBIDDEN_KEY_CHARS.test(key) || key.length > MAX_KEY_CHARS) {
      throw new TableRequestError('OutOfRangeInput', `invalid key "${key}"`);
    }
  }
  for (const [name, value] of Object.entries(entity)) {
    if (typeof value === 'string' && value.length > MAX_STRING_PROPERTY_CHARS) {
      throw new TableRequestError('PropertyValueTooLarge', `property ${name} exceeds 64 KiB`);
    }
  }
};

/** The keys, the ETag and the `select`ed properties of a row (as the service's $select answers). */
const selected = (row: StoredEntity, select: readonly string[]): StoredEntity => ({
  partitionKey: row.partitionKey,
  rowKey: row.rowKey,
  etag: row.etag,
  ...Object.fromEntries(select.filter((key) => key in row).map((key) => [key, row[key]])),
});
