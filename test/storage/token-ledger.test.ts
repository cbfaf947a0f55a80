import type { EntityTable } from '../../src/storage/entity-table';
import { MemoryTable } from '../../src/storage/memory-table';
import { TableTokenLedger, tokenPartitionKey } from '../../src/storage/token-ledger';
import { azureTableFor, startTestAzurite, uniqueTableName, type TestAzurite } from '../support/azurite';

const EXPIRES = '2026-02-10T17:40:00.000Z';

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
