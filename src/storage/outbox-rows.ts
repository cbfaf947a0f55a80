import type { Notice } from '../app/ports';
import { errorInfo } from './azure-table-errors';
import { encodeKey, str, type EntityTable, type StoredEntity, type TableEntity } from './entity-table';

/**
 * Outbox rows, as every repository that writes notices keeps them: `o|<notice id>` in the
 * partition of the change that caused the notice (so both commit in one transaction), holding the
 * notice's fields; read back at start-up and by the sweep through a bounded cross-partition query.
 */
export const OUTBOX_PREFIX = 'o|';
export const outboxRow = (noticeId: string): string => `${OUTBOX_PREFIX}${encodeKey(noticeId)}`;

export const outboxEntity = (partitionKey: string, notice: Notice): TableEntity => ({
  ...notice,
  partitionKey,
  rowKey: outboxRow(notice.id),
});

/** The notice an outbox row holds: its fields, named by `keys`, as strings. */
export const noticeOf = <N extends Notice>(row: StoredEntity, keys: readonly (keyof N & string)[]): N =>
  Object.fromEntries(keys.map((key) => [key, str(row[key])])) as unknown as N;

/** The outbox rows of partitions whose key starts with `partitionPrefix`, at most `limit`. */
export const pendingOutboxRows = async (
  table: EntityTable,
  partitionPrefix: string,
  limit: number,
): Promise<StoredEntity[]> => {
  if (!table.findByRowKeyPrefix || limit <= 0) return [];
  const rows = await table.findByRowKeyPrefix(OUTBOX_PREFIX, { limit });
  return rows.filter((row) => row.partitionKey.startsWith(partitionPrefix));
};

/** Deletes a row; one already gone is fine (a missing table is still an error). */
export const deleteIfPresent = async (
  table: EntityTable,
  partitionKey: string,
  rowKey: string,
): Promise<void> => {
  try {
    await table.submit([{ kind: 'delete', partitionKey, rowKey }]);
  } catch (err) {
    // Both tables report a missing row as 404 (a missing table is a 404 too, but an error).
    const { statusCode, code } = errorInfo(err);
    if (statusCode === 404 && code !== 'TableNotFound') return;
    throw err;
  }
};
