import { isConcurrencyError } from '../app/errors';
import type { Clock } from '../app/ports';
import {
  audienceHeadPartition,
  audienceMemberPartition,
  buckets,
  changeHead,
  HEAD_PREFIX,
  headRow,
  parseHead,
} from './audience-rows';
import { MAX_TRANSACTION_ACTIONS, type EntityTable } from './entity-table';

/** A snapshot being written that long ago and neither committed nor abandoned is given up (a crash). */
export const STALE_WRITE_MS = 60 * 60_000;
/** Stages of one rollout read at most: a bound on the head query. */
const MAX_STAGES = 1000;

/**
 * TableAudienceRepository.prune: deletes at most `limit` rows of the rollout's garbage snapshots
 * (stale writes included; with `all`, of every snapshot, then the heads) and returns how many.
 */
export const pruneSnapshots = async (
  table: EntityTable,
  clock: Clock,
  tenantId: string,
  rolloutId: string,
  limit: number,
  all: boolean,
): Promise<number> => {
  let left = Math.max(0, Math.floor(limit));
  const pk = audienceHeadPartition(tenantId, rolloutId);
  const heads = (await table.query(pk, { rowKeyPrefix: HEAD_PREFIX, limit: MAX_STAGES })).map(parseHead);
  const staleBefore = new Date(clock.now().getTime() - STALE_WRITE_MS).toISOString();
  let deleted = 0;
  for (const { stageId, head } of heads) {
    if (left === 0) break;
    const keptUnlessClosed = all
      ? [head.current?.id ?? null, head.previous, ...head.pending.map((p) => p.id)]
      : [];
    const stale = all ? [] : head.pending.filter((p) => p.startedAt < staleBefore).map((p) => p.id);
    const doomed = [...new Set([...keptUnlessClosed, ...stale, ...head.garbage])].filter(
      (id): id is string => !!id,
    );
    const gone: string[] = [];
    for (const snapshotId of doomed) {
      const { count, done } = await deleteRows(table, tenantId, rolloutId, stageId, snapshotId, left);
      deleted += count;
      left -= count;
      if (!done) break;
      gone.push(snapshotId);
    }
    if (all && gone.length === doomed.length && left > 0) {
      await table.submit([{ kind: 'delete', partitionKey: pk, rowKey: headRow(stageId), ifMatch: '*' }]);
      deleted += 1;
      left -= 1;
    } else if (gone.length > 0) {
      await forget(table, tenantId, rolloutId, stageId, gone);
    }
  }
  return deleted;
};

/** Deletes at most `limit` rows of the snapshot, bucket by bucket; `done` when none is left. */
const deleteRows = async (
  table: EntityTable,
  tenantId: string,
  rolloutId: string,
  stageId: string,
  snapshotId: string,
  limit: number,
): Promise<{ count: number; done: boolean }> => {
  let count = 0;
  for (const bucket of buckets()) {
    const pk = audienceMemberPartition(tenantId, rolloutId, stageId, snapshotId, bucket);
    for (;;) {
      const want = Math.min(MAX_TRANSACTION_ACTIONS, limit - count);
      if (want === 0) return { count, done: false };
      const rows = await table.query(pk, { limit: want });
      if (rows.length > 0) {
        await table.submit(
          rows.map((row) => ({ kind: 'delete', partitionKey: pk, rowKey: row.rowKey, ifMatch: '*' })),
        );
        count += rows.length;
      }
      if (rows.length < want) break;
    }
  }
  return { count, done: true };
};

/** Takes deleted snapshots off the head's lists (a race lost every time is left to the next prune). */
const forget = async (
  table: EntityTable,
  tenantId: string,
  rolloutId: string,
  stageId: string,
  gone: string[],
): Promise<void> => {
  const drop = new Set(gone);
  try {
    await changeHead(table, tenantId, rolloutId, stageId, (head) => ({
      ...head,
      pending: head.pending.filter((p) => !drop.has(p.id)),
      garbage: head.garbage.filter((id) => !drop.has(id)),
    }));
  } catch (err) {
    if (!isConcurrencyError(err)) throw err;
  }
};
