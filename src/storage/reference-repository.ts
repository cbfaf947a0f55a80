import { createHash } from 'node:crypto';
import { isConcurrencyError } from '../app/errors';
import type {
  ChannelReference,
  Clock,
  PersonalReference,
  PurgeResult,
  ReferenceRepository,
  Seen,
  StoredConversation,
} from '../app/ports';
import { personBucket } from './audience-rows';
import {
  encodeKey,
  MAX_QUERY_ROWS,
  MAX_TRANSACTION_ACTIONS,
  str,
  strOrNull,
  type EntityTable,
  type StoredEntity,
  type TableEntity,
  withoutNulls,
} from './entity-table';

/** Partitions a tenant's personal references are spread over, by a hash of the person's id. */
export const REFERENCE_BUCKETS = 16;
/** References not seen for this long are dropped: treated as missing, then purged (180 days). */
export const STALE_REFERENCE_MS = 180 * 24 * 60 * 60_000;
/** A reference seen again unchanged is written again only when last written longer ago (a day). */
export const REFERENCE_REFRESH_MS = 24 * 60 * 60_000;
/** Rows a page of `listPersonal` reads by default. */
const LIST_PAGE_ROWS = 1000;

const TENANTS_PARTITION = 'r-tenants';
/** Tenants a process remembers as registered, at most (beyond, it reads the marker each time). */
const MAX_REGISTERED_CACHED = 10_000;
/** The partitions of a tenant (its encoded key), in the purge's order: the buckets, then channels. */
const PARTS = REFERENCE_BUCKETS + 1;
const partitionAt = (tenantKey: string, part: number): string =>
  `r|${tenantKey}|${part < REFERENCE_BUCKETS ? part : 'c'}`;
const personalPartition = (tenantId: string, personId: string): string =>
  partitionAt(encodeKey(tenantId), personBucket(personId, REFERENCE_BUCKETS));
const channelPartition = (tenantId: string): string => partitionAt(encodeKey(tenantId), REFERENCE_BUCKETS);

/** An id as a RowKey: encoded, or hashed when encoding makes it long (keys are at most 512). */
const rowKeyOf = (id: string): string => {
  const key = encodeKey(id);
  return key.length <= 256 ? key : `~${createHash('sha256').update(id).digest('hex')}`;
};
const personRow = (personId: string): string => rowKeyOf(personId.toLowerCase());

const common = (ref: StoredConversation): Record<string, string> => ({
  tenantId: ref.tenantId,
  conversationId: ref.conversationId,
  conversationType: ref.conversationType,
  serviceUrl: ref.serviceUrl,
  botId: ref.botId,
  storedAt: ref.storedAt,
  lastSeen: ref.lastSeen,
});

const commonOf = (row: StoredEntity): StoredConversation => ({
  tenantId: str(row.tenantId),
  conversationId: str(row.conversationId),
  conversationType: str(row.conversationType),
  serviceUrl: str(row.serviceUrl),
  botId: str(row.botId),
  storedAt: str(row.storedAt),
  lastSeen: str(row.lastSeen),
});

const personalOf = (row: StoredEntity): PersonalReference => ({
  ...commonOf(row),
  personId: str(row.personId),
  name: str(row.name),
});

const channelOf = (row: StoredEntity): ChannelReference => ({
  ...commonOf(row),
  name: str(row.name),
  teamId: strOrNull(row.teamId),
});

/** Whether what was seen is what is stored (the timestamps aside). */
const sameAs = <T extends StoredConversation>(stored: T, seen: Seen<T>): boolean =>
  Object.entries(seen).every(([key, value]) => (stored as Record<string, unknown>)[key] === value);

/**
 * Conversation references, kept in the Audiences table (who the audience is, and how to reach
 * them), in partitions of their own:
 *
 *   PartitionKey  r|<tenant>|<bucket>          bucket = FNV-1a of the person's id % 16
 *   RowKey        <person id, lower-cased>     a personal chat: personId, name, conversationId,
 *                                              conversationType, serviceUrl, botId, storedAt, lastSeen
 *   PartitionKey  r|<tenant>|c
 *   RowKey        <conversation id>            a channel or group chat: the same, name and teamId
 *   PartitionKey  r-tenants
 *   RowKey        <tenant>                     a tenant with references (the purge walks them)
 *
 * (Ids whose encoding is longer than 256 characters are keyed by their SHA-256.) A tenant of
 * 100,000 people has about 6,250 rows a bucket. The purge's place in the walk is kept in memory:
 * after a restart it starts again from the first tenant.
 */
