import { isConcurrencyError } from '../app/errors';
import type { FeedbackEntry, Severity } from '../domain/feedback';
import {
  decodeKey,
  encodeKey,
  withoutNulls,
  type EntityTable,
  type StoredEntity,
  type TableAction,
  type TableEntity,
  str,
  strOrNull,
} from './entity-table';

/**
 * The index of blocker and major answers, kept beside the answers in their bucket partition (so
 * an index row commits in the answer's own transaction).
 *
 *   RowKey  i|0                                        the bucket's backfill marker (see below)
 *           i|<1 open, 2 resolved>|<inverted updatedAt ms>|<stageId>|<personKey>
 *                                                      an index row: what the issue list shows
 *
 * The key sorts open before resolved, then newest first, so a bucket's first N index rows are its
 * N first issues: the list is a merge of one range query per bucket (`i|`, limit N + 1: the marker
 * sorts first), never a point read. The key changes when the answer's state does, so the answer
 * row names its index row in an `indexKey` column (absent: the answer has none); a save reads that
 * column (a keys-and-one-column read) and, in the answer's transaction, deletes the old index row
 * and writes the new one. The answer's ETag guards both: a row that changed since makes the whole
 * transaction fail, index rows included.
 */
export const ISSUE_PREFIX = 'i|';
export const ISSUE_MARKER_ROW = `${ISSUE_PREFIX}0`;
/** The answer row's column naming its index row. */
export const INDEX_KEY_COLUMN = 'indexKey';
/** Characters of a person's name kept on an index row (the answer row keeps all of it). */
export const ISSUE_NAME_CHARS = 500;

const MAX_MS = 9_999_999_999_999;
const invertedTime = (iso: string): string =>
  String(MAX_MS - Math.max(0, Math.min(MAX_MS, Date.parse(iso) || 0))).padStart(13, '0');

export const isIssue = (entry: FeedbackEntry): boolean => isIssueSeverity(entry.answer.severity);
const isIssueSeverity = (severity: unknown): severity is Extract<Severity, 'blocker' | 'major'> =>
  severity === 'blocker' || severity === 'major';

/** The row key of an answer's index row (the answer must be a blocker or major one). */
export const issueRowKey = (entry: FeedbackEntry, personKey: string): string =>
  `${ISSUE_PREFIX}${entry.resolution ? 2 : 1}|${invertedTime(entry.updatedAt)}|${encodeKey(entry.stageId)}|${personKey}`;

export const issueEntity = (pk: string, entry: FeedbackEntry, personKey: string): TableEntity =>
  withoutNulls({
    partitionKey: pk,
    rowKey: issueRowKey(entry, personKey),
    rolloutId: entry.rolloutId,
    stageId: entry.stageId,
    personKey,
    severity: entry.answer.severity,
    category: entry.answer.category,
    platform: entry.answer.platform,
    rating: entry.answer.rating,
    installed: entry.answer.installed,
    // At most MAX_COMMENT_LENGTH (2,000) characters, validated before a save.
    comment: entry.answer.comment,
    shareName: entry.answer.shareName,
    personId: entry.person.id,
    personName: entry.person.name.slice(0, ISSUE_NAME_CHARS),
    submittedAt: entry.submittedAt,
    updatedAt: entry.updatedAt,
    resolvedById: entry.resolution?.by.id ?? null,
    resolvedByName: entry.resolution?.by.name.slice(0, ISSUE_NAME_CHARS) ?? null,
    resolvedAt: entry.resolution?.at ?? null,
    resolutionNote: entry.resolution?.note ?? null,
  });

/** The entry an index row describes (`activities` are not kept: []). */
export const issueEntryOf = (row: StoredEntity): FeedbackEntry => {
  const resolvedAt = strOrNull(row.resolvedAt);
  return {
    rolloutId: str(row.rolloutId),
    stageId: str(row.stageId),
    person: { id: str(row.personId), name: str(row.personName) },
    answer: {
      rating: Number(row.rating) as FeedbackEntry['answer']['rating'],
      installed: str(row.installed) as FeedbackEntry['answer']['installed'],
      category: str(row.category) as FeedbackEntry['answer']['category'],
      severity: str(row.severity) as FeedbackEntry['answer']['severity'],
      platform: str(row.platform) as FeedbackEntry['answer']['platform'],
      comment: str(row.comment),
      shareName: row.shareName === true,
    },
    submittedAt: str(row.submittedAt),
    updatedAt: str(row.updatedAt),
    resolution:
      resolvedAt === null
        ? null
        : {
            by: { id: str(row.resolvedById), name: str(row.resolvedByName) },
            at: resolvedAt,
            note: str(row.resolutionNote),
          },
    activities: [],
  };
};

/**
 * The index actions of a save, beside the answer row: delete the row the answer had (`previous`,
 * from its `indexKey` column), write the one it now needs. Returns the actions and the answer's
 * new `indexKey` (null: not an issue any more, the column goes).
 */
