/**
 * The rows of phase announcements (their layout is on TableAnnouncementRepository): the keys, the
 * header row's encoding and parsing, the delivery rows and each partition's counts row.
 */
import { TooLargeError } from '../app/errors';
import {
  emptyCounts,
  type Announcement,
  type AnnouncementCounts,
  type AnnouncementState,
  type Delivery,
  type DeliveryStatus,
} from '../domain/announcement';
import {
  encodeKey,
  MAX_STRING_PROPERTY_CHARS,
  str,
  strOrNull,
  type StoredEntity,
  type TableEntity,
} from './entity-table';

/** States the fan-out still has work in: they keep the `unfinished` marker row. */
export const UNFINISHED_STATES: readonly AnnouncementState[] = ['scheduled', 'expanding', 'sending'];
export const isUnfinished = (state: AnnouncementState): boolean => UNFINISHED_STATES.includes(state);

/** Delivery partitions an announcement may have (the part number has four digits). */
export const MAX_PARTS = 10_000;

/** The header's own partition: a point read by id, its marker row beside it. */
export const HEADER_PREFIX = 'h|';
export const headerPartition = (tenantId: string, announcementId: string): string =>
  `${HEADER_PREFIX}${encodeKey(tenantId)}|${encodeKey(announcementId)}`;
export const HEADER_ROW = 'head';
/** Present exactly while the header's state is unfinished (written in the header's transactions). */
export const UNFINISHED_ROW = 'unfinished';

/** A rollout's listing: one row per announcement, newest first. */
export const listingPartition = (tenantId: string, rolloutId: string): string =>
  `l|${encodeKey(tenantId)}|${encodeKey(rolloutId)}`;

/** The retention index: one row per announcement of every tenant, oldest first. */
export const RETENTION_PARTITION = 't';

/** The live senders of every instance. */
export const SENDERS_PARTITION = 's|senders';

const TIME_DIGITS = 13;
/** Larger than any millisecond time a key holds (year 2286): inverted times stay positive. */
const TIME_CEILING = 10 ** TIME_DIGITS - 1;

const createdMs = (announcement: Pick<Announcement, 'createdAt' | 'id'>): number => {
  const ms = Date.parse(announcement.createdAt);
  if (!Number.isFinite(ms) || ms < 0 || ms > TIME_CEILING) {
    throw new RangeError(
      `announcement ${announcement.id}: createdAt "${announcement.createdAt}" is not a time`,
    );
  }
  return ms;
};

const digits = (n: number): string => String(n).padStart(TIME_DIGITS, '0');

/** The listing's row: the inverted creation time first, so that a query reads the newest first. */
export const listingRow = (announcement: Pick<Announcement, 'createdAt' | 'id'>): string =>
  `${digits(TIME_CEILING - createdMs(announcement))}|${encodeKey(announcement.id)}`;

/** The retention index's row: the creation time first, so that a query reads the oldest first. */
export const retentionRow = (announcement: Pick<Announcement, 'createdAt' | 'id' | 'tenantId'>): string =>
  `${digits(createdMs(announcement))}|${encodeKey(announcement.tenantId)}|${encodeKey(announcement.id)}`;

/** The first retention row key of announcements created at or after `at`. */
export const retentionBound = (at: Date): string => `${digits(Math.max(0, at.getTime()))}|`;

/** The delivery partitions of one announcement all start with this. */
export const deliveryPrefix = (tenantId: string, announcementId: string): string =>
  `d|${encodeKey(tenantId)}|${encodeKey(announcementId)}|`;

export const deliveryPartition = (tenantId: string, announcementId: string, part: number): string => {
  if (!Number.isInteger(part) || part < 0 || part >= MAX_PARTS) {
    throw new RangeError(`part ${part} is not in 0..${MAX_PARTS - 1}`);
  }
  return `${deliveryPrefix(tenantId, announcementId)}${String(part).padStart(4, '0')}`;
};

/** The part number of a delivery partition's key. */
export const partOf = (partitionKey: string): number =>
  Number(partitionKey.slice(partitionKey.lastIndexOf('|') + 1));

/**
 * The counts row's key: `!` is encoded by encodeKey (as `$21`), so no person's row key starts
 * with it, and it sorts before `$`, digits and letters: the counts row is the partition's first.
 */
