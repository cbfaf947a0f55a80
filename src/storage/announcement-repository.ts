import { ConcurrencyError, isConcurrencyError } from '../app/errors';
import type { AnnouncementRepository, Recipient, Stored, StoredPart } from '../app/ports';
import {
  addCounts,
  countDeliveries,
  emptyCounts,
  newDelivery,
  PART_SIZE,
  type Announcement,
  type AnnouncementCounts,
  type Delivery,
} from '../domain/announcement';
import { purgeAnnouncements } from './announcement-purge';
import {
  COUNTS_ROW,
  countsEntity,
  deliveryEntity,
  deliveryPartition,
  deliveryPrefix,
  deliveryRow,
  HEADER_PREFIX,
  HEADER_ROW,
  headerEntity,
  headerPartition,
  indexEntity,
  isUnfinished,
  listingPartition,
  listingRow,
  markerEntity,
  MAX_PARTS,
  parseCounts,
  parseDelivery,
  parseHeader,
  parseIndex,
  partOf,
  RETENTION_PARTITION,
  retentionRow,
  SENDERS_PARTITION,
  UNFINISHED_ROW,
} from './announcement-rows';
import {
  encodeKey,
  MAX_QUERY_ROWS,
  MAX_TRANSACTION_ACTIONS,
  str,
  type EntityTable,
  type StoredEntity,
  type TableAction,
} from './entity-table';

export { ANNOUNCEMENT_RETENTION_DAYS } from './announcement-purge';
export { COUNTS_ROW, isUnfinished, MAX_PARTS, UNFINISHED_STATES } from './announcement-rows';

/** Senders read by `heartbeat` at most (instances of the bot: a handful). */
const MAX_SENDERS = 1000;
/** A sender row expired this many of its time-to-live ago is deleted by the next heartbeat. */
const SENDER_FORGET_TTLS = 10;

/**
 * Phase announcements in their own table (`<TABLE_PREFIX>Announcements`):
 *
 *   PartitionKey  h|<tenant>|<announcementId>     one per announcement
 *   RowKey        head                           `announcement` (the Announcement as JSON, at most
 *                                                32 K characters: TooLargeError), `state`,
 *                                                `rolloutId`, `createdAt` (for people reading)
 *   RowKey        unfinished                     present exactly while the state is scheduled,
 *                                                expanding or sending: created, kept or deleted in
 *                                                the same transaction as the head
 *
 *   PartitionKey  l|<tenant>|<rolloutId>         the rollout's listing, newest first (phase
 *                                                announcements; reminders have none)
 *   RowKey        <9999999999999 − createdAt ms, 13 digits>|<announcementId>
 *
 *   PartitionKey  t                              the retention index of every tenant, oldest first
 *   RowKey        <createdAt ms, 13 digits>|<tenant>|<announcementId>
 *                                                (listing and index rows: tenantId, announcementId,
 *                                                rolloutId, createdAt)
 *
 *   PartitionKey  d|<tenant>|<announcementId>|<part, 4 digits>    PART_SIZE deliveries at most
 *   RowKey        !counts                        the partition's AnnouncementCounts (a column each);
 *                                                sorts first
 *   RowKey        <person id, lower-cased>       one Delivery (a column each; the claim as claimBy,
 *                                                claimUntil)
 *
 *   PartitionKey  s|senders
 *   RowKey        <instance id>                  instanceId, expiresAt: the live senders
 *
 * The header has a partition of its own so that `get` and `update` (the fan-out's, on every part
 * message) are single point operations, and its marker row can be transactional with it.
 * `unfinished` asks for the marker rows over the `h|` partition range (RowKey eq 'unfinished'):
 * Azure scans the header partitions only (two rows per announcement kept, none of the deliveries)
 * and returns the unfinished, then reads their heads; it runs at start-up, not on a request's path.
 *
 * The listing and the index cannot share the head's transaction (other partitions): `create`
 * upserts both before it creates the head, so every head has them. A create that lost (the id was
 * taken meanwhile) may leave a listing and index row whose time is not its announcement's: the
 * readers check the head's `createdAt` and rollout against the row and skip it; the purge deletes
 * it without touching the announcement that holds the id. `createdAt`, `rolloutId`, `tenantId`
 * and `id` never change after `create` (the keys derive from them).
 *
 * Each delivery partition's counts row is written in the same transaction as its deliveries, so
 * the counts always match the rows; `counts` asks for the counts rows over the announcement's
 * `d|…|` partition range (RowKey eq '!counts', one row returned per partition). `writePart` and
 * `commitPart` are one transaction of at most PART_SIZE + 1 rows (Table Storage allows 100).
 */
