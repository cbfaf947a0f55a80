import type { ChannelReference, PersonalReference, Seen } from '../../src/app/ports';
import { personBucket } from '../../src/storage/audience-rows';
import { DelegatingTable, type TableCall } from '../../src/storage/delegating-table';
import type { EntityTable } from '../../src/storage/entity-table';
import {
  REFERENCE_BUCKETS,
  REFERENCE_REFRESH_MS,
  STALE_REFERENCE_MS,
  TableReferenceRepository,
} from '../../src/storage/reference-repository';
import { TestClock } from '../support/harness';
import { rejection } from '../support/rejection';

const TENANT = '72f988bf-0000-4000-8000-000000000001';
const OTHER_TENANT = '72f988bf-0000-4000-8000-000000000002';
const DAY = 24 * 60 * 60_000;

const personId = (n: number): string => `AAAAAAAA-0000-4000-8000-${String(n).padStart(12, '0')}`;

const person = (n: number, overrides: Partial<Seen<PersonalReference>> = {}): Seen<PersonalReference> => ({
  tenantId: TENANT,
  personId: personId(n),
  name: `Person ${n}`,
  conversationId: `a:personal-chat-${n}`,
  conversationType: 'personal',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  botId: '28:00000000-0000-0000-0000-0000000000b0',
  ...overrides,
});

const channel = (id: string, overrides: Partial<Seen<ChannelReference>> = {}): Seen<ChannelReference> => ({
  tenantId: TENANT,
  conversationId: id,
  conversationType: 'channel',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  botId: '28:00000000-0000-0000-0000-0000000000b0',
  name: 'General',
  teamId: '19:team@thread.tacv2',
  ...overrides,
});

/** Counts the writes (submits) and the reads passed on. */
class WriteCounting extends DelegatingTable {
  writes = 0;
  reads = 0;
  protected override run<T>(call: TableCall, run: (table: EntityTable) => Promise<T>): Promise<T> {
    if (call.write) this.writes += 1;
    else this.reads += 1;
    return super.run(call, run);
  }
}

