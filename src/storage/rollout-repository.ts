import { TooLargeError } from '../app/errors';
import type { Rollout, RolloutStatus } from '../domain/rollout';
import type {
  AssignmentState,
  AuditEntry,
  PendingAnnouncement,
  PendingAssignment,
  ProcessedMarker,
  PurgeProgress,
  RolloutCommit,
  RolloutKey,
  RolloutRepository,
  RolloutSummary,
  Stored,
} from '../app/ports';
import { auditActions, auditEntryOf } from './audit-rows';
import { errorInfo } from './azure-table-errors';
import { markerActions, markerOf, markerRow, purgeMarkers } from './marker-rows';
import { deleteIfPresent, OUTBOX_PREFIX, outboxRow, pendingOutboxRows } from './outbox-rows';
import {
  decodeKey,
  encodeKey,
  MAX_STRING_PROPERTY_CHARS,
  MAX_TRANSACTION_ACTIONS,
  type EntityTable,
  type StoredEntity,
  type TableAction,
  type TableEntity,
  str,
} from './entity-table';

/**
 * Rollouts in Table Storage. A tenant's rollouts, their audit and the processed-activity markers
 * share the tenant's partition, so a state change, its audit lines and its marker commit in one
 * entity-group transaction guarded by the rollout's ETag, and listing a conversation's rollouts
 * is one partition query (no secondary index to keep in step).
 *
 *   PartitionKey  t|<tenant>
 *   RowKey        r|<rolloutId>                       the rollout (JSON in doc0..docN, plus list columns)
 *                 a|<rolloutId or ->|<inverted ms>|<n>  audit, newest first
 *                 m|<sha256 of activity key>           processed marker (key, rolloutId, outcome, at,
 *                                                      refused; indexed: has an index row)
 *                 md|<at, ISO UTC>|<sha256 of key>     the marker's index row, written with it: the
 *                                                      purge reads markers older than a cut-off as
 *                                                      one RowKey range (see marker-rows.ts)
 *                 o|<assignment id>                    outbox: an Intune assignment not yet run
 *                 oa|<announcement id>                 outbox: an announcement not yet made and started
 *                 i|<rolloutId>                        Intune state: assignments as last read, latest run
 */
export const MAX_DOC_PARTS = 15;

const TENANT_PREFIX = 't|';
/** Tenants named at most when a rollout id is found in several (a look-up bound). */
const MAX_TENANTS_SHOWN = 10;
const partition = (tenantId: string): string => `${TENANT_PREFIX}${encodeKey(tenantId)}`;
const rolloutRow = (rolloutId: string): string => `r|${encodeKey(rolloutId)}`;
const auditPrefix = (rolloutId: string | null): string =>
  `a|${rolloutId === null ? '-' : encodeKey(rolloutId)}|`;
const intuneRow = (rolloutId: string): string => `i|${encodeKey(rolloutId)}`;

/** Entries of one audit page at most. */
export const MAX_AUDIT_PAGE = 100;
/** Audit rows a filtered page scans at most per call (it returns a cursor to go on). */
export const AUDIT_SCAN_ROWS = 5000;
const AUDIT_SCAN_CHUNK = 1000;

/**
 * An audit cursor that is not one of this rollout's audit (malformed, another rollout's, not an
 * audit row's key): the caller answers 400. Nothing was read. (`name` is 'InvalidCursorError'.)
 */
export class InvalidCursorError extends Error {
  constructor(message = 'that audit cursor is not one of this rollout’s audit: start again') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

/** An audit row key after its prefix: inverted ms | inverted sequence | index and salt. */
const AUDIT_KEY_TAIL = /^\d{13}\|\d{9}\|\d{2}[0-9a-f]{6}$/;

/** The opaque cursor of an audit page: the last row key it went through, base64url. */
const auditCursor = (rowKey: string): string => Buffer.from(rowKey, 'utf8').toString('base64url');

/** The row key a cursor names, which must be one of the audit rows under `prefix`. */
const cursorKey = (cursor: string, prefix: string): string => {
  const key = /^[A-Za-z0-9_-]{1,2000}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!key.startsWith(prefix) || !AUDIT_KEY_TAIL.test(key.slice(prefix.length))) {
    throw new InvalidCursorError();
  }
  return key;
};

