import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { AzureEntityTable, createTableClient } from '../../src/storage/azure-table';
import { probeAzurite } from '../../src/storage/azurite-network';
import {
  azuriteStatePath,
  isProcessAlive as isRunning,
  readAzuriteState,
} from '../../src/storage/azurite-state';
import type { WorkQueue } from '../../src/app/ports';
import { AzureWorkQueue, createQueueClient } from '../../src/storage/azure-queue';
import {
  AZURITE_DATA_SUBDIR,
  startEmbeddedAzurite,
  type EmbeddedAzurite,
} from '../../src/storage/embedded-azurite';
import type { EntityTable } from '../../src/storage/entity-table';
import { poll, waitUntil } from '../support/poll';

/** A pid that belonged to a process which has exited. */
const deadPid = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((done) => child.once('exit', done));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
};

interface LokiFile {
  collections: { name: string; data: Record<string, unknown>[] }[];
}

const lokiRows = async (dataDir: string, file: string, collection: string) => {
  const text = await readFile(join(dataDir, AZURITE_DATA_SUBDIR, file), 'utf8').catch(() => '');
  if (!text) return [];
  return (JSON.parse(text) as LokiFile).collections.find((c) => c.name === collection)?.data ?? [];
};

/**
 * How many queue messages Azurite saved to disk whole: a message in the queue's database whose
 * text (an extent chunk) lies within what the extent database says the extent file holds.
 */
const queueSaved = async (dataDir: string): Promise<number> => {
  const messages = await lokiRows(dataDir, '__azurite_db_queue__.json', '$MESSAGES_COLLECTION$');
  const extents = await lokiRows(dataDir, '__azurite_db_queue_extent__.json', '$EXTENTS_COLLECTION$');
  return messages.filter((message) => {
    const chunk = message.persistency as { id: string; offset: number; count: number };
    const extent = extents.find((e) => e.id === chunk.id);
    return typeof extent?.size === 'number' && extent.size >= chunk.offset + chunk.count;
  }).length;
};

const tableOn = async (azurite: EmbeddedAzurite): Promise<EntityTable> => {
  const table = new AzureEntityTable(
    createTableClient({ kind: 'azurite', endpoint: azurite.endpoint }, 'Rollouts'),
  );
  await table.ensure();
  return table;
};

