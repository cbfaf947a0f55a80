import { TooLargeError } from '../app/errors';
import { feedbackPersonKey } from '../app/feedback-keys';
import type { FeedbackCommit, FeedbackRepository, FeedbackNotice, RecentComment, Stored } from '../app/ports';
import { addTallies, emptyTally, type FeedbackEntry, type FeedbackTally } from '../domain/feedback';
import {
  decodeKey,
  encodeKey,
  MAX_STRING_PROPERTY_CHARS,
  withoutNulls,
  type EntityTable,
  type StoredEntity,
  type TableAction,
  type TableEntity,
  str,
  strOrNull,
} from './entity-table';
import { MAX_EXPORT_ROWS } from '../app/feedback-queries';
import { errorInfo } from './azure-table-errors';
import {
  backfillIssues,
  INDEX_KEY_COLUMN,
  ISSUE_MARKER_ROW,
  ISSUE_PREFIX,
  issueActions,
  issueEntryOf,
  markerOf,
} from './issue-rows';
import { deleteIfPresent, noticeOf, outboxEntity, outboxRow, pendingOutboxRows } from './outbox-rows';

/** Partitions a rollout's feedback is spread over, by a hash of the person. */
export const FEEDBACK_BUCKETS = 8;
/** Count shards per stage in each partition. */
export const COUNT_SHARDS = 4;
/** Comments kept per count shard (newest by `at`). */
export const RECENT_PER_SHARD = 5;
/** Characters of a comment kept beside the counts (the answer row keeps all of it). */
export const RECENT_COMMENT_CHARS = 500;
const RECENT_NAME_CHARS = 200;
/** Answer keys read per bucket at most by `answeredKeys` (400,000 people a stage over 8 buckets). */
export const ANSWER_KEYS_PER_BUCKET = 50_000;
/** Stages (phases and waves) of one rollout read at most: a bound on the shard query. */
const MAX_STAGES = 1000;

const PERSON_KEY = /^[0-9a-f]{8,64}$/;

/** The bucket of a person's rows; null for a key that is not a `feedbackPersonKey`. */
export const feedbackBucket = (personKey: string): number | null =>
  PERSON_KEY.test(personKey) ? parseInt(personKey.slice(0, 8), 16) % FEEDBACK_BUCKETS : null;

export const feedbackPartitionKey = (tenantId: string, rolloutId: string, bucket: number): string =>
  `f|${encodeKey(tenantId)}|${encodeKey(rolloutId)}|${bucket}`;

const answerRow = (stageId: string, personKey: string): string =>
  `r|${encodeKey(stageId)}|${encodeKey(personKey)}`;
const shardPrefix = (stageId: string): string => `s|${encodeKey(stageId)}|`;
const shardRow = (stageId: string, sub: number): string => `${shardPrefix(stageId)}${sub}`;

const buckets = (): number[] => Array.from({ length: FEEDBACK_BUCKETS }, (_, i) => i);

/** A comment as kept in a count shard: `who` (the person key) only to de-duplicate. */
interface RecentItem extends RecentComment {
  who: string;
}

interface Shard {
  stageId: string;
  row: StoredEntity;
  tally: FeedbackTally;
  recent: RecentItem[];
}

const parseShard = (row: StoredEntity): Shard => {
  const stageId = decodeKey(row.rowKey.split('|')[1] ?? '');
  return {
    stageId,
    row,
    // addTallies reads a missing count as 0: a shard written before a new category still adds up.
    tally: addTallies(emptyTally(), JSON.parse(str(row.tally) || 'null') ?? emptyTally()),
    recent: JSON.parse(str(row.recent) || '[]') as RecentItem[],
  };
};

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const newestFirst = (a: { at: string }, b: { at: string }): number =>
  a.at < b.at ? 1 : a.at > b.at ? -1 : 0;

const recentItemOf = (entry: FeedbackEntry, personKey: string): RecentItem => ({
  stageId: entry.stageId,
  name: entry.answer.shareName ? entry.person.name.slice(0, RECENT_NAME_CHARS) : null,
  rating: entry.answer.rating,
  comment: entry.answer.comment.slice(0, RECENT_COMMENT_CHARS),
  at: entry.updatedAt,
  who: personKey,
});

const NOTICE_KEYS = ['id', 'tenantId', 'kind', 'rolloutId', 'stageId', 'personKey', 'createdAt'] as const;