export const issueActions = (
  pk: string,
  entry: FeedbackEntry,
  personKey: string,
  previous: string | null,
): { actions: TableAction[]; indexKey: string | null } => {
  const next = isIssue(entry) ? issueEntity(pk, entry, personKey) : null;
  const actions: TableAction[] = [];
  if (previous !== null && previous !== next?.rowKey) {
    actions.push({ kind: 'delete', partitionKey: pk, rowKey: previous });
  }
  if (next)
    actions.push(
      previous === next.rowKey ? { kind: 'upsert', entity: next } : { kind: 'create', entity: next },
    );
  return { actions, indexKey: next?.rowKey ?? null };
};

/** Answer rows read per query of a backfill. */
const BACKFILL_PAGE = 1000;
/** Index writes of a backfill in flight at once. */
const BACKFILL_CONCURRENCY = 4;

/** What the marker row says: the bucket's index is complete, or how far a backfill got. */
export interface IssueMarker {
  complete: boolean;
  /** The last answer row key a backfill went through (it goes on after it). */
  after: string | null;
}

export const markerOf = (row: StoredEntity | undefined): IssueMarker | null =>
  row && row.rowKey === ISSUE_MARKER_ROW
    ? { complete: row.complete === true, after: strOrNull(row.after) }
    : null;

/**
 * Backfills one bucket partition's index from answer rows written before the index existed, going
 * on from where the marker says an earlier call stopped, reading at most `budget` answer rows.
 * Returns the answer rows read (the caller's budget goes down by as many).
 *
 * For each blocker or major answer row without an `indexKey`, one transaction writes its index row
 * and rewrites the answer row as read (every property kept, `indexKey` added) guarded by the ETag it
 * was read with. A save that raced the backfill changed that ETag (412) or already wrote the index
 * row (409): the save wrote or deleted the index row itself, and the backfill skips the answer.
 * Other failures propagate (the marker is not moved, the next listing tries again).
 *
 * When the bucket's answers end within the budget, the marker says the bucket is complete and no
 * later listing reads its answers again (a bucket with no answers at all gets no marker); otherwise it records the last answer row read, so each
 * call makes progress and none reads more than the budget.
 */
export const backfillIssues = async (
  table: EntityTable,
  pk: string,
  marker: IssueMarker | null,
  budget: number,
): Promise<number> => {
  let after = marker?.after ?? undefined;
  let read = 0;
  let complete = false;
  while (read < budget) {
    const want = Math.min(BACKFILL_PAGE, budget - read);
    const rows = await table.query(pk, {
      rowKeyPrefix: 'r|',
      ...(after === undefined ? {} : { rowKeyAfter: after }),
      limit: want,
    });
    read += rows.length;
    const missing = rows.filter((row) => !str(row[INDEX_KEY_COLUMN]) && isIssueRow(row));
    for (let i = 0; i < missing.length; i += BACKFILL_CONCURRENCY) {
      await Promise.all(missing.slice(i, i + BACKFILL_CONCURRENCY).map((row) => indexOne(table, row)));
    }
    const last = rows[rows.length - 1];
    if (last) after = last.rowKey;
    if (rows.length < want) {
      complete = true;
      break;
    }
  }
  // No answers at all (yet): nothing to record; every answer from now on is indexed as it is saved
  // and a bucket without a marker costs one empty range read. (A listing of a rollout without
  // feedback writes nothing.)
  if (read === 0 && marker === null) return 0;
  await table.submit([
    {
      kind: 'upsert',
      entity: withoutNulls({
        partitionKey: pk,
        rowKey: ISSUE_MARKER_ROW,
        complete,
        after: complete ? null : (after ?? null),
      }),
    },
  ]);
  return read;
};

const entryOfAnswer = (row: StoredEntity): FeedbackEntry | null => {
  try {
    return JSON.parse(str(row.doc)) as FeedbackEntry;
  } catch {
    return null;
  }
};

const isIssueRow = (row: StoredEntity): boolean => {
  const entry = entryOfAnswer(row);
  return entry !== null && isIssueSeverity(entry.answer?.severity);
};

const indexOne = async (table: EntityTable, row: StoredEntity): Promise<void> => {
  const entry = entryOfAnswer(row);
  const personKey = decodeKey(row.rowKey.split('|')[2] ?? '');
  if (!entry || !personKey) return;
  const index = issueEntity(row.partitionKey, entry, personKey);
  const { etag, ...answer } = row;
  try {
    await table.submit([
      { kind: 'update', entity: { ...answer, [INDEX_KEY_COLUMN]: index.rowKey }, ifMatch: etag },
      { kind: 'create', entity: index },
    ]);
  } catch (err) {
    if (!isConcurrencyError(err)) throw err;
    // A save changed the answer meanwhile and kept its index itself.
  }
};
