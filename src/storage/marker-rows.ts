import { createHash } from 'node:crypto';
import type { ProcessedMarker, PurgeProgress } from '../app/ports';
import { errorInfo } from './azure-table-errors';
import {
  MAX_TRANSACTION_ACTIONS,
  withoutNulls,
  type EntityTable,
  type StoredEntity,
  type TableAction,
  str,
} from './entity-table';
import { deleteIfPresent } from './outbox-rows';

/**
 * Processed-activity markers as Table rows, in the partition of the change they mark:
 *
 *   RowKey  m|<sha256 of activity key>          the marker (key, rolloutId, outcome, at, refused,
 *                                               indexed: true when it has an index row)
 *           md|<at, ISO 8601 UTC>|<sha256>      its index row (no properties): written in the same
 *                                               transaction, so the purge finds the markers older
 *                                               than a cut-off by one RowKey range, oldest first
 *
 * Markers written before the index existed (no `indexed`) are found by the legacy sweep: a walk
 * over `m|<hex prefix>` slices of the hash space, cross-partition, reading keys and `at` only.
 */
export const MARKER_PREFIX = 'm|';
export const MARKER_INDEX_PREFIX = 'md|';

const hashOf = (key: string): string => createHash('sha256').update(key).digest('hex');
export const markerRow = (key: string): string => `${MARKER_PREFIX}${hashOf(key)}`;
const indexRow = (at: string, hash: string): string => `${MARKER_INDEX_PREFIX}${at}|${hash}`;

/** `at` as a sortable instant (ISO 8601, UTC, milliseconds), or null when it is not a time. */
const instantOf = (at: string): string | null => {
  const ms = Date.parse(at);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
};

/**
 * The creates that write a marker in `partitionKey`: the marker and its index row (2 actions), or
 * the marker alone when its `at` is not a time (then it is never purged: callers write clock times).
 */
export const markerActions = (partitionKey: string, marker: ProcessedMarker): TableAction[] => {
  const hash = hashOf(marker.key);
  const at = instantOf(marker.at);
  const row: TableAction = {
    kind: 'create',
    entity: withoutNulls({
      partitionKey,
      rowKey: `${MARKER_PREFIX}${hash}`,
      key: marker.key.slice(0, 4000),
      rolloutId: marker.rolloutId,
      outcome: marker.outcome.slice(0, 8000),
      at: marker.at,
      refused: marker.refused === true ? true : null,
      indexed: at === null ? null : true,
    }),
  };
  return at === null
    ? [row]
    : [row, { kind: 'create', entity: { partitionKey, rowKey: indexRow(at, hash) } }];
};

/** The marker a marker row holds. */
export const markerOf = (row: StoredEntity): ProcessedMarker => ({
  key: str(row.key),
  rolloutId: typeof row.rolloutId === 'string' ? row.rolloutId : null,
  outcome: str(row.outcome),
  at: str(row.at),
  ...(row.refused === true ? { refused: true } : {}),
});

/** Rows one legacy-sweep scan reads at most (one page of the service). */
export const SWEEP_SCAN_ROWS = 1000;
/** Scans of the legacy sweep in one call at most. */
export const SWEEP_SCANS_PER_CALL = 16;
/** Markers deleted per call at most, whatever the caller asks. */
export const MAX_MARKERS_PER_PURGE = 5000;
const HEX = '0123456789abcdef';
const HASH_HEX_DIGITS = 64;

/** The slice after `slice` in a walk of the hash space (its children come before it): null at the end. */
const nextSlice = (slice: string): string | null => {
  const trimmed = slice.replace(/f+$/, '');
  if (trimmed === '') return null;
  const last = trimmed.slice(-1);
  return trimmed.slice(0, -1) + HEX.charAt(HEX.indexOf(last) + 1);
};

const isSlice = (cursor: string): boolean => /^[0-9a-f]{1,64}$/.test(cursor);

/** Rows grouped by partition, in the order first met. */
const byPartition = (rows: readonly StoredEntity[]): StoredEntity[][] => {
  const groups = new Map<string, StoredEntity[]>();
  for (const row of rows) {
    const group = groups.get(row.partitionKey);
    if (group) group.push(row);
    else groups.set(row.partitionKey, [row]);
  }
  return [...groups.values()];
};

