import { createHash } from 'node:crypto';
import { ConcurrencyError } from '../app/errors';
import type { PurgeProgress, TokenLedger } from '../app/ports';
import { errorInfo } from './azure-table-errors';
import { encodeKey, MAX_TRANSACTION_ACTIONS, str, type EntityTable } from './entity-table';
import { deleteIfPresent } from './outbox-rows';

const PARTITIONS = 256;
const partitionOf = (n: number): string => `tokens|${n.toString(16).padStart(2, '0')}`;

/** The partition of a token: 256 partitions by the first two hex digits of its hash. */
export const tokenPartitionKey = (id: string): string =>
  `tokens|${createHash('sha256').update(id).digest('hex').slice(0, 2)}`;

/** Partitions one purge call visits at most (a pass of all 256 takes 8 calls or more). */
export const PURGE_PARTITIONS_PER_CALL = 32;
/** Rows one purge call reads at most. */
export const PURGE_ROWS_PER_CALL = 5000;
/** Rows read per query of a partition. */
const PAGE_ROWS = 1000;

/** A cursor is `<partition number in hex>` or `<partition number in hex>|<last RowKey read>`. */
const parseCursor = (cursor: string | null): { partition: number; after: string | undefined } => {
  const match = cursor === null ? null : /^([0-9a-f]{2})(?:\|(.+))?$/.exec(cursor);
  if (!match) return { partition: 0, after: undefined };
  return { partition: parseInt(match[1] ?? '0', 16), after: match[2] };
};

const cursorOf = (partition: number, after?: string): string =>
  `${partition.toString(16).padStart(2, '0')}${after === undefined ? '' : `|${after}`}`;

/**
 * Single-use tokens in Table Storage: using a token creates its row, and the create of a row that
 * exists fails (409), so exactly one use wins even when several race.
 *
 *   PartitionKey  tokens|<first 2 hex digits of sha256(id)>
 *   RowKey        <id>                                       property: expiresAt (ISO 8601)
 *
 * Used tokens stay until they expire; `purgeExpired` then forgets them (an expired token can no
 * longer be presented: its link's own expiry refuses it before the ledger is asked), walking the
 * 256 partitions in order, a few per call, its cursor saying where to go on.
 */
export class TableTokenLedger implements TokenLedger {
  constructor(private readonly table: EntityTable) {}

  async use(id: string, expiresAt: string): Promise<boolean> {
    try {
      await this.table.submit([
        { kind: 'create', entity: { partitionKey: tokenPartitionKey(id), rowKey: encodeKey(id), expiresAt } },
      ]);
      return true;
    } catch (err) {
      if (err instanceof ConcurrencyError && err.reason === 'already-exists') return false;
      throw err;
    }
  }

  /**
   * Deletes used tokens whose `expiresAt` is before `now`, at most `limit` (rows without a valid
   * expiry stay), visiting at most PURGE_PARTITIONS_PER_CALL partitions and reading at most
   * PURGE_ROWS_PER_CALL rows; deletes go in transactions of up to 100 per partition. The cursor
   * returned is where the next call goes on; null once partition ff has been read to its end.
   */
  async purgeExpired(now: Date, limit: number, cursor: string | null = null): Promise<PurgeProgress> {
    const budget = Math.max(0, Math.floor(limit));
    let { partition, after } = parseCursor(cursor);
    let deleted = 0;
    let read = 0;
    for (let visited = 0; visited < PURGE_PARTITIONS_PER_CALL;) {
      if (deleted >= budget || read >= PURGE_ROWS_PER_CALL)
        return { deleted, cursor: cursorOf(partition, after) };
      const pk = partitionOf(partition);
      const asked = Math.min(PAGE_ROWS, PURGE_ROWS_PER_CALL - read);
      const rows = await this.table.query(pk, {
        limit: asked,
        ...(after === undefined ? {} : { rowKeyAfter: after }),
      });
      read += rows.length;
      const expired = rows.filter((row) => {
        const at = Date.parse(str(row.expiresAt));
        return Number.isFinite(at) && at < now.getTime();
      });
      const taken = expired.slice(0, budget - deleted);
      await this.deleteAll(
        pk,
        taken.map((row) => row.rowKey),
      );
      deleted += taken.length;
      if (taken.length < expired.length) {
        // Out of budget: the next call goes on after the last row deleted.
        return { deleted, cursor: cursorOf(partition, taken.at(-1)?.rowKey ?? after) };
      }
      if (rows.length === asked) {
        // A full page: more rows may follow in this partition.
        after = rows.at(-1)?.rowKey ?? after;
        continue;
      }
      after = undefined;
      partition += 1;
      visited += 1;
      if (partition >= PARTITIONS) return { deleted, cursor: null };
    }
    return { deleted, cursor: cursorOf(partition, after) };
  }

  /** Deletes rows of one partition, 100 to a transaction; a row already gone is fine. */
  private async deleteAll(pk: string, rowKeys: readonly string[]): Promise<void> {
    for (let i = 0; i < rowKeys.length; i += MAX_TRANSACTION_ACTIONS) {
      const chunk = rowKeys.slice(i, i + MAX_TRANSACTION_ACTIONS);
      try {
        await this.table.submit(chunk.map((rowKey) => ({ kind: 'delete', partitionKey: pk, rowKey })));
      } catch (err) {
        const { statusCode, code } = errorInfo(err);
        if (statusCode !== 404 || code === 'TableNotFound') throw err;
        for (const rowKey of chunk) await deleteIfPresent(this.table, pk, rowKey);
      }
    }
  }
}
