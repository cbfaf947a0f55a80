import { ConcurrencyError } from '../app/errors';
import type {
  JobState,
  JobStateStore,
  RolloutScheduleState,
  ScheduledNotice,
  ScheduleEffects,
  ScheduleRepository,
  StageSnapshot,
  Stored,
} from '../app/ports';
import { emptyTally, type FeedbackTally } from '../domain/feedback';
import { errorInfo } from './azure-table-errors';
import {
  encodeKey,
  MAX_TRANSACTION_ACTIONS,
  str,
  strOrNull,
  type EntityTable,
  type StoredEntity,
  type TableAction,
  type TableEntity,
} from './entity-table';
import { deleteIfPresent, noticeOf, outboxEntity, outboxRow, pendingOutboxRows } from './outbox-rows';

/**
 * The scheduler's state in its own table (`<TABLE_PREFIX>Schedule`):
 *
 *   PartitionKey        RowKey                 what
 *   jobs                <job name>             a job's row: last slot claimed (ETag compare-and-set), last run, failures
 *   r|<tenant>|<rollout> state                 what the scheduler did for the rollout (done keys, nudges)
 *                       o|<notice id>          outbox: a scheduled notice not yet sent
 *                       d|<stage>|<date>       a stage's feedback counts at the end of a local date
 *                       x|<person id>          the person asked not to be reminded about the rollout
 *
 * A rollout's state, its notices and its snapshots share the partition, so a decision and what it
 * causes commit in one transaction; the snapshots of a rollout are one partition query.
 */
export const JOBS_PARTITION = 'jobs';
const ROLLOUT_PREFIX = 'r|';
const STATE_ROW = 'state';
const SNAPSHOT_PREFIX = 'd|';
const OPT_OUT_PREFIX = 'x|';
/** Opt-out rows read per query. */
export const OPT_OUT_PAGE = 1000;

export const schedulePartition = (tenantId: string, rolloutId: string): string =>
  `${ROLLOUT_PREFIX}${encodeKey(tenantId)}|${encodeKey(rolloutId)}`;
const snapshotRow = (stageId: string, date: string): string =>
  `${SNAPSHOT_PREFIX}${encodeKey(stageId)}|${date}`;

const NOTICE_KEYS = ['id', 'tenantId', 'kind', 'rolloutId', 'topic', 'data', 'createdAt'] as const;

const json = <T>(value: unknown, fallback: T): T => {
  try {
    return typeof value === 'string' && value ? (JSON.parse(value) as T) : fallback;
  } catch {
    return fallback;
  }
};

const jobOf = (row: StoredEntity): JobState => ({
  name: row.rowKey,
  lastSlot: strOrNull(row.lastSlot),
  claimedAt: strOrNull(row.claimedAt),
  lastRunAt: strOrNull(row.lastRunAt),
  lastError: strOrNull(row.lastError),
  failures: Number(row.failures) || 0,
  reportedAt: strOrNull(row.reportedAt),
});

const stateOf = (row: StoredEntity): RolloutScheduleState => ({
  tenantId: str(row.tenantId),
  rolloutId: str(row.rolloutId),
  done: json<Record<string, string>>(row.done, {}),
  nudges: json<RolloutScheduleState['nudges']>(row.nudges, {}),
});

const snapshotOf = (row: StoredEntity): StageSnapshot => ({
  tenantId: str(row.tenantId),
  rolloutId: str(row.rolloutId),
  stageId: str(row.stageId),
  date: str(row.date),
  tally: { ...emptyTally(), ...json<Partial<FeedbackTally>>(row.tally, {}) },
  at: str(row.at),
});

/** Job rows and per-rollout schedule state in Table Storage (layout above). */
export class TableScheduleRepository implements ScheduleRepository, JobStateStore {
  constructor(private readonly table: EntityTable) {}

  async job(name: string): Promise<Stored<JobState> | null> {
    const row = await this.table.get(JOBS_PARTITION, name);
    return row ? { value: jobOf(row), etag: row.etag } : null;
  }

  async saveJob(state: JobState, ifMatch: string | null): Promise<Stored<JobState>> {
    const entity: TableEntity = {
      partitionKey: JOBS_PARTITION,
      rowKey: state.name,
      lastSlot: state.lastSlot,
      claimedAt: state.claimedAt,
      lastRunAt: state.lastRunAt,
      lastError: state.lastError?.slice(0, 1000) ?? null,
      failures: state.failures,
      reportedAt: state.reportedAt,
    };
    const [etag = ''] = await this.table.submit([
      ifMatch === null ? { kind: 'create', entity } : { kind: 'update', entity, ifMatch },
    ]);
    return { value: state, etag };
  }

  async jobs(): Promise<JobState[]> {
    return (await this.table.query(JOBS_PARTITION)).map(jobOf);
  }

  async state(tenantId: string, rolloutId: string): Promise<Stored<RolloutScheduleState> | null> {
    const row = await this.table.get(schedulePartition(tenantId, rolloutId), STATE_ROW);
    return row ? { value: stateOf(row), etag: row.etag } : null;
  }

