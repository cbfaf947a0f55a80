import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fact, message } from '../support/activities';
import { startBotProcess, runFailingStart, type BotProcess } from '../support/bot-process';
import { FakeConnector } from '../support/fake-connector';
import { poll, waitUntil } from '../support/poll';
import { isProcessAlive, readAzuriteState } from '../../src/storage/azurite-state';

const azuritePid = async (dir: string): Promise<number> =>
  poll('azurite.json', async () => (await readAzuriteState(dir))?.pid);

/** kill -9 of the bot's Azurite child; resolves with the time /healthz took to answer 200 again. */
const killAzuriteAndAwaitHealth = async (url: string, dir: string): Promise<number> => {
  const before = await azuritePid(dir);
  process.kill(before, 'SIGKILL');
  const killed = Date.now();
  await poll('/healthz 200 from a restarted Azurite', async () => {
    const pid = (await readAzuriteState(dir))?.pid;
    if (pid === undefined || pid === before) return undefined;
    return (await fetch(`${url}/healthz`)).status === 200 ? true : undefined;
  });
  return Date.now() - killed;
};

/** `npm start` as a user runs it: built code, embedded Azurite as a child, real signals. */
let dataDir: string;
let connector: FakeConnector;
let bot: BotProcess | null = null;

const post = (url: string, activity: unknown) =>
  fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(activity),
  });

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rollout-process-'));
  connector = await new FakeConnector().start();
});
afterEach(async () => {
  if (bot && bot.child.exitCode === null) await bot.stop('SIGKILL');
  bot = null;
  await connector.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * The cards that answer the test's messages: a real process runs the scheduled jobs, whose daily
 * digest of a rollout (its time passed today) may be posted before an answer.
 */
const replies = () => connector.cards().filter((card) => !JSON.stringify(card).includes('Daily digest'));

it('state survives a restart, and the embedded Azurite stops with the bot', async () => {
  bot = await startBotProcess({ DATA_DIR: dataDir });
  expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  await post(bot.url, message('rollout new Survivor', { serviceUrl: connector.url }));
  const id = fact(replies()[0], 'Rollout id');
  expect(id).toMatch(/^ro-/);
  const azuritePid = Number(bot.logs.find((l) => l.msg === 'embedded Azurite started')?.pid);
  expect(await bot.stop()).toBe(0);
  expect(isProcessAlive(azuritePid)).toBe(false);

  bot = await startBotProcess({ DATA_DIR: dataDir });
  connector.clear();
  await post(bot.url, message(`status ${id}`, { serviceUrl: connector.url }));
  expect(fact(replies()[0], 'Rollout id')).toBe(id);
  expect(fact(replies()[0], 'Current phase')).toBe('Project scope');
});

it('SIGTERM during a turn lets the turn finish before exiting', async () => {
  // No scheduled jobs: a tick's messages would wait on the held connector too (a 5-minute tick
  // landing in the test made the shutdown wait out its grace period now and then).
  bot = await startBotProcess({ DATA_DIR: dataDir, SCHEDULER: 'false' });
  const release = connector.hold();
  const arrived = connector.nextCall();
  const turn = post(bot.url, message('rollout new Mid-turn', { serviceUrl: connector.url }));
  await arrived; // the bot is inside the turn, waiting on the Bot Connector
  process.kill(bot.pid, 'SIGTERM');
  // New requests are turned away while the turn in progress finishes (once the signal is handled:
  // a request sent before is an ordinary one).
  const { logs } = bot;
  await waitUntil('the bot to handle SIGTERM', () => logs.some((l) => l.msg === 'shutting down'));
  const during = await post(bot.url, message('status', { serviceUrl: connector.url })).catch(() => null);
  expect(during === null || during.status === 503).toBe(true);
  release();
  expect((await turn).status).toBe(200);
  expect(await bot.exited).toBe(0);
  expect(connector.texts()[0]).toMatch(/^Created “Mid-turn”/);

  bot = await startBotProcess({ DATA_DIR: dataDir });
  connector.clear();
  await post(bot.url, message('rollout list', { serviceUrl: connector.url }));
  expect(JSON.stringify(replies()[0])).toContain('Mid-turn');
});

it.each([
  ['PORT', 'not-a-port'],
  ['LOG_LEVEL', 'chatty'],
  ['ROLLOUT_ADMINS', 'someone@contoso.com'],
  // Anonymous mode (no MicrosoftAppId) off loopback, without ALLOW_ANONYMOUS_REMOTE.
  ['HOST', '0.0.0.0'],
])('a bad %s exits non-zero with one line naming the variable', async (variable, value) => {
  const { code, stderr } = await runFailingStart({ DATA_DIR: dataDir, [variable]: value });
  expect(code).not.toBe(0);
  expect(stderr.trim().split('\n')).toEqual([
    expect.stringMatching(new RegExp(`^Invalid configuration: ${variable} `)),
  ]);
});

it('production refuses to start without a bot id (fail closed)', async () => {
  const { code, stderr } = await runFailingStart({
    DATA_DIR: dataDir,
    NODE_ENV: 'production',
    ROLLOUT_ADMINS: '00000000-0000-4000-8000-0000000000a1',
  });
  expect(code).not.toBe(0);
  expect(stderr).toContain('MicrosoftAppId is required when NODE_ENV is production');
});

it('/healthz is 200 again within seconds of a kill -9 of the embedded Azurite, and saved state is kept', async () => {
  bot = await startBotProcess({ DATA_DIR: dataDir });
  await post(bot.url, message('rollout new Phoenix', { serviceUrl: connector.url }));
  const id = fact(replies()[0], 'Rollout id') ?? '';
  expect(id).toMatch(/^ro-/);
  // Saved to disk (within AZURITE_SAVE_INTERVAL_MS): what a kill -9 cannot take away.
  await poll('the rollout in Azurite’s database file', async () =>
    readFileSync(join(dataDir, 'azurite', '__azurite_db_table__.json'), 'utf8').includes(id)
      ? true
      : undefined,
  );

  expect(await killAzuriteAndAwaitHealth(bot.url, dataDir)).toBeLessThan(10_000);

  connector.clear();
  expect((await post(bot.url, message(`status ${id}`, { serviceUrl: connector.url }))).status).toBe(200);
  expect(fact(replies()[0], 'Rollout id')).toBe(id);
  // On the same port the new child answers before the supervisor has logged it: wait for the line.
  await poll('the restart logged', async () =>
    bot?.logs.some((l) => l.msg === 'embedded Azurite restarted') ? true : undefined,
  );
  expect(bot.logs.filter((l) => l.msg === 'embedded Azurite restarted')).toHaveLength(1);
  expect(bot.child.exitCode).toBeNull();
}, 60_000);

it('exits non-zero, after logging it, when the embedded Azurite dies more often than its restart budget', async () => {
  bot = await startBotProcess({ DATA_DIR: dataDir });
  for (let restart = 1; restart <= 3; restart++) await killAzuriteAndAwaitHealth(bot.url, dataDir);
  const last = await azuritePid(dataDir);
  process.kill(last, 'SIGKILL');

  expect(await bot.exited).toBe(1);
  expect(bot.logs.find((l) => l.msg === 'storage lost for good: exiting')).toMatchObject({
    level: 60,
    err: expect.stringMatching(/after 3 restarts within 600 s/),
  });
  expect(isProcessAlive(last)).toBe(false);
  expect(await readAzuriteState(dataDir)).toBeNull();
}, 90_000);
