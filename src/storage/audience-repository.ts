import { randomBytes } from 'node:crypto';
import { isConcurrencyError, TooLargeError } from '../app/errors';
import type {
  AudienceMember,
  AudienceRepository,
  AudienceSnapshot,
  Clock,
  SnapshotWriter,
} from '../app/ports';
import {
  decodeKey,
  encodeKey,
  MAX_STRING_PROPERTY_CHARS,
  MAX_TRANSACTION_ACTIONS,
  str,
  strOrNull,
  type EntityTable,
  type StoredEntity,
  type TableAction,
  type TableEntity,
} from './entity-table';

/** Partitions a snapshot's members are spread over, by a hash of the person's id. */
export const AUDIENCE_BUCKETS = 16;
/** Rows read per page of `members`. */
export const MEMBER_PAGE_ROWS = 1000;
/** A snapshot being written that long ago and neither committed nor abandoned is given up (a crash). */
export const STALE_WRITE_MS = 60 * 60_000;
/** Stages of one rollout read at most: a bound on the head query. */
const MAX_STAGES = 1000;
/** Tries of a head update that lost a race (each re-reads the head). */
const HEAD_TRIES = 5;

/** The bucket of a person's member row: FNV-1a of the lower-cased id (cheap: 50,000 a refresh). */
export const audienceBucket = (personId: string): number => {
  const id = personId.toLowerCase();
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % AUDIENCE_BUCKETS;
};

export const audienceHeadPartition = (tenantId: string, rolloutId: string): string =>
  `a|${encodeKey(tenantId)}|${encodeKey(rolloutId)}`;

const HEAD_PREFIX = 'head|';
const headRow = (stageId: string): string => `${HEAD_PREFIX}${encodeKey(stageId)}`;

export const audienceMemberPartition = (
  tenantId: string,
  rolloutId: string,
  stageId: string,
  snapshotId: string,
  bucket: number,
): string =>
  `am|${encodeKey(tenantId)}|${encodeKey(rolloutId)}|${encodeKey(stageId)}|${snapshotId}|${bucket}`;

const memberRow = (personId: string): string => encodeKey(personId.toLowerCase());

const buckets = (): number[] => Array.from({ length: AUDIENCE_BUCKETS }, (_, i) => i);

/** What a head row says of its current snapshot (the rest of an AudienceSnapshot is in its keys). */
type SnapshotInfo = Omit<AudienceSnapshot, 'tenantId' | 'rolloutId' | 'stageId'>;

/** A snapshot being written: when it started, so that one a crash left behind can be pruned. */
interface PendingWrite {
  id: string;
  startedAt: string;
}

interface Head {
  current: SnapshotInfo | null;
  previous: string | null;
  pending: PendingWrite[];
  /** Snapshots superseded or abandoned whose rows are still to be deleted. */
  garbage: string[];
}

interface StoredHead {
  stageId: string;
  head: Head;
  etag: string;
}

const emptyHead = (): Head => ({ current: null, previous: null, pending: [], garbage: [] });

const parseHead = (row: StoredEntity): StoredHead => ({
  stageId: decodeKey(row.rowKey.slice(HEAD_PREFIX.length)),
  etag: row.etag,
  head: {
    current: JSON.parse(str(row.current) || 'null') as SnapshotInfo | null,
    previous: strOrNull(row.previous),
    pending: JSON.parse(str(row.pending) || '[]') as PendingWrite[],
    garbage: JSON.parse(str(row.garbage) || '[]') as string[],
  },
});

const snapshotOf = (
  tenantId: string,
  rolloutId: string,
  stageId: string,
  info: SnapshotInfo,
): AudienceSnapshot => ({
  tenantId,
  rolloutId,
  stageId,
  ...info,
});

const memberEntity = (partitionKey: string, member: AudienceMember): TableEntity => ({
  partitionKey,
  rowKey: memberRow(member.id),
  id: member.id.toLowerCase(),
  name: member.name,
  department: member.department,
  country: member.country,
  platforms: member.platforms.join(','),
});

const memberOf = (row: StoredEntity): AudienceMember => ({
  id: str(row.id),
  name: str(row.name),
  department: strOrNull(row.department),
  country: strOrNull(row.country),
  platforms: str(row.platforms).split(',').filter(Boolean),
});

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

  async prune(tenantId: string, rolloutId: string, limit: number, all = false): Promise<number> {
    let left = Math.max(0, Math.floor(limit));
    const pk = audienceHeadPartition(tenantId, rolloutId);
    const heads = (await this.table.query(pk, { rowKeyPrefix: HEAD_PREFIX, limit: MAX_STAGES })).map(
      parseHead,
    );
    const staleBefore = new Date(this.clock.now().getTime() - STALE_WRITE_MS).toISOString();
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
        const { count, done } = await deleteRows(this.table, tenantId, rolloutId, stageId, snapshotId, left);
        deleted += count;
        left -= count;
        if (!done) break;
        gone.push(snapshotId);
      }
      if (all && gone.length === doomed.length && left > 0) {
        await this.table.submit([
          { kind: 'delete', partitionKey: pk, rowKey: headRow(stageId), ifMatch: '*' },
        ]);
        deleted += 1;
        left -= 1;
      } else if (gone.length > 0) {
        await forget(this.table, tenantId, rolloutId, stageId, gone);
      }
    }
    return deleted;
  }
}

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