export class TableAnnouncementRepository implements AnnouncementRepository {
  constructor(private readonly table: EntityTable) {}

  async create(announcement: Announcement): Promise<Stored<Announcement>> {
    const pk = headerPartition(announcement.tenantId, announcement.id);
    const head = headerEntity(announcement);
    // A second Send is the common duplicate: refused before it writes anything.
    if (await this.table.get(pk, HEADER_ROW)) throw alreadyExists(announcement.id);
    const listing = listingPartition(announcement.tenantId, announcement.rolloutId);
    await Promise.all([
      // A reminder (a purpose) is no phase announcement: the rollout's listing leaves it out.
      announcement.purpose
        ? Promise.resolve()
        : this.table.submit([
            { kind: 'upsert', entity: indexEntity(listing, listingRow(announcement), announcement) },
          ]),
      this.table.submit([
        {
          kind: 'upsert',
          entity: indexEntity(RETENTION_PARTITION, retentionRow(announcement), announcement),
        },
      ]),
    ]);
    const actions: TableAction[] = [{ kind: 'create', entity: head }];
    if (isUnfinished(announcement.state))
      actions.push({ kind: 'create', entity: markerEntity(announcement) });
    try {
      const [etag = ''] = await this.table.submit(actions);
      return { value: announcement, etag };
    } catch (err) {
      if (isConcurrencyError(err)) throw alreadyExists(announcement.id);
      throw err;
    }
  }

  async get(tenantId: string, announcementId: string): Promise<Stored<Announcement> | null> {
    const row = await this.table.get(headerPartition(tenantId, announcementId), HEADER_ROW);
    return row ? { value: parseHeader(row), etag: row.etag } : null;
  }

  async update(announcement: Announcement, etag: string): Promise<Stored<Announcement>> {
    const head = headerEntity(announcement);
    const actions: TableAction[] = [{ kind: 'update', entity: head, ifMatch: etag }];
    if (isUnfinished(announcement.state)) {
      actions.push({ kind: 'upsert', entity: markerEntity(announcement) });
    } else {
      // Whether a marker is there to delete: the head's ETag guards the transaction, so what is
      // read here still holds when it commits (or the whole write fails).
      const marker = await this.table.get(head.partitionKey, UNFINISHED_ROW);
      if (marker) {
        actions.push({
          kind: 'delete',
          partitionKey: head.partitionKey,
          rowKey: UNFINISHED_ROW,
          ifMatch: marker.etag,
        });
      }
    }
    try {
      const [next = ''] = await this.table.submit(actions);
      return { value: announcement, etag: next };
    } catch (err) {
      if (isConcurrencyError(err)) {
        throw new ConcurrencyError('etag-mismatch', `announcement ${announcement.id} changed`);
      }
      throw err;
    }
  }

  async ofRollout(tenantId: string, rolloutId: string, limit: number): Promise<Announcement[]> {
    const rows = await this.table.query(listingPartition(tenantId, rolloutId), { limit: bounded(limit) });
    const heads = await inBatches(rows, (row) => this.listed(row));
    return heads.filter((a): a is Announcement => a !== null && a.rolloutId === rolloutId);
  }

