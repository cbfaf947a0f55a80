import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { isProcessAlive, readAzuriteState } from '../../src/storage/azurite-state';
import {
  AZURITE_DATA_SUBDIR,
  startEmbeddedAzurite,
  type EmbeddedAzurite,
} from '../../src/storage/embedded-azurite';
import { openStorage, type OpenStorageOptions, type Storage } from '../../src/storage/open-storage';
import type { RepointableQueue } from '../../src/storage/delegating-queue';
import type { RepointableTable } from '../../src/storage/repointable-table';
import { poll } from '../support/poll';

/** Azurite's database file (LokiJS) under DATA_DIR. */
const DB_FILE = join(AZURITE_DATA_SUBDIR, '__azurite_db_table__.json');

describe('the embedded Azurite under supervision (real child processes)', () => {
  let dataDir: string;
  let storage: Storage | undefined;
  let logs: Record<string, unknown>[];
  const blockers: Server[] = [];
  const others: EmbeddedAzurite[] = [];
  const pids: number[] = [];

  const open = async (options: OpenStorageOptions = {}, saveIntervalMs = 200): Promise<Storage> => {
    const config = loadConfig({ DATA_DIR: dataDir, AZURITE_SAVE_INTERVAL_MS: String(saveIntervalMs) });
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    storage = await openStorage(config, logger, options);
    return storage;
  };

  const azuriteOf = (s: Storage) => {
    if (!s.azurite) throw new Error('not the embedded store');
    return s.azurite;
  };

  /** kill -9 of the current child; resolves once a new child serves the tables. */
  const killAndAwaitRestart = async (s: Storage): Promise<{ before: number; after: number }> => {
    const azurite = azuriteOf(s);
    const before = azurite.pid;
    pids.push(before);
    process.kill(before, 'SIGKILL');
    await poll(`a new Azurite child after killing ${before}`, async () =>
      azurite.pid !== before ? (await s.probe.check(), true) : undefined,
    );
    pids.push(azurite.pid);
    return { before, after: azurite.pid };
  };

  /** Polls Azurite's database file until it holds `marker` (LokiJS saved it). */
  const onDisk = (marker: string): Promise<true> =>
    poll(`${marker} in ${DB_FILE}`, async () =>
      (await readFile(join(dataDir, DB_FILE), 'utf8')).includes(marker) ? true : undefined,
    );

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rollout-supervised-'));
    logs = [];
  });

  afterEach(async () => {
    await storage?.close();
    storage = undefined;
    await Promise.all(others.splice(0).map((other) => other.stop()));
    for (const pid of pids.splice(0)) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    await Promise.all(blockers.splice(0).map((server) => new Promise((done) => server.close(done))));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a write saved to disk survives a kill -9: the child is restarted on the same data folder and port', async () => {
    const s = await open();
    const azurite = azuriteOf(s);
    expect(azurite.saveIntervalMs).toBe(200);
    const port = azurite.port;
    const queuePort = azurite.queuePort;
    const written = Date.now();
    const [etag] = await s.rollouts.submit([
      { kind: 'create', entity: { partitionKey: 'p', rowKey: 'r', title: 'saved-before-the-kill' } },
    ]);
    await onDisk('saved-before-the-kill');
    // Within the save interval (200 ms) plus the save itself, not Azurite's 5 s.
    expect(Date.now() - written).toBeLessThan(2000);

    const { before, after } = await killAndAwaitRestart(s);

    expect(after).not.toBe(before);
    expect(isProcessAlive(before)).toBe(false);
    expect(azurite.port).toBe(port);
    expect(azurite.queuePort).toBe(queuePort);
    expect(azurite.restarts).toBe(1);
    expect(await readAzuriteState(dataDir)).toMatchObject({ pid: after, port, ownerPid: process.pid });
    expect(await s.rollouts.get('p', 'r')).toEqual({
      partitionKey: 'p',
      rowKey: 'r',
      title: 'saved-before-the-kill',
      etag,
    });
    expect(logs.find((l) => l.msg === 'embedded Azurite restarted')).toMatchObject({
      pid: after,
      port,
      samePort: true,
    });
  }, 60_000);

  it('when the old ports are taken, the child gets new ones and every table and the queue follow', async () => {
    const s = await open({
      supervision: {
        // Deterministic: something else binds the old ports right after the kill.
        beforeRestart: async (previous) => {
          for (const taken of [previous.port, previous.queuePort]) {
            const blocker = createServer();
            blockers.push(blocker);
            await new Promise<void>((done) => blocker.listen(taken, '127.0.0.1', done));
          }
        },
      },
    });
    const azurite = azuriteOf(s);
    const port = azurite.port;
    const queuePort = azurite.queuePort;
    await s.feedback.submit([
      { kind: 'upsert', entity: { partitionKey: 'f', rowKey: '1', note: 'feedback-row' } },
    ]);
    await onDisk('feedback-row');

    await killAndAwaitRestart(s);

    expect(azurite.port).not.toBe(port);
    expect(await readAzuriteState(dataDir)).toMatchObject({ port: azurite.port, pid: azurite.pid });
    for (const table of [s.rollouts, s.feedback, s.signoffs, s.audiences, s.announcements]) {
      expect((table as RepointableTable).endpoint).toBe(azurite.endpoint);
    }
    expect(await s.feedback.get('f', '1')).toMatchObject({ note: 'feedback-row' });
    expect(azurite.queuePort).not.toBe(queuePort);
    expect((s.queue as RepointableQueue).endpoint).toBe(azurite.queueEndpoint);
    expect(await readAzuriteState(dataDir)).toMatchObject({ queueEndpoint: azurite.queueEndpoint });
    await s.queue.send('{"after":"restart"}');
    expect((await s.queue.receive(32, 30)).map((m) => m.text)).toEqual(['{"after":"restart"}']);
    await s.signoffs.submit([{ kind: 'create', entity: { partitionKey: 's', rowKey: '1' } }]);
    expect(await s.signoffs.get('s', '1')).toMatchObject({ partitionKey: 's' });
    // The Announcements table was ensured again on the new child too.
    await s.announcements.submit([{ kind: 'create', entity: { partitionKey: 'a', rowKey: '1' } }]);
    expect(await s.announcements.get('a', '1')).toMatchObject({ partitionKey: 'a' });
    expect(logs.find((l) => l.msg === 'embedded Azurite restarted')).toMatchObject({
      previousPort: port,
      port: azurite.port,
      samePort: false,
    });
  }, 60_000);

  it('restarts at most the budget within its window (counted on the given clock), then gives up once', async () => {
    let clock = 1_000_000;
    const lost: Error[] = [];
    const s = await open({
      onStorageLost: (reason) => lost.push(reason),
      supervision: { budget: { maxRestarts: 2, windowMs: 60_000 }, now: () => clock },
    });
    const azurite = azuriteOf(s);

    await killAndAwaitRestart(s); // restart 1 at t
    clock += 60_000; // restart 1 leaves the window
    await killAndAwaitRestart(s); // restart 2 (1 in the window)
    await killAndAwaitRestart(s); // restart 3 (2 in the window: the budget is spent)
    expect(lost).toEqual([]);

    const last = azurite.pid;
    pids.push(last);
    process.kill(last, 'SIGKILL');
    await poll('the supervisor to give up', async () => (lost.length > 0 ? true : undefined));

    expect(lost).toHaveLength(1);
    expect(lost[0]?.message).toMatch(
      new RegExp(
        `^embedded Azurite died again \\(pid ${last}, code null, signal SIGKILL\\) after 2 restarts within 60 s`,
      ),
    );
    expect(azurite.restarts).toBe(3);
    expect(logs.filter((l) => l.msg === 'embedded Azurite restarted')).toHaveLength(3);
    expect(logs.find((l) => l.msg === 'embedded Azurite: giving up')).toMatchObject({ level: 50 });
    // Nothing is started any more, and the data folder is free for the next run.
    expect(isProcessAlive(last)).toBe(false);
    await poll('azurite.json to be removed', async () =>
      (await readAzuriteState(dataDir)) === null ? true : undefined,
    );
    await expect(s.probe.check()).rejects.toThrow();
  }, 90_000);

  it('gives up at once when another instance took the data folder during the restart', async () => {
    const lost: Error[] = [];
    const s = await open({
      onStorageLost: (reason) => lost.push(reason),
      // Deterministic: a second Azurite claims the folder between the death and the restart.
      supervision: { beforeRestart: async () => void others.push(await startEmbeddedAzurite({ dataDir })) },
    });
    const before = azuriteOf(s).pid;
    pids.push(before);
    process.kill(before, 'SIGKILL');
    await poll('the supervisor to give up', async () => (lost.length > 0 ? true : undefined));

    expect(lost[0]?.message).toMatch(
      /^embedded Azurite could not be restarted: DATA_DIR .* is in use by another/,
    );
    expect(azuriteOf(s).restarts).toBe(1);
    // The other instance keeps its claim.
    expect((await readAzuriteState(dataDir))?.pid).toBe(others[0]?.pid);
  }, 60_000);

  it('a stop during a restart waits for it and leaves no child running', async () => {
    let closing: Promise<void> | undefined;
    const s = await open({
      supervision: {
        beforeRestart: () => {
          closing = s.close(); // the bot shuts down while the child is being restarted
        },
      },
    });
    const before = azuriteOf(s).pid;
    pids.push(before);
    process.kill(before, 'SIGKILL');
    await poll('the stop to begin', async () => (closing ? true : undefined));
    await closing;

    const started = logs.filter((l) => l.msg === 'embedded Azurite started').map((l) => Number(l.pid));
    expect(started).toHaveLength(2); // the restart went ahead, and was stopped at once
    for (const pid of started) expect(isProcessAlive(pid)).toBe(false);
    expect(await readAzuriteState(dataDir)).toBeNull();
    expect(logs.some((l) => l.msg === 'embedded Azurite restarted')).toBe(false);
  }, 60_000);

  it('a restart that fails is tried again, within the budget', async () => {
    let calls = 0;
    const s = await open({
      supervision: {
        beforeRestart: () => {
          if (++calls === 1) throw new Error('the first restart fails');
        },
      },
    });
    await s.rollouts.submit([
      { kind: 'upsert', entity: { partitionKey: 'p', rowKey: 'r', note: 'kept-row' } },
    ]);
    await onDisk('kept-row');

    await killAndAwaitRestart(s);

    expect(calls).toBe(2);
    expect(azuriteOf(s).restarts).toBe(2);
    expect(logs.find((l) => l.msg === 'embedded Azurite did not restart')).toMatchObject({
      err: 'the first restart fails',
    });
    expect(await s.rollouts.get('p', 'r')).toMatchObject({ note: 'kept-row' });
  }, 60_000);
});