/**
 * Applies `change` to the stage's head (created when missing), ETag-guarded, re-reading and
 * re-applying it after a lost race; throws ConcurrencyError after HEAD_TRIES.
 */
const changeHead = async (
  table: EntityTable,
  tenantId: string,
  rolloutId: string,
  stageId: string,
  change: (head: Head) => Head,
): Promise<void> => {
  const pk = audienceHeadPartition(tenantId, rolloutId);
  for (let attempt = 1; ; attempt++) {
    const row = await table.get(pk, headRow(stageId));
    const stored = row ? parseHead(row) : null;
    const entity = headEntity(pk, stageId, change(stored?.head ?? emptyHead()));
    const action: TableAction = stored
      ? { kind: 'update', entity, ifMatch: stored.etag }
      : { kind: 'create', entity };
    try {
      await table.submit([action]);
      return;
    } catch (err) {
      if (!isConcurrencyError(err) || attempt >= HEAD_TRIES) throw err;
    }
  }
};

const headEntity = (partitionKey: string, stageId: string, head: Head): TableEntity => {
  const entity: TableEntity = {
    partitionKey,
    rowKey: headRow(stageId),
    stageId,
    current: head.current ? JSON.stringify(head.current) : null,
    previous: head.previous,
    pending: JSON.stringify(head.pending),
    garbage: JSON.stringify(head.garbage),
  };
  for (const value of Object.values(entity)) {
    if (typeof value === 'string' && value.length > MAX_STRING_PROPERTY_CHARS) {
      throw new TooLargeError(value.length, MAX_STRING_PROPERTY_CHARS);
    }
  }
  return entity;
};

/** Buffers each bucket's rows and writes a bucket (one transaction) as soon as it holds 100. */
class TableSnapshotWriter implements SnapshotWriter {
  private readonly buffers = new Map<number, Map<string, TableEntity>>();
  private readonly partitions: string[];
  private registered = false;
  private state: 'open' | 'committed' | 'abandoned' = 'open';

  constructor(
    private readonly table: EntityTable,
    private readonly clock: Clock,
    private readonly tenantId: string,
    private readonly rolloutId: string,
    private readonly stageId: string,
    readonly id: string,
  ) {
    this.partitions = buckets().map((b) => audienceMemberPartition(tenantId, rolloutId, stageId, id, b));
  }

  async add(members: readonly AudienceMember[]): Promise<void> {
    this.checkOpen();
    for (const member of members) {
      const bucket = audienceBucket(member.id);
      let buffer = this.buffers.get(bucket);
      if (!buffer) this.buffers.set(bucket, (buffer = new Map()));
      const entity = memberEntity(this.partitions[bucket] ?? '', member);
      buffer.set(entity.rowKey, entity);
      if (buffer.size >= MAX_TRANSACTION_ACTIONS) await this.flush([bucket]);
    }
  }

  async commit(info: Omit<SnapshotInfo, 'id'>): Promise<AudienceSnapshot> {
    this.checkOpen();
    await this.flush([...this.buffers.keys()]);
    const snapshot: SnapshotInfo = { id: this.id, ...info };
    await this.changeHead((head) => ({
      current: snapshot,
      previous: head.current?.id ?? null,
      pending: head.pending.filter((p) => p.id !== this.id),
      garbage: [...new Set([...head.garbage, ...(head.previous ? [head.previous] : [])])],
    }));
    this.state = 'committed';
    return snapshotOf(this.tenantId, this.rolloutId, this.stageId, snapshot);
  }

  async abandon(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'abandoned';
    this.buffers.clear();
    if (!this.registered) return;
    await this.changeHead((head) => ({
      ...head,
      pending: head.pending.filter((p) => p.id !== this.id),
      garbage: [...head.garbage, this.id],
    }));
  }

  /** Writes the buckets' buffered rows, one transaction each, the snapshot registered as pending first. */
  private async flush(bucketIds: number[]): Promise<void> {
    const batches = bucketIds.flatMap((b) => {
      const rows = [...(this.buffers.get(b)?.values() ?? [])];
      this.buffers.delete(b);
      return rows.length > 0 ? [rows] : [];
    });
    if (batches.length === 0) return;
    if (!this.registered) {
      const pending: PendingWrite = { id: this.id, startedAt: this.clock.now().toISOString() };
      await this.changeHead((head) => ({ ...head, pending: [...head.pending, pending] }));
      this.registered = true;
    }
    await Promise.all(
      batches.map((rows) => this.table.submit(rows.map((entity) => ({ kind: 'upsert', entity })))),
    );
  }

  private changeHead(change: (head: Head) => Head): Promise<void> {
    return changeHead(this.table, this.tenantId, this.rolloutId, this.stageId, change);
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new Error(`snapshot ${this.id} is already ${this.state}`);
  }
}
