/**
 * The rows of resolved audiences (their layout is on TableAudienceRepository): the keys, the member
 * rows, and each stage's head row, encoded, parsed and updated under its ETag.
 */
import { isConcurrencyError, TooLargeError } from '../app/errors';
import type { AudienceMember, AudienceSnapshot } from '../app/ports';
import {
  decodeKey,
  encodeKey,
  MAX_STRING_PROPERTY_CHARS,
  str,
  strOrNull,
  type EntityTable,
  type StoredEntity,
  type TableAction,
  type TableEntity,
} from './entity-table';

/** Partitions a snapshot's members are spread over, by a hash of the person's id. */
export const AUDIENCE_BUCKETS = 16;
/** Tries of a head update that lost a race (each re-reads the head). */
const HEAD_TRIES = 5;

/** FNV-1a of the lower-cased id, modulo `count` (cheap: 50,000 a refresh). */
export const personBucket = (personId: string, count: number): number => {
  const id = personId.toLowerCase();
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % count;
};

/** The bucket of a person's member row. */
export const audienceBucket = (personId: string): number => personBucket(personId, AUDIENCE_BUCKETS);

export const audienceHeadPartition = (tenantId: string, rolloutId: string): string =>
  `a|${encodeKey(tenantId)}|${encodeKey(rolloutId)}`;

export const HEAD_PREFIX = 'head|';
export const headRow = (stageId: string): string => `${HEAD_PREFIX}${encodeKey(stageId)}`;

export const audienceMemberPartition = (
  tenantId: string,
  rolloutId: string,
  stageId: string,
  snapshotId: string,
  bucket: number,
): string =>
  `am|${encodeKey(tenantId)}|${encodeKey(rolloutId)}|${encodeKey(stageId)}|${snapshotId}|${bucket}`;

export const memberRow = (personId: string): string => encodeKey(personId.toLowerCase());

export const buckets = (): number[] => Array.from({ length: AUDIENCE_BUCKETS }, (_, i) => i);

/** What a head row says of its current snapshot (the rest of an AudienceSnapshot is in its keys). */
export type SnapshotInfo = Omit<AudienceSnapshot, 'tenantId' | 'rolloutId' | 'stageId'>;

/** A snapshot being written: when it started, so that one a crash left behind can be pruned. */
export interface PendingWrite {
  id: string;
  startedAt: string;
}

export interface Head {
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

export const parseHead = (row: StoredEntity): StoredHead => ({
  stageId: decodeKey(row.rowKey.slice(HEAD_PREFIX.length)),
  etag: row.etag,
  head: {
    current: JSON.parse(str(row.current) || 'null') as SnapshotInfo | null,
    previous: strOrNull(row.previous),
    pending: JSON.parse(str(row.pending) || '[]') as PendingWrite[],
    garbage: JSON.parse(str(row.garbage) || '[]') as string[],
  },
});

export const snapshotOf = (
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

export const memberEntity = (partitionKey: string, member: AudienceMember): TableEntity => ({
  partitionKey,
  rowKey: memberRow(member.id),
  id: member.id.toLowerCase(),
  name: member.name,
  department: member.department,
  country: member.country,
  platforms: member.platforms.join(','),
});

export const memberOf = (row: StoredEntity): AudienceMember => ({
  id: str(row.id),
  name: str(row.name),
  department: strOrNull(row.department),
  country: strOrNull(row.country),
  platforms: str(row.platforms).split(',').filter(Boolean),
});

/**
 * Applies `change` to the stage's head (created when missing), ETag-guarded, re-reading and
 * re-applying it after a lost race; throws ConcurrencyError after HEAD_TRIES.
 */
export const changeHead = async (
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