/**
 * Deletes these rows of one partition in transactions of at most 100; a transaction that meets a
 * row already gone (another purge, run at the same time) is done row by row instead.
 */
const deleteRows = async (table: EntityTable, keys: readonly [string, string][]): Promise<void> => {
  for (let i = 0; i < keys.length; i += MAX_TRANSACTION_ACTIONS) {
    const chunk = keys.slice(i, i + MAX_TRANSACTION_ACTIONS);
    try {
      await table.submit(chunk.map(([partitionKey, rowKey]) => ({ kind: 'delete', partitionKey, rowKey })));
    } catch (err) {
      const { statusCode, code } = errorInfo(err);
      if (statusCode !== 404 || code === 'TableNotFound') throw err;
      for (const [partitionKey, rowKey] of chunk) await deleteIfPresent(table, partitionKey, rowKey);
    }
  }
};

/**
 * Deletes markers older than `before` in the partitions whose key starts with `partitionPrefix`,
 * at most `limit` (bounded further by MAX_MARKERS_PER_PURGE): first those with an index row (one
 * range query over `md|` below `md|<before>`, oldest first per partition; each marker goes with its
 * index row, one transaction per partition), then, with what is left of `limit`, the legacy sweep
 * from `cursor` (at most SWEEP_SCANS_PER_CALL scans of SWEEP_SCAN_ROWS rows).
 *
 * The cursor returned is where the next call goes on (the sweep's next slice of the hash space);
 * null when this pass is complete: nothing indexed is left before the cut-off, and the sweep has
 * walked every slice since the pass began. A null cursor given starts a new pass.
 */
export const purgeMarkers = async (
  table: EntityTable,
  partitionPrefix: string,
  before: Date,
  limit: number,
  cursor: string | null = null,
): Promise<PurgeProgress> => {
  if (!table.findByRowKeyPrefix)
    throw new Error(`table ${table.name} cannot purge markers across partitions`);
  const budget = Math.max(0, Math.min(MAX_MARKERS_PER_PURGE, Math.floor(limit)));
  const start = cursor !== null && isSlice(cursor) ? cursor : '0';
  if (budget === 0) return { deleted: 0, cursor: start };
  const cutoff = before.toISOString();

  const indexed = (
    await table.findByRowKeyPrefix(MARKER_INDEX_PREFIX, {
      rowKeyBefore: `${MARKER_INDEX_PREFIX}${cutoff}`,
      limit: budget,
      select: [],
    })
  ).filter((row) => row.partitionKey.startsWith(partitionPrefix));
  for (const group of byPartition(indexed)) {
    await deleteRows(
      table,
      group.flatMap((row): [string, string][] => [
        [row.partitionKey, row.rowKey],
        [row.partitionKey, `${MARKER_PREFIX}${row.rowKey.slice(row.rowKey.lastIndexOf('|') + 1)}`],
      ]),
    );
  }
  let deleted = indexed.length;
  // The whole budget went on indexed markers: there may be more; the sweep waits for the next call.
  if (deleted >= budget) return { deleted, cursor: start };

  let slice: string | null = start;
  for (let scans = 0; slice !== null && scans < SWEEP_SCANS_PER_CALL; scans++) {
    const rows = await table.findByRowKeyPrefix(`${MARKER_PREFIX}${slice}`, {
      limit: SWEEP_SCAN_ROWS,
      select: ['at', 'indexed'],
    });
    const old = rows.filter((row) => {
      if (!row.partitionKey.startsWith(partitionPrefix) || row.indexed === true) return false;
      const at = Date.parse(str(row.at));
      return Number.isFinite(at) && at < before.getTime();
    });
    const taken = old.slice(0, budget - deleted);
    for (const group of byPartition(taken)) {
      await deleteRows(
        table,
        group.map((row): [string, string] => [row.partitionKey, row.rowKey]),
      );
    }
    deleted += taken.length;
    // Out of budget in this slice: the next call scans it again.
    if (taken.length < old.length) return { deleted, cursor: slice };
    // A full page may hide rows after it: walk the slice's children instead.
    slice = rows.length >= SWEEP_SCAN_ROWS && slice.length < HASH_HEX_DIGITS ? `${slice}0` : nextSlice(slice);
    if (deleted >= budget && slice !== null) return { deleted, cursor: slice };
  }
  return { deleted, cursor: slice };
};