  async unfinished(limit: number): Promise<Announcement[]> {
    const markers = await this.findByRowKey(UNFINISHED_ROW, HEADER_PREFIX, bounded(limit));
    const heads = await inBatches(markers, (row) => this.table.get(row.partitionKey, HEADER_ROW));
    return heads
      .filter((row): row is StoredEntity => row !== null)
      .map(parseHeader)
      .filter((a) => isUnfinished(a.state));
  }

  async writePart(
    tenantId: string,
    announcementId: string,
    part: number,
    recipients: readonly Recipient[],
  ): Promise<boolean> {
    const pk = deliveryPartition(tenantId, announcementId, part);
    const byId = new Map<string, Delivery>();
    for (const r of recipients) {
      const delivery = newDelivery(r.personId, r.name, r.ref);
      if (!delivery.personId) throw new RangeError('a recipient without a person id');
      if (!byId.has(delivery.personId)) byId.set(delivery.personId, delivery);
    }
    if (byId.size > PART_SIZE) {
      throw new RangeError(`a delivery partition holds at most ${PART_SIZE} recipients, not ${byId.size}`);
    }
    const deliveries = [...byId.values()];
    try {
      await this.table.submit([
        { kind: 'create', entity: countsEntity(pk, countDeliveries(deliveries)) },
        ...deliveries.map((d): TableAction => ({ kind: 'create', entity: deliveryEntity(pk, d) })),
      ]);
      return true;
    } catch (err) {
      if (isConcurrencyError(err) && err.reason === 'already-exists') return false;
      throw err;
    }
  }

  async readPart(tenantId: string, announcementId: string, part: number): Promise<StoredPart> {
    const rows = await this.table.query(deliveryPartition(tenantId, announcementId, part), {
      limit: MAX_TRANSACTION_ACTIONS,
    });
    let counts: StoredPart['counts'] = null;
    const deliveries: StoredPart['deliveries'] = [];
    for (const row of rows) {
      if (row.rowKey === COUNTS_ROW) counts = { value: parseCounts(row), etag: row.etag };
      else deliveries.push({ value: parseDelivery(row), etag: row.etag });
    }
    return { deliveries, counts };
  }

  async commitPart(
    tenantId: string,
    announcementId: string,
    part: number,
    changes: readonly Stored<Delivery>[],
    counts: Stored<AnnouncementCounts>,
  ): Promise<void> {
    const pk = deliveryPartition(tenantId, announcementId, part);
    if (changes.length + 1 > MAX_TRANSACTION_ACTIONS) {
      throw new RangeError(
        `a partition's commit holds at most ${MAX_TRANSACTION_ACTIONS - 1} deliveries, not ${changes.length}`,
      );
    }
    const rows = new Set(changes.map((c) => deliveryRow(c.value.personId)));
    if (rows.size !== changes.length) throw new RangeError('a delivery appears twice in one commit');
    try {
      await this.table.submit([
        { kind: 'update', entity: countsEntity(pk, counts.value), ifMatch: counts.etag },
        ...changes.map((c): TableAction => ({
          kind: 'update',
          entity: deliveryEntity(pk, c.value),
          ifMatch: c.etag,
        })),
      ]);
    } catch (err) {
      if (isConcurrencyError(err)) {
        throw new ConcurrencyError('etag-mismatch', `announcement ${announcementId} part ${part} changed`);
      }
      throw err;
    }
  }

  async counts(
    tenantId: string,
    announcementId: string,
  ): Promise<{ counts: AnnouncementCounts; pendingParts: number[] }> {
    const parts = await this.partCounts(tenantId, announcementId);
    let counts = emptyCounts();
    const pendingParts: number[] = [];
    for (const { part, counts: c } of parts) {
      counts = addCounts(counts, c);
      if (c.pending > 0) pendingParts.push(part);
    }
    return { counts, pendingParts };
  }