/** App assignments kept in the Intune state at most (the state stays one small property). */
export const MAX_KEPT_ASSIGNMENTS = 100;

const assignmentEntity = (pk: string, job: PendingAssignment): TableEntity => ({
  ...job,
  groups: JSON.stringify(job.groups),
  warnings: JSON.stringify(job.warnings),
  partitionKey: pk,
  rowKey: outboxRow(job.id),
});

const assignmentOf = (row: StoredEntity): PendingAssignment => ({
  id: str(row.id),
  tenantId: str(row.tenantId),
  rolloutId: str(row.rolloutId),
  stageId: str(row.stageId),
  appId: str(row.appId),
  groups: JSON.parse(str(row.groups) || '[]') as string[],
  intent: str(row.intent) === 'available' ? 'available' : 'required',
  warnings: JSON.parse(str(row.warnings) || '[]') as string[],
  attempt: Number(row.attempt) || 1,
  createdAt: str(row.createdAt),
});

const splitDoc = (json: string): Record<string, string | number> => {
  const parts: Record<string, string | number> = {};
  let n = 0;
  for (let i = 0; i < json.length; i += MAX_STRING_PROPERTY_CHARS, n++) {
    parts[`doc${n}`] = json.slice(i, i + MAX_STRING_PROPERTY_CHARS);
  }
  if (n > MAX_DOC_PARTS) throw new TooLargeError(json.length, MAX_DOC_PARTS * MAX_STRING_PROPERTY_CHARS);
  parts.docParts = n;
  return parts;
};

const joinDoc = (row: StoredEntity): string => {
  const n = Number(row.docParts);
  let json = '';
  for (let i = 0; i < n; i++) json += String(row[`doc${i}`] ?? '');
  return json;
};

/**
 * Announcement outbox rows have their own prefix, not `o|`: the Intune outbox reads every `o|` row
 * as an assignment, and each outbox's bounded read must not be filled by the other's rows.
 */
const ANNOUNCEMENT_OUTBOX_PREFIX = 'oa|';
const announcementRow = (id: string): string => `${ANNOUNCEMENT_OUTBOX_PREFIX}${encodeKey(id)}`;

const announcementEntity = (pk: string, pending: PendingAnnouncement): TableEntity => ({
  partitionKey: pk,
  rowKey: announcementRow(pending.id),
  id: pending.id,
  tenantId: pending.tenantId,
  rolloutId: pending.rolloutId,
  stageId: pending.stageId,
  by: JSON.stringify(pending.by),
  at: pending.at,
  // The plan's communication texts can be long: split as the rollout's document is.
  ...splitDoc(JSON.stringify(pending.text)),
});

const announcementOf = (row: StoredEntity): PendingAnnouncement => ({
  id: str(row.id),
  tenantId: str(row.tenantId),
  rolloutId: str(row.rolloutId),
  stageId: str(row.stageId),
  text: JSON.parse(joinDoc(row)) as PendingAnnouncement['text'],
  by: JSON.parse(str(row.by)) as PendingAnnouncement['by'],
  at: str(row.at),
});

export class TableRolloutRepository implements RolloutRepository {
  constructor(private readonly table: EntityTable) {}

  async get(tenantId: string, rolloutId: string): Promise<Stored<Rollout> | null> {
    const row = await this.table.get(partition(tenantId), rolloutRow(rolloutId));
    if (!row) return null;
    return { value: JSON.parse(joinDoc(row)) as Rollout, etag: row.etag };
  }

  /**
   * Which tenant holds the rollout with this id, for callers that do not know (the command line):
   * a bounded cross-partition query over the tenants' partitions. Null when none does; throws when
   * the table cannot query across partitions, or when several tenants hold the id.
   */
  async findRollout(rolloutId: string): Promise<{ tenantId: string } | null> {
    if (!this.table.findByRowKey) {
      throw new Error(`table ${this.table.name} cannot search across tenants: give the tenant id`);
    }
    const rows = await this.table.findByRowKey(rolloutRow(rolloutId), {
      partitionKeyPrefix: TENANT_PREFIX,
      limit: MAX_TENANTS_SHOWN,
    });
    const tenants = rows.map((row) => decodeKey(row.partitionKey.slice(TENANT_PREFIX.length)));
    const [only] = tenants;
    if (only === undefined) return null;
    if (tenants.length > 1) {
      throw new Error(
        `several tenants hold a rollout with id ${rolloutId} (${tenants.join(', ')}): give the tenant id`,
      );
    }
    return { tenantId: only };
  }