/**
 * Feedback in Table Storage: the answers, their stages' counts and the notices they caused.
 *
 * A rollout's feedback is spread over FEEDBACK_BUCKETS = 8 partitions by a hash of the person, so
 * that many people answering at once do not all write one partition; a person's answer, the
 * count shard it moves and the notice it causes share a partition and commit in one transaction.
 *
 *   PartitionKey  f|<tenant>|<rolloutId>|<bucket>     bucket = first 8 hex digits of the person key % 8
 *   RowKey        r|<stageId>|<personKey>            an answer: the entry as JSON in `doc`
 *                                                    (+ stageId, rolloutId, updatedAt, resolvedAt
 *                                                    when resolved: columns for debugging; indexKey:
 *                                                    the RowKey of its index row, when it has one)
 *                 s|<stageId>|<sub>                  count shard, sub 0..3: `tally` (JSON of a
 *                                                    FeedbackTally) and `recent` (JSON: the 5 newest
 *                                                    comments written to the shard, with `who`)
 *                 o|<noticeId>                       outbox: a notice not yet sent
 *                 i|<1 open, 2 resolved>|<inverted updatedAt ms>|<stageId>|<personKey>
 *                                                    index row of a blocker or major answer (what
 *                                                    the issue list shows; see issue-rows.ts),
 *                                                    named by the answer's `indexKey` column
 *                 i|0                                the bucket's index backfill marker
 *
 * A blocker or major answer also has an index row in its partition, written, moved or deleted in
 * the answer's own transaction (issue-rows.ts), so the issue list reads no answers (`issues`).
 *
 * A save writes the shard `(start + attempt) % 4`, where `start` comes from the person's key: people
 * answering at once spread over the shards, and a retry after a conflict lands on another one; the
 * counts stay exact because they add. A stage's counts are the sum of its shards in every bucket
 * (8 partition queries, never a read of the answers). A person has at most one comment in a stage's
 * shards: a save also removes the person's earlier comment from the stage's other shards of the
 * partition (rare: only after a retry moved the person to another shard).
 */
/** The count shard a save writes: spread by the person's key, moved on by each retry. */
export const shardFor = (personKey: string, attempt: number): number =>
  ((parseInt(personKey.slice(8, 12), 16) || 0) + Math.abs(Math.floor(attempt))) % COUNT_SHARDS;

export class TableFeedbackRepository implements FeedbackRepository {
  constructor(private readonly table: EntityTable) {}

  async get(
    tenantId: string,
    rolloutId: string,
    stageId: string,
    personKey: string,
  ): Promise<Stored<FeedbackEntry> | null> {
    const bucket = feedbackBucket(personKey);
    if (bucket === null) return null;
    const row = await this.table.get(
      feedbackPartitionKey(tenantId, rolloutId, bucket),
      answerRow(stageId, personKey),
    );
    return row ? { value: JSON.parse(str(row.doc)) as FeedbackEntry, etag: row.etag } : null;
  }

  async save(tenantId: string, change: FeedbackCommit): Promise<Stored<FeedbackEntry>> {
    const { entry, notice } = change;
    const doc = JSON.stringify(entry);
    if (doc.length > MAX_STRING_PROPERTY_CHARS)
      throw new TooLargeError(doc.length, MAX_STRING_PROPERTY_CHARS);
    const personKey = feedbackPersonKey(entry.rolloutId, entry.person.id);
    const pk = feedbackPartitionKey(tenantId, entry.rolloutId, feedbackBucket(personKey) ?? 0);
    if (
      notice &&
      (notice.tenantId !== tenantId || notice.rolloutId !== entry.rolloutId || notice.personKey !== personKey)
    ) {
      throw new Error(`notice ${notice.id} is not about the answer it is saved with`);
    }
    const rowKey = answerRow(entry.stageId, personKey);
    const [shards, previous] = await Promise.all([
      this.shardActions(pk, change, personKey),
      change.ifMatch === null ? null : this.indexKeyOf(pk, rowKey),
    ]);
    const index = issueActions(pk, entry, personKey, previous);
    const answer = withoutNulls({
      partitionKey: pk,
      rowKey,
      doc,
      stageId: entry.stageId,
      rolloutId: entry.rolloutId,
      updatedAt: entry.updatedAt,
      resolvedAt: entry.resolution?.at ?? null,
      [INDEX_KEY_COLUMN]: index.indexKey,
    });
    // At most 1 answer + 4 shards + 1 notice + 2 index rows: far below a transaction's 100 actions.
    const actions: TableAction[] = [
      change.ifMatch === null
        ? { kind: 'create', entity: answer }
        : { kind: 'update', entity: answer, ifMatch: change.ifMatch },
      ...shards,
      ...index.actions,
    ];
    if (notice) actions.push({ kind: 'create', entity: outboxEntity(pk, notice) });
    let etag: string | undefined;
    try {
      [etag] = await this.table.submit(actions);
    } catch (err) {
      // The index row the answer names is gone (removed by hand?): save without deleting it, so
      // that the answer can still be edited.
      const { statusCode, code } = errorInfo(err);
      if (previous === null || statusCode !== 404 || code === 'TableNotFound') throw err;
      [etag] = await this.table.submit(
        actions.filter((a) => !(a.kind === 'delete' && a.rowKey === previous)),
      );
    }
    return { value: entry, etag: etag ?? '' };
  }