  async commit(
    state: RolloutScheduleState,
    ifMatch: string | null,
    effects: ScheduleEffects = {},
  ): Promise<Stored<RolloutScheduleState>> {
    const pk = schedulePartition(state.tenantId, state.rolloutId);
    const entity: TableEntity = {
      partitionKey: pk,
      rowKey: STATE_ROW,
      tenantId: state.tenantId,
      rolloutId: state.rolloutId,
      done: JSON.stringify(state.done),
      nudges: JSON.stringify(state.nudges),
    };
    const actions: TableAction[] = [
      ifMatch === null ? { kind: 'create', entity } : { kind: 'update', entity, ifMatch },
      ...(effects.notices ?? []).map((notice): TableAction => ({
        kind: 'create',
        entity: outboxEntity(pk, notice),
      })),
      // A snapshot taken again for the same date (a retried run) replaces it.
      ...(effects.snapshots ?? []).map((snapshot): TableAction => ({
        kind: 'upsert',
        entity: {
          partitionKey: pk,
          rowKey: snapshotRow(snapshot.stageId, snapshot.date),
          tenantId: snapshot.tenantId,
          rolloutId: snapshot.rolloutId,
          stageId: snapshot.stageId,
          date: snapshot.date,
          tally: JSON.stringify(snapshot.tally),
          at: snapshot.at,
        },
      })),
    ];
    if (actions.length > MAX_TRANSACTION_ACTIONS) {
      throw new Error(`a schedule commit has ${actions.length} rows; at most ${MAX_TRANSACTION_ACTIONS}`);
    }
    const [etag = ''] = await this.table.submit(actions);
    return { value: state, etag };
  }

  async snapshots(tenantId: string, rolloutId: string, stageId?: string): Promise<StageSnapshot[]> {
    const rows = await this.table.query(schedulePartition(tenantId, rolloutId), {
      rowKeyPrefix: stageId === undefined ? SNAPSHOT_PREFIX : `${SNAPSHOT_PREFIX}${encodeKey(stageId)}|`,
    });
    return rows
      .map(snapshotOf)
      .sort((a, b) => a.date.localeCompare(b.date) || a.stageId.localeCompare(b.stageId));
  }

  async setOptOut(tenantId: string, rolloutId: string, personId: string, stop: boolean): Promise<void> {
    const partitionKey = schedulePartition(tenantId, rolloutId);
    const rowKey = `${OPT_OUT_PREFIX}${encodeKey(personId.toLowerCase())}`;
    if (!stop) return deleteIfPresent(this.table, partitionKey, rowKey);
    await this.table.submit([
      { kind: 'upsert', entity: { partitionKey, rowKey, personId: personId.toLowerCase() } },
    ]);
  }

  async optedOut(tenantId: string, rolloutId: string): Promise<Set<string>> {
    const partitionKey = schedulePartition(tenantId, rolloutId);
    const people = new Set<string>();
    // Page on by row key: every opt-out is read, however many (a query is bounded per call).
    for (let after: string | undefined; ;) {
      const rows = await this.table.query(partitionKey, {
        rowKeyPrefix: OPT_OUT_PREFIX,
        ...(after === undefined ? {} : { rowKeyAfter: after }),
        limit: OPT_OUT_PAGE,
        select: ['personId'],
      });
      for (const row of rows) people.add(str(row.personId));
      if (rows.length < OPT_OUT_PAGE) return people;
      after = rows[rows.length - 1]?.rowKey;
    }
  }

  async pendingNotices(limit: number): Promise<ScheduledNotice[]> {
    const rows = await pendingOutboxRows(this.table, ROLLOUT_PREFIX, limit);
    return rows.map((row) => noticeOf<ScheduledNotice>(row, NOTICE_KEYS));
  }

  clearNotice(notice: ScheduledNotice): Promise<void> {
    return deleteIfPresent(
      this.table,
      schedulePartition(notice.tenantId, notice.rolloutId),
      outboxRow(notice.id),
    );
  }

  /** Deletes a rollout's schedule partition, at most `limit` rows a call; true when none is left. */
  async purgeRollout(tenantId: string, rolloutId: string, limit: number): Promise<boolean> {
    const partitionKey = schedulePartition(tenantId, rolloutId);
    const rows = await this.table.query(partitionKey, { limit });
    for (let i = 0; i < rows.length; i += MAX_TRANSACTION_ACTIONS) {
      const batch = rows.slice(i, i + MAX_TRANSACTION_ACTIONS);
      try {
        await this.table.submit(batch.map((row) => ({ kind: 'delete', partitionKey, rowKey: row.rowKey })));
      } catch (err) {
        // A row deleted meanwhile fails the batch: the next call reads what is left.
        if (errorInfo(err).statusCode !== 404 && !(err instanceof ConcurrencyError)) throw err;
      }
    }
    return rows.length < limit;
  }
}