export const COUNTS_ROW = '!counts';

export const deliveryRow = (personId: string): string => encodeKey(personId.toLowerCase());

const checkSize = (value: string): string => {
  if (value.length > MAX_STRING_PROPERTY_CHARS)
    throw new TooLargeError(value.length, MAX_STRING_PROPERTY_CHARS);
  return value;
};

/** The header row: the announcement as JSON, with its state and keys in columns for people reading the table. */
export const headerEntity = (announcement: Announcement): TableEntity => ({
  partitionKey: headerPartition(announcement.tenantId, announcement.id),
  rowKey: HEADER_ROW,
  announcement: checkSize(JSON.stringify(announcement)),
  state: announcement.state,
  rolloutId: announcement.rolloutId,
  createdAt: announcement.createdAt,
});

export const parseHeader = (row: StoredEntity): Announcement =>
  JSON.parse(str(row.announcement)) as Announcement;

export const markerEntity = (announcement: Announcement): TableEntity => ({
  partitionKey: headerPartition(announcement.tenantId, announcement.id),
  rowKey: UNFINISHED_ROW,
  state: announcement.state,
});

/** What the listing and the retention index hold: enough to find every other row of the announcement. */
export const indexEntity = (
  partitionKey: string,
  rowKey: string,
  announcement: Announcement,
): TableEntity => ({
  partitionKey,
  rowKey,
  tenantId: announcement.tenantId,
  announcementId: announcement.id,
  rolloutId: announcement.rolloutId,
  createdAt: announcement.createdAt,
});

export interface IndexEntry {
  tenantId: string;
  announcementId: string;
  rolloutId: string;
  createdAt: string;
}

export const parseIndex = (row: StoredEntity): IndexEntry => ({
  tenantId: str(row.tenantId),
  announcementId: str(row.announcementId),
  rolloutId: str(row.rolloutId),
  createdAt: str(row.createdAt),
});

/** One delivery, a column each (small, and readable in a table browser). */
export const deliveryEntity = (partitionKey: string, delivery: Delivery): TableEntity => ({
  partitionKey,
  rowKey: deliveryRow(delivery.personId),
  personId: delivery.personId.toLowerCase(),
  name: delivery.name,
  status: delivery.status,
  attempts: delivery.attempts,
  lastStatus: delivery.lastStatus,
  at: delivery.at,
  retryAt: delivery.retryAt,
  claimBy: delivery.claim?.by ?? null,
  claimUntil: delivery.claim?.until ?? null,
  possibleDuplicate: delivery.possibleDuplicate,
  gotItAt: delivery.gotItAt,
  ...(delivery.ref !== undefined ? { ref: delivery.ref } : {}),
});

export const parseDelivery = (row: StoredEntity): Delivery => {
  const claimBy = strOrNull(row.claimBy);
  const claimUntil = strOrNull(row.claimUntil);
  return {
    personId: str(row.personId),
    name: str(row.name),
    status: str(row.status) as DeliveryStatus,
    attempts: typeof row.attempts === 'number' ? row.attempts : 0,
    lastStatus: strOrNull(row.lastStatus),
    at: strOrNull(row.at),
    retryAt: strOrNull(row.retryAt),
    claim: claimBy !== null && claimUntil !== null ? { by: claimBy, until: claimUntil } : null,
    possibleDuplicate: row.possibleDuplicate === true,
    gotItAt: strOrNull(row.gotItAt),
    ...(typeof row.ref === 'number' ? { ref: row.ref } : {}),
  };
};

const COUNT_KEYS = Object.keys(emptyCounts()) as (keyof AnnouncementCounts)[];

export const countsEntity = (partitionKey: string, counts: AnnouncementCounts): TableEntity => {
  const entity: TableEntity = { partitionKey, rowKey: COUNTS_ROW };
  for (const key of COUNT_KEYS) {
    const value = counts[key];
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`count ${key} is ${value}`);
    entity[key] = value;
  }
  return entity;
};

export const parseCounts = (row: StoredEntity): AnnouncementCounts => {
  const counts = emptyCounts();
  for (const key of COUNT_KEYS) {
    const value = row[key];
    counts[key] = typeof value === 'number' ? value : 0;
  }
  return counts;
};
