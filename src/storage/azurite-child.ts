/**
 * Entry point of the Azurite child process started by embedded-azurite.ts (never imported).
 *
 * Runs Azurite's Table service and its Queue service (on `queuePort`) in this process, persisting
 * under `location` (LokiJS databases; the queue's message texts in extent files, written through
 * at once), with no access log, no debug log, no telemetry (the telemetry client is never
 * initialised) and no API version check (@azure/storage-queue 12.30 speaks a newer one than
 * Azurite 3.35 accepts). Each of Azurite's LokiJS databases (the table's; the queue's metadata
 * and its extent index) saves itself every 5 s (when changed); before they listen, the child sets
 * that interval to `saveIntervalMs` (see applySaveInterval: it reaches into Azurite's internals
 * and exits non-zero when they are not as expected, rather than keep 5 s silently). Protocol over
 * the IPC channel:
 *   parent → child  { type: 'start' }  open the database and listen (sent once the parent has
 *                                       claimed the data folder)
 *   child → parent  { type: 'started', saveIntervalMs }  listening, with the save interval the
 *                                       database actually has
 *   parent → child  { type: 'stop' }   close gracefully (LokiJS saves to disk) and exit 0
 * The child also closes and exits when the channel disconnects (the parent exited or was
 * killed, even by SIGKILL) and on SIGTERM / SIGHUP, so it never outlives its parent. SIGINT
 * (Ctrl+C, sent to the whole process group) is left to the parent, which stops it in turn.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import QueueConfiguration from 'azurite/dist/src/queue/QueueConfiguration';
import QueueServer from 'azurite/dist/src/queue/QueueServer';
import TableConfiguration from 'azurite/dist/src/table/TableConfiguration';
import TableServer from 'azurite/dist/src/table/TableServer';

interface ChildConfig {
  host: string;
  port: number;
  /** The Queue service's port. */
  queuePort: number;
  location: string;
  /** azurite.json: removed on the way out when it still names this process. */
  stateFile: string;
  /** How often LokiJS saves the database to disk when it changed (Azurite's own: 5000). */
  saveIntervalMs: number;
}

/** The members of Azurite 3.35's LokiJS database (lokijs 1.5) this process relies on. */
interface LokiDatabase {
  filename: string;
  persistenceMethod: string | null;
  autosave: boolean;
  autosaveInterval: number;
  autosaveHandle: unknown;
  autosaveEnable(): void;
  autosaveDisable(): void;
}

/** What Azurite's own constructors give each database (LokiTableMetadataStore and the queue's). */
const AZURITE_SAVE_INTERVAL_MS = 5000;

/** Azurite's own file names, so `azurite --location <dataDir>/azurite` opens the same data. */
const DB_FILE = '__azurite_db_table__.json';
const QUEUE_DB_FILE = '__azurite_db_queue__.json';
const QUEUE_EXTENT_DB_FILE = '__azurite_db_queue_extent__.json';
const QUEUE_EXTENTS_DIR = '__queuestorage__';
const KEEP_ALIVE_SECONDS = 5;
/** A close that hangs (it should not) must not keep the process alive. */
const CLOSE_TIMEOUT_MS = 10_000;

const fail = (message: string): never => {
  process.stderr.write(`azurite-child: ${message}\n`);
  process.exit(1);
};

const parseConfig = (raw: string | undefined): ChildConfig => {
  let value: unknown;
  try {
    value = JSON.parse(raw ?? '');
  } catch {
    return fail('expected a JSON configuration as the first argument');
  }
  if (typeof value !== 'object' || value === null) return fail('invalid configuration');
  const { host, port, queuePort, location, stateFile, saveIntervalMs } = value as Record<string, unknown>;
  if (
    typeof host !== 'string' ||
    typeof port !== 'number' ||
    !Number.isInteger(port) ||
    typeof queuePort !== 'number' ||
    !Number.isInteger(queuePort) ||
    typeof location !== 'string' ||
    typeof stateFile !== 'string' ||
    typeof saveIntervalMs !== 'number' ||
    !Number.isInteger(saveIntervalMs) ||
    saveIntervalMs < 1
  ) {
    return fail(`invalid configuration ${raw ?? ''}`);
  }
  return { host, port, queuePort, location, stateFile, saveIntervalMs };
};

const internalsChanged = (what: string): never =>
  fail(
    `Azurite's internals are not as expected (${what}): cannot set the database's save interval; ` +
      'the embedded store would lose up to 5 s of acknowledged writes when killed. ' +
      'Check src/storage/azurite-child.ts against the installed azurite version (3.35.0 expected).',
  );

/**
 * One of Azurite's LokiJS databases: `<server>.<storeName>.db` (`TableServer.metadataStore`,
 * `QueueServer.metadataStore` and `QueueServer.extentMetadataStore`), checked member by member.
 */
const lokiDatabaseOf = (
  server: TableServer | QueueServer,
  storeName: 'metadataStore' | 'extentMetadataStore',
  dbPath: string,
): LokiDatabase => {
  const serverName = server instanceof TableServer ? 'TableServer' : 'QueueServer';
  const store: unknown = (server as unknown as Record<string, unknown>)[storeName];
  if (typeof store !== 'object' || store === null)
    return internalsChanged(`${serverName} has no ${storeName}`);
  const db: unknown = (store as { db?: unknown }).db;
  if (typeof db !== 'object' || db === null) {
    return internalsChanged(`${serverName}.${storeName} has no LokiJS db`);
  }
  const loki = db as Partial<Record<keyof LokiDatabase, unknown>>;
  if (typeof loki.autosaveEnable !== 'function' || typeof loki.autosaveDisable !== 'function') {
    return internalsChanged('the db has no autosaveEnable/autosaveDisable');
  }
  if (loki.filename !== dbPath) return internalsChanged(`the db's file is ${String(loki.filename)}`);
  if (loki.persistenceMethod !== 'fs') {
    return internalsChanged(`the db persists with ${String(loki.persistenceMethod)}, not fs`);
  }
  if (loki.autosave !== true || loki.autosaveInterval !== AZURITE_SAVE_INTERVAL_MS || !loki.autosaveHandle) {
    return internalsChanged(
      `autosave ${String(loki.autosave)} every ${String(loki.autosaveInterval)} ms, ` +
        `expected true every ${AZURITE_SAVE_INTERVAL_MS} ms`,
    );
  }
  return db as LokiDatabase;
};