  /**
   * Blocker and major answers of the rollout from their index rows: one range query per bucket
   * (`i|`, at most `limit` + 1 rows: the bucket's marker sorts first), merged, open first then
   * newest first (by `updatedAt`). No answer row is read, except once per bucket to backfill the
   * index of answers saved before it existed:
   *
   * A bucket whose marker row (`i|0`) does not say complete is backfilled first (backfillIssues in
   * issue-rows.ts): its answer rows are read in pages from where the marker says an earlier call
   * stopped, and each blocker or major answer without an index row gets one, in a transaction with
   * an ETag-guarded rewrite of the answer row as read (so a save that raced it wins: 412 or 409,
   * skipped). A call reads at most MAX_EXPORT_ROWS (50,000) answer rows over all its buckets; a
   * bucket it did not finish keeps its progress in its marker and the next call goes on from there,
   * so the listing is complete once every bucket's marker says so (the first call for a rollout of
   * up to 50,000 answers). Until then the list may miss older answers of unfinished buckets.
   */
  async issues(tenantId: string, rolloutId: string, limit: number): Promise<FeedbackEntry[]> {
    const max = Math.min(MAX_EXPORT_ROWS, Math.max(0, Math.floor(limit)));
    if (max === 0) return [];
    const read = (bucket: number): Promise<StoredEntity[]> =>
      this.table.query(feedbackPartitionKey(tenantId, rolloutId, bucket), {
        rowKeyPrefix: ISSUE_PREFIX,
        limit: max + 1,
      });
    const perBucket = await Promise.all(buckets().map(read));
    let budget = MAX_EXPORT_ROWS;
    for (const bucket of buckets()) {
      const marker = markerOf(perBucket[bucket]?.[0]);
      if (marker?.complete || budget <= 0) continue;
      budget -= await backfillIssues(
        this.table,
        feedbackPartitionKey(tenantId, rolloutId, bucket),
        marker,
        budget,
      );
      perBucket[bucket] = await read(bucket);
    }
    return perBucket
      .flat()
      .filter((row) => row.rowKey !== ISSUE_MARKER_ROW)
      .sort((a, b) => compare(a.rowKey, b.rowKey))
      .slice(0, max)
      .map(issueEntryOf);
  }

  /** The index row an answer row names (its `indexKey` column), null when none or no row. */
  private async indexKeyOf(pk: string, rowKey: string): Promise<string | null> {
    // The exact key as a prefix: answer keys end with a fixed-length person key, so only this row.
    const [row] = await this.table.query(pk, { rowKeyPrefix: rowKey, select: [INDEX_KEY_COLUMN], limit: 1 });
    return row?.rowKey === rowKey ? strOrNull(row[INDEX_KEY_COLUMN]) || null : null;
  }

  async tallies(tenantId: string, rolloutId: string): Promise<Map<string, FeedbackTally>> {
    const sums = new Map<string, FeedbackTally>();
    for (const shard of await this.shards(tenantId, rolloutId)) {
      sums.set(shard.stageId, addTallies(sums.get(shard.stageId) ?? emptyTally(), shard.tally));
    }
    return sums;
  }

  /**
   * The newest comments of the rollout's count shards, one per person and stage. Each shard keeps
   * its 5 newest, so a `limit` up to 5 gives the rollout's newest comments; a larger one may miss
   * some that a busier shard pushed out.
   */
  async recentComments(tenantId: string, rolloutId: string, limit: number): Promise<RecentComment[]> {
    if (limit <= 0) return [];
    const newest = new Map<string, RecentItem>();
    for (const shard of await this.shards(tenantId, rolloutId)) {
      for (const item of shard.recent) {
        const key = `${item.who}|${item.stageId}`;
        const seen = newest.get(key);
        if (!seen || item.at > seen.at) newest.set(key, item);
      }
    }
    return [...newest.values()]
      .filter((item) => item.comment)
      .sort(newestFirst)
      .slice(0, limit)
      .map(({ who: _who, ...comment }) => comment);
  }