  async notReached(
    tenantId: string,
    announcementId: string,
    limit: number,
  ): Promise<{ deliveries: Delivery[]; total: number }> {
    const parts = (await this.partCounts(tenantId, announcementId)).filter(
      ({ counts }) => counts.recipients > counts.sent,
    );
    const total = parts.reduce((sum, { counts }) => sum + counts.recipients - counts.sent, 0);
    const want = Math.max(0, Math.floor(limit));
    const deliveries: Delivery[] = [];
    // Only partitions whose counts say someone there is not reached are read, until `limit`.
    for (const { part } of parts) {
      if (deliveries.length >= want) break;
      const { deliveries: stored } = await this.readPart(tenantId, announcementId, part);
      for (const { value } of stored) {
        if (value.status !== 'sent' && deliveries.length < want) deliveries.push(value);
      }
    }
    return { deliveries, total };
  }

  async heartbeat(instanceId: string, now: Date, ttlMs: number, busy = true): Promise<number> {
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    await this.table.submit([
      {
        kind: 'upsert',
        entity: {
          partitionKey: SENDERS_PARTITION,
          rowKey: encodeKey(instanceId),
          instanceId,
          expiresAt,
          busy,
        },
      },
    ]);
    const rows = await this.table.query(SENDERS_PARTITION, { limit: MAX_SENDERS });
    const at = now.toISOString();
    const forgetBefore = new Date(now.getTime() - SENDER_FORGET_TTLS * Math.max(0, ttlMs)).toISOString();
    const live = rows.filter(
      (row) => (str(row.expiresAt) > at && row.busy !== false) || row.rowKey === encodeKey(instanceId),
    );
    const gone = rows.filter(
      (row) => str(row.expiresAt) < forgetBefore && row.rowKey !== encodeKey(instanceId),
    );
    // Best effort, tried again by the next heartbeat: a sender that came back meanwhile changed
    // its row's ETag and stays; a failed delete does not fail the count already known.
    await inBatches(gone, (row) =>
      this.table
        .submit([{ kind: 'delete', partitionKey: SENDERS_PARTITION, rowKey: row.rowKey, ifMatch: row.etag }])
        .catch(() => undefined),
    );
    return Math.max(1, live.length);
  }

  purgeOlderThan(before: Date, limit: number): Promise<{ deleted: number; complete: boolean }> {
    return purgeAnnouncements(this.table, before, limit);
  }

  /** The head a listing row names, or null when it is not that row's (a lost create's leftover). */
  private async listed(row: StoredEntity): Promise<Announcement | null> {
    const entry = parseIndex(row);
    const stored = await this.get(entry.tenantId, entry.announcementId);
    if (!stored || stored.value.createdAt !== entry.createdAt) return null;
    return listingRow(stored.value) === row.rowKey ? stored.value : null;
  }

  /** Every delivery partition's counts, in part order. */
  private async partCounts(
    tenantId: string,
    announcementId: string,
  ): Promise<{ part: number; counts: AnnouncementCounts }[]> {
    const rows = await this.findByRowKey(COUNTS_ROW, deliveryPrefix(tenantId, announcementId), MAX_PARTS);
    return rows
      .map((row) => ({ part: partOf(row.partitionKey), counts: parseCounts(row) }))
      .sort((a, b) => a.part - b.part);
  }

  private findByRowKey(rowKey: string, partitionKeyPrefix: string, limit: number): Promise<StoredEntity[]> {
    if (!this.table.findByRowKey) throw new Error(`${this.table.name}: announcements need findByRowKey`);
    return this.table.findByRowKey(rowKey, { partitionKeyPrefix, limit });
  }
}

const alreadyExists = (id: string): ConcurrencyError =>
  new ConcurrencyError('already-exists', `announcement ${id} already exists`);

/** Point reads (or deletes) in flight at once: a long list is not thousands of requests at once. */
const PARALLEL_CALLS = 16;

/** `call` on every item, PARALLEL_CALLS at a time, the results in the items' order. */
const inBatches = async <T, R>(items: readonly T[], call: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL_CALLS) {
    results.push(...(await Promise.all(items.slice(i, i + PARALLEL_CALLS).map(call))));
  }
  return results;
};

const bounded = (limit: number): number => Math.max(0, Math.min(Math.floor(limit), MAX_QUERY_ROWS));