describe('embedded Azurite (child process)', () => {
  let dataDir: string;
  const running: EmbeddedAzurite[] = [];
  const parents: ChildProcess[] = [];
  /** Azurite children of killed parents: killed here if a failing test left them running. */
  const orphans: number[] = [];

  const start = async (): Promise<EmbeddedAzurite> => {
    const azurite = await startEmbeddedAzurite({ dataDir });
    running.push(azurite);
    return azurite;
  };

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rollout-azurite-'));
  });

  afterEach(async () => {
    for (const parent of parents.splice(0)) if (parent.exitCode === null) parent.kill('SIGKILL');
    for (const pid of orphans.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    await Promise.all(running.splice(0).map((azurite) => azurite.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes azurite.json naming a child whose port answers, and removes it on stop', async () => {
    const azurite = await start();
    const state = await readAzuriteState(dataDir);
    expect(state).toEqual({
      port: azurite.port,
      pid: azurite.pid,
      endpoint: azurite.endpoint,
      queuePort: azurite.queuePort,
      queueEndpoint: azurite.queueEndpoint,
      startedAt: expect.any(String),
      ownerPid: process.pid,
    });
    expect(azurite.port).not.toBe(10002);
    expect([azurite.port, 10001]).not.toContain(azurite.queuePort);
    expect(azurite.queueEndpoint).toBe(`http://127.0.0.1:${azurite.queuePort}/devstoreaccount1`);
    expect(await probeAzurite('127.0.0.1', azurite.queuePort, undefined, 'queue')).toBe(true);
    expect(azurite.pid).not.toBe(process.pid);
    expect(azurite.endpoint).toBe(`http://127.0.0.1:${azurite.port}/devstoreaccount1`);
    expect(await probeAzurite('127.0.0.1', azurite.port)).toBe(true);
    expect(isRunning(azurite.pid)).toBe(true);

    await azurite.stop();
    expect(await readAzuriteState(dataDir)).toBeNull();
    expect(isRunning(azurite.pid)).toBe(false);
    expect(await probeAzurite('127.0.0.1', azurite.port)).toBe(false);
    expect(await probeAzurite('127.0.0.1', azurite.queuePort, undefined, 'queue')).toBe(false);
    await azurite.stop(); // idempotent
  });

  it('keeps a row written before stop across a restart on the same data folder', async () => {
    const first = await start();
    const [etag] = await (
      await tableOn(first)
    ).submit([{ kind: 'create', entity: { partitionKey: 't|1', rowKey: 'r|1', title: 'Zoë’s rollout' } }]);
    await first.stop();

    const second = await start();
    expect(await (await tableOn(second)).get('t|1', 'r|1')).toEqual({
      partitionKey: 't|1',
      rowKey: 'r|1',
      title: 'Zoë’s rollout',
      etag,
    });
  });

  it('keeps queue messages across restarts: sent before a stop, and sent a save interval before a kill -9', async () => {
    const queueOn = async (azurite: EmbeddedAzurite): Promise<WorkQueue> => {
      const queue = new AzureWorkQueue(
        createQueueClient({ kind: 'azurite', endpoint: azurite.queueEndpoint }, 'announcements'),
      );
      await queue.ensure();
      return queue;
    };
    const first = await startEmbeddedAzurite({ dataDir, saveIntervalMs: 5000 });
    running.push(first);
    await (await queueOn(first)).send('{"n":1,"who":"Zoë"}');
    await first.stop(); // well within 5 s of the send: only the close can have saved it

    const second = await start();
    await (await queueOn(second)).send('{"n":2}');
    // Both LokiJS databases saved within the interval (200 ms), then the kill.
    await poll('both messages saved to disk', async () => (await queueSaved(dataDir)) >= 2 || undefined);
    process.kill(second.pid, 'SIGKILL');
    await waitUntil(`Azurite child ${second.pid} to exit`, () => !isRunning(second.pid));

    const third = await start();
    const queue = await queueOn(third);
    const received = await queue.receive(32, 30);
    expect(received.map((m) => [m.text, m.dequeueCount])).toEqual([
      ['{"n":1,"who":"Zoë"}', 1],
      ['{"n":2}', 1],
    ]);
  });

  it('a graceful stop saves every write, even with the longest save interval', async () => {
    const first = await startEmbeddedAzurite({ dataDir, saveIntervalMs: 5000 });
    running.push(first);
    const table = await tableOn(first);
    const rows = Array.from({ length: 50 }, (_, i) => ({
      kind: 'upsert' as const,
      entity: { partitionKey: 'p', rowKey: `r${String(i).padStart(2, '0')}`, n: i },
    }));
    await table.submit(rows);
    await first.stop(); // well within 5 s of the writes: only the close can have saved them

    const second = await start();
    expect((await (await tableOn(second)).query('p')).map((row) => row.n)).toEqual(rows.map((_, i) => i));
  });

  it.each([
    [undefined, 200],
    [75, 75],
  ])(
    'the child sets its database to save every %s ms (→ %s): it reports what LokiJS has',
    async (ms, applied) => {
      const azurite = await startEmbeddedAzurite({ dataDir, saveIntervalMs: ms });
      running.push(azurite);
      expect(azurite.saveIntervalMs).toBe(applied);
    },
  );

  it.each([
    ['table/persistence/LokiTableMetadataStore', 'TableServer.metadataStore'],
    ['queue/persistence/LokiQueueMetadataStore', 'QueueServer.metadataStore'],
    ['common/persistence/LokiExtentMetadataStore', 'QueueServer.extentMetadataStore'],
  ])(
    'fails loudly, naming the reason, when Azurite’s internals are not as expected (%s)',
    async (module, store) => {
      // A real child whose Azurite keeps a LokiJS database under another name (as a future
      // version might): the preload renames the field; the child must refuse rather than keep 5 s.
      const preload = join(dataDir, 'rename-db.js');
      const storeModule = require.resolve(`azurite/dist/src/${module}`);
      await writeFile(
        preload,
        [
          `const store = require(${JSON.stringify(storeModule)});`,
          'const Original = store.default;',
          'store.default = class extends Original {',
          '  constructor(...args) { super(...args); this.database = this.db; delete this.db; }',
          '};',
        ].join('\n'),
      );
      // A parent process (as the bot) whose children all load the preload.
      const parentScript = join(dataDir, 'parent.js');
      const modulePath = resolve(__dirname, '../../src/storage/embedded-azurite.ts');
      await writeFile(
        parentScript,
        [
          `const { startEmbeddedAzurite } = require(${JSON.stringify(modulePath)});`,
          `startEmbeddedAzurite({ dataDir: ${JSON.stringify(dataDir)} }).then(`,
          `  (azurite) => azurite.stop().then(() => { console.log('started'); process.exit(0); }),`,
          `  (err) => { console.log(err.message); process.exit(3); },`,
          `);`,
        ].join('\n'),
      );
      const parent = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), parentScript], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, NODE_OPTIONS: `--require ${preload}` },
      });
      parents.push(parent);
      let out = '';
      parent.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise((done) => parent.once('exit', done));
      expect({ code, out }).toEqual({
        code: 3,
        out: expect.stringContaining('exited before it was ready (code 1'),
      });
      expect(out).toContain(
        `azurite-child: Azurite's internals are not as expected (${store} has no LokiJS db)`,
      );
      expect(await readAzuriteState(dataDir)).toBeNull();
    },
  );

  it('refuses a second start on a data folder in use, and leaves the first one serving', async () => {
    const first = await start();
    const table = await tableOn(first);
    await table.submit([{ kind: 'upsert', entity: { partitionKey: 'p', rowKey: 'r', v: 1 } }]);

    await expect(startEmbeddedAzurite({ dataDir })).rejects.toThrow(
      `DATA_DIR ${resolve(dataDir)} is in use by another running instance (pid ${first.pid})`,
    );

    expect((await readAzuriteState(dataDir))?.pid).toBe(first.pid);
    expect(await table.get('p', 'r')).toMatchObject({ v: 1 });
  });

  it.each([
    ['a dead pid', async () => ({ pid: await deadPid(), startedAt: new Date().toISOString() })],
    [
      'a live pid whose port does not answer, written long ago',
      async () => ({ pid: process.pid, startedAt: '2020-01-01T00:00:00.000Z' }),
    ],
  ])('replaces a stale azurite.json naming %s', async (_name, stale) => {
    const { pid, startedAt } = await stale();
    const endpoint = 'http://127.0.0.1:9/devstoreaccount1';
    await writeFile(
      azuriteStatePath(dataDir),
      JSON.stringify({ port: 9, pid, endpoint, startedAt, ownerPid: pid }),
    );
    const azurite = await start();
    expect(await readAzuriteState(dataDir)).toMatchObject({ pid: azurite.pid, port: azurite.port });
  });

  it('replaces an azurite.json that is not one of ours', async () => {
    await writeFile(azuriteStatePath(dataDir), '{ not json');
    const azurite = await start();
    expect((await readAzuriteState(dataDir))?.pid).toBe(azurite.pid);
  });

  it('leaves no orphan when its parent is killed with SIGKILL', async () => {
    const parentScript = join(dataDir, 'parent.js');
    const modulePath = resolve(__dirname, '../../src/storage/embedded-azurite.ts');
    await writeFile(
      parentScript,
      [
        `const { startEmbeddedAzurite } = require(${JSON.stringify(modulePath)});`,
        `startEmbeddedAzurite({ dataDir: ${JSON.stringify(dataDir)} }).then(`,
        `  (azurite) => { console.log(JSON.stringify({ pid: azurite.pid, port: azurite.port })); setInterval(() => {}, 1000); },`,
        `  (err) => { console.error(err); process.exit(1); },`,
        `);`,
      ].join('\n'),
    );
    const parent = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), parentScript], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    parents.push(parent);
    const line = await new Promise<string>((done, fail) => {
      if (!parent.stdout) return fail(new Error('no stdout'));
      createInterface({ input: parent.stdout }).once('line', done);
      parent.once('exit', (code) => fail(new Error(`parent exited early (code ${code})`)));
    });
    const { pid, port } = JSON.parse(line) as { pid: number; port: number };
    orphans.push(pid);
    expect(isRunning(pid)).toBe(true);
    expect(await probeAzurite('127.0.0.1', port)).toBe(true);

    parent.kill('SIGKILL');
    await new Promise((done) => parent.once('exit', done));

    await waitUntil(`Azurite child ${pid} to exit`, () => !isRunning(pid));
    expect(await probeAzurite('127.0.0.1', port)).toBe(false);
    // It closed gracefully: it removed its azurite.json, and the folder can be used again.
    await expect(readFile(azuriteStatePath(dataDir), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    await start();
  });
});