  async entries(tenantId: string, rolloutId: string, limit: number): Promise<FeedbackEntry[]> {
    const max = Math.max(0, Math.floor(limit));
    if (max === 0) return [];
    const rows = await Promise.all(
      buckets().map((bucket) =>
        this.table.query(feedbackPartitionKey(tenantId, rolloutId, bucket), {
          rowKeyPrefix: 'r|',
          limit: max,
        }),
      ),
    );
    return rows
      .flat()
      .map((row) => JSON.parse(str(row.doc)) as FeedbackEntry)
      .sort((a, b) => compare(a.stageId, b.stageId) || compare(a.submittedAt, b.submittedAt))
      .slice(0, max);
  }

  /**
   * The person keys of everyone who has answered `stageId`: a keys-only read of the stage's answer
   * rows (`r|<stageId>|…`, no property selected), one query per bucket in parallel. No index of who
   * answered is written: what an answer row's key already says is read when asked.
   */
  async answeredKeys(tenantId: string, rolloutId: string, stageId: string): Promise<Set<string>> {
    const prefix = answerRow(stageId, '');
    const rows = await Promise.all(
      buckets().map((bucket) =>
        this.table.query(feedbackPartitionKey(tenantId, rolloutId, bucket), {
          rowKeyPrefix: prefix,
          select: [],
          limit: ANSWER_KEYS_PER_BUCKET,
        }),
      ),
    );
    return new Set(rows.flat().map((row) => decodeKey(row.rowKey.slice(prefix.length))));
  }

  async pendingNotices(limit: number): Promise<FeedbackNotice[]> {
    const rows = await pendingOutboxRows(this.table, 'f|', limit);
    return rows.map((row) => noticeOf<FeedbackNotice>(row, NOTICE_KEYS));
  }

  async clearNotice(notice: FeedbackNotice): Promise<void> {
    const bucket = feedbackBucket(notice.personKey);
    if (bucket === null) return; // no such row could have been written
    await deleteIfPresent(
      this.table,
      feedbackPartitionKey(notice.tenantId, notice.rolloutId, bucket),
      outboxRow(notice.id),
    );
  }

  /** Every count shard of the rollout: one query per bucket, in parallel, bounded. */
  private async shards(tenantId: string, rolloutId: string): Promise<Shard[]> {
    const rows = await Promise.all(
      buckets().map((bucket) =>
        this.table.query(feedbackPartitionKey(tenantId, rolloutId, bucket), {
          rowKeyPrefix: 's|',
          limit: MAX_STAGES * COUNT_SHARDS,
        }),
      ),
    );
    return rows.flat().map(parseShard);
  }

  /**
   * The write of the shard `(start + attempt) % 4` (tally + delta, the person's comment replaced), guarded
   * by its ETag (or a create), plus a rewrite of any other shard of the stage that still holds a
   * comment of the person, so that an emptied or edited comment cannot reappear from there.
   */
  private async shardActions(pk: string, change: FeedbackCommit, personKey: string): Promise<TableAction[]> {
    const { entry } = change;
    const sub = shardFor(personKey, change.attempt);
    const rows = await this.table.query(pk, {
      rowKeyPrefix: shardPrefix(entry.stageId),
      limit: COUNT_SHARDS,
    });
    const existing = new Map(rows.map((row) => [row.rowKey, parseShard(row)]));
    const isMine = (item: RecentItem): boolean => item.who === personKey && item.stageId === entry.stageId;
    const actions: TableAction[] = [];
    for (let s = 0; s < COUNT_SHARDS; s++) {
      const rowKey = shardRow(entry.stageId, s);
      const shard = existing.get(rowKey);
      if (s !== sub) {
        if (shard?.recent.some(isMine)) {
          actions.push({
            kind: 'update',
            entity: this.shardEntity(
              pk,
              rowKey,
              entry,
              shard.tally,
              shard.recent.filter((i) => !isMine(i)),
            ),
            ifMatch: shard.row.etag,
          });
        }
        continue;
      }
      const recent = (shard?.recent ?? []).filter((i) => !isMine(i));
      if (entry.answer.comment) recent.push(recentItemOf(entry, personKey));
      recent.sort(newestFirst);
      const entity = this.shardEntity(
        pk,
        rowKey,
        entry,
        addTallies(shard?.tally ?? emptyTally(), change.delta),
        recent.slice(0, RECENT_PER_SHARD),
      );
      actions.push(shard ? { kind: 'update', entity, ifMatch: shard.row.etag } : { kind: 'create', entity });
    }
    return actions;
  }

  private shardEntity(
    pk: string,
    rowKey: string,
    entry: FeedbackEntry,
    tally: FeedbackTally,
    recent: RecentItem[],
  ): TableEntity {
    return {
      partitionKey: pk,
      rowKey,
      stageId: entry.stageId,
      rolloutId: entry.rolloutId,
      tally: JSON.stringify(tally),
      recent: JSON.stringify(recent),
    };
  }
}
