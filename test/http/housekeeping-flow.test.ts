import { message, fact, TENANT } from '../support/activities';
import { MemoryTable } from '../../src/storage/memory-table';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import { startHarness, type Harness } from '../support/harness';

const DAY = 86_400_000;
let h: Harness;
afterEach(() => h.close());

describe('housekeeping over HTTP', () => {
  it('purges processed-activity markers past MARKER_RETENTION_DAYS; within it a redelivery is "Already done"', async () => {
    const table = new MemoryTable();
    h = await startHarness({ table, env: { MARKER_RETENTION_DAYS: '7' } });
    const post = (text: string, id: string) => h.post(message(text, { serviceUrl: h.connector.url, id }));
    await post('rollout new Teams Premium', 'create-1');
    const rolloutId = fact(h.connector.cards().at(-1), 'Rollout id');
    const advance = message('advance phase --force "go"', { serviceUrl: h.connector.url, id: 'advance-1' });
    await h.post(advance);
    const markers = async () => (await table.query(`t|${TENANT}`, { rowKeyPrefix: 'm|' })).length;
    expect(await markers()).toBe(2);

    // Six days on: housekeeping keeps both; the redelivered advance is answered "Already done".
    h.clock.advance(6 * DAY);
    await h.sweep();
    h.connector.clear();
    await h.post(advance);
    expect(h.connector.texts().at(-1)).toMatch(/^Already done: “Teams Premium” advanced/);
    expect(await markers()).toBe(2);

    // Past the retention: both are purged (and their index rows), the rollout and its audit stay.
    h.clock.advance(2 * DAY);
    await h.sweep();
    expect(await markers()).toBe(0);
    expect(await table.query(`t|${TENANT}`, { rowKeyPrefix: 'md|' })).toEqual([]);
    const rollout = await new TableRolloutRepository(table).get(TENANT, rolloutId ?? '');
    expect(rollout?.value.position.phase).toBe('poc');
    expect(
      (await new TableRolloutRepository(table).audit(TENANT, rolloutId ?? '', 10)).length,
    ).toBeGreaterThan(0);
  });
});
