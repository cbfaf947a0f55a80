import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fact, message } from '../support/activities';
import { startBotProcess, runFailingStart, type BotProcess } from '../support/bot-process';
import { FakeConnector } from '../support/fake-connector';
import { isProcessAlive } from '../../src/storage/azurite-state';

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

it('state survives a restart, and the embedded Azurite stops with the bot', async () => {
  bot = await startBotProcess({ DATA_DIR: dataDir });
  expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  await post(bot.url, message('rollout new Survivor', { serviceUrl: connector.url }));
  const id = fact(connector.cards()[0], 'Rollout id');
  expect(id).toMatch(/^ro-/);
  const azuritePid = Number(bot.logs.find((l) => l.msg === 'embedded Azurite started')?.pid);
  expect(await bot.stop()).toBe(0);
  expect(isProcessAlive(azuritePid)).toBe(false);

  bot = await startBotProcess({ DATA_DIR: dataDir });
  connector.clear();
  await post(bot.url, message(`status ${id}`, { serviceUrl: connector.url }));
  expect(fact(connector.cards()[0], 'Rollout id')).toBe(id);
  expect(fact(connector.cards()[0], 'Current phase')).toBe('Project scope');
});

it('SIGTERM during a turn lets the turn finish before exiting', async () => {
  bot = await startBotProcess({ DATA_DIR: dataDir });
  const release = connector.hold();
  const arrived = connector.nextCall();
  const turn = post(bot.url, message('rollout new Mid-turn', { serviceUrl: connector.url }));
  await arrived; // the bot is inside the turn, waiting on the Bot Connector
  process.kill(bot.pid, 'SIGTERM');
  // New requests are turned away while the turn in progress finishes.
  const during = await post(bot.url, message('status', { serviceUrl: connector.url })).catch(() => null);
  expect(during === null || during.status === 503).toBe(true);
  release();
  expect((await turn).status).toBe(200);
  expect(await bot.exited).toBe(0);
  expect(connector.texts()[0]).toMatch(/^Created “Mid-turn”/);

  bot = await startBotProcess({ DATA_DIR: dataDir });
  connector.clear();
  await post(bot.url, message('rollout list', { serviceUrl: connector.url }));
  expect(JSON.stringify(connector.cards()[0])).toContain('Mid-turn');
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
