/**
 * The small slice of Azure Table Storage the repositories use, so that the same repository code
 * runs on Azure / Azurite and on the in-memory table of the unit tests. Both implementations
 * follow Table Storage's rules: ETags with 412 on mismatch, 409 on create of an existing row,
 * atomic transactions of at most 100 entities in one partition, 64 KiB string properties.
 */
import { wellFormed } from '../domain/text';

export type EntityValue = string | number | boolean | null;

export interface TableEntity {
  partitionKey: string;
  rowKey: string;
  [property: string]: EntityValue;
}

export interface StoredEntity extends TableEntity {
  etag: string;
}

export type TableAction =
  | { kind: 'create'; entity: TableEntity }
  /** Replaces the entity when its ETag still matches. */
  | { kind: 'update'; entity: TableEntity; ifMatch: string }
  | { kind: 'upsert'; entity: TableEntity }
  | { kind: 'delete'; partitionKey: string; rowKey: string; ifMatch?: string };

export interface QueryOptions {
  /** Only rows whose RowKey starts with this prefix. */
  rowKeyPrefix?: string;
  /** Only rows whose RowKey sorts after this one (to page on from the last row read). */
  rowKeyAfter?: string;
  /** Equality filters on string properties. */
  where?: Readonly<Record<string, string>>;
  /** At most this many rows (a bound on paging; default MAX_QUERY_ROWS). */
  limit?: number;
  /** Only these properties (besides the keys and the ETag): a read of keys only passes `[]`. */
  select?: readonly string[];
}

export interface EntityTable {
  readonly name: string;
  /** Creates the table when it does not exist. */
  ensure(): Promise<void>;
  get(partitionKey: string, rowKey: string): Promise<StoredEntity | null>;
  /** Rows of one partition in RowKey order. */
  query(partitionKey: string, options?: QueryOptions): Promise<StoredEntity[]>;
  /** Applies every action or none; returns the new ETags (deletes give ''). */
  submit(actions: readonly TableAction[]): Promise<string[]>;
  /**
   * Rows with this RowKey in any partition (only partitions whose key starts with
   * `partitionKeyPrefix`, when given), in PartitionKey order, at most `limit`. A cross-partition
   * query (a table scan on Azure): for rare administrative look-ups such as the command line's
   * "which tenant holds this rollout", never for a request's path. Optional capability.
   */
  findByRowKey?(rowKey: string, options?: RowKeyQueryOptions): Promise<StoredEntity[]>;
  /**
   * Rows in any partition whose RowKey starts with `prefix` (not empty), in PartitionKey then
   * RowKey order, at most `limit` (default MAX_QUERY_ROWS). A cross-partition query (a table scan
   * on Azure): for start-up recovery only (e.g. the notices an earlier run left in the outbox),
   * never for a request's path. Optional capability.
   */
  findByRowKeyPrefix?(prefix: string, options?: PrefixQueryOptions): Promise<StoredEntity[]>;
}

export interface PrefixQueryOptions {
  /** At most this many rows (default MAX_QUERY_ROWS). */
  limit?: number;
  /** Only these properties (besides the keys and the ETag): a scan that reads little. */
  select?: readonly string[];
  /** Only rows whose RowKey sorts before this one (a range: e.g. dated keys older than a cut-off). */
  rowKeyBefore?: string;
}

export interface RowKeyQueryOptions {
  /** Only partitions whose PartitionKey starts with this prefix. */
  partitionKeyPrefix?: string;
  /** At most this many rows (a bound on paging; default MAX_QUERY_ROWS). */
  limit?: number;
}

export const MAX_TRANSACTION_ACTIONS = 100;
export const MAX_STRING_PROPERTY_CHARS = 32 * 1024;
export const MAX_QUERY_ROWS = 5000;

/** Key-safe encoding: Table keys forbid `/ \ # ?` and control characters; `|` is our separator. */
export const encodeKey = (raw: string): string =>
  // A lone surrogate cannot be percent-encoded (URIError): it becomes U+FFFD.
  encodeURIComponent(wellFormed(raw))
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%/g, '$');

export const decodeKey = (encoded: string): string => decodeURIComponent(encoded.replace(/\$/g, '%'));

/** Table Storage has no null: a null property is simply left out. */
export const withoutNulls = (entity: TableEntity): TableEntity =>
  Object.fromEntries(Object.entries(entity).filter(([, v]) => v !== null)) as TableEntity;

/** The smallest string greater than every string that starts with `prefix`. */
export const prefixUpperBound = (prefix: string): string =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/** Table names: letters and digits, starting with a letter, 3 to 63 characters. */
export const tableName = (prefix: string, base: string): string => {
  const name = `${prefix}${base}`;
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(name)) {
    throw new Error(`invalid table name "${name}": letters and digits only, 3-63 characters, a letter first`);
  }
  return name;
};

/** A string property as read back ('' when absent or not a string). */
export const str = (value: unknown): string => (typeof value === 'string' ? value : '');
/** A string property as read back, null when absent (Table Storage stores no nulls). */
export const strOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);
