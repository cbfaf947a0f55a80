import type { EntityTable } from '../../src/storage/entity-table';
import { MemoryTable } from '../../src/storage/memory-table';
import {
  PURGE_PARTITIONS_PER_CALL,
  TableTokenLedger,
  tokenPartitionKey,
} from '../../src/storage/token-ledger';
import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';

const EXPIRES = '2026-02-10T17:40:00.000Z';
const NOW = new Date('2026-02-10T17:30:00.000Z');
const PAST = '2026-02-10T17:29:59.999Z';

/** `n` ids whose rows share one partition (the one `tokenPartitionKey` gives `ids[0]`). */
const idsInOnePartition = (n: number, tag: string): string[] => {
  const ids: string[] = [];
  const pk = tokenPartitionKey(`${tag}-0`);
  for (let i = 0; ids.length < n; i++) if (tokenPartitionKey(`${tag}-${i}`) === pk) ids.push(`${tag}-${i}`);
  return ids;
};

const describeTokenLedger = (label: string, makeTable: () => Promise<EntityTable>): void => {
  describe(`token ledger (${label})`, () => {
    let table: EntityTable;
    let ledger: TableTokenLedger;
    beforeEach(async () => {
      table = await makeTable();
      ledger = new TableTokenLedger(table);
    });

    it('the first use of an id wins, every later one is refused', async () => {
      expect(await ledger.use('nonce-1', EXPIRES)).toBe(true);
      expect(await ledger.use('nonce-1', EXPIRES)).toBe(false);
      expect(await ledger.use('nonce-1', '2027-01-01T00:00:00.000Z')).toBe(false);
    });

    it('different ids are independent, whatever characters they hold', async () => {
      const ids = ['a', 'b', 'a/b#c?', "it's|%$", 'ünï 😀'];
      for (const id of ids) expect(await ledger.use(id, EXPIRES)).toBe(true);
      for (const id of ids) expect(await ledger.use(id, EXPIRES)).toBe(false);
    });

    it('of several concurrent uses of one id exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => ledger.use('race', EXPIRES)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    /** Calls until the cursor is null; the deletes of each call. */
    const purgeAll = async (limit: number, now = NOW): Promise<number[]> => {
      const counts: number[] = [];
      let cursor: string | null = null;
      do {
        const result = await ledger.purgeExpired(now, limit, cursor);
        counts.push(result.deleted);
        cursor = result.cursor;
      } while (cursor !== null && counts.length < 1000);
      if (cursor !== null) throw new Error('purge did not finish');
      return counts;
    };

    it('an expired used token is purged; an unexpired one is kept and still refused on second use', async () => {
      expect(await ledger.use('expired', PAST)).toBe(true);
      expect(await ledger.use('unexpired', EXPIRES)).toBe(true);
      expect(await ledger.use('at-now', NOW.toISOString())).toBe(true);
      const counts = await purgeAll(100);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
      // However large the limit, a call visits at most PURGE_PARTITIONS_PER_CALL of the 256 partitions.
      expect(counts).toHaveLength(256 / PURGE_PARTITIONS_PER_CALL);
      expect(await table.get(tokenPartitionKey('expired'), 'expired')).toBeNull();
      expect(await ledger.use('unexpired', EXPIRES)).toBe(false);
      expect(await ledger.use('at-now', NOW.toISOString())).toBe(false);
      // Purged, the row is gone (the link's own expiry refuses such a token before the ledger).
      expect(await ledger.use('expired', PAST)).toBe(true);
    });

    it('bounded: a call visits a few partitions and deletes at most `limit`; calls with the cursor finish the pass', async () => {
      const crowded = idsInOnePartition(7, 'crowd');
      for (const id of crowded) await ledger.use(id, PAST);
      for (let i = 0; i < 20; i++) await ledger.use(`spread-${i}`, i % 4 === 0 ? EXPIRES : PAST);
      const first = await ledger.purgeExpired(NOW, 2);
      expect(first.deleted).toBeLessThanOrEqual(2);
      expect(first.cursor).not.toBeNull();
      expect(await ledger.purgeExpired(NOW, 0, first.cursor)).toEqual({ deleted: 0, cursor: first.cursor });
      let cursor = first.cursor;
      let total = first.deleted;
      let calls = 1;
      while (cursor !== null) {
        const next = await ledger.purgeExpired(NOW, 2, cursor);
        expect(next.deleted).toBeLessThanOrEqual(2);
        total += next.deleted;
        cursor = next.cursor;
        calls += 1;
      }
      expect(total).toBe(7 + 15);
      // 256 partitions, at most PURGE_PARTITIONS_PER_CALL a call.
      expect(calls).toBeGreaterThanOrEqual(256 / PURGE_PARTITIONS_PER_CALL);
      for (const id of crowded) expect(await ledger.use(id, PAST)).toBe(true);
      for (let i = 0; i < 20; i += 4) expect(await ledger.use(`spread-${i}`, EXPIRES)).toBe(false);
    });

    it('pages through a partition fuller than one read: expired rows after 1,000 unexpired ones go too', async () => {
      const ids = idsInOnePartition(1003, 'full').sort((a, b) => (a < b ? -1 : 1));
      const pk = tokenPartitionKey(ids[0] ?? '');
      const expired = new Set(ids.slice(-3));
      for (let i = 0; i < ids.length; i += 100) {
        await table.submit(
          ids.slice(i, i + 100).map((id) => ({
            kind: 'create' as const,
            entity: { partitionKey: pk, rowKey: id, expiresAt: expired.has(id) ? PAST : EXPIRES },
          })),
        );
      }
      expect((await purgeAll(10)).reduce((a, b) => a + b, 0)).toBe(3);
      expect(await table.query(pk)).toHaveLength(1000);
      for (const id of expired) expect(await table.get(pk, id)).toBeNull();
    }, 60_000);

    it('keeps the expiry on the row', async () => {
      await ledger.use('nonce-2', EXPIRES);
      const rows = await table.query(tokenPartitionKey('nonce-2'));
      expect(rows).toEqual([expect.objectContaining({ rowKey: 'nonce-2', expiresAt: EXPIRES })]);
      expect(tokenPartitionKey('nonce-2')).toMatch(/^tokens\|[0-9a-f]{2}$/);
    });
  });
};

describeTokenLedger('in-memory table', async () => new MemoryTable());

describe('on Azurite', () => {
  let azurite: TestAzurite;
  beforeAll(async () => {
    azurite = await startTestAzurite();
  });
  afterAll(() => azurite.stop());

  describeTokenLedger('Azurite', () => azureTableFor(azurite.endpoint, uniqueTableName('tokens')));
});