export class TableReferenceRepository implements ReferenceRepository {
  private cursor: { tenantKey: string; part: number; after: string | undefined } | null = null;
  /** Tenants known to be registered (their marker is never deleted): no read per write for them. */
  private readonly registered = new Set<string>();

  constructor(
    private readonly table: EntityTable,
    private readonly clock: Clock,
  ) {}

  async personal(tenantId: string, personId: string): Promise<PersonalReference | null> {
    const row = await this.table.get(personalPartition(tenantId, personId), personRow(personId));
    return row && this.fresh(row) ? personalOf(row) : null;
  }

  async channel(tenantId: string, conversationId: string): Promise<ChannelReference | null> {
    const row = await this.table.get(channelPartition(tenantId), rowKeyOf(conversationId));
    return row && this.fresh(row) ? channelOf(row) : null;
  }

  async rememberPersonal(seen: Seen<PersonalReference>, known?: PersonalReference | null): Promise<boolean> {
    const personId = seen.personId.toLowerCase();
    return this.remember(
      personalPartition(seen.tenantId, personId),
      personRow(personId),
      { ...seen, personId },
      personalOf,
      (ref) => ({ ...common(ref), personId: ref.personId, name: ref.name }),
      known,
    );
  }

  async rememberChannel(seen: Seen<ChannelReference>): Promise<boolean> {
    return this.remember(
      channelPartition(seen.tenantId),
      rowKeyOf(seen.conversationId),
      seen,
      channelOf,
      (ref) => ({ ...common(ref), name: ref.name, teamId: ref.teamId }),
    );
  }

  async forgetPersonal(tenantId: string, personId: string, conversationId?: string): Promise<void> {
    await this.forget(personalPartition(tenantId, personId), personRow(personId), conversationId);
  }

  async forgetChannel(tenantId: string, conversationId: string): Promise<void> {
    await this.forget(channelPartition(tenantId), rowKeyOf(conversationId));
  }

  async listPersonal(
    tenantId: string,
    bucket: number,
    options: { after?: string; limit?: number } = {},
  ): Promise<{ references: PersonalReference[]; next: string | null }> {
    if (!Number.isInteger(bucket) || bucket < 0 || bucket >= REFERENCE_BUCKETS) {
      throw new RangeError(`bucket ${bucket} is not in 0..${REFERENCE_BUCKETS - 1}`);
    }
    const limit = Math.max(1, Math.min(Math.floor(options.limit ?? LIST_PAGE_ROWS), MAX_QUERY_ROWS));
    const rows = await this.table.query(partitionAt(encodeKey(tenantId), bucket), {
      limit,
      ...(options.after !== undefined ? { rowKeyAfter: options.after } : {}),
    });
    return {
      references: rows.filter((row) => this.fresh(row)).map(personalOf),
      next: rows.length === limit ? (rows[rows.length - 1]?.rowKey ?? null) : null,
    };
  }

  async purgeStaleReferences(limit: number): Promise<PurgeResult> {
    let left = Math.max(0, Math.floor(limit));
    const result: PurgeResult = { scanned: 0, deleted: 0, complete: false };
    while (left > 0) {
      this.cursor ??= await this.nextTenant(undefined);
      const cursor = this.cursor;
      if (!cursor) return { ...result, complete: true };
      const pk = partitionAt(cursor.tenantKey, cursor.part);
      const want = Math.min(left, MAX_TRANSACTION_ACTIONS);
      const rows = await this.table.query(pk, {
        limit: want,
        ...(cursor.after !== undefined ? { rowKeyAfter: cursor.after } : {}),
      });
      result.scanned += rows.length;
      // An empty partition costs a row too: a call makes at most `limit` queries.
      left -= Math.max(1, rows.length);
      result.deleted += await this.deleteStale(pk, rows);
      if (rows.length === want) {
        cursor.after = rows[rows.length - 1]?.rowKey;
      } else if (cursor.part + 1 < PARTS) {
        this.cursor = { ...cursor, part: cursor.part + 1, after: undefined };
      } else {
        this.cursor = await this.nextTenant(cursor.tenantKey);
        if (!this.cursor) return { ...result, complete: true };
      }
    }
    return result;
  }

