import { isConcurrencyError } from '../app/errors';
import {
  COUNTS_ROW,
  deliveryPrefix,
  HEADER_ROW,
  headerPartition,
  listingPartition,
  listingRow,
  parseHeader,
  parseIndex,
  RETENTION_PARTITION,
  retentionBound,
  type IndexEntry,
} from './announcement-rows';
import {
  MAX_TRANSACTION_ACTIONS,
  type EntityTable,
  type StoredEntity,
  type TableAction,
} from './entity-table';

/** Announcements (with their delivery rows) are kept this long after they were made. */
export const ANNOUNCEMENT_RETENTION_DAYS = 90;

/**
 * The fewest rows a purge call reads and deletes: an announcement's index row, head, marker and
 * listing row take four, and a call that could not get past them would never progress.
 */
export const MIN_PURGE_ROWS = 8;

/** Rows a call may still read or delete. */
class Budget {
  constructor(public left: number) {}
  take(n: number): void {
    this.left = Math.max(0, this.left - n);
  }
}

/**
 * TableAnnouncementRepository.purgeOlderThan: walks the retention index from the oldest and, for
 * each announcement created before `before`, deletes its delivery partitions (each partition's
 * deliveries, then its counts row, so that a partition left half-deleted is still found by its
 * counts row), its listing row, its head and marker, and its index row last: a call cut short by
 * `limit` (or a crash) leaves the index row, and the next call resumes there. Every row read or
 * deleted counts against `limit` (at least MIN_PURGE_ROWS); `deleted` counts rows deleted.
 */
export const purgeAnnouncements = async (
  table: EntityTable,
  before: Date,
  limit: number,
): Promise<{ deleted: number; complete: boolean }> => {
  const budget = new Budget(Math.max(MIN_PURGE_ROWS, Math.floor(limit)));
  const bound = retentionBound(before);
  let deleted = 0;
  while (budget.left > 0) {
    const [row] = await table.query(RETENTION_PARTITION, { limit: 1 });
    budget.take(1);
    if (!row || row.rowKey >= bound) return { deleted, complete: true };
    const { count, done } = await purgeOne(table, row, budget);
    deleted += count;
    if (!done) break;
  }
  return { deleted, complete: false };
};

/** Deletes one announcement's rows, the index row last; `done` when it got that far. */
const purgeOne = async (
  table: EntityTable,
  indexRow: StoredEntity,
  budget: Budget,
): Promise<{ count: number; done: boolean }> => {
  const entry = parseIndex(indexRow);
  const headPk = headerPartition(entry.tenantId, entry.announcementId);
  if (budget.left === 0) return { count: 0, done: false };
  const head = await table.get(headPk, HEADER_ROW);
  budget.take(1);
  // An index row of a create that lost (the id was someone else's): the announcement is not its.
  const own = !head || parseHeader(head).createdAt === entry.createdAt;
  let count = 0;
  if (own) {
    const parts = await deleteDeliveries(table, entry, budget);
    count += parts.count;
    if (!parts.done) return { count, done: false };
  }
  if (budget.left < 2) return { count, done: false };
  const listingKey = listingRow({ id: entry.announcementId, createdAt: entry.createdAt });
  budget.take(1);
  if (await deleteIfThere(table, listingPartition(entry.tenantId, entry.rolloutId), listingKey)) count += 1;
  if (own && head) {
    const rows = await table.query(headPk, { limit: MAX_TRANSACTION_ACTIONS });
    budget.take(rows.length);
    if (rows.length > 0) {
      await table.submit(
        rows.map((r): TableAction => ({
          kind: 'delete',
          partitionKey: headPk,
          rowKey: r.rowKey,
          ifMatch: '*',
        })),
      );
      count += rows.length;
    }
  }
  if (await deleteIfThere(table, RETENTION_PARTITION, indexRow.rowKey)) count += 1;
  return { count, done: true };
};

/** Deletes the announcement's delivery partitions while the budget lasts; `done` when none is left. */
const deleteDeliveries = async (
  table: EntityTable,
  entry: IndexEntry,
  budget: Budget,
): Promise<{ count: number; done: boolean }> => {
  if (!table.findByRowKey) throw new Error(`${table.name}: announcements need findByRowKey`);
  let count = 0;
  for (;;) {
    if (budget.left === 0) return { count, done: false };
    const parts = await table.findByRowKey(COUNTS_ROW, {
      partitionKeyPrefix: deliveryPrefix(entry.tenantId, entry.announcementId),
      limit: Math.min(budget.left, MAX_TRANSACTION_ACTIONS),
    });
    budget.take(parts.length);
    if (parts.length === 0) return { count, done: true };
    for (const { partitionKey } of parts) {
      for (;;) {
        const want = Math.min(budget.left, MAX_TRANSACTION_ACTIONS);
        if (want === 0) return { count, done: false };
        // Deliveries first (they sort after the counts row): the counts row keeps the partition findable.
        const rows = await table.query(partitionKey, { rowKeyAfter: COUNTS_ROW, limit: want });
        budget.take(rows.length);
        if (rows.length > 0) {
          await table.submit(
            rows.map((r): TableAction => ({ kind: 'delete', partitionKey, rowKey: r.rowKey, ifMatch: '*' })),
          );
          count += rows.length;
        }
        if (rows.length < want) break;
      }
      if (await deleteIfThere(table, partitionKey, COUNTS_ROW)) count += 1;
    }
  }
};

/** Deletes the row when it is there; false when it was not (already deleted, or never written). */
const deleteIfThere = async (table: EntityTable, partitionKey: string, rowKey: string): Promise<boolean> => {
  try {
    await table.submit([{ kind: 'delete', partitionKey, rowKey, ifMatch: '*' }]);
    return true;
  } catch (err) {
    if (isConcurrencyError(err)) return false;
    throw err;
  }
};