/** Restarts LokiJS's autosave timer with the new interval (it saves only when the db changed). */
const applySaveInterval = (db: LokiDatabase, ms: number): void => {
  db.autosaveDisable();
  db.autosaveInterval = ms;
  db.autosaveEnable();
  checkSaveInterval(db, ms);
};

const checkSaveInterval = (db: LokiDatabase, ms: number): void => {
  if (db.autosave !== true || db.autosaveInterval !== ms || !db.autosaveHandle) {
    internalsChanged(`after setting it, autosave ${String(db.autosave)} every ${db.autosaveInterval} ms`);
  }
};

const messageType = (message: unknown): unknown =>
  typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;

const main = (): void => {
  if (!process.send || !process.connected) fail('must be started by embedded-azurite with an IPC channel');
  // Once the parent is gone its end of our pipes is closed: a write must not crash the close.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const config = parseConfig(process.argv[2]);

  let server: TableServer | undefined;
  let queueServer: QueueServer | undefined;
  let starting: Promise<void> | undefined;
  let closing = false;

  const removeStateFile = (): void => {
    try {
      const state: unknown = JSON.parse(readFileSync(config.stateFile, 'utf8'));
      if (typeof state === 'object' && state !== null && (state as { pid?: unknown }).pid === process.pid) {
        unlinkSync(config.stateFile);
      }
    } catch {
      // Missing or unreadable: nothing of ours to remove.
    }
  };

  const shutdown = async (reason: string): Promise<void> => {
    if (closing) return;
    closing = true;
    setTimeout(
      () => fail(`close timed out after ${CLOSE_TIMEOUT_MS} ms (${reason})`),
      CLOSE_TIMEOUT_MS,
    ).unref();
    try {
      await starting?.catch(() => undefined);
      // Both, even when one fails: each LokiJS database saves itself as it closes.
      const closes = [server, queueServer].map(async (running) => {
        if (running?.getStatus() === 'Running') await running.close();
      });
      for (const result of await Promise.allSettled(closes)) {
        if (result.status === 'rejected') throw result.reason;
      }
    } catch (err) {
      process.stderr.write(
        `azurite-child: close failed: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exitCode = 1;
    }
    removeStateFile();
    process.exit();
  };

  const start = async (): Promise<void> => {
    const dbPath = join(config.location, DB_FILE);
    const tableConfig = new TableConfiguration(
      config.host,
      config.port,
      KEEP_ALIVE_SECONDS,
      dbPath,
      false, // debug log
      false, // access log (--silent)
      undefined,
      undefined,
      false, // loose
      true, // skipApiVersionCheck
      '',
      '',
      '',
      undefined,
      false, // disableProductStyleUrl
      false, // in-memory persistence
    );
    const queueDbPath = join(config.location, QUEUE_DB_FILE);
    const queueExtentDbPath = join(config.location, QUEUE_EXTENT_DB_FILE);
    const queueConfig = new QueueConfiguration(
      config.host,
      config.queuePort,
      KEEP_ALIVE_SECONDS,
      queueDbPath,
      queueExtentDbPath,
      [{ locationId: 'Default', locationPath: join(config.location, QUEUE_EXTENTS_DIR), maxConcurrency: 1 }],
      false, // access log (--silent)
      undefined,
      false, // debug log
      undefined,
      false, // loose
      true, // skipApiVersionCheck: storage-queue 12.30 sends a newer version than 3.35 knows
      '',
      '',
      '',
      undefined,
      false, // disableProductStyleUrl
      false, // in-memory persistence
    );
    server = new TableServer(tableConfig);
    queueServer = new QueueServer(queueConfig);
    // Before the databases are loaded and the ports opened: no write ever waits for the 5 s timer.
    const dbs = [
      lokiDatabaseOf(server, 'metadataStore', dbPath),
      lokiDatabaseOf(queueServer, 'metadataStore', queueDbPath),
      lokiDatabaseOf(queueServer, 'extentMetadataStore', queueExtentDbPath),
    ];
    for (const db of dbs) applySaveInterval(db, config.saveIntervalMs);
    await Promise.all([server.start(), queueServer.start()]);
    // Loading the databases did not reset it.
    for (const db of dbs) checkSaveInterval(db, config.saveIntervalMs);
    if (process.connected) {
      process.send?.({ type: 'started', saveIntervalMs: Math.max(...dbs.map((db) => db.autosaveInterval)) });
    }
  };

  // Registered before the event loop runs, so no message from the parent is missed.
  process.on('message', (message: unknown) => {
    const type = messageType(message);
    if (type === 'start' && !starting && !closing) {
      starting = start().catch((err: unknown) => {
        fail(
          `failed to start the Table and Queue services: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    } else if (type === 'stop') {
      void shutdown('stop requested');
    }
  });
  process.on('disconnect', () => void shutdown('parent disconnected'));
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void shutdown(signal));
  }
  // Ctrl+C reaches the whole foreground process group: let the parent finish its own shutdown
  // (its last writes included) and stop us; if it dies instead, the channel closes and we go.
  process.on('SIGINT', () => undefined);
};

main();