  private staleBefore(): string {
    return new Date(this.clock.now().getTime() - STALE_REFERENCE_MS).toISOString();
  }

  private fresh(row: StoredEntity): boolean {
    return str(row.lastSeen) >= this.staleBefore();
  }

  /** Upserts the reference unless the stored one is fresh, the same and written within a day. */
  private async remember<T extends StoredConversation>(
    pk: string,
    rk: string,
    seen: Seen<T>,
    parse: (row: StoredEntity) => T,
    columns: (ref: T) => Record<string, string | null>,
    known?: T | null,
  ): Promise<boolean> {
    const now = this.clock.now();
    const row = known === undefined ? await this.table.get(pk, rk) : null;
    const stored = known !== undefined ? known : row && this.fresh(row) ? parse(row) : null;
    if (
      stored &&
      sameAs(stored, seen) &&
      now.getTime() - Date.parse(stored.lastSeen) < REFERENCE_REFRESH_MS
    ) {
      return false;
    }
    const at = now.toISOString();
    const sameConversation = stored?.conversationId === seen.conversationId;
    const ref = { ...seen, storedAt: stored && sameConversation ? stored.storedAt : at, lastSeen: at } as T;
    // The tenant is registered first: the purge can always find a reference that was written.
    if (!row) await this.registerTenant(seen.tenantId);
    const entity: TableEntity = { partitionKey: pk, rowKey: rk, ...columns(ref) };
    await this.table.submit([{ kind: 'upsert', entity: withoutNulls(entity) }]);
    return true;
  }

  private async registerTenant(tenantId: string): Promise<void> {
    const rk = encodeKey(tenantId);
    if (this.registered.has(rk)) return;
    if (!(await this.table.get(TENANTS_PARTITION, rk))) {
      await this.table.submit([
        { kind: 'upsert', entity: { partitionKey: TENANTS_PARTITION, rowKey: rk, tenantId } },
      ]);
    }
    if (this.registered.size < MAX_REGISTERED_CACHED) this.registered.add(rk);
  }

  private async forget(pk: string, rk: string, conversationId?: string): Promise<void> {
    const row = await this.table.get(pk, rk);
    if (!row || (conversationId !== undefined && str(row.conversationId) !== conversationId)) return;
    await ignoreGone(
      this.table.submit([{ kind: 'delete', partitionKey: pk, rowKey: rk, ifMatch: row.etag }]),
    );
  }

  /** Deletes the stale rows read (each under its ETag: one seen again meanwhile stays). */
  private async deleteStale(pk: string, rows: StoredEntity[]): Promise<number> {
    const stale = rows.filter((row) => !this.fresh(row));
    if (stale.length === 0) return 0;
    const deletes = stale.map((row) => ({
      kind: 'delete' as const,
      partitionKey: pk,
      rowKey: row.rowKey,
      ifMatch: row.etag,
    }));
    try {
      await this.table.submit(deletes);
      return deletes.length;
    } catch (err) {
      if (!isConcurrencyError(err)) throw err;
    }
    // One of them changed: the others one by one.
    let deleted = 0;
    for (const action of deletes) {
      if (await ignoreGone(this.table.submit([action]))) deleted += 1;
    }
    return deleted;
  }

  private async nextTenant(
    afterKey: string | undefined,
  ): Promise<{ tenantKey: string; part: number; after: undefined } | null> {
    const [row] = await this.table.query(TENANTS_PARTITION, {
      limit: 1,
      ...(afterKey !== undefined ? { rowKeyAfter: afterKey } : {}),
    });
    return row ? { tenantKey: row.rowKey, part: 0, after: undefined } : null;
  }
}

/** True when the write went through; false when the row had changed or gone (someone else's write). */
const ignoreGone = async (write: Promise<unknown>): Promise<boolean> => {
  try {
    await write;
    return true;
  } catch (err) {
    if (isConcurrencyError(err)) return false;
    throw err;
  }
};
