import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import TableConfiguration from 'azurite/dist/src/table/TableConfiguration';
import TableServer from 'azurite/dist/src/table/TableServer';
import { AzureEntityTable, createTableClient } from '../src/storage/azure-table';
import { pickFreePort } from '../src/storage/azurite-network';
import { DEFAULT_SAVE_INTERVAL_MS } from '../src/storage/embedded-azurite';
import type { TableAction } from '../src/storage/entity-table';
import { forEachLimited, median, ms } from './stats';

/** The part of Azurite's LokiJS database the bench times (as src/storage/azurite-child.ts reaches it). */
interface LokiDatabase {
  autosaveDisable(): void;
  serialize(): string;
  saveDatabase(callback: (err?: unknown) => void): void;
}

const SIZES = [1_000, 50_000];
const SAVES = 5;
const ROWS_PER_BATCH = 100;
const AZURITE_OWN_INTERVAL_MS = 5000;

/** A row shaped like a feedback answer (about 300 bytes of properties). */
const row = (i: number): TableAction => ({
  kind: 'upsert',
  entity: {
    partitionKey: `f|ro-bench|pilot|${i % 500}`,
    rowKey: `a|${String(i).padStart(8, '0')}`,
    personName: 'Adele Vance',
    rating: (i % 5) + 1,
    platform: ['windows', 'macos', 'ios', 'android'][i % 4] ?? 'windows',
    installed: 'yes',
    category: 'performance',
    severity: 'none',
    comment: 'The app starts quickly and the sign-in worked on the first try.',
    submittedAt: new Date(1_760_000_000_000 + i * 1000).toISOString(),
  },
});

/**
 * One Azurite Table service in this process, persisting to a temporary folder, with its LokiJS
 * database at hand: rows are written through HTTP (the project's own table code), then
 * `saveDatabase` is timed directly.
 */
const measure = async (rows: number): Promise<{ saveMs: number; blockMs: number; bytes: number }> => {
  const dir = mkdtempSync(join(tmpdir(), 'rollout-bench-save-'));
  const dbPath = join(dir, '__azurite_db_table__.json');
  const port = await pickFreePort('127.0.0.1');
  const server = new TableServer(
    new TableConfiguration('127.0.0.1', port, 5, dbPath, false, false, undefined, undefined, false, true),
  );
  const db = (server as unknown as { metadataStore: { db: LokiDatabase } }).metadataStore.db;
  db.autosaveDisable(); // only the timed saves below
  await server.start();
  try {
    const table = new AzureEntityTable(
      createTableClient(
        { kind: 'azurite', endpoint: `http://127.0.0.1:${port}/devstoreaccount1` },
        'benchSave',
      ),
    );
    await table.ensure();
    const actions = Array.from({ length: rows }, (_, i) => row(i));
    // Rows of one batch share a partition (i % 500 differs per row: group them by partition).
    const byPartition = new Map<string, TableAction[]>();
    for (const action of actions) {
      if (action.kind !== 'upsert') continue;
      const list = byPartition.get(action.entity.partitionKey) ?? [];
      list.push(action);
      byPartition.set(action.entity.partitionKey, list);
    }
    const batches = [...byPartition.values()].flatMap((list) =>
      Array.from({ length: Math.ceil(list.length / ROWS_PER_BATCH) }, (_, b) =>
        list.slice(b * ROWS_PER_BATCH, (b + 1) * ROWS_PER_BATCH),
      ),
    );
    await forEachLimited(batches.length, 8, async (i) => void (await table.submit(batches[i] ?? [])));

    const saves: number[] = [];
    const blocks: number[] = [];
    for (let i = 0; i < SAVES; i++) {
      const started = performance.now();
      await new Promise<void>((done, fail) => {
        db.saveDatabase((err) => (err ? fail(err instanceof Error ? err : new Error(String(err))) : done()));
        // saveDatabase serializes the whole database before it returns: the event loop is blocked.
        blocks.push(performance.now() - started);
      });
      saves.push(performance.now() - started);
    }
    return { saveMs: median(saves), blockMs: median(blocks), bytes: statSync(dbPath).size };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Under writes that never stop, one save per interval: its share of one core (at most 100%). */
const coreShare = (saveMs: number, intervalMs: number): string =>
  `${Math.min(100, (saveMs / intervalMs) * 100).toFixed(1)}%`;

/**
 * The cost of saving the embedded Azurite's database: a LokiJS save rewrites the whole database
 * (serialized on Azurite's event loop, then written to a temporary file and renamed), so it grows
 * with the rows; the save interval bounds what a killed storage process loses.
 */
export const benchAzuriteSave = async (intervalMs = DEFAULT_SAVE_INTERVAL_MS): Promise<void> => {
  console.log('\nembedded Azurite: cost of one save of its LokiJS database (the whole database each time)');
  console.log(
    `  (rows written through Azurite, median of ${SAVES} saveDatabase calls; interval ${intervalMs} ms)`,
  );
  for (const rows of SIZES) {
    const { saveMs, blockMs, bytes } = await measure(rows);
    console.log(
      `  ${rows.toLocaleString('en-US').padStart(6)} rows  ${(bytes / 1e6).toFixed(1).padStart(5)} MB` +
        `  save ${ms(saveMs).padStart(9)} (event loop blocked ${ms(blockMs)})` +
        `  under constant writes: ${coreShare(saveMs, intervalMs)} of a core every ${intervalMs} ms` +
        ` (Azurite's ${AZURITE_OWN_INTERVAL_MS} ms: ${coreShare(saveMs, AZURITE_OWN_INTERVAL_MS)})`,
    );
  }
  console.log('  idle: nothing (LokiJS saves only a database that changed since the last save)');
};

if (require.main === module) {
  const raw = process.env.AZURITE_SAVE_INTERVAL_MS;
  benchAzuriteSave(raw ? Number(raw) : undefined).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