  async list(tenantId: string, filter: { conversationId?: string } = {}): Promise<RolloutSummary[]> {
    const rows = await this.table.query(partition(tenantId), {
      rowKeyPrefix: 'r|',
      ...(filter.conversationId ? { where: { conversationId: filter.conversationId } } : {}),
    });
    return rows
      .map((row) => ({
        id: str(row.rolloutId),
        name: str(row.name),
        status: str(row.status) as RolloutStatus,
        phase: str(row.phase),
        conversationId: str(row.conversationId),
        createdAt: str(row.createdAt),
      }))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async scheduledRollouts(limit: number): Promise<RolloutKey[]> {
    if (!this.table.findByRowKeyPrefix) return [];
    const rows = await this.table.findByRowKeyPrefix('r|', {
      limit,
      select: ['rolloutId', 'status'],
    });
    return rows
      .filter((row) => row.partitionKey.startsWith(TENANT_PREFIX) && str(row.status) !== 'completed')
      .map((row) => ({
        tenantId: decodeKey(row.partitionKey.slice(TENANT_PREFIX.length)),
        rolloutId: str(row.rolloutId),
        status: str(row.status) as RolloutStatus,
      }));
  }

  async commit(tenantId: string, change: RolloutCommit): Promise<Stored<Rollout>> {
    const pk = partition(tenantId);
    const { rollout } = change;
    const entity: TableEntity = {
      partitionKey: pk,
      rowKey: rolloutRow(rollout.id),
      rolloutId: rollout.id,
      name: rollout.name,
      status: rollout.status,
      phase: rollout.position.phase,
      conversationId: rollout.coordination.conversationId,
      createdAt: rollout.createdAt,
      ...splitDoc(JSON.stringify(rollout)),
    };
    const actions: TableAction[] = [
      change.ifMatch === null
        ? { kind: 'create', entity }
        : { kind: 'update', entity, ifMatch: change.ifMatch },
      ...this.auditActions(pk, change.audit),
    ];
    // At most 1 + audit + 2 (marker, index row) + 2 (outbox rows): every decision today makes one
    // or two audit entries, so a commit is far below a transaction's 100 actions.
    if (change.processed) actions.push(...markerActions(pk, change.processed));
    if (change.assignment)
      actions.push({ kind: 'create', entity: this.ownAssignment(tenantId, rollout.id, change.assignment) });
    if (change.announcement)
      actions.push({
        kind: 'create',
        entity: this.ownAnnouncement(tenantId, rollout.id, change.announcement),
      });
    if (actions.length > MAX_TRANSACTION_ACTIONS)
      throw new Error(
        `too many audit entries for one transaction (${actions.length} actions, at most ${MAX_TRANSACTION_ACTIONS})`,
      );
    const [etag] = await this.table.submit(actions);
    return { value: rollout, etag: etag ?? '' };
  }

  async findProcessed(tenantId: string, key: string): Promise<ProcessedMarker | null> {
    const row = await this.table.get(partition(tenantId), markerRow(key));
    return row ? markerOf(row) : null;
  }

  /**
   * Markers written before `before` go, at most `limit` a call: indexed ones by their index rows,
   * then those written before the index existed by a bounded sweep (marker-rows.ts).
   */
  purgeMarkers(before: Date, limit: number, cursor: string | null = null): Promise<PurgeProgress> {
    return purgeMarkers(this.table, TENANT_PREFIX, before, limit, cursor);
  }

  async audit(tenantId: string, rolloutId: string | null, limit: number): Promise<AuditEntry[]> {
    const rows = await this.table.query(partition(tenantId), { rowKeyPrefix: auditPrefix(rolloutId), limit });
    return rows.map(auditEntryOf);
  }

  /**
   * One page of the rollout's audit rows (`a|<rolloutId>|…`, newest first), of one kind (`type`)
   * and/or one person (`byId`) when given. The cursor is the base64url of the last row key the
   * page went through; one that does not decode to a key of this rollout's audit throws
   * `InvalidCursorError`, a limit outside 1..100 a RangeError; nothing is read then.
   * A null, absent or empty cursor is the first page. A cursor is a position, not bound to the
   * filter it was read with. A kind or person no entry has is simply an empty last page.
   *
   * Unfiltered: one range query of `limit` + 1 rows. Filtered: the range is first read keys, `type`
   * and `byId` only, at most AUDIT_SCAN_ROWS (5,000) rows a call in reads of 1,000, the filter
   * applied here (so the rows scanned are counted, whatever short pages the service returns); then
   * the matching rows are read whole in one query with the same filter as `where`, from the same
   * cursor, `limit` of them. When the scan budget ends first the page may be short (even empty)
   * and `next` says where the scan stopped: call again to go on.
   */
  async auditPage(
    tenantId: string,
    rolloutId: string,
    page: {
      limit: number;
      cursor?: string | null;
      kind?: string | null;
      personId?: string | null;
      personName?: string | null;
    },
  ): Promise<{ entries: AuditEntry[]; next: string | null }> {
    const { limit } = page;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) {
      throw new RangeError(`an audit page holds 1 to ${MAX_AUDIT_PAGE} entries, not ${limit}`);
    }
    const pk = partition(tenantId);
    const prefix = auditPrefix(rolloutId);
    const start = page.cursor ? cursorKey(page.cursor, prefix) : undefined;
    const where: Record<string, string> = {};
    if (page.kind) where.type = page.kind;
    if (page.personId) where.byId = page.personId;
    if (page.personName) where.byName = page.personName;
    const from = start === undefined ? {} : { rowKeyAfter: start };

    if (Object.keys(where).length === 0) {
      const rows = await this.table.query(pk, { rowKeyPrefix: prefix, ...from, limit: limit + 1 });
      const entries = rows.slice(0, limit);
      return {
        entries: entries.map(auditEntryOf),
        next: rows.length > limit ? auditCursor(entries[entries.length - 1]?.rowKey ?? '') : null,
      };
    }

    // Scan keys and the filtered columns only, counting the rows, until `limit` + 1 match.
    const matches = (row: StoredEntity): boolean =>
      Object.entries(where).every(([name, value]) => row[name] === value);
    let after = start;
    let scanned = 0;
    let found = 0;
    let lastMatch: string | undefined;
    let endReached = false;
    let more = false;
    while (scanned < AUDIT_SCAN_ROWS) {
      const want = Math.min(AUDIT_SCAN_CHUNK, AUDIT_SCAN_ROWS - scanned);
      const rows = await this.table.query(pk, {
        rowKeyPrefix: prefix,
        ...(after === undefined ? {} : { rowKeyAfter: after }),
        select: ['type', 'byId', 'byName'],
        limit: want,
      });
      scanned += rows.length;
      for (const row of rows) {
        if (!matches(row)) continue;
        if (found === limit) {
          more = true;
          break;
        }
        found += 1;
        lastMatch = row.rowKey;
      }
      if (more) break;
      const last = rows[rows.length - 1];
      if (last) after = last.rowKey;
      if (rows.length < want) {
        endReached = true;
        break;
      }
    }
    const entries =
      found === 0
        ? []
        : (await this.table.query(pk, { rowKeyPrefix: prefix, ...from, where, limit: found })).filter(
            (row) => lastMatch !== undefined && row.rowKey <= lastMatch,
          );
    // More matches after the page: go on after its last entry. The scan budget ran out: after the
    // last row scanned (every row between is no match). The range ended: no more. Entries written
    // since the scan (newer: they sort first) push the page's last ones out: after what it holds.
    const lastEntry = entries[entries.length - 1]?.rowKey;
    const next =
      entries.length < found && lastEntry !== undefined
        ? lastEntry
        : more
          ? (lastMatch ?? null)
          : endReached
            ? null
            : (after ?? null);
    return { entries: entries.map(auditEntryOf), next: next === null ? null : auditCursor(next) };
  }

