import { createHash } from 'node:crypto';
import { ConcurrencyError } from '../app/errors';
import type { TokenLedger } from '../app/ports';
import { encodeKey, type EntityTable } from './entity-table';

/** The partition of a token: 256 partitions by the first two hex digits of its hash. */
export const tokenPartitionKey = (id: string): string =>
  `tokens|${createHash('sha256').update(id).digest('hex').slice(0, 2)}`;

/**
 * Single-use tokens in Table Storage: using a token creates its row, and the create of a row that
 * exists fails (409), so exactly one use wins even when several race.
 *
 *   PartitionKey  tokens|<first 2 hex digits of sha256(id)>
 *   RowKey        <id>                                       property: expiresAt
 *
 * Used tokens stay after they expire (a row of a few bytes each). Future work: purge rows whose
 * `expiresAt` has passed (they can no longer be presented, so forgetting them is safe).
 */
export class TableTokenLedger implements TokenLedger {
  constructor(private readonly table: EntityTable) {}

  async use(id: string, expiresAt: string): Promise<boolean> {
    try {
      await this.table.submit([
        { kind: 'create', entity: { partitionKey: tokenPartitionKey(id), rowKey: encodeKey(id), expiresAt } },
      ]);
      return true;
    } catch (err) {
      if (err instanceof ConcurrencyError && err.reason === 'already-exists') return false;
      throw err;
    }
  }
}