/** The conversation-reference store's behaviour, the same on the in-memory table and on Azurite. */
export const describeReferenceRepositoryContract = (
  label: string,
  makeTable: () => Promise<EntityTable>,
): void => {
  describe(`reference repository contract (${label})`, () => {
    let clock: TestClock;
    let table: WriteCounting;
    let repo: TableReferenceRepository;
    beforeEach(async () => {
      clock = new TestClock();
      table = new WriteCounting(await makeTable());
      repo = new TableReferenceRepository(table, clock);
    });

    /** Purges until a pass is complete; the totals. */
    const purgeAll = async (limit: number) => {
      const total = { scanned: 0, deleted: 0, calls: 0 };
      for (;;) {
        const result = await repo.purgeStaleReferences(limit);
        expect(result.scanned).toBeLessThanOrEqual(limit);
        total.scanned += result.scanned;
        total.deleted += result.deleted;
        total.calls += 1;
        if (result.complete) return total;
        if (total.calls > 1000) throw new Error('the purge never completed');
      }
    };

    it('stores a personal reference by the lower-cased person id, with the name and when', async () => {
      expect(await repo.personal(TENANT, personId(1))).toBeNull();
      expect(await repo.rememberPersonal(person(1))).toBe(true);
      const at = clock.now().toISOString();
      const expected = { ...person(1), personId: personId(1).toLowerCase(), storedAt: at, lastSeen: at };
      expect(await repo.personal(TENANT, personId(1))).toEqual(expected);
      expect(await repo.personal(TENANT, personId(1).toLowerCase())).toEqual(expected);
      expect(await repo.personal(OTHER_TENANT, personId(1))).toBeNull();
    });

    it('a chat just created (the caller read nothing stored) is written without reading it again', async () => {
      await repo.rememberPersonal(person(1));
      const reads = table.reads;
      const writes = table.writes;
      // The tenant is known to be registered by now: one upsert, no read at all.
      expect(await repo.rememberPersonal(person(2, { conversationId: 'a:new-chat' }), null)).toBe(true);
      expect(table.reads - reads).toBe(0);
      expect(table.writes - writes).toBe(1);
      expect(await repo.personal(TENANT, personId(2))).toMatchObject({ conversationId: 'a:new-chat' });
      // A new store (another instance) registers the tenant again only after reading its marker.
      const other = new TableReferenceRepository(table, clock);
      const before = table.writes;
      await other.rememberPersonal(person(3), null);
      expect(table.writes - before).toBe(1);
      expect((await repo.purgeStaleReferences(100)).scanned).toBeGreaterThan(0);
    });

    it('does not churn: the same reference seen again within a day writes nothing; after a day it does', async () => {
      await repo.rememberPersonal(person(1));
      const storedAt = clock.now().toISOString();
      const writes = table.writes;
      clock.advance(REFERENCE_REFRESH_MS - 1000);
      expect(await repo.rememberPersonal(person(1))).toBe(false);
      expect(await repo.rememberPersonal({ ...person(1), personId: personId(1).toLowerCase() })).toBe(false);
      expect(table.writes).toBe(writes);
      clock.advance(2000);
      expect(await repo.rememberPersonal(person(1))).toBe(true);
      expect(table.writes).toBe(writes + 1);
      expect(await repo.personal(TENANT, personId(1))).toMatchObject({
        storedAt,
        lastSeen: clock.now().toISOString(),
      });
    });

    it('a change is written at once: a new name keeps storedAt, a new conversation starts again', async () => {
      await repo.rememberPersonal(person(1));
      const first = clock.now().toISOString();
      clock.advance(60_000);
      expect(await repo.rememberPersonal(person(1, { name: 'Person One' }))).toBe(true);
      expect(await repo.personal(TENANT, personId(1))).toMatchObject({ name: 'Person One', storedAt: first });
      clock.advance(60_000);
      expect(await repo.rememberPersonal(person(1, { conversationId: 'a:new-chat' }))).toBe(true);
      expect(await repo.personal(TENANT, personId(1))).toMatchObject({
        conversationId: 'a:new-chat',
        storedAt: clock.now().toISOString(),
      });
    });

    it('forgets a personal reference, only its own conversation when one is named', async () => {
      await repo.rememberPersonal(person(1));
      await repo.forgetPersonal(TENANT, personId(1), 'a:another-chat');
      expect(await repo.personal(TENANT, personId(1))).not.toBeNull();
      await repo.forgetPersonal(TENANT, personId(1).toLowerCase(), 'a:personal-chat-1');
      expect(await repo.personal(TENANT, personId(1))).toBeNull();
      // Forgetting what is not there (a redelivered uninstall) is fine.
      await repo.forgetPersonal(TENANT, personId(1));
      await repo.rememberPersonal(person(2));
      await repo.forgetPersonal(TENANT, personId(2));
      expect(await repo.personal(TENANT, personId(2))).toBeNull();
    });

    it('stores, refreshes and forgets a channel reference, even with a very long id', async () => {
      const id = '19:0000000000000000000000000000aaaa@thread.tacv2';
      expect(await repo.rememberChannel(channel(id))).toBe(true);
      expect(await repo.rememberChannel(channel(id))).toBe(false);
      const at = clock.now().toISOString();
      expect(await repo.channel(TENANT, id)).toEqual({ ...channel(id), storedAt: at, lastSeen: at });
      const long = `19:${'/?#%|:@'.repeat(140)}@thread.tacv2`;
      await repo.rememberChannel(channel(long, { teamId: null, name: '' }));
      expect(await repo.channel(TENANT, long)).toMatchObject({ conversationId: long, teamId: null });
      await repo.forgetChannel(TENANT, id);
      await repo.forgetChannel(TENANT, id);
      expect(await repo.channel(TENANT, id)).toBeNull();
      expect(await repo.channel(TENANT, long)).not.toBeNull();
    });

    it('a reference not seen for 180 days is missing, and is stored anew when seen again', async () => {
      await repo.rememberPersonal(person(1));
      await repo.rememberChannel(channel('19:c@thread.tacv2'));
      clock.advance(STALE_REFERENCE_MS - 1000);
      expect(await repo.personal(TENANT, personId(1))).not.toBeNull();
      clock.advance(2000);
      expect(await repo.personal(TENANT, personId(1))).toBeNull();
      expect(await repo.channel(TENANT, '19:c@thread.tacv2')).toBeNull();
      const bucket = personBucket(personId(1), REFERENCE_BUCKETS);
      expect((await repo.listPersonal(TENANT, bucket)).references).toEqual([]);
      expect(await repo.rememberPersonal(person(1))).toBe(true);
      expect(await repo.personal(TENANT, personId(1))).toMatchObject({ storedAt: clock.now().toISOString() });
    });

    it('spreads people over the buckets and lists one bucket in bounded pages', async () => {
      const people = Array.from({ length: 120 }, (_, n) => n);
      for (const n of people) await repo.rememberPersonal(person(n));
      const buckets = new Set(people.map((n) => personBucket(personId(n), REFERENCE_BUCKETS)));
      expect(buckets.size).toBeGreaterThan(REFERENCE_BUCKETS / 2);
      const listed: string[] = [];
      for (let bucket = 0; bucket < REFERENCE_BUCKETS; bucket++) {
        let after: string | undefined;
        do {
          const page = await repo.listPersonal(TENANT, bucket, { limit: 3, ...(after ? { after } : {}) });
          expect(page.references.length).toBeLessThanOrEqual(3);
          listed.push(...page.references.map((r) => r.personId));
          after = page.next ?? undefined;
        } while (after);
      }
      expect(listed.sort()).toEqual(people.map((n) => personId(n).toLowerCase()).sort());
      expect(await rejection(repo.listPersonal(TENANT, REFERENCE_BUCKETS))).toBeInstanceOf(RangeError);
    });

    it('the purge deletes only stale references, across tenants and channels, at most `limit` rows a call', async () => {
      for (const n of [1, 2, 3, 4, 5, 6]) await repo.rememberPersonal(person(n));
      await repo.rememberPersonal(person(7, { tenantId: OTHER_TENANT }));
      await repo.rememberChannel(channel('19:old@thread.tacv2'));
      clock.advance(100 * DAY);
      // Seen again since: these stay.
      for (const n of [2, 4]) await repo.rememberPersonal(person(n));
      await repo.rememberChannel(channel('19:new@thread.tacv2'));
      clock.advance(90 * DAY);
      expect(await purgeAll(2)).toMatchObject({ scanned: 9, deleted: 6 });
      for (const n of [1, 3, 5, 6]) expect(await repo.personal(TENANT, personId(n))).toBeNull();
      for (const n of [2, 4]) expect(await repo.personal(TENANT, personId(n))).not.toBeNull();
      expect(await repo.personal(OTHER_TENANT, personId(7))).toBeNull();
      expect(await repo.channel(TENANT, '19:new@thread.tacv2')).not.toBeNull();
      // Read after the clock moved on, nothing stale is left: the rows themselves are gone.
      clock.advance(-190 * DAY);
      expect(await repo.personal(TENANT, personId(1))).toBeNull();
      expect(await repo.channel(TENANT, '19:old@thread.tacv2')).toBeNull();
      clock.advance(190 * DAY);
      // A second pass reads the rest again and deletes nothing.
      expect(await purgeAll(100)).toMatchObject({ scanned: 3, deleted: 0, calls: 1 });
      expect(await repo.purgeStaleReferences(0)).toEqual({ scanned: 0, deleted: 0, complete: false });
    });

    it('the purge keeps a reference seen again after it was read', async () => {
      await repo.rememberPersonal(person(1));
      clock.advance(STALE_REFERENCE_MS + DAY);
      const inner = table;
      // The person writes while the purge is between its read and its delete.
      const racing = new (class extends DelegatingTable {
        private raced = false;
        override async submit(actions: Parameters<EntityTable['submit']>[0]): Promise<string[]> {
          if (!this.raced && actions.some((a) => a.kind === 'delete')) {
            this.raced = true;
            await new TableReferenceRepository(inner, clock).rememberPersonal(person(1));
          }
          return super.submit(actions);
        }
      })(inner);
      expect(await new TableReferenceRepository(racing, clock).purgeStaleReferences(100)).toMatchObject({
        deleted: 0,
      });
      expect(await repo.personal(TENANT, personId(1))).not.toBeNull();
    });
  });
};