  async appendAudit(tenantId: string, entries: AuditEntry[], processed?: ProcessedMarker): Promise<void> {
    if (entries.length === 0 && !processed) return;
    const pk = partition(tenantId);
    const actions = this.auditActions(pk, entries);
    if (processed) actions.push(...markerActions(pk, processed));
    await this.table.submit(actions);
  }

  async pendingAssignments(
    limit: number,
    of?: { tenantId: string; rolloutId: string },
  ): Promise<PendingAssignment[]> {
    const rows = of
      ? await this.table.query(partition(of.tenantId), {
          rowKeyPrefix: OUTBOX_PREFIX,
          where: { rolloutId: of.rolloutId },
          limit,
        })
      : await pendingOutboxRows(this.table, TENANT_PREFIX, limit);
    return rows.map(assignmentOf);
  }

  async pendingAnnouncements(
    limit: number,
    of?: { tenantId: string; rolloutId: string },
  ): Promise<PendingAnnouncement[]> {
    if (limit <= 0) return [];
    const rows = of
      ? await this.table.query(partition(of.tenantId), {
          rowKeyPrefix: ANNOUNCEMENT_OUTBOX_PREFIX,
          where: { rolloutId: of.rolloutId },
          limit,
        })
      : await this.crossTenantAnnouncements(limit);
    return rows.map(announcementOf);
  }

