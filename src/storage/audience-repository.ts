import { randomBytes } from 'node:crypto';
import type {
  AudienceMember,
  AudienceRepository,
  AudienceSnapshot,
  Clock,
  SnapshotWriter,
} from '../app/ports';
import { pruneSnapshots } from './audience-prune';
import {
  audienceBucket,
  audienceHeadPartition,
  audienceMemberPartition,
  buckets,
  headRow,
  memberOf,
  memberRow,
  parseHead,
  snapshotOf,
} from './audience-rows';
import { TableSnapshotWriter } from './audience-writer';
import type { EntityTable } from './entity-table';

export { STALE_WRITE_MS } from './audience-prune';
export { AUDIENCE_BUCKETS, audienceBucket } from './audience-rows';

/** Rows read per page of `members`. */
export const MEMBER_PAGE_ROWS = 1000;

/** Snapshot ids: time-ordered for a reader of the table, random so that concurrent writers differ. */
const newSnapshotId = (now: Date): string => `${now.getTime().toString(36)}${randomBytes(5).toString('hex')}`;

/**
 * Resolved audiences in Table Storage.
 *
 *   PartitionKey  a|<tenant>|<rolloutId>                          one per rollout: the stages' heads
 *   RowKey        head|<stageId>                                  `current` (JSON: id, fingerprint,
 *                                                                 resolvedAt, counts, sample, warnings),
 *                                                                 `previous` (an id), `pending` (JSON:
 *                                                                 snapshots being written, with their
 *                                                                 start), `garbage` (JSON: ids whose
 *                                                                 rows are still to be deleted)
 *
 *   PartitionKey  am|<tenant>|<rolloutId>|<stageId>|<snapshotId>|<bucket>
 *                                                                 bucket = FNV-1a of the id % 16
 *   RowKey        <person id, lower-cased>                        id, name, department, country,
 *                                                                 platforms (comma-separated)
 *
 * A writer upserts its members in transactions of 100 rows of one bucket (at most 16 × 100 rows
 * buffered, whatever the audience's size), registering the snapshot as `pending` in the head
 * before its first row. `commit` flushes, then makes the snapshot current, the current one
 * previous and the previous one garbage, guarded by the head's ETag. Concurrent commits: the last
 * one wins, each re-reads the head on a conflict, so every superseded snapshot lands in `garbage`
 * and none leaks. `abandon` moves the snapshot to `garbage`; a pending write older than
 * STALE_WRITE_MS (its writer crashed) counts as garbage too. `prune` reads the heads (one query)
 * and deletes garbage rows bucket by bucket: no table scan. With `all` (a closed rollout) every
 * snapshot goes, then each head (a head counts as one of the `limit` rows).
 */
export class TableAudienceRepository implements AudienceRepository {
  constructor(
    private readonly table: EntityTable,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  async current(tenantId: string, rolloutId: string, stageId: string): Promise<AudienceSnapshot | null> {
    const row = await this.table.get(audienceHeadPartition(tenantId, rolloutId), headRow(stageId));
    const info = row ? parseHead(row).head.current : null;
    return info ? snapshotOf(tenantId, rolloutId, stageId, info) : null;
  }

  async isMember(snapshot: AudienceSnapshot, personId: string): Promise<boolean> {
    const { tenantId, rolloutId, stageId, id } = snapshot;
    const pk = audienceMemberPartition(tenantId, rolloutId, stageId, id, audienceBucket(personId));
    return (await this.table.get(pk, memberRow(personId))) !== null;
  }

  begin(tenantId: string, rolloutId: string, stageId: string): SnapshotWriter {
    return new TableSnapshotWriter(
      this.table,
      this.clock,
      tenantId,
      rolloutId,
      stageId,
      newSnapshotId(this.clock.now()),
    );
  }

  async *members(snapshot: AudienceSnapshot): AsyncIterable<AudienceMember[]> {
    const { tenantId, rolloutId, stageId, id } = snapshot;
    for (const bucket of buckets()) {
      const pk = audienceMemberPartition(tenantId, rolloutId, stageId, id, bucket);
      let after: string | undefined;
      for (;;) {
        const rows = await this.table.query(pk, { rowKeyAfter: after, limit: MEMBER_PAGE_ROWS });
        if (rows.length > 0) yield rows.map(memberOf);
        if (rows.length < MEMBER_PAGE_ROWS) break;
        after = rows[rows.length - 1]?.rowKey;
      }
    }
  }

  prune(tenantId: string, rolloutId: string, limit: number, all = false): Promise<number> {
    return pruneSnapshots(this.table, this.clock, tenantId, rolloutId, limit, all);
  }
}