  async clearAnnouncement(pending: PendingAnnouncement): Promise<void> {
    await deleteIfPresent(this.table, partition(pending.tenantId), announcementRow(pending.id));
  }

  async assignmentState(tenantId: string, rolloutId: string): Promise<AssignmentState | null> {
    const row = await this.table.get(partition(tenantId), intuneRow(rolloutId));
    return row ? (JSON.parse(str(row.doc)) as AssignmentState) : null;
  }

  async saveAssignmentState(
    state: AssignmentState,
    outbox: { clear?: PendingAssignment; queue?: PendingAssignment } = {},
  ): Promise<void> {
    const pk = partition(state.tenantId);
    const kept = { ...state, assignments: state.assignments?.slice(0, MAX_KEPT_ASSIGNMENTS) ?? null };
    const doc = JSON.stringify(kept);
    if (doc.length > MAX_STRING_PROPERTY_CHARS)
      throw new TooLargeError(doc.length, MAX_STRING_PROPERTY_CHARS);
    const write: TableAction = {
      kind: 'upsert',
      entity: { partitionKey: pk, rowKey: intuneRow(state.rolloutId), rolloutId: state.rolloutId, doc },
    };
    const actions: TableAction[] = [write];
    if (outbox.queue)
      actions.push({
        kind: 'create',
        entity: this.ownAssignment(state.tenantId, state.rolloutId, outbox.queue),
      });
    if (outbox.clear) actions.push({ kind: 'delete', partitionKey: pk, rowKey: outboxRow(outbox.clear.id) });
    try {
      await this.table.submit(actions);
    } catch (err) {
      // The outbox row to clear is gone already (a run before a crash cleared it): the state alone.
      const { statusCode, code } = errorInfo(err);
      if (!outbox.clear || statusCode !== 404 || code === 'TableNotFound') throw err;
      await this.table.submit(actions.slice(0, -1));
    }
  }

  /** The outbox row of an assignment, which must be about this rollout of this tenant. */
  private ownAssignment(tenantId: string, rolloutId: string, job: PendingAssignment): TableEntity {
    if (job.tenantId !== tenantId || job.rolloutId !== rolloutId)
      throw new Error(`assignment ${job.id} is not about rollout ${rolloutId} of tenant ${tenantId}`);
    return assignmentEntity(partition(tenantId), job);
  }

  /** The outbox row of an announcement, which must be about this rollout of this tenant. */
  private ownAnnouncement(tenantId: string, rolloutId: string, pending: PendingAnnouncement): TableEntity {
    if (pending.tenantId !== tenantId || pending.rolloutId !== rolloutId)
      throw new Error(`announcement ${pending.id} is not about rollout ${rolloutId} of tenant ${tenantId}`);
    return announcementEntity(partition(tenantId), pending);
  }

  private async crossTenantAnnouncements(limit: number): Promise<StoredEntity[]> {
    if (!this.table.findByRowKeyPrefix) return [];
    const rows = await this.table.findByRowKeyPrefix(ANNOUNCEMENT_OUTBOX_PREFIX, { limit });
    return rows.filter((row) => row.partitionKey.startsWith(TENANT_PREFIX));
  }

  private auditActions(pk: string, entries: AuditEntry[]): TableAction[] {
    return auditActions(pk, entries, (entry) => auditPrefix(entry.rolloutId));
  }
}
